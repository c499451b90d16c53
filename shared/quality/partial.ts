/**
 * One column's partial profile over one shard, and the merge of partials into a
 * {@link ColumnProfile}. Exact parts: counts, missing, min/max, mean and std (Chan's merge of
 * moments); sketched parts: quantiles (KLL, exact while small) and, past the caps of
 * ./value-counts.ts, distinct counts and top values. Histograms come from a second pass (see
 * ./histogram.ts).
 *
 * Missing = null, plus NaN for floats and the empty string for strings. Dates and timestamps
 * are numbers of ms since the epoch. ±Infinity floats are counted in `nonFinite` (and in
 * distinct/top values) but left out of min, max, mean, std, quantiles and histogram.
 *
 * ```ts
 * const merger = new ColumnMerger('age', 'int');
 * for (const values of shards) merger.add(columnPartial('age', 'int', values));
 * const profile = merger.finish();
 * ```
 */
import type { Value } from '../arrow/columns.js';
import type { ColumnType } from '../dataset.js';
import { Kll } from './kll.js';
import type { KllState } from './kll.js';
import { addMoment, EMPTY_MOMENTS, mergeMoments, stdOf } from './moments.js';
import type { Moments } from './moments.js';
import type { ColumnProfile } from './types.js';
import { shardValueCounts, ValueCountsMerger } from './value-counts.js';
import type { ShardValueCounts } from './value-counts.js';

/** The quantiles every profile reports. */
export const PROFILE_QUANTILES: readonly number[] = Object.freeze([0.05, 0.25, 0.5, 0.75, 0.95]);

export interface ColumnPartial {
  name: string;
  type: ColumnType;
  count: number;
  missing: number;
  nonFinite: number;
  /** Finite numbers, or strings; null when the shard has none. */
  min: number | string | null;
  max: number | string | null;
  /** Numbers (dates in ms) and booleans (as 0/1); null for strings. */
  moments: Moments | null;
  /** Ints, floats, dates, timestamps. */
  kll: KllState | null;
  values: ShardValueCounts;
}

/** Whether the type has an order on numbers (min/max/quantiles/histogram). */
export function isNumeric(type: string): boolean {
  return type === 'int' || type === 'float' || type === 'date' || type === 'timestamp';
}

export function isTemporal(type: string): boolean {
  return type === 'date' || type === 'timestamp';
}

/** ISO text of a date or timestamp value in ms (dates: `YYYY-MM-DD`). */
export function isoOf(type: string, ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const iso = d.toISOString();
  return type === 'date' ? iso.slice(0, 10) : iso;
}

export function columnPartial(name: string, type: ColumnType, values: readonly Value[]): ColumnPartial {
  const numeric = isNumeric(type);
  const moments: Moments | null = numeric || type === 'bool' ? { ...EMPTY_MOMENTS } : null;
  const kll = numeric ? new Kll() : null;
  const counts = new Map<string, number>();
  let missing = 0;
  let nonFinite = 0;
  let min: number | null = null;
  let max: number | null = null;
  let smin: string | null = null;
  let smax: string | null = null;
  for (const v of values) {
    if (v === null || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
      missing++;
      continue;
    }
    const key = typeof v === 'string' ? v : String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (typeof v === 'string') {
      if (smin === null || v < smin) smin = v;
      if (smax === null || v > smax) smax = v;
    } else if (typeof v === 'boolean') {
      addMoment(moments!, v ? 1 : 0);
    } else if (!Number.isFinite(v)) {
      nonFinite++;
    } else {
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
      if (moments !== null) addMoment(moments, v);
      kll?.add(v);
    }
  }
  return {
    name,
    type,
    count: values.length,
    missing,
    nonFinite,
    min: smin ?? min,
    max: smax ?? max,
    moments,
    kll: kll?.toJSON() ?? null,
    values: shardValueCounts(counts),
  };
}

function less(a: number | string, b: number | string): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a < b : String(a) < String(b);
}

/** Merges one column's partials, shard after shard, into its profile (histogram aside). */
export class ColumnMerger {
  private count = 0;
  private missing = 0;
  private nonFinite = 0;
  private min: number | string | null = null;
  private max: number | string | null = null;
  private moments: Moments = { ...EMPTY_MOMENTS };
  private kll: Kll | null = null;
  private readonly values = new ValueCountsMerger();

  constructor(
    readonly name: string,
    readonly type: ColumnType,
  ) {}

  add(p: ColumnPartial): void {
    this.count += p.count;
    this.missing += p.missing;
    this.nonFinite += p.nonFinite;
    if (p.min !== null && (this.min === null || less(p.min, this.min))) this.min = p.min;
    if (p.max !== null && (this.max === null || less(this.max, p.max))) this.max = p.max;
    if (p.moments !== null) this.moments = mergeMoments(this.moments, p.moments);
    if (p.kll !== null) {
      if (this.kll === null) this.kll = Kll.fromJSON(p.kll);
      else this.kll.merge(Kll.fromJSON(p.kll));
    }
    this.values.add(p.values);
  }

  finish(): ColumnProfile {
    const { type, moments } = this;
    const vc = this.values.finish();
    const top = isTemporal(type) ? vc.top.map((t) => ({ value: isoOf(type, Number(t.value)), count: t.count })) : vc.top;
    // An estimate never exceeds the number of values present.
    const distinct = Math.min(vc.distinct, this.count - this.missing);
    const profile: ColumnProfile = { name: this.name, type, count: this.count, missing: this.missing, distinct, distinctExact: vc.distinctExact, top, topExact: vc.topExact };
    if (!vc.topExact) profile.topError = vc.topError;
    if (type !== 'bool') {
      profile.min = this.min;
      profile.max = this.max;
    }
    if (type === 'bool' || isNumeric(type)) profile.mean = moments.n > 0 ? moments.mean : null;
    if (isNumeric(type)) {
      profile.std = stdOf(moments);
      if (this.nonFinite > 0) profile.nonFinite = this.nonFinite;
      const qs = this.kll?.quantiles(PROFILE_QUANTILES) ?? [];
      profile.quantiles = PROFILE_QUANTILES.flatMap((p, i) => {
        const value = qs[i];
        return value === null || value === undefined ? [] : [{ p, value }];
      });
      profile.quantilesExact = this.kll === null || this.kll.exact;
    }
    return profile;
  }
}

/** Merges a column's partials (in shard order) into its profile, histogram aside. */
export function mergePartials(name: string, type: ColumnType, parts: readonly ColumnPartial[]): ColumnProfile {
  const m = new ColumnMerger(name, type);
  for (const p of parts) m.add(p);
  return m.finish();
}
