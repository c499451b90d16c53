/**
 * Fold ids from a user-given fold column, like scikit-learn's `PredefinedSplit(test_fold)`:
 * each distinct value is one test fold, numbered in sorted order (numbers numerically,
 * strings by code point); the value -1 keeps a row out of every test fold (fold id -1).
 *
 * ```ts
 * predefinedFolds([2, 0, -1, 2]); // { folds: Int32Array [1, 0, -1, 1], foldValues: [0, 2] }
 * ```
 */
import { QuiverError } from '../../errors.js';
import { encodeLabels } from './labels.js';
import type { Label, Labels } from './labels.js';

export interface PredefinedFolds {
  /** Fold id per row, 0..foldValues.length-1, or -1 for a row that is never in a test fold. */
  folds: Int32Array;
  /** The column value of each fold id. */
  foldValues: Label[];
}

/** Turns fold column `values` (numbers or strings; `what` names it in errors) into fold ids. */
export function predefinedFolds(values: Labels, what = 'folds'): PredefinedFolds {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && !Number.isInteger(v)) {
      throw QuiverError.nonRetryable(
        'INPUT_INVALID',
        `${what}[${i}]: fold value ${v} is not an integer; use integer fold numbers (or -1 for rows always in training) or strings`,
      );
    }
  }
  const { codes, classes } = encodeLabels(values, 'sorted', what);
  const isOut = (v: Label | undefined): boolean => v === -1 || v === -1n;
  const outCode = classes.findIndex(isOut);
  const foldValues = classes.filter((v) => !isOut(v));
  const folds = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    folds[i] = outCode < 0 ? c : c === outCode ? -1 : c > outCode ? c - 1 : c;
  }
  return { folds, foldValues };
}
