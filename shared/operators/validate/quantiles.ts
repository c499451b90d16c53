/**
 * Exact distributed quartiles for the IQR outlier rule, by radix selection on the bits of the
 * values. Every finite double maps to a 64-bit key whose unsigned order is the numeric order.
 * Phase 0 counts, per shard, the values under each 16-bit key prefix; the coordinator merges
 * the counts and finds the bucket holding each wanted rank; each later round counts the next
 * 8 bits inside that bucket only, until the bucket holds at most {@link COLLECT_LIMIT} values
 * (then the shards send those values and the rank is read off exactly) or the whole 64-bit
 * key is known (then the key is the value). Each bucket also carries its smallest and largest
 * value: a rank that is a bucket's first or last, or a bucket of one repeated value, is known
 * at once. At most 6 rounds after phase 0, usually 1 or 2.
 *
 * Quartiles follow numpy's default (`method='linear'`): with n sorted values, Q(p) lies at
 * h = (n - 1)p, between the values of ranks floor(h) and floor(h) + 1.
 *
 * ```ts
 * const state = initialState(rule, n);      // from phase 0's merged counts
 * applyAnswers(state, query, merged);       // round after round
 * quartiles(state)                          // { q1, q3 } once every rank is resolved
 * ```
 */
import { QuiverError } from '../../errors.js';

/** A bucket holding at most this many values is collected instead of split further. */
export const COLLECT_LIMIT = 16_384;

/** A key prefix: its first `bits` bits (the rest zero) as two uint32 words. */
export interface Prefix {
  bits: number;
  hi: number;
  lo: number;
}

/** What a round asks each shard about one IQR rule's values under one prefix. */
export interface Query {
  rule: number;
  prefix: Prefix;
  /** True: send the values themselves; false: count them by the next digit. */
  collect: boolean;
}

/**
 * A shard's answer: per digit (ascending) the count, smallest and largest value, flat as
 * [digit, count, min, max, digit, ...]; or the sorted values themselves.
 */
export type Answer = { hist: number[] } | { values: number[] };

/** Numbers per digit in a `hist` answer. */
const STRIDE = 4;

/** Bucket stats by digit → flat `hist`, digits ascending. */
function flatten(buckets: Map<number, [count: number, min: number, max: number]>): number[] {
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).flatMap(([d, b]) => [d, ...b]);
}

export interface Target {
  rank: number;
  /** Values with a key below the prefix. */
  below: number;
  prefix: Prefix;
  /** Values under the prefix. */
  count: number;
  value: number | null;
}

export interface QuantileState {
  rule: number;
  n: number;
  targets: Target[];
}

const ROOT: Prefix = Object.freeze({ bits: 0, hi: 0, lo: 0 });
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE ? 0 : 1;
const HI = LITTLE ? 1 : 0;

let keyHi = 0;
let keyLo = 0;

/** Sets {@link keyHi}/{@link keyLo} to the sortable key of a finite number (-0 as 0). */
function setKey(x: number): void {
  f64[0] = x === 0 ? 0 : x;
  const hi = u32[HI]!;
  const lo = u32[LO]!;
  if (hi & 0x80000000) {
    keyHi = ~hi >>> 0;
    keyLo = ~lo >>> 0;
  } else {
    keyHi = (hi | 0x80000000) >>> 0;
    keyLo = lo;
  }
}

function valueOfKey(hi: number, lo: number): number {
  if (hi & 0x80000000) {
    u32[HI] = (hi & 0x7fffffff) >>> 0;
    u32[LO] = lo;
  } else {
    u32[HI] = ~hi >>> 0;
    u32[LO] = ~lo >>> 0;
  }
  return f64[0]!;
}

/** Width of the digit that follows a prefix of `bits` bits. */
function digitWidth(bits: number): number {
  return bits === 0 ? 16 : 8;
}

function digitOf(hi: number, lo: number, bits: number): number {
  const w = digitWidth(bits);
  const mask = (1 << w) - 1;
  return bits + w <= 32 ? (hi >>> (32 - bits - w)) & mask : (lo >>> (64 - bits - w)) & mask;
}

function underPrefix(hi: number, lo: number, p: Prefix): boolean {
  if (p.bits === 0) return true;
  if (p.bits <= 32) return hi >>> (32 - p.bits) === p.hi >>> (32 - p.bits);
  return hi === p.hi && lo >>> (64 - p.bits) === p.lo >>> (64 - p.bits);
}

function extend(p: Prefix, digit: number): Prefix {
  const w = digitWidth(p.bits);
  const bits = p.bits + w;
  return bits <= 32 ? { bits, hi: (p.hi | (digit << (32 - bits))) >>> 0, lo: 0 } : { bits, hi: p.hi, lo: (p.lo | (digit << (64 - bits))) >>> 0 };
}

/** Worker side: answers one query over a shard's finite values of the rule's column. */
export function answerQuery(values: Float64Array, q: Query): Answer {
  if (q.collect) {
    const out: number[] = [];
    for (let i = 0; i < values.length; i++) {
      setKey(values[i]!);
      if (underPrefix(keyHi, keyLo, q.prefix)) out.push(values[i]! === 0 ? 0 : values[i]!);
    }
    return { values: out.sort((a, b) => a - b) };
  }
  const buckets = new Map<number, [number, number, number]>();
  for (let i = 0; i < values.length; i++) {
    const x = values[i]! === 0 ? 0 : values[i]!;
    setKey(x);
    if (!underPrefix(keyHi, keyLo, q.prefix)) continue;
    const d = digitOf(keyHi, keyLo, q.prefix.bits);
    const b = buckets.get(d);
    if (b === undefined) buckets.set(d, [1, x, x]);
    else {
      b[0]++;
      if (x < b[1]) b[1] = x;
      if (x > b[2]) b[2] = x;
    }
  }
  return { hist: flatten(buckets) };
}

