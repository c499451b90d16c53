/**
 * Calendar arithmetic on quiver's temporal values: dates and timestamps are numbers of ms since
 * the Unix epoch, UTC (a date is the ms of its midnight). No `Date` objects on the hot path and
 * no local time zone anywhere.
 */

export const DAY_MS = 86_400_000;

// One copy of the civil-calendar arithmetic (H. Hinnant's algorithms) serves parsing, formatting and expressions.
export { civilFromDays, daysFromCivil } from '../formats/values.js';
import { civilFromDays, daysFromCivil } from '../formats/values.js';

export const dayNumber = (ms: number): number => Math.floor(ms / DAY_MS);
export const yearOf = (ms: number): number => civilFromDays(dayNumber(ms))[0];
export const monthOf = (ms: number): number => civilFromDays(dayNumber(ms))[1];
export const dayOf = (ms: number): number => civilFromDays(dayNumber(ms))[2];
/** ISO day of week: 1 = Monday ... 7 = Sunday. */
export const dayOfWeek = (ms: number): number => ((((dayNumber(ms) + 3) % 7) + 7) % 7) + 1;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const TIMESTAMP_RE = /^(-?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` (T or space) with an optional `Z` or
 * `±HH[:MM]` offset; no offset means UTC. Returns ms since the epoch, or null when invalid.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let ms = daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + frac;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return null;
    ms -= sign * (oh * 60 + om) * 60_000;
  }
  return ms;
}

/** Parses a date or timestamp text and truncates it to its UTC day. */
export function parseDate(text: string): number | null {
  const ms = parseTimestamp(text);
  return ms === null ? null : dayNumber(ms) * DAY_MS;
}

const D0 = 48; // '0'

/** Writes `n` as `width` zero-padded digits into `codes` at `at`. */
function digits(codes: number[], at: number, n: number, width: number): void {
  for (let k = width - 1; k >= 0; k--) {
    codes[at + k] = D0 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Flat strings built from char codes: no rope of small pieces per value. */
function dateCodes(ms: number, codes: number[]): number {
  const [y, m, d] = civilFromDays(dayNumber(ms));
  let at = 0;
  if (y < 0 || y > 9999) {
    const text = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y);
    for (; at < text.length; at++) codes[at] = text.charCodeAt(at);
  } else {
    digits(codes, 0, y, 4);
    at = 4;
  }
  codes[at] = 45;
  digits(codes, at + 1, m, 2);
  codes[at + 3] = 45;
  digits(codes, at + 4, d, 2);
  return at + 6;
}

/** `YYYY-MM-DD`. */
export function formatDate(ms: number): string {
  const codes: number[] = [];
  const n = dateCodes(ms, codes);
  return String.fromCharCode.apply(null, codes.slice(0, n));
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export function formatTimestamp(ms: number): string {
  const codes: number[] = [];
  let at = dateCodes(ms, codes);
  let rest = ms - dayNumber(ms) * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = Math.floor(rest - s * 1000);
  codes[at] = 84; // T
  digits(codes, at + 1, h, 2);
  codes[at + 3] = 58;
  digits(codes, at + 4, mi, 2);
  codes[at + 6] = 58;
  digits(codes, at + 7, s, 2);
  codes[at + 9] = 46;
  digits(codes, at + 10, frac, 3);
  codes[at + 13] = 90; // Z
  at += 14;
  return String.fromCharCode.apply(null, codes.slice(0, at));
}
