/**
 * A multilayer perceptron (scikit-learn's `MLPClassifier` / `MLPRegressor`, Adam solver)
 * trained with TensorFlow.js through the compute-backend seam, served in plain typed arrays.
 * Binary (sigmoid + cross-entropy), multiclass (softmax + cross-entropy) and regression (half
 * squared error, target standardized); sample weights; L2; seeded, so the same seed, data and
 * backend give the same model. The fitted model is plain JSON. See docs/ml/mlp.md.
 *
 * ```ts
 * import { mlpEstimator, parseMlpModel } from './shared/ml/mlp/index.js';
 * const model = await mlpEstimator.fit({ X, y, task: 'binary', classes: [0, 1], seed: 7, featureNames },
 *   { hiddenLayers: [64, 32], epochs: 20, earlyStopping: { patience: 3 } });
 * const p = mlpEstimator.predict(parseMlpModel(JSON.parse(JSON.stringify(model))), X); // P(classes[1])
 * ```
 */
import type { Estimator } from '../models/types.js';
import { predictMlp } from './forward.js';
import { MLP_PARAMS_SCHEMA } from './options.js';
import { fitMlp } from './train.js';
import type { MlpModel } from './types.js';

export { predictMlp } from './forward.js';
export { predictMlpOnBackend } from './score.js';
export type { BackendScoreOptions } from './score.js';
export { fitMlp } from './train.js';
export type { EpochInfo, FitMlpHooks } from './train.js';
export { MLP_DEFAULTS, MLP_PARAMS_SCHEMA, resolveMlpParams } from './options.js';
export type { EarlyStoppingParams, MlpActivation, MlpParams, MlpParamsInput } from './options.js';
export { parseMlpModel } from './types.js';
export type { MlpFitInfo, MlpModel, MlpOutput } from './types.js';

const estimator: Estimator<MlpModel> = {
  kind: 'mlp',
  summary: 'Multilayer perceptron (Adam, mini-batches) trained on the compute backend; predicts in plain typed arrays',
  tasks: Object.freeze(['binary', 'multiclass', 'regression'] as const),
  paramsSchema: MLP_PARAMS_SCHEMA,
  fit: (input, params) => fitMlp(input, params),
  predict: (model, X) => predictMlp(model, X),
  /** An MLP has no cheap per-feature importance; permutation importance belongs to the evaluator. */
  importances: () => null,
};

export const mlpEstimator: Estimator<MlpModel> = Object.freeze(estimator);
