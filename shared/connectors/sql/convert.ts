/**
 * Database values arrive as text (both drivers are told to hand over the server's text form);
 * these converters turn one text into a quiver value of a column type, or a {@link Rejected}
 * with the reason (the row then goes to quarantine).
 *
 * ```ts
 * const toInt = converterFor('int');
 * toInt('42');          // 42
 * toInt('9007199254740993') instanceof Rejected; // true: beyond ±2^53
 * converterFor('timestamp')('2024-03-01 12:00:00.25+02'); // 1709287200250
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { ColumnType } from '../../dataset.js';

/** A value that does not fit its column's type. */
export class Rejected {
  constructor(readonly reason: string) {}
}

export type Converter = (text: string) => Value | Rejected;

const show = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

const INT_RE = /^\s*[+-]?\d+(?:\.0*)?\s*$/;
const FLOAT_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
  ['inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
]);
const TRUE = new Set(['t', 'true', '1', 'y', 'yes', 'on']);
const FALSE = new Set(['f', 'false', '0', 'n', 'no', 'off']);

function toInt(text: string): Value | Rejected {
  if (!INT_RE.test(text)) return new Rejected(`${show(text)} is not an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return new Rejected(`${show(text)} is beyond ±2^53, where quiver ints stop being exact; declare the column string in source.schema to keep it`);
  return n;
}

function toFloat(text: string): Value | Rejected {
  if (FLOAT_RE.test(text)) return Number(text);
  const special = SPECIAL_FLOATS.get(text.trim().toLowerCase());
  return special ?? new Rejected(`${show(text)} is not a number`);
}

function toBool(text: string): Value | Rejected {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return new Rejected(`${show(text)} is not a boolean`);
}

// 2024-03-01, 2024-03-01 12:00, 2024-03-01T12:00:00.123456+02:00, 0044-03-15 BC
const TS_RE = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}){0,2})?(\s+BC)?\s*$/i;

/** Milliseconds since the epoch (UTC unless the text has an offset), or the reason it is not a time. */
export function parseTimestamp(text: string): number | Rejected {
  const m = TS_RE.exec(text);
  if (m === null) {
    if (/^\s*[+-]?infinity\s*$/i.test(text)) return new Rejected(`${show(text)} is an infinite time, which quiver cannot hold`);
    return new Rejected(`${show(text)} is not a date or timestamp`);
  }
  const [, ys, mos, ds, hs, mis, ss, frac, offset, bc] = m;
  let year = Number(ys);
  if (bc !== undefined) year = 1 - year;
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs ?? 0);
  const minute = Number(mis ?? 0);
  const second = Number(ss ?? 0);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return new Rejected(`${show(text)} is not a valid date or time`);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  let t = d.getTime();
  if (Number.isNaN(t)) return new Rejected(`${show(text)} is outside the range of times quiver can hold`);
  if (d.getUTCDate() !== day && hour < 24) return new Rejected(`${show(text)} is not a valid date (day ${day} of month ${month})`);
  if (offset !== undefined && offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(/:/g, '');
    const secs = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0);
    t -= (offset[0] === '-' ? -1 : 1) * secs * 1000;
  }
  return t;
}

/** Days since the epoch of a date (or the date part of a timestamp), as ms at midnight UTC. */
function toDate(text: string): Value | Rejected {
  const t = parseTimestamp(text);
  return t instanceof Rejected ? t : Math.floor(t / 86_400_000) * 86_400_000;
}

const identity: Converter = (text) => text;

export function converterFor(type: ColumnType): Converter {
  switch (type) {
    case 'int':
      return toInt;
    case 'float':
      return toFloat;
    case 'bool':
      return toBool;
    case 'timestamp':
      return parseTimestamp;
    case 'date':
      return toDate;
    case 'string':
      return identity;
  }
}

/** `\x` + lowercase hex of `bytes`: the text form of binary values (PostgreSQL's bytea form). */
export function hexText(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** The unsigned big-endian integer in `bytes` (MySQL BIT values), as decimal text. */
export function bitsText(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString();
}
