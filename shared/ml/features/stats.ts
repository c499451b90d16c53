/**
 * Mergeable statistics shared by the steps: per-column moments (count, exact Σx and Σx², min,
 * max) and value → count tables (categories, modes, medians) kept sorted so two merge in one
 * linear pass. Both merge exactly: statistics of merged partials are bit-for-bit those of all
 * rows at once, whatever the sharding.
 *
 * ```ts
 * const m = mergeMoments(moments(col1, null, 'scale', 'age'), moments(col2, mask2, 'scale', 'age'));
 * momentMean(m); momentVariance(m); // population variance of the non-missing values
 * ```
 */
import { QuiverError } from '../../errors.js';
import { compareCodePoints } from '../folds/labels.js';
import { combine, ExactSum, mergeSums, roundSum } from './exact.js';

/** An infinite value: no step can learn from it (sklearn rejects them as well). */
export function infiniteError(step: string, column: string, row: number): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `${step}: column '${column}' has an infinite value (row ${row}); replace it (e.g. a derive step with if(...)) or filter those rows before the pipeline`);
}

/**
 * Moments of the non-missing (non-NaN) values: count, exact Σx and Σx² (expansions, see
 * ./exact.ts), min and max (null when n is 0). Merging is exact, so the mean and variance derived
 * from merged moments do not depend on how the rows were split.
 */
export interface Moments {
  n: number;
  sum: number[];
  sumSq: number[];
  min: number | null;
  max: number | null;
}

export function moments(col: Float64Array, mask: Uint8Array | null, step: string, column: string): Moments {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  const sum = new ExactSum();
  const sq = new ExactSum();
  for (let i = 0; i < col.length; i++) {
    if (mask !== null && mask[i] === 0) continue;
    const v = col[i]!;
    if (v !== v) continue;
    if (v - v !== 0) throw infiniteError(step, column, i);
    n++;
    sum.add(v);
    sq.addProduct(v, v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return n === 0 ? { n: 0, sum: [], sumSq: [], min: null, max: null } : { n, sum: sum.parts(), sumSq: sq.parts(), min, max };
}

export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  return { n: a.n + b.n, sum: mergeSums(a.sum, b.sum), sumSq: mergeSums(a.sumSq, b.sumSq), min: Math.min(a.min!, b.min!), max: Math.max(a.max!, b.max!) };
}

/** The mean: the correctly rounded Σx, divided by n. */
export function momentMean(m: Moments): number {
  return roundSum(m.sum) / m.n;
}

/** The population variance: (n·Σx² − (Σx)²) computed exactly and rounded once, divided by n². */
export function momentVariance(m: Moments): number {
  return Math.max(combine(m.n, m.sumSq, m.sum, m.sum), 0) / m.n / m.n;
}

/** A category or value: number (numeric columns), string (text columns), null (missing). */
export type Cat = string | number | null;

/** Values and their counts, sorted by {@link compareCats} (plain JSON). */
export interface Counts {
  keys: Cat[];
  counts: number[];
}

/** Numbers ascending, strings by code point (Python's order), missing last. */
export function compareCats(a: Cat, b: Cat): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return typeof a === 'number' ? -1 : 1;
}

/** Counts the values of `col` over the rows where mask is not 0 (NaN and null count as null). */
export function countValues(col: Float64Array | (string | null)[], mask: Uint8Array | null, step: string, column: string): Counts {
  const map = new Map<Cat, number>();
  for (let i = 0; i < col.length; i++) {
    if (mask !== null && mask[i] === 0) continue;
    let v: Cat = col[i]!;
    if (typeof v === 'number' && v - v !== 0) {
      if (v === v) throw infiniteError(step, column, i);
      v = null;
    }
    map.set(v, (map.get(v) ?? 0) + 1);
  }
  const keys = [...map.keys()].sort(compareCats);
  return { keys, counts: keys.map((k) => map.get(k)!) };
}

export function mergeCounts(a: Counts, b: Counts): Counts {
  const keys: Cat[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const c = i === a.keys.length ? 1 : j === b.keys.length ? -1 : compareCats(a.keys[i]!, b.keys[j]!);
    if (c < 0) {
      keys.push(a.keys[i]!);
      counts.push(a.counts[i++]!);
    } else if (c > 0) {
      keys.push(b.keys[j]!);
      counts.push(b.counts[j++]!);
    } else {
      keys.push(a.keys[i]!);
      counts.push(a.counts[i++]! + b.counts[j++]!);
    }
  }
  return { keys, counts };
}

/** Checks a Counts read back from JSON. */
export function isCounts(v: unknown): v is Counts {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Counts;
  return Array.isArray(c.keys) && Array.isArray(c.counts) && c.keys.length === c.counts.length;
}
