/**
 * Histogram gradient-boosted trees (scikit-learn's `HistGradientBoostingClassifier` /
 * `HistGradientBoostingRegressor`, LightGBM's design): up to 255 quantile bins per feature plus
 * one for missing values, best-first trees of `maxLeafNodes` leaves, histogram subtraction,
 * quantized gradients packed one add per row and feature. Binary and multinomial log loss and
 * squared error; sample and class weights; optional early stopping on a seeded hold-out. One
 * thread, plain typed arrays; seeded and deterministic; the model is plain JSON and predicts on
 * raw rows (NaN = missing). See docs/ml/trees.md.
 *
 * ```ts
 * import { gbtEstimator, parseGbtModel } from './shared/ml/trees/index.js';
 * const model = gbtEstimator.fit({ X, y, task: 'binary', classes: [0, 1], seed: 7, featureNames }, { maxIter: 100 });
 * const p = gbtEstimator.predict(parseGbtModel(JSON.parse(JSON.stringify(model))), X); // P(classes[1])
 * ```
 */
import type { Estimator } from '../models/types.js';
import { fitGbt } from './boosting.js';
import { GBT_PARAMS_SCHEMA } from './params.js';
import { predictGbt } from './predict.js';
import type { GbtModel } from './types.js';

export { fitGbt } from './boosting.js';
export { predictGbt, predictRaw } from './predict.js';
export { GBT_DEFAULTS, GBT_PARAMS_SCHEMA, resolveGbtParams } from './params.js';
export type { GbtClassWeight, GbtEarlyStopping, GbtParams, GbtParamsInput } from './params.js';
export { parseGbtModel } from './types.js';
export type { GbtFitInfo, GbtModel, GbtTree } from './types.js';

const estimator: Estimator<GbtModel> = {
  kind: 'gbt',
  summary: 'Histogram gradient-boosted trees (LightGBM / sklearn HistGradientBoosting design), one thread, NaN-aware',
  tasks: Object.freeze(['binary', 'multiclass', 'regression'] as const),
  paramsSchema: GBT_PARAMS_SCHEMA,
  fit: (input, params) => fitGbt(input, params),
  predict: (model, X) => predictGbt(model, X),
  importances: (model) => [...model.importances],
};

export const gbtEstimator: Estimator<GbtModel> = Object.freeze(estimator);
