/**
 * scikit-learn 1.2 `LogisticRegression(penalty='l2', C, class_weight)`: binary (sigmoid) for two
 * classes, multinomial (softmax, one coefficient row per class) for more, intercepts
 * unpenalized. Minimized to max |∇| ≤ `tol` on the weight-normalized objective (default 1e-8,
 * much tighter than sklearn's 1e-4), so the coefficients are those of the true optimum
 * (sklearn's exact `newton-cholesky` answer, not its early-stopped `lbfgs` one). Two solvers:
 * damped Newton with a (row-sampled) Hessian for binary problems with few features
 * (logistic-newton.ts), and L-BFGS on whitened coordinates otherwise (logistic-precondition.ts).
 * A fit that hits `maxIter` (e.g. perfectly separable classes with a large C) still returns,
 * with `fit.converged` false, a warning in `fit.warnings`, and a logged warning.
 *
 * ```ts
 * const model = logisticRegression(X, y, { C: 1, classWeight: 'balanced' });
 * const proba = predictProba(model, X); // n×k row-major
 * ```
 */
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import { lbfgs } from '../optim/lbfgs.js';
import { newton } from '../optim/newton.js';
import { classWeights, encodeLabels } from './labels.js';
import { logisticObjective } from './logistic-loss.js';
import type { LossData } from './logistic-loss.js';
import { BinaryLogisticProblem } from './logistic-newton.js';
import { whiten } from './logistic-precondition.js';
import { checkDesign, checkFeatures, checkVector } from './types.js';
import type { DesignMatrix, Label, LogisticModel } from './types.js';

export interface LogisticOptions {
  /** Inverse L2 strength (sklearn `C`). Default 1. */
  C?: number;
  /** 'balanced', a map from `String(label)` to weight, or null (default). */
  classWeight?: 'balanced' | Record<string, number> | null;
  /** Solver iteration cap (Newton steps or L-BFGS iterations). Default 1000. */
  maxIter?: number;
  /** Stop when max |gradient| of the weight-normalized objective ≤ tol. Default 1e-8. */
  tol?: number;
  /** Per-row weights (≥ 0), multiplied by the class weights. */
  sampleWeight?: ArrayLike<number>;
  /**
   * 'newton' (two classes only): damped Newton steps; 'lbfgs': L-BFGS on whitened coordinates;
   * 'auto' (default): newton for two classes and at most {@link NEWTON_MAX_FEATURES} features,
   * else lbfgs. Both reach the same optimum.
   */
  solver?: LogisticSolver;
}

export type LogisticSolver = 'auto' | 'lbfgs' | 'newton';

/**
 * Above this many features 'auto' picks (whitened) L-BFGS: the d×d Hessian then costs more than
 * it saves. At or below it the two take about as long, and Newton usually ends closer to the
 * optimum (its last steps shrink the gradient by 10-1000×, not just below `tol`).
 */
export const NEWTON_MAX_FEATURES = 64;

const DEFAULTS = Object.freeze({ C: 1, classWeight: null, maxIter: 1000, tol: 1e-8, solver: 'auto' as LogisticSolver });
const SOLVERS: readonly LogisticSolver[] = ['auto', 'lbfgs', 'newton'];

function checkPositive(name: string, v: number, integer: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `${name}: ${String(v)} must be a ${integer ? 'positive integer' : 'finite number > 0'}`);
  }
}

interface SolveResult {
  /** [W (K×d), b′ (K)] in centered coordinates. */
  x: Float64Array;
  nIter: number;
  converged: boolean;
  gradMax: number;
  reason: 'gtol' | 'max-iter' | 'no-progress';
}

function solve(loss: LossData, useNewton: boolean, tol: number, maxIter: number): SolveResult {
  if (useNewton) {
    const problem = new BinaryLogisticProblem(loss);
    return { ...newton(problem, { gtol: tol, maxIter }), x: problem.theta };
  }
  const pre = whiten(loss);
  const res = lbfgs(pre.objective(logisticObjective(loss)), new Float64Array(pre.size), { gtol: tol, maxIter, gradNorm: pre.gradNorm });
  return { ...res, x: pre.toTheta(res.x) };
}

/** Unweighted column means of a row-major n×d matrix. */
function columnMeans(data: Float64Array, n: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = i * d;
    for (let j = 0; j < d; j++) mu[j] = mu[j]! + (data[o + j]! + data[o + d + j]! + data[o + 2 * d + j]! + data[o + 3 * d + j]!);
  }
  for (; i < n; i++) for (let j = 0; j < d; j++) mu[j] = mu[j]! + data[i * d + j]!;
  for (let j = 0; j < d; j++) mu[j] = mu[j]! / n;
  return mu;
}

