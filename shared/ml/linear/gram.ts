/**
 * Sufficient statistics for least squares, computable per shard and mergeable: the weighted
 * means of X and y and the co-moments about those means (the centered X'X, X'y, y'y). Merging
 * uses the pairwise update of Chan, Golub & LeVeque, so a fit on merged partials equals a fit
 * on all rows (to rounding) without the cancellation of raw X'X − n·μμ'.
 *
 * ```ts
 * const part = mergeGram(gramPartial(X1, y1), gramPartial(X2, y2));
 * const model = fitGram(part, { alpha: 1 }); // = ridge(1) on all rows
 * ```
 */
import { QuiverError } from '../../errors.js';
import { checkDesign, checkVector } from './types.js';
import type { DesignMatrix } from './types.js';

/** One shard's partial statistics (plain JSON; `xtx` is d×d row-major). */
export interface GramPartial {
  d: number;
  /** Rows seen (including zero-weight ones). */
  count: number;
  /** Σ w. */
  weightSum: number;
  /** Weighted mean of each column, and of y. */
  xMean: number[];
  yMean: number;
  /** Σ w (x − x̄)(x − x̄)' , Σ w (x − x̄)(y − ȳ), Σ w (y − ȳ)². */
  xtx: number[];
  xty: number[];
  yty: number;
}

/** Partial statistics of one shard; `w` defaults to all ones. */
export function gramPartial(X: DesignMatrix, y: ArrayLike<number>, w?: ArrayLike<number>): GramPartial {
  checkDesign(X);
  const { data, rows: n, cols: d } = X;
  checkVector(y, n, 'y', false);
  if (w !== undefined) checkVector(w, n, 'sampleWeight', true);
  const mean = new Float64Array(d);
  let ws = 0;
  let ym = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (wi === 0) continue;
    ws += wi;
    ym += wi * y[i]!;
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + wi * data[o + j]!;
  }
  if (ws > 0) {
    for (let j = 0; j < d; j++) mean[j] = mean[j]! / ws;
    ym /= ws;
  }
  const xtx = new Float64Array(d * d);
  const xty = new Float64Array(d);
  const c = new Float64Array(d);
  let yty = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (wi === 0) continue;
    const o = i * d;
    for (let j = 0; j < d; j++) c[j] = data[o + j]! - mean[j]!;
    const yc = y[i]! - ym;
    yty += wi * yc * yc;
    for (let j = 0; j < d; j++) {
      const wc = wi * c[j]!;
      xty[j] = xty[j]! + wc * yc;
      const r = j * d;
      for (let k = j; k < d; k++) xtx[r + k] = xtx[r + k]! + wc * c[k]!;
    }
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) xtx[j * d + k] = xtx[k * d + j]!;
  return { d, count: n, weightSum: ws, xMean: Array.from(mean), yMean: ym, xtx: Array.from(xtx), xty: Array.from(xty), yty };
}

/** Merge two shards' partials (associative and commutative up to rounding). */
export function mergeGram(a: GramPartial, b: GramPartial): GramPartial {
  if (a.d !== b.d) throw QuiverError.nonRetryable('INPUT_INVALID', `mergeGram: partials have ${a.d} and ${b.d} features; every shard must have the same feature columns`);
  const d = a.d;
  const ws = a.weightSum + b.weightSum;
  if (a.weightSum === 0 || b.weightSum === 0) {
    const src = a.weightSum === 0 ? b : a;
    return { ...src, xMean: [...src.xMean], xtx: [...src.xtx], xty: [...src.xty], count: a.count + b.count };
  }
  const f = (a.weightSum * b.weightSum) / ws;
  const fb = b.weightSum / ws;
  const dx = new Float64Array(d);
  for (let j = 0; j < d; j++) dx[j] = b.xMean[j]! - a.xMean[j]!;
  const dy = b.yMean - a.yMean;
  const xtx = new Array<number>(d * d);
  const xty = new Array<number>(d);
  for (let j = 0; j < d; j++) {
    xty[j] = a.xty[j]! + b.xty[j]! + f * dx[j]! * dy;
    for (let k = 0; k < d; k++) xtx[j * d + k] = a.xtx[j * d + k]! + b.xtx[j * d + k]! + f * dx[j]! * dx[k]!;
  }
  return {
    d,
    count: a.count + b.count,
    weightSum: ws,
    xMean: a.xMean.map((m, j) => m + fb * dx[j]!),
    yMean: a.yMean + fb * dy,
    xtx,
    xty,
    yty: a.yty + b.yty + f * dy * dy,
  };
}
