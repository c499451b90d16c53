/**
 * Regression metrics as scikit-learn 1.2 computes them (single output): `mean_squared_error`,
 * RMSE (`mean_squared_error(squared=False)`), `mean_absolute_error`, `r2_score`
 * (force_finite=True: perfect predictions → 1.0, constant yTrue with imperfect predictions → 0.0,
 * fewer than two samples → NaN).
 *
 * ```ts
 * r2Score([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.9486081370449679
 * ```
 */
import type { NumericArray } from './inputs.js';
import { checkFinite, checkWeights, npSum, weightedMean } from './inputs.js';

export interface RegressionOptions {
  sampleWeight?: NumericArray;
}

function prepare(yTrue: NumericArray, yPred: NumericArray, options: RegressionOptions): { t: Float64Array; p: Float64Array; w: Float64Array | undefined } {
  const t = checkFinite(yTrue, 'yTrue');
  const p = checkFinite(yPred, 'yPred', t.length);
  return { t, p, w: checkWeights(options.sampleWeight, t.length) };
}

/** `mean_squared_error`: (weighted) mean of (yTrue − yPred)². */
export function meanSquaredError(yTrue: NumericArray, yPred: NumericArray, options: RegressionOptions = {}): number {
  const { t, p, w } = prepare(yTrue, yPred, options);
  return weightedMean(Float64Array.from(t, (v, i) => (v - p[i]!) ** 2), w);
}

/** `mean_squared_error(squared=False)`: √MSE. */
export function rootMeanSquaredError(yTrue: NumericArray, yPred: NumericArray, options: RegressionOptions = {}): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred, options));
}

/** `mean_absolute_error`: (weighted) mean of |yTrue − yPred|. */
export function meanAbsoluteError(yTrue: NumericArray, yPred: NumericArray, options: RegressionOptions = {}): number {
  const { t, p, w } = prepare(yTrue, yPred, options);
  return weightedMean(Float64Array.from(t, (v, i) => Math.abs(v - p[i]!)), w);
}

/** `r2_score`: 1 − Σw(y − ŷ)² / Σw(y − ȳ_w)², with sklearn's edge cases (see module doc). */
export function r2Score(yTrue: NumericArray, yPred: NumericArray, options: RegressionOptions = {}): number {
  const { t, p, w } = prepare(yTrue, yPred, options);
  if (t.length < 2) return NaN;
  const mean = weightedMean(t, w);
  const num = npSum(Float64Array.from(t, (v, i) => (w === undefined ? 1 : w[i]!) * (v - p[i]!) ** 2));
  const den = npSum(Float64Array.from(t, (v, i) => (w === undefined ? 1 : w[i]!) * (v - mean) ** 2));
  if (num === 0) return 1;
  if (den === 0) return 0;
  return 1 - num / den;
}
