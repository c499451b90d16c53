/**
 * L-BFGS minimizer for smooth unconstrained objectives, with a strong-Wolfe line search
 * (Nocedal & Wright, algorithms 3.5/3.6 with cubic interpolation in the zoom phase).
 * Allocation-conscious: the history lives in preallocated Float64Arrays; the objective writes
 * its gradient into the buffer it is given.
 *
 * ```ts
 * const res = lbfgs((x, g) => { g[0] = 2 * (x[0]! - 3); return (x[0]! - 3) ** 2; }, new Float64Array(1));
 * // res.x[0] ≈ 3, res.converged === true
 * ```
 */

/** Returns f(x) and writes ∇f(x) into `grad` (same length as x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Stop when max |∇f| ≤ gtol. Default 1e-8. */
  gtol?: number;
  /** Iteration cap (one line search per iteration). Default 1000. */
  maxIter?: number;
  /** Number of correction pairs kept. Default 10. */
  memory?: number;
  /** Function evaluations allowed per line search. Default 40. */
  maxLineSearch?: number;
  /**
   * The gradient's size compared with `gtol` (and reported as `gradMax`). Default max |∇f|; a
   * preconditioned problem passes the max norm of the gradient in its original coordinates.
   */
  gradNorm?: (grad: Float64Array) => number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** max |∇f| at x (or `gradNorm` of it). */
  gradMax: number;
  nIter: number;
  nEval: number;
  converged: boolean;
  /** Why it stopped: 'gtol', 'max-iter', or 'no-progress' (line search could not decrease f). */
  reason: 'gtol' | 'max-iter' | 'no-progress';
}

const DEFAULTS: Required<LbfgsOptions> = Object.freeze({ gtol: 1e-8, maxIter: 1000, memory: 10, maxLineSearch: 40, gradNorm: maxAbs });
const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}

/** Minimizer of the cubic through (a, fa, ga) and (b, fb, gb), clamped inside [lo, hi]. */
function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    const t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
    const margin = 0.1 * (hi - lo);
    if (Number.isFinite(t) && t > lo + margin && t < hi - margin) return t;
  }
  return (a + b) / 2;
}

interface LineState {
  x0: Float64Array;
  dir: Float64Array;
  x: Float64Array;
  g: Float64Array;
  evals: number;
}

function evalAt(fn: Objective, st: LineState, t: number): { f: number; d: number } {
  const { x0, dir, x, g } = st;
  for (let i = 0; i < x.length; i++) x[i] = x0[i]! + t * dir[i]!;
  const f = fn(x, g);
  st.evals++;
  return { f, d: dot(g, dir) };
}

