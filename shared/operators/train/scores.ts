/**
 * The metrics of one fold, from the model's predictions on its test rows, through the
 * sklearn-exact functions of shared/ml/metrics: binary (accuracy, precision, recall, f1 at 0.5,
 * f1_macro, f1_weighted, roc_auc, pr_auc = average precision, log_loss), multiclass (accuracy,
 * f1_macro, f1_weighted, roc_auc one-vs-rest macro, log_loss), regression (mse, rmse, mae, r2).
 */
import { accuracy, averagePrecisionScore, f1Score, logLoss, meanAbsoluteError, meanSquaredError, precisionScore, r2Score, recallScore, rocAucScore, rootMeanSquaredError } from '../../ml/metrics/index.js';
import type { LearningTask } from '../../ml/models/types.js';

/** Predicted class index per row: P ≥ threshold (binary), argmax (multiclass). */
export function predictedClasses(task: LearningTask, scores: Float64Array, k: number, threshold = 0.5): Float64Array {
  if (task === 'binary') {
    const out = new Float64Array(scores.length);
    for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= threshold ? 1 : 0;
    return out;
  }
  const n = scores.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c]! > scores[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return Number.NaN;
  }
}

/** `y` holds class indices (classification) or targets; `scores` what Estimator.predict returned. */
export function foldMetrics(task: LearningTask, y: Float64Array, scores: Float64Array, k: number): Record<string, number> {
  if (task === 'regression') {
    return { mse: meanSquaredError(y, scores), rmse: rootMeanSquaredError(y, scores), mae: meanAbsoluteError(y, scores), r2: safe(() => r2Score(y, scores)) };
  }
  const pred = predictedClasses(task, scores, k);
  const labels = Array.from({ length: task === 'binary' ? 2 : k }, (_, i) => i);
  if (task === 'binary') {
    const opts = { zeroDivision: 0 as const };
    return {
      accuracy: accuracy(y, pred),
      precision: precisionScore(y, pred, opts).value,
      recall: recallScore(y, pred, opts).value,
      f1: f1Score(y, pred, opts).value,
      f1_macro: f1Score(y, pred, { ...opts, average: 'macro' }).value,
      f1_weighted: f1Score(y, pred, { ...opts, average: 'weighted' }).value,
      roc_auc: safe(() => rocAucScore(y, scores)),
      pr_auc: safe(() => averagePrecisionScore(y, scores)),
      log_loss: logLoss(y, scores, { labels }),
    };
  }
  const rows: number[][] = [];
  for (let i = 0; i < y.length; i++) rows.push(Array.from(scores.subarray(i * k, (i + 1) * k)));
  return {
    accuracy: accuracy(y, pred),
    f1_macro: f1Score(y, pred, { zeroDivision: 0, average: 'macro' }).value,
    f1_weighted: f1Score(y, pred, { zeroDivision: 0, average: 'weighted' }).value,
    roc_auc: safe(() => rocAucScore(y, rows)),
    log_loss: logLoss(y, rows, { labels }),
  };
}
