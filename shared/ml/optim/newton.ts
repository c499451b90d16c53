/**
 * Damped Newton minimizer for smooth convex objectives of a few hundred parameters at most: the
 * step solves H·p = −g by Cholesky (with Levenberg damping when H is numerically singular), the
 * full step is tried first (the problem returns the change of f and the new gradient from one
 * evaluation) and shortened by Armijo backtracking when it does not decrease f enough, and the
 * Hessian's factor is reused while full steps keep shrinking the gradient fast (such a chord
 * step costs one gradient instead of one Hessian). The problem owns its point and reports
 * changes of f, not f itself, so it can keep them accurate far below f's rounding error.
 *
 * ```ts
 * const res = newton(problem, { gtol: 1e-8, maxIter: 100 });
 * // res.converged, res.nIter, res.nHessian; the minimizer is the problem's current point
 * ```
 */
import { choleskyFactor, choleskySolveFactored } from '../linear/dense.js';

/** Change of f and its slope along the current direction at step t (see {@link NewtonProblem.line}). */
export interface LinePoint {
  /** f(x + t·dir) − f(x), computed so that it stays accurate when tiny. */
  delta: number;
  /** d/dt f(x + t·dir). */
  slope: number;
}

export interface NewtonProblem {
  readonly dim: number;
  /** ∇f at the current point into `grad`; unless `hess` is null, also ∇²f (dim×dim row-major, full). */
  derivatives(grad: Float64Array, hess: Float64Array | null): void;
  /**
   * Evaluate the full step: returns f(x + dir) − f(x) (accurate when tiny) and writes ∇f (and
   * ∇²f unless `hess` is null) at x + dir. The current point stays x until {@link accept} or
   * {@link move}; `dir` stays fixed for the {@link line} and {@link move} calls that follow.
   */
  trial(dir: Float64Array, grad: Float64Array, hess: Float64Array | null): number;
  /** Make the last trial point x + dir current. */
  accept(): void;
  /** f(x + t·dir) − f(x) and its slope, for a shorter step after a rejected trial. */
  line(t: number): LinePoint;
  /** Move the current point to x + t·dir. */
  move(t: number): void;
}

export interface NewtonOptions {
  /** Stop when max |∇f| ≤ gtol. Default 1e-8. */
  gtol?: number;
  /** Iteration cap (one step per iteration). Default 100. */
  maxIter?: number;
  /** Trial steps per line search. Default 40. */
  maxLineSearch?: number;
  /**
   * Reuse the last Hessian factor for the next step while the previous full step shrank
   * max |∇f| by at least this factor. Default 0.1; 0 recomputes the Hessian every iteration.
   */
  reuseBelow?: number;
}

export interface NewtonResult {
  /** max |∇f| at the final point. */
  gradMax: number;
  nIter: number;
  /** Hessians computed and factored. */
  nHessian: number;
  converged: boolean;
  /** Why it stopped: 'gtol', 'max-iter', or 'no-progress' (the line search found no decrease). */
  reason: 'gtol' | 'max-iter' | 'no-progress';
}

const DEFAULTS: Required<NewtonOptions> = Object.freeze({ gtol: 1e-8, maxIter: 100, maxLineSearch: 40, reuseBelow: 0.1 });
const C1 = 1e-4;

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Cholesky factor of H, adding λ·I (λ from 1e-10 up to 1 times the largest diagonal entry) when
 * H is not numerically positive definite. Null only when even that fails (non-finite H).
 */
function dampedFactor(H: Float64Array, n: number, L: Float64Array): Float64Array | null {
  if (choleskyFactor(H, n, 1e-12, L) !== null) return L;
  let dmax = 0;
  for (let i = 0; i < n; i++) dmax = Math.max(dmax, Math.abs(H[i * n + i]!));
  if (!(dmax > 0) || !Number.isFinite(dmax)) dmax = 1;
  const A = Float64Array.from(H);
  for (let lambda = 1e-10 * dmax; lambda <= dmax; lambda *= 100) {
    for (let i = 0; i < n; i++) A[i * n + i] = H[i * n + i]! + lambda;
    if (choleskyFactor(A, n, 1e-12, L) !== null) return L;
  }
  return null;
}

