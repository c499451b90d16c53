/**
 * Linear models that agree with scikit-learn 1.2: `LinearRegression`, `Ridge` and
 * `LogisticRegression` (its exact optimum, by Newton or whitened L-BFGS), plus mergeable per-shard statistics for distributed
 * least squares. Models are plain JSON objects (store them, reload them, predict).
 *
 * ```ts
 * import { ridge, predictRegression, gramPartial, mergeGram, fitGram } from './shared/ml/linear/index.js';
 * const X = { data: new Float64Array([0, 1, 2, 3]), rows: 4, cols: 1 };
 * const m = ridge(X, new Float64Array([1, 3, 5, 7]), { alpha: 0.5 });
 * const yhat = predictRegression(JSON.parse(JSON.stringify(m)), X);
 * ```
 */
export { fitGram, linearRegression, predictRegression, ridge } from './regression.js';
export type { RegressionOptions, RidgeOptions } from './regression.js';
export { gramPartial, mergeGram } from './gram.js';
export type { GramPartial } from './gram.js';
export { decisionFunction, logisticRegression, NEWTON_MAX_FEATURES, predict, predictProba } from './logistic.js';
export type { LogisticOptions, LogisticSolver } from './logistic.js';
export { parseLinearModel } from './model-json.js';
export type { DesignMatrix, Label, LinearModel, LogisticModel, RegressionModel } from './types.js';
