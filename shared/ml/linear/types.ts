/**
 * Shared types and input checks for the linear models: the row-major design matrix, labels,
 * and the JSON-serializable model states that fitting returns and prediction reads.
 *
 * ```ts
 * const X: DesignMatrix = { data: new Float64Array([1, 2, 3, 4]), rows: 2, cols: 2 };
 * ```
 */
import { QuiverError } from '../../errors.js';

/** n×d matrix stored row-major: element (i, j) is `data[i * cols + j]`. */
export interface DesignMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A class label: numbers and strings are both accepted; classes sort like numpy's `unique`. */
export type Label = number | string;

/** State of a fitted `LinearRegression` or `Ridge` model (plain JSON). */
export interface RegressionModel {
  kind: 'linear-regression' | 'ridge';
  version: 1;
  nFeatures: number;
  coef: number[];
  intercept: number;
  options: { alpha: number };
  /** How the normal equations were solved, and the rank of the centered X'X. */
  solver: 'cholesky' | 'pinv';
  rank: number;
}

/** State of a fitted `LogisticRegression` model (plain JSON). */
export interface LogisticModel {
  kind: 'logistic-regression';
  version: 1;
  nFeatures: number;
  /** Sorted class labels; binary models score `classes[1]` as the positive class. */
  classes: Label[];
  /** One row per class for multinomial models (≥ 3 classes), a single row for binary ones. */
  coef: number[][];
  intercept: number[];
  /** `solver` is absent in models saved before it was an option. */
  options: { C: number; classWeight: 'balanced' | Record<string, number> | null; maxIter: number; tol: number; solver?: 'auto' | 'lbfgs' | 'newton' };
  /** `solver` says which one ran ('auto' resolved); absent in models saved before it was an option. */
  fit: { nIter: number; converged: boolean; gradMax: number; warnings: string[]; solver?: 'lbfgs' | 'newton' };
}

export type LinearModel = RegressionModel | LogisticModel;

export function checkDesign(X: DesignMatrix, where = 'X'): void {
  const { data, rows, cols } = X;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${where}: rows=${rows}, cols=${cols} must be integers with cols ≥ 1`);
  }
  if (data.length !== rows * cols) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${where}: data has ${data.length} values but rows×cols = ${rows * cols}; pass a row-major n×d Float64Array`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const r = Math.floor(i / cols);
      throw QuiverError.nonRetryable('INPUT_INVALID', `${where}: row ${r}, column ${i - r * cols} is ${data[i]}; impute or drop non-finite values before fitting`);
    }
  }
}

export function checkVector(v: ArrayLike<number>, n: number, name: string, positive: boolean): void {
  if (v.length !== n) throw QuiverError.nonRetryable('INPUT_INVALID', `${name}: has ${v.length} values but X has ${n} rows`);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x) || (positive && x < 0)) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `${name}[${i}] is ${x}; ${positive ? 'weights must be finite and ≥ 0' : 'values must be finite'}`);
    }
  }
}

export function checkFeatures(X: DesignMatrix, nFeatures: number): void {
  checkDesign(X);
  if (X.cols !== nFeatures) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `X: has ${X.cols} columns but the model was fitted on ${nFeatures}; pass the same feature columns in the same order`);
  }
}
