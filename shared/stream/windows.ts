/**
 * Tumbling event-time windows per key, with a watermark. A window covers
 * `[start, start + size)`, aligned to the epoch. The watermark is the newest event time seen
 * minus the allowed lateness (one watermark for the whole stream, not per key); a reading
 * older than the watermark is late and rejected, and a window is closed, once and for all,
 * when the watermark reaches its end. Pure: no clock, no I/O.
 *
 * ```ts
 * const w = new WindowAggregator({ key: 'device_id', time: 'ts', window: { sizeMs: 60_000, latenessMs: 10_000, fields: ['temperature'] } });
 * const r = w.offer({ device_id: 'd1', ts: Date.parse('2024-05-01T10:00:05Z'), temperature: 21.5 });
 * if (!r.accepted) quarantine(r.reason); else for (const row of r.closed) emit(row);
 * const rest = w.closeAll(); // on stop
 * ```
 */
import type { Value } from '../arrow/columns.js';
import type { FieldDef, SchemaDef } from '../dataset.js';
import { formatDuration } from './duration.js';
import type { Reading, WindowPlan, WindowStat } from './types.js';

/** One closed window: key, window_start, window_end (ms), count, then `<field>_<stat>` per field. */
export type WindowRow = Record<string, Value>;

export const WINDOW_START = 'window_start';
export const WINDOW_END = 'window_end';
export const WINDOW_COUNT = 'count';

/** The column holding `stat` of `field` in a window row. */
export function statColumn(field: string, stat: WindowStat): string {
  return `${field}_${stat}`;
}

/** Columns of a window row, in order. `key` is the key field as the stream schema declares it. */
export function windowSchema(key: FieldDef, fields: readonly string[]): SchemaDef {
  const out: FieldDef[] = [
    { name: key.name, type: key.type, nullable: key.nullable },
    { name: WINDOW_START, type: 'timestamp', nullable: false },
    { name: WINDOW_END, type: 'timestamp', nullable: false },
    { name: WINDOW_COUNT, type: 'int', nullable: false },
  ];
  for (const f of fields) {
    out.push({ name: statColumn(f, 'count'), type: 'int', nullable: false });
    for (const stat of ['mean', 'min', 'max'] as const) out.push({ name: statColumn(f, stat), type: 'float', nullable: true });
  }
  return { fields: out };
}

export interface WindowAggregatorOptions {
  key: string;
  time: string;
  window: WindowPlan;
}

export type OfferResult = { accepted: true; closed: WindowRow[] } | { accepted: false; reason: string };

interface Acc {
  key: Value;
  count: number;
  n: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class WindowAggregator {
  private readonly key: string;
  private readonly time: string;
  private readonly sizeMs: number;
  private readonly latenessMs: number;
  private readonly fields: readonly string[];
  /** Open windows: start → key → accumulator. */
  private readonly open = new Map<number, Map<string, Acc>>();
  /** Starts of open windows, ascending. */
  private readonly starts: number[] = [];
  private maxEventMs = -Infinity;
  private openWindows = 0;

  constructor(options: WindowAggregatorOptions) {
    this.key = options.key;
    this.time = options.time;
    this.sizeMs = options.window.sizeMs;
    this.latenessMs = options.window.latenessMs;
    this.fields = options.window.fields;
  }

  /** Newest event time − allowed lateness; -Infinity before the first reading. */
  get watermark(): number {
    return this.maxEventMs - this.latenessMs;
  }

  /** Newest event time seen; -Infinity before the first reading. */
  get maxEventTime(): number {
    return this.maxEventMs;
  }

  get openCount(): number {
    return this.openWindows;
  }

  /** Start of the window holding event time `ms`. */
  windowStart(ms: number): number {
    return Math.floor(ms / this.sizeMs) * this.sizeMs;
  }

  /**
   * Adds a reading to its window, or rejects it as late. An accepted reading may advance the
   * watermark; the windows that closed because of it come back in `closed`, oldest first.
   */
  offer(reading: Reading): OfferResult {
    const ts = reading[this.time] as number;
    const watermark = this.watermark;
    if (ts < watermark) {
      return {
        accepted: false,
        reason:
          `late: event time ${iso(ts)} is before watermark ${iso(watermark)} ` +
          `(newest event time ${iso(this.maxEventMs)} − allowed lateness ${formatDuration(this.latenessMs)})`,
      };
    }
    this.add(reading, ts);
    if (ts <= this.maxEventMs) return { accepted: true, closed: [] };
    this.maxEventMs = ts;
    return { accepted: true, closed: this.closeUntil(this.watermark) };
  }

  /** Closes every open window (on stop), oldest first. */
  closeAll(): WindowRow[] {
    return this.closeUntil(Infinity);
  }

  private add(reading: Reading, ts: number): void {
    const start = this.windowStart(ts);
    let byKey = this.open.get(start);
    if (byKey === undefined) {
      byKey = new Map();
      this.open.set(start, byKey);
      insertSorted(this.starts, start);
    }
    const keyValue = reading[this.key] ?? null;
    const mapKey = keyValue === null ? '\u0000null' : `${typeof keyValue}:${String(keyValue)}`;
    let acc = byKey.get(mapKey);
    if (acc === undefined) {
      const k = this.fields.length;
      acc = { key: keyValue, count: 0, n: new Float64Array(k), sum: new Float64Array(k), min: new Float64Array(k).fill(Infinity), max: new Float64Array(k).fill(-Infinity) };
      byKey.set(mapKey, acc);
      this.openWindows++;
    }
    acc.count++;
    for (let i = 0; i < this.fields.length; i++) {
      const v = reading[this.fields[i]!];
      if (typeof v !== 'number' || Number.isNaN(v)) continue;
      acc.n[i]!++;
      acc.sum[i]! += v;
      if (v < acc.min[i]!) acc.min[i] = v;
      if (v > acc.max[i]!) acc.max[i] = v;
    }
  }

  /** Closes the windows whose end is ≤ `watermark`. */
  private closeUntil(watermark: number): WindowRow[] {
    const out: WindowRow[] = [];
    while (this.starts.length > 0 && this.starts[0]! + this.sizeMs <= watermark) {
      const start = this.starts.shift()!;
      const byKey = this.open.get(start)!;
      this.open.delete(start);
      const keys = [...byKey.keys()].sort();
      for (const k of keys) out.push(this.row(start, byKey.get(k)!));
      this.openWindows -= byKey.size;
    }
    return out;
  }

  private row(start: number, acc: Acc): WindowRow {
    const row: WindowRow = { [this.key]: acc.key, [WINDOW_START]: start, [WINDOW_END]: start + this.sizeMs, [WINDOW_COUNT]: acc.count };
    this.fields.forEach((f, i) => {
      const n = acc.n[i]!;
      row[statColumn(f, 'count')] = n;
      row[statColumn(f, 'mean')] = n === 0 ? null : acc.sum[i]! / n;
      row[statColumn(f, 'min')] = n === 0 ? null : acc.min[i]!;
      row[statColumn(f, 'max')] = n === 0 ? null : acc.max[i]!;
    });
    return row;
  }
}

function insertSorted(xs: number[], x: number): void {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  xs.splice(lo, 0, x);
}
