/**
 * The L2-regularized (multinomial) logistic loss and its gradient over a row-major design
 * matrix, as an {@link Objective} for L-BFGS. Parameters are laid out [W (K×d), b (K)], with
 * K = 1 for the binary (sigmoid) case. Rows are centered by `mu` inside the dot product
 * (z = (x − μ)·w + b′), which conditions the intercept without copying X; the caller maps b′
 * back to b = b′ − μ·w. Objective: (1/S)·Σ sᵢ·loss(zᵢ, yᵢ) + ‖W‖²/(2·C·S), S = Σ sᵢ, which has
 * the same minimizer as scikit-learn's C·Σ sᵢ·loss + ½‖W‖².
 *
 * ```ts
 * const f = logisticObjective({ X, target, sw, mu, K: 1, C: 1 });
 * ```
 */
import type { Objective } from '../optim/lbfgs.js';
import type { DesignMatrix } from './types.js';

export interface LossData {
  X: DesignMatrix;
  /** Class index per row (binary: 0 or 1). */
  target: Int32Array;
  /** Per-row weight (sample weight × class weight). */
  sw: Float64Array;
  mu: Float64Array;
  /** Number of score columns: 1 for binary, the number of classes otherwise. */
  K: number;
  C: number;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function logisticObjective(data: LossData): Objective {
  const { X, target, sw, mu, K, C } = data;
  const { data: x, rows: n, cols: d } = X;
  let S = 0;
  for (let i = 0; i < n; i++) S += sw[i]!;
  const invS = 1 / S;
  const reg = 1 / (C * S);
  const shift = new Float64Array(K);
  const z = new Float64Array(K);
  const r = new Float64Array(K);
  const rsum = new Float64Array(K);
  return (theta, grad) => {
    grad.fill(0);
    for (let k = 0; k < K; k++) {
      let s = theta[K * d + k]!;
      for (let j = 0; j < d; j++) s -= mu[j]! * theta[k * d + j]!;
      shift[k] = s;
    }
    rsum.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const wi = sw[i]!;
      if (wi === 0) continue;
      const o = i * d;
      const t = target[i]!;
      if (K === 1) {
        let zi = shift[0]!;
        for (let j = 0; j < d; j++) zi += x[o + j]! * theta[j]!;
        loss += wi * (softplus(zi) - (t === 1 ? zi : 0));
        const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
        r[0] = wi * (p - t);
      } else {
        let zmax = -Infinity;
        for (let k = 0; k < K; k++) {
          let zk = shift[k]!;
          const wo = k * d;
          for (let j = 0; j < d; j++) zk += x[o + j]! * theta[wo + j]!;
          z[k] = zk;
          if (zk > zmax) zmax = zk;
        }
        let se = 0;
        for (let k = 0; k < K; k++) {
          const e = Math.exp(z[k]! - zmax);
          r[k] = e;
          se += e;
        }
        loss += wi * (zmax + Math.log(se) - z[t]!);
        for (let k = 0; k < K; k++) r[k] = wi * (r[k]! / se - (k === t ? 1 : 0));
      }
      for (let k = 0; k < K; k++) {
        const rk = r[k]!;
        rsum[k] = rsum[k]! + rk;
        const wo = k * d;
        for (let j = 0; j < d; j++) grad[wo + j] = grad[wo + j]! + rk * x[o + j]!;
      }
    }
    let pen = 0;
    for (let k = 0; k < K; k++) {
      const wo = k * d;
      for (let j = 0; j < d; j++) {
        const w = theta[wo + j]!;
        pen += w * w;
        grad[wo + j] = (grad[wo + j]! - mu[j]! * rsum[k]!) * invS + reg * w;
      }
      grad[K * d + k] = rsum[k]! * invS;
    }
    return loss * invS + 0.5 * reg * pen;
  };
}
