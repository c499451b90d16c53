/**
 * Per-fold reporting: mean and population standard deviation (ddof = 0, `np.std`'s default,
 * which is what sklearn's `GridSearchCV.cv_results_['std_test_score']` reports).
 *
 * ```ts
 * summarize([0.8, 0.9, 1.0]); // { n: 3, mean: 0.9, std: 0.0816…, min: 0.8, max: 1 }
 * ```
 */
import type { NumericArray } from './inputs.js';
import { checkFinite, npSum } from './inputs.js';

export interface Summary {
  n: number;
  mean: number;
  /** Population standard deviation (ddof = 0). */
  std: number;
  min: number;
  max: number;
}

/** Mean, population std (ddof 0), min and max of per-fold values; empty or non-finite → INPUT_INVALID. */
export function summarize(values: NumericArray): Summary {
  const v = checkFinite(values, 'values');
  const mean = npSum(v) / v.length;
  const sq = Float64Array.from(v, (x) => (x - mean) * (x - mean));
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { n: v.length, mean, std: Math.sqrt(npSum(sq) / v.length), min, max };
}
