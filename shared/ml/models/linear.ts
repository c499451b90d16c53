/**
 * The linear models behind the model seam: `logistic` (binary and multiclass, scikit-learn's
 * `LogisticRegression`), `linear` (`LinearRegression`) and `ridge` (`Ridge`). Each adapter
 * checks its params once (OPTION_INVALID naming the bad one), fits with shared/ml/linear on the
 * class indices of `FitInput.y`, and keeps the fitted linear model inside a plain-JSON state.
 * `classWeight` keys are class labels (`String(label)` of `FitInput.classes`). A class with no
 * training rows (a rare class missing from a CV fold) gets probability 0.
 *
 * ```ts
 * import { logisticEstimator } from './shared/ml/models/linear.js';
 * const model = logisticEstimator.fit({ X, y, task: 'binary', classes: ['no', 'yes'], seed: 7, featureNames }, { C: 0.5, classWeight: { yes: 3 } });
 * const p = logisticEstimator.predict(JSON.parse(JSON.stringify(model)), X); // P('yes') per row
 * ```
 */
import { QuiverError } from '../../errors.js';
import { linearRegression, logisticRegression, parseLinearModel, predictProba, predictRegression, ridge } from '../linear/index.js';
import type { DesignMatrix, Label, LogisticModel, RegressionModel } from '../linear/index.js';
import type { Estimator, FitInput, LearningTask, ModelState } from './types.js';

export type LogisticClassWeight = 'balanced' | Record<string, number> | null;

/** Resolved `logistic` params (every field present). */
export interface LogisticParams {
  /** Inverse L2 strength (sklearn `C`). Default 1. */
  C: number;
  /** 'balanced', a map from String(label) to weight (unnamed classes weigh 1), or null (default). */
  classWeight: LogisticClassWeight;
  /** Solver iteration cap. Default 1000. */
  maxIter: number;
  /** Stop when max |gradient| of the weight-normalized loss ≤ tol. Default 1e-8. */
  tol: number;
  /** 'auto' (default): Newton for binary with ≤ 64 features, else whitened L-BFGS. */
  solver: 'auto' | 'lbfgs' | 'newton';
}

export const LOGISTIC_DEFAULTS: Readonly<LogisticParams> = Object.freeze({ C: 1, classWeight: null, maxIter: 1000, tol: 1e-8, solver: 'auto' });
export const RIDGE_DEFAULTS: Readonly<{ alpha: number }> = Object.freeze({ alpha: 1 });

const SCHEMA = 'http://json-schema.org/draft-07/schema#';

export const LOGISTIC_PARAMS_SCHEMA: Record<string, unknown> = Object.freeze({
  $schema: SCHEMA,
  title: 'logistic params',
  type: 'object',
  additionalProperties: false,
  properties: {
    C: { description: 'Inverse L2 regularization strength (sklearn C).', type: 'number', exclusiveMinimum: 0, default: 1 },
    classWeight: {
      description: "'balanced' (n / (k · count per class)), a {label: weight} object (unnamed classes weigh 1), or null.",
      oneOf: [{ type: 'null' }, { const: 'balanced' }, { type: 'object', additionalProperties: { type: 'number', minimum: 0 } }],
      default: null,
    },
    maxIter: { description: 'Solver iteration cap.', type: 'integer', minimum: 1, default: 1000 },
    tol: { description: 'Stop when max |gradient| of the weight-normalized loss is at most tol.', type: 'number', exclusiveMinimum: 0, default: 1e-8 },
    solver: { description: "'auto': Newton for binary with at most 64 features, else L-BFGS.", enum: ['auto', 'lbfgs', 'newton'], default: 'auto' },
  },
});

export const LINEAR_PARAMS_SCHEMA: Record<string, unknown> = Object.freeze({
  $schema: SCHEMA,
  title: 'linear params',
  type: 'object',
  additionalProperties: false,
  properties: {},
});

export const RIDGE_PARAMS_SCHEMA: Record<string, unknown> = Object.freeze({
  $schema: SCHEMA,
  title: 'ridge params',
  type: 'object',
  additionalProperties: false,
  properties: {
    alpha: { description: 'L2 penalty strength (sklearn alpha, not scaled by n).', type: 'number', exclusiveMinimum: 0, default: 1 },
  },
});

/** The linear estimators are synchronous: `fit` and `predict` return values, not promises. */
export interface LinearEstimator<M extends ModelState> extends Estimator<M> {
  fit(input: FitInput, params: Record<string, unknown>): M;
  predict(model: M, X: DesignMatrix): Float64Array;
  importances(model: M): number[];
}

/**
 * Fitted `logistic` state. `linear.classes` are indices into `classes` (those seen in training);
 * `linear.options.classWeight` keeps the label-keyed weights as they were given.
 */
export interface LogisticState extends ModelState {
  kind: 'logistic';
  task: 'binary' | 'multiclass';
  classes: Label[];
  linear: LogisticModel;
}

/** Fitted `linear` or `ridge` state. */
export interface RegressionState extends ModelState {
  kind: 'linear' | 'ridge';
  task: 'regression';
  linear: RegressionModel;
}