/** Strong-Wolfe line search; leaves the accepted point in st.x/st.g. Returns its f and step, or null. */
function lineSearch(fn: Objective, st: LineState, f0: number, d0: number, t0: number, maxEval: number): { f: number; t: number } | null {
  let tPrev = 0;
  let fPrev = f0;
  let dPrev = d0;
  let t = t0;
  let best: { f: number; t: number } | null = null;
  // Near the optimum f changes by less than its rounding error; there the Armijo test is
  // replaced by Hager & Zhang's approximate-Wolfe test on the derivative, so the search can
  // still reach a gradient far below sqrt(machine epsilon).
  const fEps = 1e-14 * Math.abs(f0);
  const decreases = (e: { f: number; d: number }, step: number): boolean =>
    e.f <= f0 + C1 * step * d0 || (e.f <= f0 + fEps && e.d <= (1 - 2 * C1) * -d0);
  const zoom = (lo: number, flo: number, dlo: number, hi: number, fhi: number, dhi: number): { f: number; t: number } | null => {
    while (st.evals < maxEval) {
      const tj = cubicMin(lo, flo, dlo, hi, fhi, dhi);
      const e = evalAt(fn, st, tj);
      if (e.f < (best?.f ?? f0) || (best === null && decreases(e, tj))) best = { f: e.f, t: tj };
      if (!decreases(e, tj) || e.f >= flo + fEps) {
        hi = tj; fhi = e.f; dhi = e.d;
      } else {
        if (Math.abs(e.d) <= -C2 * d0) return { f: e.f, t: tj };
        if (e.d * (hi - lo) >= 0) { hi = lo; fhi = flo; dhi = dlo; }
        lo = tj; flo = e.f; dlo = e.d;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    return null;
  };
  for (let k = 0; st.evals < maxEval; k++) {
    const e = evalAt(fn, st, t);
    if (!Number.isFinite(e.f)) { t = (tPrev + t) / 2; continue; }
    if (e.f < (best?.f ?? f0) || (best === null && decreases(e, t))) best = { f: e.f, t };
    if (!decreases(e, t) || (k > 0 && e.f >= fPrev + fEps)) {
      const r = zoom(tPrev, fPrev, dPrev, t, e.f, e.d);
      return r ?? finish(fn, st, best);
    }
    if (Math.abs(e.d) <= -C2 * d0) return { f: e.f, t };
    if (e.d >= 0) {
      const r = zoom(t, e.f, e.d, tPrev, fPrev, dPrev);
      return r ?? finish(fn, st, best);
    }
    tPrev = t; fPrev = e.f; dPrev = e.d;
    t *= 2;
  }
  return finish(fn, st, best);
}

/** Fallback when Wolfe could not be met: accept the best sufficient-decrease point seen. */
function finish(fn: Objective, st: LineState, best: { f: number; t: number } | null): { f: number; t: number } | null {
  if (best === null) return null;
  const e = evalAt(fn, st, best.t);
  return { f: e.f, t: best.t };
}

/** Minimize `fn` from `x0` (not modified). */
export function lbfgs(fn: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const o = { ...DEFAULTS, ...options };
  const n = x0.length;
  const m = o.memory;
  const S = new Float64Array(m * n);
  const Y = new Float64Array(m * n);
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let x: Float64Array = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  const dir = new Float64Array(n);
  const st: LineState = { x0: x, dir, x: new Float64Array(n), g: new Float64Array(n), evals: 0 };
  let f = fn(x, g);
  st.evals = 1;
  let stored = 0;
  let head = 0;
  let iter = 0;
  let reason: LbfgsResult['reason'] = 'max-iter';
  while (true) {
    if (o.gradNorm(g) <= o.gtol) { reason = 'gtol'; break; }
    if (iter >= o.maxIter) { reason = 'max-iter'; break; }
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    for (let k = 0; k < stored; k++) {
      const j = (head - 1 - k + m) % m;
      let a = 0;
      for (let i = 0; i < n; i++) a += S[j * n + i]! * dir[i]!;
      a *= rho[j]!;
      alpha[j] = a;
      for (let i = 0; i < n; i++) dir[i] = dir[i]! - a * Y[j * n + i]!;
    }
    if (stored > 0) {
      const j = (head - 1 + m) % m;
      let yy = 0;
      for (let i = 0; i < n; i++) yy += Y[j * n + i]! ** 2;
      const gamma = 1 / (rho[j]! * yy);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! * gamma;
    }
    for (let k = stored - 1; k >= 0; k--) {
      const j = (head - 1 - k + m) % m;
      let b = 0;
      for (let i = 0; i < n; i++) b += Y[j * n + i]! * dir[i]!;
      b *= rho[j]!;
      const c = alpha[j]! - b;
      for (let i = 0; i < n; i++) dir[i] = dir[i]! + c * S[j * n + i]!;
    }
    let d0 = dot(g, dir);
    if (!(d0 < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      stored = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]!;
      d0 = dot(g, dir);
    }
    const t0 = stored === 0 ? Math.min(1, 1 / Math.sqrt(-d0)) : 1;
    st.x0 = x;
    st.evals = 0;
    const ls = lineSearch(fn, st, f, d0, t0, o.maxLineSearch);
    iter++;
    if (ls === null || !(ls.f <= f + 1e-14 * Math.abs(f))) { reason = 'no-progress'; break; }
    // Store the correction pair s = x_new - x, y = g_new - g.
    let sy = 0;
    for (let i = 0; i < n; i++) {
      const s = st.x[i]! - x[i]!;
      const yv = st.g[i]! - g[i]!;
      S[head * n + i] = s;
      Y[head * n + i] = yv;
      sy += s * yv;
    }
    if (sy > 1e-300) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = Math.min(stored + 1, m);
    }
    [x, st.x] = [st.x, x];
    [g, st.g] = [st.g, g];
    f = ls.f;
  }
  const gradMax = o.gradNorm(g);
  return { x, f, gradMax, nIter: iter, nEval: st.evals, converged: reason === 'gtol', reason };
}
