/**
 * Equal-width histograms with exact counts. The bins are fixed once the column's merged min and
 * max are known (after the profile's first phase); every shard then counts its values into the
 * same bins (second phase), and the counts add up exactly.
 *
 * Ints and dates get whole-unit bins (1, or one day) so no bin straddles a value; floats and
 * timestamps get {@link HISTOGRAM_BINS} bins over [min, max], the last one closed.
 *
 * ```ts
 * const spec = binSpec('int', 0, 99);   // 20 bins of width 5
 * const counts = countBins(spec, values);
 * histogramOf(spec, counts);            // [{ lo: 0, hi: 5, count }, ...]
 * ```
 */
import type { ColumnType } from '../dataset.js';

export const HISTOGRAM_BINS = 20;
const DAY_MS = 86_400_000;

export interface BinSpec {
  lo: number;
  /** 0 when min = max (one bin). */
  width: number;
  bins: number;
}

export function binSpec(type: ColumnType, min: number, max: number): BinSpec {
  if (!(max > min)) return { lo: min, width: 0, bins: 1 };
  const unit = type === 'int' ? 1 : type === 'date' ? DAY_MS : 0;
  if (unit > 0) {
    const span = Math.round((max - min) / unit) + 1;
    const per = Math.ceil(span / HISTOGRAM_BINS);
    return { lo: min, width: per * unit, bins: Math.ceil(span / per) };
  }
  return { lo: min, width: (max - min) / HISTOGRAM_BINS, bins: HISTOGRAM_BINS };
}

/** The bin of `x`, clamped to the first and last bin. */
export function binOf(spec: BinSpec, x: number): number {
  if (spec.width === 0) return 0;
  const i = Math.floor((x - spec.lo) / spec.width);
  return i < 0 ? 0 : i >= spec.bins ? spec.bins - 1 : i;
}

/** Counts the finite numbers of `values` (others are skipped) into the spec's bins. */
export function countBins(spec: BinSpec, values: Iterable<unknown>): number[] {
  const counts = new Array<number>(spec.bins).fill(0);
  for (const v of values) {
    if (typeof v === 'number' && Number.isFinite(v)) counts[binOf(spec, v)]!++;
  }
  return counts;
}

export function addBins(into: number[], counts: readonly number[]): void {
  counts.forEach((c, i) => (into[i] = (into[i] ?? 0) + c));
}

export function histogramOf(spec: BinSpec, counts: readonly number[]): { lo: number; hi: number; count: number }[] {
  return counts.map((count, i) => ({ lo: spec.lo + i * spec.width, hi: spec.lo + (i + 1) * spec.width, count }));
}
