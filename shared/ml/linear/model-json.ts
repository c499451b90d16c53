/**
 * Checks a model state read back from JSON (a file, a KV store, a task descriptor) before it
 * is used for prediction, so a truncated or foreign object fails with a clear message instead
 * of predicting NaN.
 *
 * ```ts
 * const model = parseLinearModel(JSON.parse(text));
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { LinearModel } from './types.js';

function bad(path: string, what: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `model.${path}: ${what}; refit the model or load the file it was saved to`);
}

function finiteArray(v: unknown, len: number, path: string): void {
  if (!Array.isArray(v) || v.length !== len) throw bad(path, `must be an array of ${len} numbers`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`${path}[${i}]`, `${String(x)} is not a finite number`);
  });
}

export function parseLinearModel(value: unknown): LinearModel {
  if (typeof value !== 'object' || value === null) throw bad('', 'is not an object');
  const m = value as Record<string, unknown>;
  if (m.version !== 1) throw bad('version', `${String(m.version)} is not a supported version (1)`);
  const d = m.nFeatures;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw bad('nFeatures', `${String(d)} must be a positive integer`);
  if (m.kind === 'linear-regression' || m.kind === 'ridge') {
    finiteArray(m.coef, d, 'coef');
    finiteArray([m.intercept], 1, 'intercept');
    return value as LinearModel;
  }
  if (m.kind === 'logistic-regression') {
    const classes = m.classes;
    if (!Array.isArray(classes) || classes.length < 2) throw bad('classes', 'must list at least 2 classes');
    const rows = classes.length === 2 ? 1 : classes.length;
    if (!Array.isArray(m.coef) || m.coef.length !== rows) throw bad('coef', `must have ${rows} rows for ${classes.length} classes`);
    (m.coef as unknown[]).forEach((r, k) => finiteArray(r, d, `coef[${k}]`));
    finiteArray(m.intercept, rows, 'intercept');
    return value as LinearModel;
  }
  throw bad('kind', `${String(m.kind)} is not one of linear-regression, ridge, logistic-regression`);
}
