/**
 * Distinct counts and top values, mergeable across shards.
 *
 * A shard counts every value exactly. When it saw at most {@link EXACT_VALUES} distinct values
 * (holding at most {@link EXACT_CHARS} characters), it sends the whole count map: merged maps
 * give an exact distinct count and exact top values. Otherwise it sends its
 * {@link SHARD_TOP} most frequent values with their exact shard counts, the `threshold` (the
 * largest count of a value it left out), and a HyperLogLog sketch of all its values. Merged:
 * the distinct count is the sketch's estimate (never below the values seen by name), and each
 * top value's count is a lower bound, short by at most `topError` = the sum of the thresholds
 * of the shards that left values out.
 *
 * ```ts
 * const part = shardValueCounts(new Map([['DE', 3], ['FR', 1]]));
 * const merged = mergeValueCounts([part, other], 10);
 * ```
 */
import { HyperLogLog } from './hll.js';

/** Most distinct values a shard sends by name; above it, it sends its top and a sketch. */
export const EXACT_VALUES = 1000;
/** Most characters those values may hold together. */
export const EXACT_CHARS = 65_536;
/** Values an overflowing shard sends by name. */
export const SHARD_TOP = 50;
/** Top values in a column profile. */
export const REPORT_TOP = 10;

export interface ShardValueCounts {
  /** [value, count] for every distinct value of the shard, or null when over the caps. */
  exact: [string, number][] | null;
  /** When `exact` is null: the shard's most frequent values, count-descending. */
  top?: [string, number][];
  /** When `exact` is null: the largest count of a value not in `top`. */
  threshold?: number;
  /** When `exact` is null: HyperLogLog registers (base64) of every value of the shard. */
  hll?: string;
}

export interface MergedValueCounts {
  distinct: number;
  distinctExact: boolean;
  top: { value: string; count: number }[];
  topExact: boolean;
  /** Largest amount by which a reported top count may fall short (0 when exact). */
  topError: number;
}

/** Count-descending, then value-ascending: a deterministic order. */
function byCount(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

export function shardValueCounts(counts: ReadonlyMap<string, number>): ShardValueCounts {
  let chars = 0;
  for (const k of counts.keys()) chars += k.length;
  const entries = [...counts.entries()].sort(byCount);
  if (counts.size <= EXACT_VALUES && chars <= EXACT_CHARS) return { exact: entries };
  const hll = new HyperLogLog();
  for (const k of counts.keys()) hll.add(k);
  return { exact: null, top: entries.slice(0, SHARD_TOP), threshold: entries[SHARD_TOP]?.[1] ?? 0, hll: hll.toBase64() };
}

/** Merges shard counts one at a time (memory: the values seen by name and one sketch). */
export class ValueCountsMerger {
  private readonly counts = new Map<string, number>();
  private hll: HyperLogLog | null = null;
  private topError = 0;
  private exact = true;

  add(p: ShardValueCounts): void {
    for (const [v, c] of p.exact ?? p.top ?? []) this.counts.set(v, (this.counts.get(v) ?? 0) + c);
    if (p.exact !== null) return;
    this.exact = false;
    this.topError += p.threshold ?? 0;
    if (p.hll === undefined) return;
    const h = HyperLogLog.fromBase64(p.hll);
    if (this.hll === null) this.hll = h;
    else this.hll.merge(h);
  }

  finish(topN = REPORT_TOP): MergedValueCounts {
    const { counts } = this;
    const top = [...counts.entries()].sort(byCount).slice(0, topN).map(([value, count]) => ({ value, count }));
    if (this.exact) return { distinct: counts.size, distinctExact: true, top, topExact: true, topError: 0 };
    // Every value seen by name goes into the sketch too (adding one twice changes nothing).
    const sketch = this.hll ?? new HyperLogLog();
    for (const v of counts.keys()) sketch.add(v);
    const distinct = Math.max(counts.size, Math.round(sketch.estimate()));
    return { distinct, distinctExact: false, top, topExact: false, topError: this.topError };
  }
}

export function mergeValueCounts(parts: readonly ShardValueCounts[], topN = REPORT_TOP): MergedValueCounts {
  const m = new ValueCountsMerger();
  for (const p of parts) m.add(p);
  return m.finish(topN);
}
