/**
 * Classification, ranking and regression metrics that agree with scikit-learn 1.2 (to ~1e-15;
 * tested to 1e-9 against sklearn itself). Pure functions over typed arrays; errors are
 * QuiverError INPUT_INVALID (sklearn's ValueError on data) or OPTION_INVALID. See
 * docs/ml/metrics.md for each function's sklearn equivalent and conventions.
 *
 * ```ts
 * import { accuracy, f1Score, rocAucScore, bestThreshold, summarize } from '../ml/metrics/index.js';
 * const acc = accuracy(yTrue, yPred);
 * const f1 = f1Score(yTrue, yPred, { average: 'macro' }).value;
 * const aucs = folds.map((f) => rocAucScore(f.yTrue, f.yScore));
 * const { mean, std } = summarize(aucs);
 * const { threshold } = bestThreshold(yTrue, yScore, { by: 'youden' });
 * ```
 */
export type { NumericArray, ProbaRows } from './inputs.js';
export type { ConfusionMatrix, ConfusionOptions } from './confusion.js';
export { confusionMatrix } from './confusion.js';
export type { Average, MetricValue, PrfOptions, PrfResult, ZeroDivision } from './classification.js';
export { accuracy, f1Score, precisionRecallF1, precisionScore, recallScore } from './classification.js';
export type { LogLossOptions } from './log-loss.js';
export { logLoss } from './log-loss.js';
export type { CurveOptions, PrCurve, RocAucOptions, RocCurve, RocOptions } from './ranking.js';
export { auc, averagePrecisionScore, precisionRecallCurve, rocAucScore, rocCurve } from './ranking.js';
export type { BestThreshold, BestThresholdOptions } from './threshold.js';
export { bestThreshold } from './threshold.js';
export type { RegressionOptions } from './regression.js';
export { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from './regression.js';
export type { Summary } from './summary.js';
export { summarize } from './summary.js';
