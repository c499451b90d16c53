/**
 * Value conversions of the `coerce` step (and of `impute: constant` values in the spec). Text
 * is trimmed first; blank text becomes null (not a failure). A value that does not convert
 * gives `undefined`; the step then writes null or quarantines the row (`onError`).
 *
 * ```ts
 * convertValue(' 42 ', 'string', 'int'); // 42
 * convertValue('4x', 'string', 'int');   // undefined
 * convertValue('2024-02-30', 'string', 'date'); // undefined (no such day)
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { ColumnType } from '../../dataset.js';
import { DAY_MS, formatDate, formatTimestamp, parseDate, parseTimestamp } from '../../expr/dates.js';

/** Which conversions exist: from → the types it converts to (besides itself). */
export const CONVERSIONS: Readonly<Record<ColumnType, readonly ColumnType[]>> = {
  string: ['int', 'float', 'bool', 'date', 'timestamp'],
  int: ['float', 'string', 'bool'],
  float: ['int', 'string'],
  bool: ['int', 'string'],
  date: ['timestamp', 'string'],
  timestamp: ['date', 'string'],
};

const INT_RE = /^[+-]?\d+(?:\.0*)?$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOATS: Readonly<Record<string, number>> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity, nan: NaN, '+nan': NaN, '-nan': NaN };
const TRUE_WORDS = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', 'f', '0', 'no', 'n']);

function parseText(text: string, to: ColumnType): Value | undefined {
  const t = text.trim();
  if (t === '') return null;
  switch (to) {
    case 'string':
      return text;
    case 'int': {
      if (!INT_RE.test(t)) return undefined;
      const n = Number(t);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'float': {
      if (FLOAT_RE.test(t)) return Number(t);
      const special = SPECIAL_FLOATS[t.toLowerCase()];
      return special === undefined ? undefined : special;
    }
    case 'bool': {
      const l = t.toLowerCase();
      return TRUE_WORDS.has(l) ? true : FALSE_WORDS.has(l) ? false : undefined;
    }
    case 'date':
      return parseDate(t) ?? undefined;
    case 'timestamp':
      return parseTimestamp(t) ?? undefined;
  }
}

/** `value` (of type `from`) as type `to`; null stays null; undefined when it does not convert. */
export function convertValue(value: Value, from: ColumnType, to: ColumnType): Value | undefined {
  if (value === null) return null;
  if (from === to) return value;
  if (typeof value === 'string') return parseText(value, to);
  if (typeof value === 'boolean') return to === 'int' ? (value ? 1 : 0) : to === 'string' ? String(value) : undefined;
  // A number: int, float, date or timestamp.
  if (Number.isNaN(value)) return null;
  switch (to) {
    case 'string':
      return from === 'date' ? formatDate(value) : from === 'timestamp' ? formatTimestamp(value) : String(value);
    case 'float':
      return value;
    case 'int':
      return Number.isSafeInteger(value) ? value : undefined;
    case 'bool':
      return value === 1 ? true : value === 0 ? false : undefined;
    case 'date':
      return Math.floor(value / DAY_MS) * DAY_MS;
    case 'timestamp':
      return value;
  }
}

/** A short description of a value for error messages and quarantine reasons. */
export function describeValue(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  return String(v);
}