export function logisticRegression(X: DesignMatrix, y: ArrayLike<Label>, options: LogisticOptions = {}): LogisticModel {
  const C = options.C ?? DEFAULTS.C;
  const maxIter = options.maxIter ?? DEFAULTS.maxIter;
  const tol = options.tol ?? DEFAULTS.tol;
  const classWeight = options.classWeight ?? DEFAULTS.classWeight;
  checkPositive('C', C, false);
  checkPositive('maxIter', maxIter, true);
  checkPositive('tol', tol, false);
  const solver = options.solver ?? DEFAULTS.solver;
  if (!SOLVERS.includes(solver)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `solver: ${String(solver)} must be one of ${SOLVERS.join(', ')}`);
  }
  if (classWeight !== null && classWeight !== 'balanced' && (typeof classWeight !== 'object' || Array.isArray(classWeight))) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `classWeight: ${String(classWeight)} must be 'balanced', a {label: weight} object, or null`);
  }
  checkDesign(X);
  const { rows: n, cols: d, data } = X;
  if (y.length !== n) throw QuiverError.nonRetryable('INPUT_INVALID', `y: has ${y.length} labels but X has ${n} rows`);
  if (options.sampleWeight !== undefined) checkVector(options.sampleWeight, n, 'sampleWeight', true);
  const { classes, index } = encodeLabels(y);
  if (classes.length < 2) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `y: needs at least 2 classes to fit a classifier, got ${classes.length} (${classes.map(String).join(', ')})`);
  }
  const cw = classWeights(classWeight, classes, index);
  const sw = new Float64Array(n);
  let S = 0;
  for (let i = 0; i < n; i++) {
    sw[i] = (options.sampleWeight === undefined ? 1 : options.sampleWeight[i]!) * cw[index[i]!]!;
    S += sw[i]!;
  }
  if (!(S > 0)) throw QuiverError.nonRetryable('INPUT_INVALID', 'sampleWeight × classWeight: total weight is 0; give some rows a positive weight');
  const mu = columnMeans(data, n, d);
  const K = classes.length === 2 ? 1 : classes.length;
  const useNewton = solver === 'newton' || (solver === 'auto' && K === 1 && d <= NEWTON_MAX_FEATURES);
  if (useNewton && K !== 1) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `solver: 'newton' fits two classes only, y has ${classes.length}; use 'lbfgs' or 'auto'`);
  }
  const res = solve({ X, target: index, sw, mu, K, C }, useNewton, tol, maxIter);
  const theta = res.x;
  const coef: number[][] = [];
  const intercept: number[] = [];
  for (let k = 0; k < K; k++) {
    const row = Array.from(theta.subarray(k * d, (k + 1) * d));
    let b = theta[K * d + k]!;
    for (let j = 0; j < d; j++) b -= mu[j]! * row[j]!;
    coef.push(row);
    intercept.push(b);
  }
  const warnings: string[] = [];
  if (!res.converged) {
    const why = res.reason === 'max-iter' ? `did not converge in ${maxIter} iterations` : 'stopped: the line search could not decrease the loss further';
    warnings.push(
      `logisticRegression: ${useNewton ? 'Newton' : 'L-BFGS'} ${why} (max |gradient| ${res.gradMax.toExponential(2)} > tol ${tol}); ` +
        'if the classes are (nearly) perfectly separable the coefficients grow with C: lower C, scale the features, or raise maxIter',
    );
    logger('ml.linear').warn({ nIter: res.nIter, gradMax: res.gradMax, reason: res.reason }, warnings[0]);
  }
  return {
    kind: 'logistic-regression',
    version: 1,
    nFeatures: d,
    classes,
    coef,
    intercept,
    options: { C, classWeight, maxIter, tol, solver },
    fit: { nIter: res.nIter, converged: res.converged, gradMax: res.gradMax, warnings, solver: useNewton ? 'newton' : 'lbfgs' },
  };
}

/** Scores: n values for binary models (positive class = classes[1]), else n×k row-major. */
export function decisionFunction(model: LogisticModel, X: DesignMatrix): Float64Array {
  checkFeatures(X, model.nFeatures);
  const { data, rows: n, cols: d } = X;
  const K = model.coef.length;
  const W = Float64Array.from(model.coef.flat());
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < K; k++) {
      let s = model.intercept[k]!;
      const wo = k * d;
      for (let j = 0; j < d; j++) s += data[o + j]! * W[wo + j]!;
      out[i * K + k] = s;
    }
  }
  return out;
}

/** Class probabilities, n×k row-major in the order of `model.classes`. */
export function predictProba(model: LogisticModel, X: DesignMatrix): Float64Array {
  const z = decisionFunction(model, X);
  const n = X.rows;
  const k = model.classes.length;
  if (model.coef.length === 1) {
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const zi = z[i]!;
      const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, z[i * k + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(z[i * k + c]! - m);
      z[i * k + c] = e;
      s += e;
    }
    for (let c = 0; c < k; c++) z[i * k + c] = z[i * k + c]! / s;
  }
  return z;
}

/** Most likely class per row (ties go to the first class, like numpy's argmax). */
export function predict(model: LogisticModel, X: DesignMatrix): Label[] {
  const z = decisionFunction(model, X);
  const n = X.rows;
  const out = new Array<Label>(n);
  if (model.coef.length === 1) {
    for (let i = 0; i < n; i++) out[i] = model.classes[z[i]! > 0 ? 1 : 0]!;
    return out;
  }
  const k = model.classes.length;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (z[i * k + c]! > z[i * k + best]!) best = c;
    out[i] = model.classes[best]!;
  }
  return out;
}
