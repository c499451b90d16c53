/**
 * Whitening preconditioner for L-BFGS on the logistic loss. The Hessian of each class's
 * parameters [w_k, b′_k] is roughly c·M + reg·I_w, where M = (1/S)·Σ sᵢ·x̃ᵢx̃ᵢᵀ is the weighted
 * second-moment matrix of the centered rows extended by 1, and c the average pᵢ(1 − pᵢ) (taken
 * from the class priors). With P = c·M + reg·I_w = L·Lᵀ, the substitution θ_k = L⁻ᵀ·v_k makes
 * that Hessian ≈ I, so correlated or badly scaled features no longer slow L-BFGS down. The
 * objective is the same function in other coordinates, so the minimizer is unchanged; the
 * stopping test still uses the gradient in the original coordinates (∇θ = L·∇v). M is summed
 * over a stratified sample of rows when there are many.
 *
 * ```ts
 * const pre = whiten(loss);
 * const res = lbfgs(pre.objective(logisticObjective(loss)), new Float64Array(pre.size), { gradNorm: pre.gradNorm });
 * const theta = pre.toTheta(res.x);
 * ```
 */
import { mulberry32 } from '../../prng.js';
import type { Objective } from '../optim/lbfgs.js';
import { choleskyFactor } from './dense.js';
import { accumulateHessian, hessianScratch } from './logistic-kernels.js';
import type { LossData } from './logistic-loss.js';

/** Rows M is summed over at most. */
const SAMPLE_ROWS = 50_000;

export interface Whitening {
  /** Number of parameters, K·(d + 1). */
  size: number;
  /** The objective in whitened coordinates v. */
  objective(fn: Objective): Objective;
  /** θ from v (a new array). */
  toTheta(v: Float64Array): Float64Array;
  /** max |∇θ| from ∇v. */
  gradNorm(gv: Float64Array): number;
}

export function whiten(data: LossData): Whitening {
  const { X, target, sw, mu, K, C } = data;
  const { data: x, rows: n, cols: d } = X;
  const e = d + 1;
  let S = 0;
  const classS = new Float64Array(Math.max(K, 2));
  for (let i = 0; i < n; i++) {
    S += sw[i]!;
    classS[target[i]!] = classS[target[i]!]! + sw[i]!;
  }
  let c = 0;
  for (const s of classS) c += (s / S) * (1 - s / S);
  c /= classS.length;
  if (K === 1) c = Math.max(c, 0.05);
  let rows: Int32Array | null = null;
  if (n > 2 * SAMPLE_ROWS) {
    const rand = mulberry32(0x2545f491);
    rows = Int32Array.from({ length: SAMPLE_ROWS }, (_, k) => {
      const lo = Math.floor((k * n) / SAMPLE_ROWS);
      return lo + Math.floor(rand() * (Math.floor(((k + 1) * n) / SAMPLE_ROWS) - lo));
    });
  }
  const M = new Float64Array(e * e);
  accumulateHessian(x, n, d, mu, rows, sw, M, hessianScratch(d));
  let Ss = 0;
  if (rows === null) Ss = S;
  else for (const i of rows) Ss += sw[i]!;
  const reg = 1 / (C * S);
  for (let k = 0; k < e * e; k++) M[k] = (M[k]! / Ss) * c;
  for (let j = 0; j < d; j++) M[j * e + j] = M[j * e + j]! + reg;
  // Constant or duplicated columns leave M singular up to reg: damp until it factors.
  let dmax = 0;
  for (let j = 0; j < e; j++) dmax = Math.max(dmax, M[j * e + j]!);
  let L = choleskyFactor(M, e, 1e-12);
  for (let lambda = 1e-10 * dmax; L === null && lambda <= dmax; lambda *= 100) {
    const A = Float64Array.from(M);
    for (let j = 0; j < e; j++) A[j * e + j] = A[j * e + j]! + lambda;
    L = choleskyFactor(A, e, 1e-12);
  }
  if (L === null) L = identity(e);
  return new WhiteningImpl(L, K, d);
}

function identity(e: number): Float64Array {
  const I = new Float64Array(e * e);
  for (let j = 0; j < e; j++) I[j * e + j] = 1;
  return I;
}

class WhiteningImpl implements Whitening {
  readonly size: number;
  private readonly buf: Float64Array;
  private readonly theta: Float64Array;
  private readonly gt: Float64Array;

  constructor(private readonly L: Float64Array, private readonly K: number, private readonly d: number) {
    this.size = K * (d + 1);
    this.buf = new Float64Array(d + 1);
    this.theta = new Float64Array(this.size);
    this.gt = new Float64Array(this.size);
  }

  objective(fn: Objective): Objective {
    return (v, gv) => {
      this.map(v, this.theta, false);
      const f = fn(this.theta, this.gt);
      this.map(this.gt, gv, true);
      return f;
    };
  }

  toTheta(v: Float64Array): Float64Array {
    const out = new Float64Array(this.size);
    this.map(v, out, false);
    return out;
  }

  gradNorm = (gv: Float64Array): number => {
    const { L, K, d, buf } = this;
    const e = d + 1;
    let m = 0;
    for (let k = 0; k < K; k++) {
      this.gather(gv, k);
      for (let i = 0; i < e; i++) {
        let s = 0;
        for (let j = 0; j <= i; j++) s += L[i * e + j]! * buf[j]!;
        m = Math.max(m, Math.abs(s));
      }
    }
    return m;
  };

  /** Per class: θ_k = L⁻ᵀ v_k (backward solve), or ∇v_k = L⁻¹ ∇θ_k (forward solve). */
  private map(src: Float64Array, dst: Float64Array, forward: boolean): void {
    const { L, K, d, buf } = this;
    const e = d + 1;
    for (let k = 0; k < K; k++) {
      this.gather(src, k);
      if (forward) {
        for (let i = 0; i < e; i++) {
          let t = buf[i]!;
          for (let j = 0; j < i; j++) t -= L[i * e + j]! * buf[j]!;
          buf[i] = t / L[i * e + i]!;
        }
      } else {
        for (let i = e - 1; i >= 0; i--) {
          let t = buf[i]!;
          for (let j = i + 1; j < e; j++) t -= L[j * e + i]! * buf[j]!;
          buf[i] = t / L[i * e + i]!;
        }
      }
      for (let j = 0; j < d; j++) dst[k * d + j] = buf[j]!;
      dst[K * d + k] = buf[d]!;
    }
  }

  /** buf = [src W row k, src b_k]. */
  private gather(src: Float64Array, k: number): void {
    const { K, d, buf } = this;
    for (let j = 0; j < d; j++) buf[j] = src[k * d + j]!;
    buf[d] = src[K * d + k]!;
  }
}
