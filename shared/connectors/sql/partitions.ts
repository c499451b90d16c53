/**
 * Splitting a query's rows into N disjoint partitions on one column, so every row is read by
 * exactly one task:
 *  - int, float, date and timestamp columns: key ranges. The column's min and max (one query at
 *    plan time) cut into N equal half-open ranges `[b_i, b_i+1)`; the first range also takes
 *    everything below b_1 and the null keys, the last everything from b_N-1 up, so rows inserted
 *    after planning are not lost. Fewer partitions when there are fewer distinct keys (ints,
 *    days) than N.
 *  - any other column (or values a range cannot use, such as an infinite timestamp): hash
 *    buckets, `hash(col) mod N = i`, null keys in bucket 0. Each task then scans the whole
 *    result, so prefer a range column where there is one.
 *
 * ```ts
 * rangePartitions(postgresDriver, 'id', 'int', '1', '1000', 4);
 * // [{ where: '(q."id" < 251 or q."id" is null)', values: [], label: 'id < 251 or id is null' }, ...]
 * ```
 */
import type { ColumnType } from '../../dataset.js';
import { parseTimestamp, Rejected } from './convert.js';
import type { SqlDriver } from './driver.js';

export interface Partition {
  /** Condition on the wrapped query's alias `q`, or null for all rows. */
  where: string | null;
  /** Values bound to the condition's placeholders, in order. */
  values: string[];
  /** The condition in words, for quarantine records and logs. */
  label: string;
}

const ALL_ROWS: Partition = { where: null, values: [], label: 'all rows' };

/** A bound of a range: SQL text (literal or placeholder) and how it reads in a label. */
interface Bound {
  literal?: string;
  value?: string;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` (days) or `YYYY-MM-DD HH:MM:SS.mmm` (ms), UTC; null outside years 1-9999. */
function formatTime(ms: number, withTime: boolean): string | null {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (Number.isNaN(y) || y < 1 || y > 9999) return null;
  const date = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  if (!withTime) return date;
  return `${date} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Bounds b_1..b_k-1 between lo and hi (both as numbers or bigints of the same kind). */
function intBounds(lo: bigint, hi: bigint, n: number): bigint[] {
  const span = hi - lo + 1n;
  const k = span < BigInt(n) ? Number(span) : n;
  const out: bigint[] = [];
  for (let i = 1; i < k; i++) out.push(lo + (span * BigInt(i)) / BigInt(k));
  return out;
}

function floatBounds(lo: number, hi: number, n: number): number[] {
  const out: number[] = [];
  if (!(hi > lo)) return out;
  for (let i = 1; i < n; i++) {
    const b = lo + ((hi - lo) * i) / n;
    if (b > lo && b <= hi && (out.length === 0 || b > out[out.length - 1]!)) out.push(b);
  }
  return out;
}

/** The bounds of a range split, or null when the column's values cannot be ranged. */
function boundsOf(type: ColumnType, min: string, max: string, n: number): Bound[] | null {
  switch (type) {
    case 'int': {
      if (!/^-?\d+$/.test(min.trim()) || !/^-?\d+$/.test(max.trim())) return null;
      return intBounds(BigInt(min.trim()), BigInt(max.trim()), n).map((b) => ({ literal: b.toString() }));
    }
    case 'float': {
      const lo = Number(min);
      const hi = Number(max);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
      return floatBounds(lo, hi, n).map((b) => ({ literal: String(b) }));
    }
    case 'date':
    case 'timestamp': {
      const lo = parseTimestamp(min);
      const hi = parseTimestamp(max);
      if (lo instanceof Rejected || hi instanceof Rejected) return null;
      const unit = type === 'date' ? 86_400_000 : 1;
      const bounds = intBounds(BigInt(Math.floor(lo / unit)), BigInt(Math.floor(hi / unit)), n);
      const out: Bound[] = [];
      for (const b of bounds) {
        const text = formatTime(Number(b) * unit, type === 'timestamp');
        if (text === null) return null;
        out.push({ value: text });
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * Key-range partitions of `column` (a result column of type `type`) between `min` and `max`
 * (their text, null when the column has no non-null value); null when the column's type or
 * values cannot be ranged (use {@link hashPartitions}).
 */
export function rangePartitions(driver: SqlDriver, column: string, type: ColumnType, min: string | null, max: string | null, n: number): Partition[] | null {
  if (type !== 'int' && type !== 'float' && type !== 'date' && type !== 'timestamp') return null;
  if (min === null || max === null) return [ALL_ROWS];
  const bounds = boundsOf(type, min, max, n);
  if (bounds === null) return null;
  if (bounds.length === 0) return [ALL_ROWS];
  const col = `q.${driver.quoteIdent(column)}`;
  const parts: Partition[] = [];
  for (let i = 0; i <= bounds.length; i++) {
    const values: string[] = [];
    const sqlOf = (b: Bound): string => {
      if (b.literal !== undefined) return b.literal;
      values.push(b.value!);
      return driver.placeholder(values.length);
    };
    const shown = (b: Bound): string => b.literal ?? `'${b.value!}'`;
    const lo = i > 0 ? bounds[i - 1]! : undefined;
    const hi = i < bounds.length ? bounds[i]! : undefined;
    if (lo === undefined) {
      parts.push({ where: `(${col} < ${sqlOf(hi!)} or ${col} is null)`, values, label: `${column} < ${shown(hi!)} or ${column} is null` });
    } else if (hi === undefined) {
      parts.push({ where: `${col} >= ${sqlOf(lo)}`, values, label: `${column} >= ${shown(lo)}` });
    } else {
      const where = `${col} >= ${sqlOf(lo)} and ${col} < ${sqlOf(hi)}`;
      parts.push({ where, values, label: `${column} >= ${shown(lo)} and ${column} < ${shown(hi)}` });
    }
  }
  return parts;
}

/** `n` hash-bucket partitions of `column`. */
export function hashPartitions(driver: SqlDriver, column: string, n: number): Partition[] {
  if (n === 1) return [ALL_ROWS];
  const col = `q.${driver.quoteIdent(column)}`;
  return Array.from({ length: n }, (_, i) => ({ where: driver.hashCondition(col, n, i), values: [], label: `hash(${column}) mod ${n} = ${i}` }));
}
