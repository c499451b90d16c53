/**
 * Input checks and numeric helpers shared by the metric modules: array types, length and
 * finiteness checks, sorted unique labels, and numpy's pairwise summation (so sums agree with
 * `np.sum` / `np.average` bit for bit in most cases, and to ~1e-16 always).
 *
 * ```ts
 * const w = checkWeights(sampleWeight, yTrue.length, 'sampleWeight');
 * const mean = weightedMean(values, w);
 * ```
 */
import { QuiverError } from '../../errors.js';

/** A 1-D numeric input: labels, scores, predictions or weights. */
export type NumericArray = Float64Array | Int32Array | readonly number[];

/** Class probabilities, one row per sample (columns follow the sorted class labels). */
export type ProbaRows = readonly NumericArray[];

/** A non-retryable INPUT_INVALID error (sklearn raises ValueError for these). */
export function inputInvalid(message: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', message);
}

/** A non-retryable OPTION_INVALID error naming the option. */
export function optionInvalid(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

/** Copies any numeric array into a Float64Array. */
export function toF64(values: NumericArray): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** Throws unless `values` is non-empty and every value is finite. */
export function checkFinite(values: NumericArray, name: string, expected?: number): Float64Array {
  const out = toF64(values);
  if (out.length === 0) throw inputInvalid(`${name}: is empty; pass at least one sample`);
  if (expected !== undefined && out.length !== expected) {
    throw inputInvalid(`${name}: has ${out.length} values but yTrue has ${expected}; pass arrays of the same length`);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw inputInvalid(`${name}[${i}]: is ${out[i]}; every value must be a finite number`);
  }
  return out;
}

/** Class labels: finite, integer-valued numbers (sklearn rejects continuous targets). */
export function checkLabels(values: NumericArray, name: string, expected?: number): Float64Array {
  const out = checkFinite(values, name, expected);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isInteger(out[i]!)) {
      throw inputInvalid(`${name}[${i}]: is ${out[i]}; class labels must be integers (continuous targets are not supported)`);
    }
  }
  return out;
}

/** Sample weights: same length as the samples, finite and non-negative; undefined passes through. */
export function checkWeights(weights: NumericArray | undefined, n: number, name = 'sampleWeight'): Float64Array | undefined {
  if (weights === undefined) return undefined;
  const out = checkFinite(weights, name, n);
  for (let i = 0; i < out.length; i++) {
    if (out[i]! < 0) throw inputInvalid(`${name}[${i}]: is ${out[i]}; sample weights must be >= 0`);
  }
  return out;
}

/** Sorted distinct values (numeric order, as `np.unique` / `unique_labels`). */
export function uniqueSorted(...arrays: Float64Array[]): number[] {
  // Labels are usually a handful of classes: a short list beats a Set until it grows.
  const few: number[] = [];
  let seen: Set<number> | null = null;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] === 0 ? 0 : a[i]!;
      if (seen !== null) {
        seen.add(v);
        continue;
      }
      let at = 0;
      while (at < few.length && few[at] !== v) at++;
      if (at === few.length) {
        few.push(v);
        if (few.length > FEW_LABELS) seen = new Set(few);
      }
    }
  }
  return [...(seen ?? few)].sort((a, b) => a - b);
}

/** Distinct values kept in a list by {@link uniqueSorted} before it switches to a Set. */
const FEW_LABELS = 16;

function pairwise(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = -0;
    for (let i = start; i < start + n; i++) res += a[i]!;
    return res;
  }
  if (n <= 128) {
    const r = [a[start]!, a[start + 1]!, a[start + 2]!, a[start + 3]!, a[start + 4]!, a[start + 5]!, a[start + 6]!, a[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** `np.sum` of a contiguous float64 array: first element, plus the pairwise sum of the rest. */
export function npSum(a: ArrayLike<number>): number {
  if (a.length === 0) return 0;
  return a[0]! + pairwise(a, 1, a.length - 1);
}

/**
 * `np.average(values, weights=weights)`: the mean, or sum(values*weights)/sum(weights).
 * Throws INPUT_INVALID when the weights sum to zero (numpy's ZeroDivisionError).
 */
export function weightedMean(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (weights === undefined) return npSum(values) / values.length;
  const prod = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) prod[i] = values[i]! * weights[i]!;
  const scale = npSum(weights);
  if (scale === 0) throw inputInvalid('sampleWeight: weights sum to zero; give at least one sample a positive weight');
  return npSum(prod) / scale;
}
