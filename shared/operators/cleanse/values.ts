/**
 * Small value helpers of the cleanse steps: text normalization for `map` and `case`, series
 * keys for `ffill`, JSON-safe numbers (statistics travel as JSON, which has no Infinity), and
 * a total order on values.
 *
 * ```ts
 * normalizeKey('  U.S. ', 'ignore-case'); // 'u.s.'
 * titleCase("jean-luc o'neil");            // "Jean-Luc O'neil"
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { MatchMode } from './types.js';

/** The text `map` looks a value up by. */
export function normalizeKey(text: string, match: MatchMode): string {
  if (match === 'exact') return text;
  const t = text.trim();
  return match === 'trim' ? t : t.toLowerCase();
}

const WORD_START = /(^|[\s\-/(])(\p{L})/gu;

/** Lower case, then the first letter of each word (after a space, hyphen, slash or parenthesis) upper case. */
export function titleCase(text: string): string {
  return text.toLowerCase().replace(WORD_START, (_m, before: string, letter: string) => before + letter.toUpperCase());
}

/** A missing value for imputation: null, or NaN in a float column (as pandas treats it). */
export function isMissing(v: Value): boolean {
  return v === null || (typeof v === 'number' && Number.isNaN(v));
}

/** Unambiguous text of a series key (strings carry their length; null has its own mark). */
export function keyText(values: readonly Value[]): string {
  let out = '';
  for (const v of values) {
    if (v === null) out += '\u0000;';
    else if (typeof v === 'string') out += `s${v.length}:${v};`;
    else out += `${typeof v === 'number' ? (v === 0 ? '0' : String(v)) : String(v)};`;
  }
  return out;
}

/** A value as JSON keeps it: non-finite numbers become `#Infinity`, `#NaN`; a text starting with `#` gets one more. */
export type JsonValue = number | string | boolean | null;

export function encodeValue(v: Value): JsonValue {
  if (typeof v === 'number' && !Number.isFinite(v)) return `#${String(v)}`;
  if (typeof v === 'string' && v.startsWith('#')) return `#${v}`;
  return v;
}

export function decodeValue(v: JsonValue): Value {
  if (typeof v !== 'string' || !v.startsWith('#')) return v;
  return v.startsWith('##') ? v.slice(1) : Number(v.slice(1));
}

/** A total order: numbers ascending (-0 = 0), strings by code unit, false < true, null last. */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
