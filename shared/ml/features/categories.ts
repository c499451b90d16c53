/**
 * Category helpers shared by onehot and ordinal: lookup tables from a column's values to codes,
 * and category labels for output column names (`country=DE`, `flag=true`, `day=2024-05-01`,
 * missing → `__missing__`).
 *
 * ```ts
 * const codes = codeColumn(work.cols.get('country')!, lookup(['DE', 'FR', null]));
 * // codes[i] = 0, 1, 2 (null), or -1 for a value not in the list
 * ```
 */
import type { ColumnType } from '../../dataset.js';
import { DAY_MS, formatDate, formatTimestamp } from '../../expr/dates.js';
import type { Cat } from './stats.js';
import type { ColumnData } from './types.js';

export const MISSING_LABEL = '__missing__';
export const OTHER_LABEL = '__other__';

export function catLabel(v: Cat, type: ColumnType): string {
  if (v === null) return MISSING_LABEL;
  if (typeof v === 'string') return v;
  switch (type) {
    case 'bool':
      return v === 0 ? 'false' : 'true';
    case 'date':
      return formatDate(v * DAY_MS);
    case 'timestamp':
      return formatTimestamp(v);
    default:
      return String(v);
  }
}

/** A value → code map over a list of categories (null is the missing category). */
export function lookup(categories: readonly Cat[]): Map<Cat, number> {
  const m = new Map<Cat, number>();
  categories.forEach((c, i) => m.set(c, i));
  return m;
}

/** The code of every row (-1: not in the map). NaN in a numeric column reads as null. */
export function codeColumn(col: ColumnData, map: Map<Cat, number>): Int32Array {
  const n = col.length;
  const out = new Int32Array(n);
  if (col instanceof Float64Array) {
    const missing = map.get(null) ?? -1;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      out[i] = v !== v ? missing : (map.get(v) ?? -1);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = map.get(col[i]!) ?? -1;
  }
  return out;
}

/** Checks a category list read back from JSON against the column kind. */
export function isCatList(v: unknown, textColumn: boolean): v is Cat[] {
  return Array.isArray(v) && v.every((x) => x === null || (textColumn ? typeof x === 'string' : typeof x === 'number' && Number.isFinite(x)));
}
