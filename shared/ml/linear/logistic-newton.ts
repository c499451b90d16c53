/**
 * The binary L2 logistic loss as a {@link NewtonProblem}: parameters θ = [w (d), b′] with rows
 * centered by μ (z = (x − μ)·w + b′), the same weight-normalized objective as
 * {@link logisticObjective}: (1/S)·Σ sᵢ·loss(zᵢ, yᵢ) + ‖w‖²/(2·C·S).
 *
 * One read of X per Newton step: a trial step computes the new scores, the change of the loss
 * and the new gradient block by block while the rows are in cache. The scores z and
 * probabilities p of the current point are kept, so a rejected step is shortened in O(n)
 * without touching X. Loss changes use softplus(z + u) − softplus(z) = log1p(p·expm1(u)) (a
 * cumulant series in u when |u| is small), which stays accurate far below the loss's rounding
 * error, so plain Armijo works right down to the optimum. Above twice `hessianRows` rows the
 * Hessian is summed over a fixed stratified sample of rows; the gradient is always exact.
 *
 * ```ts
 * const problem = new BinaryLogisticProblem({ X, target, sw, mu, K: 1, C: 1 });
 * const res = newton(problem, { gtol: 1e-8 });
 * const theta = problem.theta; // [w, b′]
 * ```
 */
import { mulberry32 } from '../../prng.js';
import type { LinePoint, NewtonProblem } from '../optim/newton.js';
import { accumulateHessian, gradientRange, hessianScratch, scoresRange } from './logistic-kernels.js';
import type { HessianScratch } from './logistic-kernels.js';
import type { LossData } from './logistic-loss.js';

export interface BinaryProblemOptions {
  /**
   * Above twice this many rows the Hessian is summed over a stratified sample of this many
   * rows (fixed seed), not all of them: the gradient stays exact, so the optimum is the same,
   * and Newton's steps lose little (the sampled Hessian is within a few % of the full one).
   * Default {@link defaultHessianRows}.
   */
  hessianRows?: number;
}

/**
 * 500·(d + 1) rows, within 10 000..50 000: the sampled Hessian's relative error (~√(d/m)) stays
 * near 4 %, so a step costs about one more iteration than with the full Hessian, for a Hessian
 * several times cheaper once n is large.
 */
export function defaultHessianRows(d: number): number {
  return Math.min(50_000, Math.max(10_000, 500 * (d + 1)));
}
/** Rows per block of the fused trial pass (scores, loss, gradient while the rows are cached). */
const BLOCK = 256;
/** Below this |u| the loss change uses the cumulant series (error < 1e-6 relative). */
const SERIES_MAX = 0.05;

/** m sorted row indices, one drawn uniformly from each of m equal strata of 0..n-1. */
function stratifiedSample(n: number, m: number): Int32Array {
  const rand = mulberry32(0x9e3779b9);
  const out = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const lo = Math.floor((k * n) / m);
    const hi = Math.floor(((k + 1) * n) / m);
    out[k] = lo + Math.floor(rand() * (hi - lo));
  }
  return out;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * softplus(z + u) − softplus(z) given p = σ(z): the cumulant generating function of a
 * Bernoulli(p), log(1 − p + p·eᵘ).
 */
function softplusChange(z: number, p: number, u: number): number {
  const a = Math.abs(u);
  if (a < SERIES_MAX) {
    const pq = p * (1 - p);
    const k3 = pq * (1 - 2 * p);
    const k4 = pq * (1 - 6 * pq);
    return u * (p + u * (pq / 2 + u * (k3 / 6 + (u * k4) / 24)));
  }
  if (a <= 1) return Math.log1p(p * Math.expm1(u));
  return softplus(z + u) - softplus(z);
}

export class BinaryLogisticProblem implements NewtonProblem {
  readonly dim: number;
  /** Current point [w (d), b′]. */
  readonly theta: Float64Array;
  private readonly x: Float64Array;
  private readonly n: number;
  private readonly d: number;
  private readonly y: Int32Array;
  private readonly sw: Float64Array;
  private readonly mu: Float64Array;
  private readonly invS: number;
  private readonly reg: number;
  /** Scores and probabilities at the current point, and at the last trial point. */
  private z: Float64Array;
  private p: Float64Array;
  private zTrial: Float64Array;
  private pTrial: Float64Array;
  /** Residuals sᵢ(pᵢ − yᵢ) and Hessian weights sᵢpᵢ(1 − pᵢ). */
  private readonly r: Float64Array;
  private readonly h: Float64Array;
  private readonly dir: Float64Array;
  private readonly thetaTrial: Float64Array;
  private readonly scratch: HessianScratch;
  /** Rows the Hessian is summed over (null: all), and 1 / their total weight. */
  private readonly sample: Int32Array | null;
  private readonly invSampleS: number;
  /** w·dir and ‖dir_w‖², for the regularizer along the line. */
  private wDir = 0;
  private dirDir = 0;

