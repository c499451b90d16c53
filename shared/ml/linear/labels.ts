/**
 * Class labels and class weights for the classifiers: sorted unique classes (like numpy's
 * `unique`), the per-row class index, and scikit-learn's `class_weight` rules ('balanced' uses
 * unweighted class counts: n / (k · count_c); a record maps `String(label)` to a weight, and
 * classes it does not name weigh 1).
 *
 * ```ts
 * const { classes, index } = encodeLabels(['b', 'a', 'b']); // ['a','b'], [1,0,1]
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { Label } from './types.js';

export function encodeLabels(y: ArrayLike<Label>): { classes: Label[]; index: Int32Array } {
  const n = y.length;
  let nums = 0;
  const seen = new Set<Label>();
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw QuiverError.nonRetryable('INPUT_INVALID', `y[${i}] is ${v}; class labels must be finite numbers or strings`);
      nums++;
    } else if (typeof v !== 'string') {
      throw QuiverError.nonRetryable('INPUT_INVALID', `y[${i}] is ${typeof v}; class labels must be numbers or strings`);
    }
    seen.add(v);
  }
  if (nums !== 0 && nums !== n) throw QuiverError.nonRetryable('INPUT_INVALID', 'y: mixes number and string labels; cast all labels to one type');
  const classes = [...seen].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0));
  const pos = new Map<Label, number>();
  classes.forEach((c, k) => pos.set(c, k));
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = pos.get(y[i]!)!;
  return { classes, index };
}

/** Per-class weights, in the order of `classes`. */
export function classWeights(classWeight: 'balanced' | Record<string, number> | null, classes: Label[], index: Int32Array): Float64Array {
  const k = classes.length;
  const out = new Float64Array(k).fill(1);
  if (classWeight === null) return out;
  if (classWeight === 'balanced') {
    const counts = new Float64Array(k);
    for (let i = 0; i < index.length; i++) counts[index[i]!] = counts[index[i]!]! + 1;
    for (let c = 0; c < k; c++) out[c] = index.length / (k * counts[c]!);
    return out;
  }
  const names = new Map(classes.map((c, i) => [String(c), i]));
  for (const [key, w] of Object.entries(classWeight)) {
    const c = names.get(key);
    if (c === undefined) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `classWeight.${key}: no such class; classes are ${classes.map(String).join(', ')}`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `classWeight.${key}: ${String(w)} must be a finite number ≥ 0`);
    }
    out[c] = w;
  }
  return out;
}
