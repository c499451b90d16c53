/**
 * How values appear in reasons, examples and quarantined rows: strings JSON-quoted (cut to
 * 100 characters in reasons), dates `YYYY-MM-DD`, timestamps ISO 8601, numbers as JS prints
 * them.
 *
 * ```ts
 * show('Zoë', 'string');   // "Zoë" (with the quotes)
 * show(0, 'date');         // 1970-01-01
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { ColumnType } from '../../dataset.js';
import { formatDate, formatTimestamp } from '../../expr/dates.js';

const MAX_SHOWN = 100;

/** A value as a reason shows it. */
export function show(v: Value | bigint, type: ColumnType): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v);
  if (typeof v === 'number' && type === 'date') return formatDate(v);
  if (typeof v === 'number' && type === 'timestamp') return formatTimestamp(v);
  return String(v);
}

/** A value as JSON data (examples, quarantined rows): dates and timestamps as text. */
export function jsonValue(v: Value, type: ColumnType): unknown {
  if (typeof v === 'number' && type === 'date') return formatDate(v);
  if (typeof v === 'number' && type === 'timestamp') return formatTimestamp(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** A bound of a range as the spec would write it. */
export function showBound(v: number | null, type: ColumnType): string {
  if (v === null) return 'null';
  return type === 'date' || type === 'timestamp' ? show(v, type) : String(v);
}