  /** Starts at w = 0 with b′ = the weighted log-odds of the positive class (the optimum for w = 0). */
  constructor(data: LossData, options: BinaryProblemOptions = {}) {
    const { X, target, sw, mu, C } = data;
    const n = X.rows;
    this.x = X.data;
    this.n = n;
    this.d = X.cols;
    this.y = target;
    this.sw = sw;
    this.mu = mu;
    this.dim = this.d + 1;
    let S = 0;
    let S1 = 0;
    for (let i = 0; i < n; i++) {
      S += sw[i]!;
      if (target[i] === 1) S1 += sw[i]!;
    }
    this.invS = 1 / S;
    this.reg = 1 / (C * S);
    this.theta = new Float64Array(this.dim);
    this.thetaTrial = new Float64Array(this.dim);
    const b0 = S1 > 0 && S1 < S ? Math.log(S1 / (S - S1)) : 0;
    this.theta[this.d] = b0;
    this.z = new Float64Array(n).fill(b0);
    this.p = new Float64Array(n).fill(sigmoid(b0));
    this.zTrial = new Float64Array(n);
    this.pTrial = new Float64Array(n);
    this.r = new Float64Array(n);
    this.h = new Float64Array(n);
    this.dir = new Float64Array(this.dim);
    this.scratch = hessianScratch(this.d);
    const m = options.hessianRows ?? defaultHessianRows(this.d);
    const sample = n > 2 * m ? stratifiedSample(n, m) : null;
    let Ss = 0;
    if (sample !== null) for (const i of sample) Ss += sw[i]!;
    // A sample whose rows all weigh 0 says nothing about H: use every row then.
    this.sample = Ss > 0 ? sample : null;
    this.invSampleS = this.sample === null ? this.invS : 1 / Ss;
  }

  derivatives(grad: Float64Array, hess: Float64Array | null): void {
    const { n, y, sw, p, r } = this;
    for (let i = 0; i < n; i++) r[i] = sw[i]! * (p[i]! - y[i]!);
    grad.fill(0);
    const rs = gradientRange(this.x, this.d, this.mu, r, 0, n, grad);
    this.finishGradient(grad, rs, this.theta);
    if (hess !== null) this.hessian(p, hess);
  }

  trial(dir: Float64Array, grad: Float64Array, hess: Float64Array | null): number {
    const { x, n, d, mu, y, sw, z, p, zTrial, pTrial, r, theta, thetaTrial } = this;
    this.setDirection(dir);
    for (let j = 0; j <= d; j++) thetaTrial[j] = theta[j]! + dir[j]!;
    const c = thetaTrial[d]!;
    grad.fill(0);
    let rs = 0;
    let delta = 0;
    for (let lo = 0; lo < n; lo += BLOCK) {
      const hi = Math.min(n, lo + BLOCK);
      scoresRange(x, d, mu, thetaTrial, c, lo, hi, zTrial);
      for (let i = lo; i < hi; i++) {
        const s = sw[i]!;
        const zt = zTrial[i]!;
        const pt = sigmoid(zt);
        pTrial[i] = pt;
        r[i] = s * (pt - y[i]!);
        if (s !== 0) {
          const u = zt - z[i]!;
          delta += s * (softplusChange(z[i]!, p[i]!, u) - y[i]! * u);
        }
      }
      rs += gradientRange(x, d, mu, r, lo, hi, grad);
    }
    this.finishGradient(grad, rs, thetaTrial);
    if (hess !== null) this.hessian(pTrial, hess);
    return delta * this.invS + this.reg * (this.wDir + 0.5 * this.dirDir);
  }

  accept(): void {
    this.theta.set(this.thetaTrial);
    [this.z, this.zTrial] = [this.zTrial, this.z];
    [this.p, this.pTrial] = [this.pTrial, this.p];
  }

  /** Uses the scores of the last trial: u = zTrial − z is the direction's change of the scores. */
  line(t: number): LinePoint {
    const { n, y, sw, z, p, zTrial } = this;
    let delta = 0;
    let slope = 0;
    for (let i = 0; i < n; i++) {
      const s = sw[i]!;
      if (s === 0) continue;
      const zi = z[i]!;
      const ui = zTrial[i]! - zi;
      const tu = t * ui;
      const yi = y[i]!;
      delta += s * (softplusChange(zi, p[i]!, tu) - yi * tu);
      slope += s * (sigmoid(zi + tu) - yi) * ui;
    }
    const { reg, wDir, dirDir } = this;
    return {
      delta: delta * this.invS + reg * (t * wDir + 0.5 * t * t * dirDir),
      slope: slope * this.invS + reg * (wDir + t * dirDir),
    };
  }

  move(t: number): void {
    const { n, z, p, zTrial, theta, dir } = this;
    for (let j = 0; j < this.dim; j++) theta[j] = theta[j]! + t * dir[j]!;
    for (let i = 0; i < n; i++) {
      const zi = z[i]! + t * (zTrial[i]! - z[i]!);
      z[i] = zi;
      p[i] = sigmoid(zi);
    }
  }

  private setDirection(dir: Float64Array): void {
    this.dir.set(dir);
    let wd = 0;
    let dd = 0;
    for (let j = 0; j < this.d; j++) {
      wd += this.theta[j]! * dir[j]!;
      dd += dir[j]! * dir[j]!;
    }
    this.wDir = wd;
    this.dirDir = dd;
  }

  /** grad[0..d) holds Σ rᵢx̃ᵢ and rs = Σ rᵢ: normalize, add the penalty's gradient. */
  private finishGradient(grad: Float64Array, rs: number, theta: Float64Array): void {
    const { d, invS, reg } = this;
    for (let j = 0; j < d; j++) grad[j] = grad[j]! * invS + reg * theta[j]!;
    grad[d] = rs * invS;
  }

  private hessian(p: Float64Array, hess: Float64Array): void {
    const { n, d, sw, h, sample, reg } = this;
    if (sample === null) for (let i = 0; i < n; i++) h[i] = sw[i]! * p[i]! * (1 - p[i]!);
    else for (const i of sample) h[i] = sw[i]! * p[i]! * (1 - p[i]!);
    accumulateHessian(this.x, n, d, this.mu, sample, h, hess, this.scratch);
    const e = d + 1;
    const scale = this.invSampleS;
    for (let k = 0; k < e * e; k++) hess[k] = hess[k]! * scale;
    for (let j = 0; j < d; j++) hess[j * e + j] = hess[j * e + j]! + reg;
  }
}