function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

function checkKeys(params: unknown, kind: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid(`params: ${JSON.stringify(params)} must be an object of ${kind} hyperparameters`);
  }
  const p = params as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) {
      throw invalid(`${k}: unknown ${kind} option; ${allowed.length === 0 ? `${kind} takes none` : `use one of ${allowed.join(', ')}`}`);
    }
  }
  return p;
}

function positive(name: string, v: unknown, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw invalid(`${name}: ${JSON.stringify(v)} must be a ${integer ? 'positive integer' : 'finite number > 0'}`);
  }
  return v;
}

/** Merges `params` over {@link LOGISTIC_DEFAULTS}; throws OPTION_INVALID naming the first bad option. */
export function resolveLogisticParams(params: unknown = {}): LogisticParams {
  const p = checkKeys(params, 'logistic', Object.keys(LOGISTIC_DEFAULTS));
  const solver = p.solver ?? LOGISTIC_DEFAULTS.solver;
  if (solver !== 'auto' && solver !== 'lbfgs' && solver !== 'newton') throw invalid(`solver: ${JSON.stringify(solver)} must be 'auto', 'lbfgs' or 'newton'`);
  let classWeight: LogisticClassWeight = null;
  const cw = p.classWeight ?? null;
  if (cw === 'balanced') classWeight = cw;
  else if (cw !== null) {
    if (typeof cw !== 'object' || Array.isArray(cw)) throw invalid(`classWeight: ${JSON.stringify(cw)} must be 'balanced', a {label: weight} object, or null`);
    classWeight = {};
    for (const [k, w] of Object.entries(cw as Record<string, unknown>)) {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw invalid(`classWeight.${k}: ${JSON.stringify(w)} must be a finite number ≥ 0`);
      classWeight[k] = w;
    }
  }
  return {
    C: positive('C', p.C ?? LOGISTIC_DEFAULTS.C, false),
    classWeight,
    maxIter: positive('maxIter', p.maxIter ?? LOGISTIC_DEFAULTS.maxIter, true),
    tol: positive('tol', p.tol ?? LOGISTIC_DEFAULTS.tol, false),
    solver,
  };
}

function checkInput(input: FitInput, kind: string, tasks: readonly LearningTask[]): void {
  if (!tasks.includes(input.task)) {
    throw invalid(`task: ${String(input.task)} is not supported by ${kind}; it fits ${tasks.join(' or ')}${kind === 'logistic' ? ' (use linear or ridge for regression)' : ' (use logistic for classes)'}`);
  }
  if (input.featureNames.length !== input.X.cols) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `featureNames: ${input.featureNames.length} names for ${input.X.cols} columns`);
  }
}

/** Class labels and per-row class indices, checked against each other. */
function classIndices(input: FitInput): { classes: Label[]; y: Int32Array } {
  const { y, task } = input;
  let top = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (!Number.isInteger(c) || c < 0) throw QuiverError.nonRetryable('INPUT_INVALID', `y[${i}] is ${c}; classification targets must be class indices 0..k−1`);
    top = Math.max(top, c);
  }
  const classes = input.classes ? [...input.classes] : Array.from({ length: top + 1 }, (_, k) => k);
  if (top >= classes.length) throw QuiverError.nonRetryable('INPUT_INVALID', `y: class index ${top} but only ${classes.length} classes were given`);
  if (task === 'binary' && classes.length !== 2) throw QuiverError.nonRetryable('INPUT_INVALID', `task binary: ${classes.length} classes; use task multiclass`);
  if (task === 'multiclass' && classes.length < 2) throw QuiverError.nonRetryable('INPUT_INVALID', `task multiclass: ${classes.length} class; a classifier needs at least 2`);
  return { classes, y: Int32Array.from(y) };
}

/**
 * classWeight keyed by label → keyed by String(class index), as the fit (on indices) reads it.
 * Classes with no rows here (a fold without them) are dropped; unknown labels are an error.
 */
function weightsByIndex(cw: LogisticClassWeight, classes: Label[], y: Int32Array): LogisticClassWeight {
  if (cw === null || cw === 'balanced') return cw;
  const index = new Map(classes.map((c, k) => [String(c), k]));
  const present = new Uint8Array(classes.length);
  for (let i = 0; i < y.length; i++) present[y[i]!] = 1;
  const out: Record<string, number> = {};
  for (const [label, w] of Object.entries(cw)) {
    const k = index.get(label);
    if (k === undefined) throw invalid(`classWeight.${label}: no such class; classes are ${classes.map(String).join(', ')}`);
    if (present[k] === 1) out[String(k)] = w;
  }
  return out;
}

function fitLogistic(input: FitInput, params: Record<string, unknown>): LogisticState {
  const p = resolveLogisticParams(params);
  checkInput(input, 'logistic', ['binary', 'multiclass']);
  const { classes, y } = classIndices(input);
  const linear = logisticRegression(input.X, y, {
    C: p.C,
    classWeight: weightsByIndex(p.classWeight, classes, y),
    maxIter: p.maxIter,
    tol: p.tol,
    solver: p.solver,
    ...(input.sampleWeight === undefined ? {} : { sampleWeight: input.sampleWeight }),
  });
  // Keep the caller's label-keyed weights in the state, not the index-keyed ones.
  linear.options.classWeight = p.classWeight;
  return { kind: 'logistic', task: input.task as 'binary' | 'multiclass', nFeatures: input.X.cols, classes, linear };
}