/** The query phase 0 answers for an IQR rule: counts by the top 16 key bits. */
export function rootQuery(rule: number): Query {
  return { rule, prefix: ROOT, collect: false };
}

/** Merges the answers of every shard to one query, in shard order. */
export function mergeAnswers(answers: readonly Answer[]): Answer {
  if (answers.length > 0 && answers.every((a) => 'values' in a)) {
    return { values: answers.flatMap((a) => (a as { values: number[] }).values).sort((a, b) => a - b) };
  }
  const buckets = new Map<number, [number, number, number]>();
  for (const a of answers) {
    if (!('hist' in a)) continue;
    for (let k = 0; k < a.hist.length; k += STRIDE) {
      const [d, c, lo, hi] = [a.hist[k]!, a.hist[k + 1]!, a.hist[k + 2]!, a.hist[k + 3]!];
      const b = buckets.get(d);
      if (b === undefined) buckets.set(d, [c, lo, hi]);
      else buckets.set(d, [b[0] + c, Math.min(b[1], lo), Math.max(b[2], hi)]);
    }
  }
  return { hist: flatten(buckets) };
}

/** Total values an answer counts. */
export function answerCount(a: Answer): number {
  if ('values' in a) return a.values.length;
  let n = 0;
  for (let k = 1; k < a.hist.length; k += STRIDE) n += a.hist[k]!;
  return n;
}

/** The ranks numpy's linear quartiles read, for n values. */
function ranksOf(n: number): number[] {
  const ranks = new Set<number>();
  for (const p of [0.25, 0.75]) {
    const h = (n - 1) * p;
    ranks.add(Math.floor(h));
    ranks.add(Math.min(Math.floor(h) + 1, n - 1));
  }
  return [...ranks].sort((a, b) => a - b);
}

export function initialState(rule: number, n: number): QuantileState {
  const targets = n === 0 ? [] : ranksOf(n).map((rank): Target => ({ rank, below: 0, prefix: ROOT, count: n, value: null }));
  return { rule, n, targets };
}

function queryKey(q: Query): string {
  return `${q.rule}/${q.prefix.bits}/${q.prefix.hi}/${q.prefix.lo}/${q.collect ? 'c' : 'h'}`;
}

/** The queries the next round asks, deterministic in the state (one per distinct bucket). */
export function pendingQueries(states: readonly QuantileState[]): Query[] {
  const out = new Map<string, Query>();
  for (const s of states) {
    for (const t of s.targets) {
      if (t.value !== null) continue;
      const q: Query = { rule: s.rule, prefix: t.prefix, collect: t.prefix.bits > 0 && t.count <= COLLECT_LIMIT };
      out.set(queryKey(q), q);
    }
  }
  return [...out.values()];
}

/** Moves every target the query concerns one step on, using the merged answer. */
export function applyAnswer(state: QuantileState, q: Query, merged: Answer): void {
  for (const t of state.targets) {
    if (t.value !== null || state.rule !== q.rule || queryKey({ ...q, prefix: t.prefix }) !== queryKey(q)) continue;
    if ('values' in merged) {
      const v = merged.values[t.rank - t.below];
      if (v === undefined) throw QuiverError.nonRetryable('INTERNAL', `rank ${t.rank} not among ${merged.values.length} collected values`);
      t.value = v;
      continue;
    }
    let cum = t.below;
    let found = false;
    for (let k = 0; k < merged.hist.length && !found; k += STRIDE) {
      const c = merged.hist[k + 1]!;
      if (t.rank < cum + c) {
        t.prefix = extend(t.prefix, merged.hist[k]!);
        t.below = cum;
        t.count = c;
        // The bucket's smallest value has its first rank, its largest its last; one value fills it all.
        const [min, max] = [merged.hist[k + 2]!, merged.hist[k + 3]!];
        if (t.prefix.bits === 64) t.value = valueOfKey(t.prefix.hi, t.prefix.lo);
        else if (min === max || t.rank === cum) t.value = min;
        else if (t.rank === cum + c - 1) t.value = max;
        found = true;
      } else cum += c;
    }
    if (!found) throw QuiverError.nonRetryable('INTERNAL', `rank ${t.rank} not under its prefix (the input changed between rounds?)`);
  }
}

export function resolved(state: QuantileState): boolean {
  return state.targets.every((t) => t.value !== null);
}

/** numpy's `_lerp`: a + (b - a)t, computed from b's side when t >= 0.5. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Q1 and Q3 (numpy linear), or null when there are no values. */
export function quartiles(state: QuantileState): { q1: number; q3: number } | null {
  if (state.n === 0) return null;
  const at = (rank: number): number => {
    const v = state.targets.find((t) => t.rank === rank)?.value;
    if (v === null || v === undefined) throw QuiverError.nonRetryable('INTERNAL', `rank ${rank} unresolved`);
    return v;
  };
  const q = (p: number): number => {
    const h = (state.n - 1) * p;
    const lo = Math.floor(h);
    return lerp(at(lo), at(Math.min(lo + 1, state.n - 1)), h - lo);
  };
  return { q1: q(0.25), q3: q(0.75) };
}
