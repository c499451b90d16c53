/**
 * Text helpers for the training report page: metric names and their order, metric values,
 * hyperparameters. Escaping and number formatting come from the data-quality report's
 * helpers (`../../quality/html-format.js`); these return plain text, escape at the call site.
 *
 * ```ts
 * fmtMetric(0.873456);              // '0.8735'
 * metricLabel('roc_auc');           // 'ROC AUC'
 * fmtParams({ C: 0.1, penalty: 'l2' }); // ['C=0.1', 'penalty="l2"']
 * ```
 */
import { fmtNum } from '../../quality/html-format.js';
import type { TrainingReport } from './types.js';

/** The order metrics are shown in; others follow alphabetically. */
const METRIC_ORDER = ['accuracy', 'precision', 'recall', 'f1', 'f1_macro', 'f1_weighted', 'roc_auc', 'pr_auc', 'log_loss', 'mse', 'rmse', 'mae', 'r2'];

const LABELS: Record<string, string> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
  f1_macro: 'F1 macro',
  f1_weighted: 'F1 weighted',
  roc_auc: 'ROC AUC',
  pr_auc: 'PR AUC',
  log_loss: 'log loss',
  mse: 'MSE',
  rmse: 'RMSE',
  mae: 'MAE',
  r2: 'R²',
};

/** Metrics where a smaller value is better. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['log_loss', 'mse', 'rmse', 'mae']);

export function metricLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** Every metric any candidate has (summary or folds), in display order. */
export function metricNames(r: TrainingReport): string[] {
  const names = new Set<string>();
  for (const c of r.candidates) {
    for (const k of Object.keys(c.summary)) names.add(k);
    for (const f of c.folds) for (const k of Object.keys(f.metrics)) names.add(k);
  }
  const rank = (n: string): number => {
    const i = METRIC_ORDER.indexOf(n);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A metric value: 4 decimals in the usual range, grouped digits for large values (MSE in
 * money units), exponent form below 0.0001; `–` for a missing value (NaN is `null` in JSON).
 */
export function fmtMetric(v: unknown): string {
  if (typeof v !== 'number' || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e3) return fmtNum(v);
  if (a < 1e-4) return v.toExponential(2);
  return v.toFixed(4);
}

/** Hyperparameters as `name=value` texts, values as JSON. */
export function fmtParams(params: Record<string, unknown>): string[] {
  return Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v) ?? String(v)}`);
}

/** A finite number, or undefined (also for `null`, which is how NaN comes back from JSON). */
export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