function logisticState(model: ModelState): LogisticState {
  const m = model as Partial<LogisticState>;
  if (m.kind !== 'logistic' || (m.task !== 'binary' && m.task !== 'multiclass') || !Array.isArray(m.classes)) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `model: kind ${String(m.kind)}, task ${String(m.task)} is not a fitted logistic model; refit it`);
  }
  const linear = parseLinearModel(m.linear);
  if (linear.kind !== 'logistic-regression') throw QuiverError.nonRetryable('INPUT_INVALID', 'model.linear: not a logistic regression; refit the model');
  for (const c of linear.classes) {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= m.classes.length) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `model.linear.classes: ${String(c)} is not an index into model.classes; refit the model`);
    }
  }
  return model as LogisticState;
}

function predictLogistic(model: LogisticState, X: DesignMatrix): Float64Array {
  const m = logisticState(model);
  const proba = predictProba(m.linear, X);
  const seen = m.linear.classes as number[];
  const n = X.rows;
  const kSeen = seen.length;
  if (m.task === 'binary') {
    const col = seen.indexOf(1);
    const out = new Float64Array(n);
    if (col >= 0) for (let i = 0; i < n; i++) out[i] = proba[i * kSeen + col]!;
    return out;
  }
  const k = m.classes.length;
  if (kSeen === k) return proba;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < kSeen; c++) out[i * k + seen[c]!] = proba[i * kSeen + c]!;
  return out;
}

/** |coef_j| (multiclass: the mean over class rows), normalized to sum 1; all zeros if every coef is 0. */
function coefImportances(coef: number[][], d: number): number[] {
  const out = new Array<number>(d).fill(0);
  for (const row of coef) for (let j = 0; j < d; j++) out[j] = out[j]! + Math.abs(row[j]!) / coef.length;
  const total = out.reduce((s, v) => s + v, 0);
  return total > 0 ? out.map((v) => v / total) : out;
}

function regressionState(model: ModelState, kind: 'linear' | 'ridge'): RegressionState {
  const m = model as Partial<RegressionState>;
  if (m.kind !== kind || m.task !== 'regression') {
    throw QuiverError.nonRetryable('INPUT_INVALID', `model: kind ${String(m.kind)}, task ${String(m.task)} is not a fitted ${kind} model; refit it`);
  }
  const linear = parseLinearModel(m.linear);
  if (linear.kind === 'logistic-regression') throw QuiverError.nonRetryable('INPUT_INVALID', `model.linear: not a ${kind} regression; refit the model`);
  return model as RegressionState;
}

function regressionEstimator(kind: 'linear' | 'ridge'): LinearEstimator<RegressionState> {
  return Object.freeze({
    kind,
    summary: kind === 'linear'
      ? 'Ordinary least squares with intercept (sklearn LinearRegression); minimum-norm answer on collinear columns'
      : 'L2-penalized least squares with unpenalized intercept (sklearn Ridge)',
    tasks: Object.freeze(['regression'] as const),
    paramsSchema: kind === 'linear' ? LINEAR_PARAMS_SCHEMA : RIDGE_PARAMS_SCHEMA,
    fit: (input: FitInput, params: Record<string, unknown>): RegressionState => {
      const p = checkKeys(params, kind, kind === 'linear' ? [] : ['alpha']);
      checkInput(input, kind, ['regression']);
      const opt = input.sampleWeight === undefined ? {} : { sampleWeight: input.sampleWeight };
      const linear = kind === 'linear'
        ? linearRegression(input.X, input.y, opt)
        : ridge(input.X, input.y, { ...opt, alpha: positive('alpha', p.alpha ?? RIDGE_DEFAULTS.alpha, false) });
      return { kind, task: 'regression', nFeatures: input.X.cols, linear };
    },
    predict: (model: RegressionState, X: DesignMatrix): Float64Array => predictRegression(regressionState(model, kind).linear, X),
    importances: (model: RegressionState): number[] => coefImportances([regressionState(model, kind).linear.coef], model.nFeatures),
  });
}

export const logisticEstimator: LinearEstimator<LogisticState> = Object.freeze({
  kind: 'logistic',
  summary: 'L2 logistic regression (sklearn LogisticRegression, exact optimum): sigmoid for 2 classes, softmax for more',
  tasks: Object.freeze(['binary', 'multiclass'] as const),
  paramsSchema: LOGISTIC_PARAMS_SCHEMA,
  fit: fitLogistic,
  predict: predictLogistic,
  importances: (model: LogisticState): number[] => coefImportances(logisticState(model).linear.coef, model.nFeatures),
});

export const linearEstimator: LinearEstimator<RegressionState> = regressionEstimator('linear');
export const ridgeEstimator: LinearEstimator<RegressionState> = regressionEstimator('ridge');
