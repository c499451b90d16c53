/**
 * scikit-learn 1.2 `LogisticRegression(penalty='l2', C, solver='lbfgs', class_weight)`:
 * binary (sigmoid) for two classes, multinomial (softmax, one coefficient row per class) for
 * more, intercepts unpenalized. Minimized by our own L-BFGS to max |∇| ≤ `tol` on the
 * weight-normalized objective (default 1e-8, much tighter than sklearn's 1e-4), so the
 * coefficients are those of the true optimum. A fit that hits `maxIter` (e.g. perfectly
 * separable classes with a large C) still returns, with `fit.converged` false, a warning in
 * `fit.warnings`, and a logged warning.
 *
 * ```ts
 * const model = logisticRegression(X, y, { C: 1, classWeight: 'balanced' });
 * const proba = predictProba(model, X); // n×k row-major
 * ```
 */
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import { lbfgs } from '../optim/lbfgs.js';
import { classWeights, encodeLabels } from './labels.js';
import { logisticObjective } from './logistic-loss.js';
import { checkDesign, checkFeatures, checkVector } from './types.js';
import type { DesignMatrix, Label, LogisticModel } from './types.js';

export interface LogisticOptions {
  /** Inverse L2 strength (sklearn `C`). Default 1. */
  C?: number;
  /** 'balanced', a map from `String(label)` to weight, or null (default). */
  classWeight?: 'balanced' | Record<string, number> | null;
  /** L-BFGS iteration cap. Default 1000. */
  maxIter?: number;
  /** Stop when max |gradient| of the weight-normalized objective ≤ tol. Default 1e-8. */
  tol?: number;
  /** Per-row weights (≥ 0), multiplied by the class weights. */
  sampleWeight?: ArrayLike<number>;
}

const DEFAULTS = Object.freeze({ C: 1, classWeight: null, maxIter: 1000, tol: 1e-8 });

function checkPositive(name: string, v: number, integer: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `${name}: ${String(v)} must be a ${integer ? 'positive integer' : 'finite number > 0'}`);
  }
}

export function logisticRegression(X: DesignMatrix, y: ArrayLike<Label>, options: LogisticOptions = {}): LogisticModel {
  const C = options.C ?? DEFAULTS.C;
  const maxIter = options.maxIter ?? DEFAULTS.maxIter;
  const tol = options.tol ?? DEFAULTS.tol;
  const classWeight = options.classWeight ?? DEFAULTS.classWeight;
  checkPositive('C', C, false);
  checkPositive('maxIter', maxIter, true);
  checkPositive('tol', tol, false);
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
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] = mu[j]! + data[i * d + j]!;
  for (let j = 0; j < d; j++) mu[j] = mu[j]! / n;
  const K = classes.length === 2 ? 1 : classes.length;
  const fn = logisticObjective({ X, target: index, sw, mu, K, C });
  const res = lbfgs(fn, new Float64Array(K * (d + 1)), { gtol: tol, maxIter });
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
      `logisticRegression: L-BFGS ${why} (max |gradient| ${res.gradMax.toExponential(2)} > tol ${tol}); ` +
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
    options: { C, classWeight, maxIter, tol },
    fit: { nIter: res.nIter, converged: res.converged, gradMax: res.gradMax, warnings },
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
