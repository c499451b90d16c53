/**
 * The statistics protocol between the coordinator (./tracker.ts) and the cleanse kernels.
 * A stats phase carries requests; each task answers every request over its shard, at the
 * request's step (after the steps before it). Answers are small JSON in the task's stats:
 *
 * - `summary`: count, sum, min, max; value counts when the shard has at most {@link CAP}
 *   distinct values (median) or its {@link CAP} most frequent values (mode);
 * - `select`: for exact medians beyond {@link CAP} distinct values, how many values lie
 *   below a range and either the range's value counts or a {@link BUCKETS}-bucket histogram
 *   of it (bucketed on an order-preserving 64-bit key of the double, so ranges always shrink);
 * - `count`: exact counts of mode candidates;
 * - `ffill`: per series, the last non-null value and the first and last `order` values.
 *
 * ```ts
 * const answer = answerRequest(work, step, { step: 4, kind: 'summary', need: 'median' });
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import { walkSeries } from './steps.js';
import type { Work } from './steps.js';
import type { ImputeStep } from './types.js';
import { compareValues, decodeValue, encodeValue, isMissing } from './values.js';
import type { JsonValue } from './values.js';

/** Distinct values a shard reports exactly (summary and select answers). */
export const CAP = 512;
/** Buckets of a select histogram. */
export const BUCKETS = 256;

export type StatRequest =
  | { step: number; kind: 'summary'; need: 'mean' | 'median' | 'mode' }
  | { step: number; kind: 'select'; target: number; lo: JsonValue; hi: JsonValue }
  | { step: number; kind: 'count'; values: JsonValue[] }
  | { step: number; kind: 'ffill' };

export interface SummaryAnswer {
  n: number;
  sum: number;
  min: JsonValue;
  max: JsonValue;
  /** Sorted by value; absent (median) or the top CAP by count (mode, `truncated`) beyond CAP distinct values. */
  counts?: [JsonValue, number][];
  truncated?: boolean;
  /** Mode, truncated: the largest count of a value left out. */
  threshold?: number;
}

export interface SelectAnswer {
  below: number;
  counts?: [JsonValue, number][];
  /** [bucket, count, min, max], buckets with values only. */
  buckets?: [number, number, JsonValue, JsonValue][];
}

export interface CountAnswer {
  counts: number[];
}

export interface FfillAnswer {
  /** [series key, last non-missing value or null, first order value, last order value]. */
  series: [string, JsonValue, JsonValue, JsonValue][];
}

export type StatAnswer = SummaryAnswer | SelectAnswer | CountAnswer | FfillAnswer;

const norm = (v: Value): Value => (v === 0 ? 0 : v);

/** The live, non-missing values of the step's column. */
function liveValues(work: Work, column: string): Value[] {
  const values = work.col(column).values;
  const out: Value[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (work.alive[i] === 1 && !isMissing(v)) out.push(norm(v));
  }
  return out;
}

function countValues(values: readonly Value[]): Map<Value, number> {
  const m = new Map<Value, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

const byValue = (a: [Value, number], b: [Value, number]): number => compareValues(a[0], b[0]);
/** Most frequent first, then by value. */
export const byCount = (a: [Value, number], b: [Value, number]): number => b[1] - a[1] || compareValues(a[0], b[0]);
const enc = (entries: [Value, number][]): [JsonValue, number][] => entries.map(([v, c]) => [encodeValue(v), c]);

function summary(values: readonly Value[], need: 'mean' | 'median' | 'mode'): SummaryAnswer {
  let sum = 0;
  let min: Value = null;
  let max: Value = null;
  for (const v of values) {
    if (typeof v === 'number') sum += v;
    if (min === null || compareValues(v, min) < 0) min = v;
    if (max === null || compareValues(v, max) > 0) max = v;
  }
  const out: SummaryAnswer = { n: values.length, sum: encodeValue(sum) as number, min: encodeValue(min), max: encodeValue(max) };
  if (need === 'mean') return out;
  const counts = [...countValues(values)];
  if (counts.length <= CAP) out.counts = enc(counts.sort(byValue));
  else if (need === 'mode') {
    counts.sort(byCount);
    out.counts = enc(counts.slice(0, CAP));
    out.truncated = true;
    out.threshold = counts[CAP]![1];
  }
  return out;
}

const view = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;
const MASK = (1n << 64n) - 1n;

/** An unsigned 64-bit key with the order of the doubles (-0 = 0). */
export function sortKey(v: number): bigint {
  view.setFloat64(0, v === 0 ? 0 : v);
  const bits = view.getBigUint64(0);
  return (bits & SIGN) !== 0n ? ~bits & MASK : bits | SIGN;
}

/** The bucket of `v` in [lo, hi] split into BUCKETS parts of the key space. */
export function bucketOf(v: number, lo: number, hi: number): number {
  const klo = sortKey(lo);
  const span = sortKey(hi) - klo + 1n;
  return Number(((sortKey(v) - klo) * BigInt(BUCKETS)) / span);
}

/** Histogram entries of values in [lo, hi]: bucket → [count, min, max]. */
export function histogram(entries: Iterable<[number, number]>, lo: number, hi: number, into = new Map<number, [number, number, number]>()): Map<number, [number, number, number]> {
  for (const [v, c] of entries) {
    const j = bucketOf(v, lo, hi);
    const b = into.get(j);
    if (b === undefined) into.set(j, [c, v, v]);
    else {
      b[0] += c;
      if (v < b[1]) b[1] = v;
      if (v > b[2]) b[2] = v;
    }
  }
  return into;
}

function select(values: readonly Value[], lo: number, hi: number): SelectAnswer {
  let below = 0;
  const inside: number[] = [];
  for (const v of values) {
    const x = v as number;
    if (x < lo) below++;
    else if (x <= hi) inside.push(x);
  }
  const counts = countValues(inside) as Map<number, number>;
  if (counts.size <= CAP) return { below, counts: enc([...counts].sort(byValue)) };
  const buckets = [...histogram(counts, lo, hi)].sort((a, b) => a[0] - b[0]);
  return { below, buckets: buckets.map(([j, [c, mn, mx]]) => [j, c, encodeValue(mn), encodeValue(mx)]) };
}

function ffill(work: Work, step: ImputeStep): FfillAnswer {
  const values = work.col(step.column).values;
  const order = step.order === undefined ? undefined : work.col(step.order).values;
  const series = new Map<string, [string, JsonValue, JsonValue, JsonValue]>();
  walkSeries(work, step, (i, key) => {
    let s = series.get(key);
    if (s === undefined) series.set(key, (s = [key, null, null, null]));
    const v = values[i]!;
    if (!isMissing(v)) s[1] = encodeValue(v);
    const o = order?.[i] ?? null;
    if (o !== null) {
      if (s[2] === null) s[2] = encodeValue(o);
      s[3] = encodeValue(o);
    }
  });
  return { series: [...series.values()] };
}

/** Answers one request over the shard as it stands at the request's step. */
export function answerRequest(work: Work, step: ImputeStep, req: StatRequest): StatAnswer {
  switch (req.kind) {
    case 'summary':
      return summary(liveValues(work, step.column), req.need);
    case 'select':
      return select(liveValues(work, step.column), decodeValue(req.lo) as number, decodeValue(req.hi) as number);
    case 'count': {
      const counts = countValues(liveValues(work, step.column));
      return { counts: req.values.map((v) => counts.get(norm(decodeValue(v))) ?? 0) };
    }
    case 'ffill':
      return ffill(work, step);
  }
}
