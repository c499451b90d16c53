/**
 * Least-squares regression matching scikit-learn 1.2 `LinearRegression()` and
 * `Ridge(alpha, fit_intercept=True)`: X and y are centered by their (weighted) means, the
 * centered normal equations (X'WX + αI) w = X'Wy are solved by Cholesky, and the intercept is
 * ȳ − x̄·w (never penalized). When the centered X'X is singular or nearly so (a column is a
 * linear combination of others to 1e-10), the solve falls back to the minimum-norm
 * pseudo-inverse, which is the answer scikit-learn's `lstsq` gives on rank-deficient data.
 *
 * ```ts
 * const model = ridge({ data, rows: n, cols: d }, y, { alpha: 1 });
 * const yhat = predictRegression(model, X);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { choleskySolve, pinvSolve } from './dense.js';
import { gramPartial } from './gram.js';
import type { GramPartial } from './gram.js';
import { checkFeatures } from './types.js';
import type { DesignMatrix, RegressionModel } from './types.js';

export interface RegressionOptions {
  /** Per-row weights (≥ 0); default all ones. */
  sampleWeight?: ArrayLike<number>;
}

export interface RidgeOptions extends RegressionOptions {
  /** L2 penalty strength (sklearn's `alpha`, not scaled by n). Default 1. */
  alpha?: number;
}

/** Fit from (merged) partial statistics; `alpha` 0 is ordinary least squares. */
export function fitGram(g: GramPartial, options: { alpha?: number } = {}): RegressionModel {
  const alpha = options.alpha ?? 0;
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `alpha: ${alpha} must be a finite number ≥ 0`);
  }
  if (!(g.weightSum > 0)) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `cannot fit on ${g.count} rows with total weight ${g.weightSum}; give at least one row a positive weight`);
  }
  const d = g.d;
  const A = Float64Array.from(g.xtx);
  if (alpha > 0) for (let j = 0; j < d; j++) A[j * d + j] = A[j * d + j]! + alpha;
  const b = Float64Array.from(g.xty);
  let solver: RegressionModel['solver'] = 'cholesky';
  let rank = d;
  let w = choleskySolve(A, b, d);
  if (w === null) {
    const p = pinvSolve(A, b, d);
    w = p.x;
    rank = p.rank;
    solver = 'pinv';
  }
  let intercept = g.yMean;
  for (let j = 0; j < d; j++) intercept -= g.xMean[j]! * w[j]!;
  return {
    kind: alpha > 0 ? 'ridge' : 'linear-regression',
    version: 1,
    nFeatures: d,
    coef: Array.from(w),
    intercept,
    options: { alpha },
    solver,
    rank,
  };
}

/** scikit-learn `LinearRegression()` (ordinary least squares with intercept). */
export function linearRegression(X: DesignMatrix, y: ArrayLike<number>, options: RegressionOptions = {}): RegressionModel {
  return fitGram(gramPartial(X, y, options.sampleWeight), { alpha: 0 });
}

/** scikit-learn `Ridge(alpha)` with `fit_intercept=True`. */
export function ridge(X: DesignMatrix, y: ArrayLike<number>, options: RidgeOptions = {}): RegressionModel {
  const alpha = options.alpha ?? 1;
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `alpha: ${alpha} must be a finite number > 0 (use linearRegression for alpha 0)`);
  }
  const model = fitGram(gramPartial(X, y, options.sampleWeight), { alpha });
  return model;
}

/** ŷ = X·coef + intercept. */
export function predictRegression(model: RegressionModel, X: DesignMatrix, out?: Float64Array): Float64Array {
  checkFeatures(X, model.nFeatures);
  const { data, rows: n, cols: d } = X;
  const res = out ?? new Float64Array(n);
  const coef = Float64Array.from(model.coef);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    const o = i * d;
    for (let j = 0; j < d; j++) s += data[o + j]! * coef[j]!;
    res[i] = s;
  }
  return res;
}