/**
 * Backtracking line search after the full step was rejected (its change `delta1` is known):
 * safeguarded quadratic interpolation, accepting the first t with
 * f(x + t·dir) − f(x) ≤ c₁·t·slope₀. Returns t, or 0 when none is found.
 */
function backtrack(problem: NewtonProblem, slope0: number, delta1: number, maxEval: number): number {
  let t = 1;
  let delta = delta1;
  let slope = NaN;
  for (let k = 0; k < maxEval; k++) {
    // Minimizer of the quadratic through (0, 0, slope0) and (t, delta), or of the secant on
    // the slopes; kept within [0.1·t, 0.5·t].
    let next = Number.isFinite(delta) ? (-slope0 * t * t) / (2 * (delta - slope0 * t)) : 0.1 * t;
    if (Number.isFinite(slope) && slope > 0) next = Math.min(next, (t * -slope0) / (slope - slope0));
    t = Math.min(0.5 * t, Math.max(0.1 * t, Number.isFinite(next) ? next : 0.1 * t));
    ({ delta, slope } = problem.line(t));
    if (Number.isFinite(delta) && delta <= C1 * t * slope0) return t;
  }
  return 0;
}

/** Minimize the problem from its current point; the result point is left in the problem. */
export function newton(problem: NewtonProblem, options: NewtonOptions = {}): NewtonResult {
  const o = { ...DEFAULTS, ...options };
  const n = problem.dim;
  let g = new Float64Array(n);
  let gNext = new Float64Array(n);
  const H = new Float64Array(n * n);
  const L = new Float64Array(n * n);
  const dir = new Float64Array(n);
  problem.derivatives(g, H);
  let fresh = true; // H holds the Hessian at the current point
  let haveFactor = false;
  let iter = 0;
  let nHessian = 0;
  let prevMax = Infinity;
  let prevFull = false;
  let reason: NewtonResult['reason'] = 'max-iter';
  let gmax = Infinity;
  while (true) {
    gmax = maxAbs(g);
    if (gmax <= o.gtol) { reason = 'gtol'; break; }
    if (iter >= o.maxIter) { reason = 'max-iter'; break; }
    if (fresh) {
      nHessian++;
      haveFactor = dampedFactor(H, n, L) !== null;
    }
    let slope0 = -Infinity;
    if (haveFactor) {
      choleskySolveFactored(L, g, n, dir);
      slope0 = 0;
      for (let i = 0; i < n; i++) {
        dir[i] = -dir[i]!;
        slope0 += g[i]! * dir[i]!;
      }
    }
    if (!(slope0 < 0)) {
      if (!fresh) { problem.derivatives(g, H); fresh = true; continue; } // stale factor went bad
      // No usable factor: steepest descent, scaled to a unit-length first step.
      const scale = 1 / Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      slope0 = 0;
      for (let i = 0; i < n; i++) {
        dir[i] = -g[i]! * scale;
        slope0 += g[i]! * dir[i]!;
      }
    }
    // Reuse the factor for the next step only after two full steps in a row, the last of which
    // shrank the gradient fast (the quadratic phase, where H changes little from step to step).
    const wantHessian = !(o.reuseBelow > 0 && prevFull && gmax <= o.reuseBelow * prevMax);
    const delta = problem.trial(dir, gNext, wantHessian ? H : null);
    let t = 1;
    if (Number.isFinite(delta) && delta <= C1 * slope0) {
      problem.accept();
      [g, gNext] = [gNext, g];
    } else {
      t = backtrack(problem, slope0, delta, o.maxLineSearch);
      if (t === 0) {
        if (!fresh) { problem.derivatives(g, H); fresh = true; continue; } // retry with a fresh Hessian
        reason = 'no-progress';
        break;
      }
      problem.move(t);
      problem.derivatives(g, wantHessian ? H : null);
    }
    iter++;
    fresh = wantHessian;
    prevFull = t === 1;
    prevMax = gmax;
  }
  return { gradMax: gmax, nIter: iter, nHessian, converged: reason === 'gtol', reason };
}
