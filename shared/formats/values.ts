/**
 * Byte-level value parsers for text formats. Each reads `buf[s, e)` (ASCII digits and
 * punctuation; surrounding spaces are tolerated) and returns the value or NaN when the bytes do
 * not spell a value of that type. No strings are created on the hot path.
 *
 * - int: `[+-]?digits`, any size that fits int64 (beyond 2^53 see {@link parseBigIntBytes});
 * - float: `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`, `inf`, `infinity`, `nan`
 *   (any case); exactly rounded (Clinger's fast path, else the engine's own conversion);
 * - bool: `true`/`false` (any case), `t`/`f`, `1`/`0`;
 * - date: `YYYY-MM-DD` → days since 1970-01-01;
 * - timestamp: ISO 8601 `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]` or a bare date →
 *   ms since the epoch (UTC when no offset is given; fraction truncated to ms).
 */

const D0 = 0x30;
const SPACE = 0x20;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const MS_PER_DAY = 86_400_000;
/** Exact powers of ten representable as doubles. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

let s0 = 0;
let e0 = 0;
/** Trims spaces around `[s, e)` into the module slots `s0`/`e0` (avoids allocating a pair). */
function trim(buf: Uint8Array, s: number, e: number): void {
  while (s < e && buf[s] === SPACE) s++;
  while (e > s && buf[e - 1] === SPACE) e--;
  s0 = s;
  e0 = e;
}

/** An int as a number, NaN when not an int; an int64 beyond ±2^53 comes back as NaN and {@link takeBigInt} returns it. */
export function parseIntBytes(buf: Uint8Array, s: number, e: number): number {
  trim(buf, s, e);
  s = s0;
  e = e0;
  let neg = false;
  const c0 = buf[s];
  if (c0 === MINUS || c0 === PLUS) {
    neg = c0 === MINUS;
    s++;
  }
  const n = e - s;
  if (n <= 0 || n > 15) return n > 15 ? bigIntOrNaN(buf, s0, e0) : NaN;
  let v = 0;
  for (let p = s; p < e; p++) {
    const d = buf[p]! - D0;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Set by parseIntBytes when the value is an int64 that a number cannot hold exactly. */
let bigIntPending: bigint | null = null;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bigIntOrNaN(buf: Uint8Array, s: number, e: number): number {
  const v = parseBigIntBytes(buf, s, e);
  if (v === null) return NaN;
  if (v >= -(2n ** 53n) && v <= 2n ** 53n) return Number(v);
  bigIntPending = v;
  return NaN;
}

/** Takes (and clears) the int64 that the last parseIntBytes call could not return as a number. */
export function takeBigInt(): bigint | null {
  const v = bigIntPending;
  bigIntPending = null;
  return v;
}

/** An int64 as a bigint, or null when the bytes are not an integer in int64 range. */
export function parseBigIntBytes(buf: Uint8Array, s: number, e: number): bigint | null {
  trim(buf, s, e);
  let p = s0;
  if (buf[p] === MINUS || buf[p] === PLUS) p++;
  if (p >= e0 || e0 - p > 40) return null;
  for (let q = p; q < e0; q++) {
    const d = buf[q]! - D0;
    if (d < 0 || d > 9) return null;
  }
  const v = BigInt(String.fromCharCode(...buf.subarray(s0, e0)).replace('+', ''));
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

export function parseFloatBytes(buf: Uint8Array, s: number, e: number): number {
  trim(buf, s, e);
  s = s0;
  e = e0;
  let p = s;
  let neg = false;
  if (buf[p] === MINUS || buf[p] === PLUS) {
    neg = buf[p] === MINUS;
    p++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let any = false;
  while (p < e) {
    const d = buf[p]! - D0;
    if (d < 0 || d > 9) break;
    if (digits > 0 || d !== 0) digits++;
    mant = mant * 10 + d;
    any = true;
    p++;
  }
  if (p < e && buf[p] === DOT) {
    p++;
    while (p < e) {
      const d = buf[p]! - D0;
      if (d < 0 || d > 9) break;
      if (digits > 0 || d !== 0) digits++;
      mant = mant * 10 + d;
      scale--;
      any = true;
      p++;
    }
  }
  if (!any) return parseSpecialFloat(buf, s, e);
  if (p < e && (buf[p]! | 0x20) === 0x65) {
    p++;
    let eneg = false;
    if (buf[p] === MINUS || buf[p] === PLUS) {
      eneg = buf[p] === MINUS;
      p++;
    }
    if (p >= e) return NaN;
    let x = 0;
    while (p < e) {
      const d = buf[p]! - D0;
      if (d < 0 || d > 9) return NaN;
      x = x * 10 + d;
      p++;
    }
    scale += eneg ? -x : x;
  }
  if (p !== e) return NaN;
  let v: number;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    v = scale < 0 ? mant / POW10[-scale]! : mant * POW10[scale]!;
  } else {
    v = Number(String.fromCharCode(...buf.subarray(neg || buf[s] === PLUS ? s + 1 : s, e)));
  }
  return neg ? -v : v;
}

/** `inf`, `infinity`, `nan` in any case, with an optional sign. NaN also for anything else. */
function parseSpecialFloat(buf: Uint8Array, s: number, e: number): number {
  let p = s;
  let neg = false;
  if (buf[p] === MINUS || buf[p] === PLUS) {
    neg = buf[p] === MINUS;
    p++;
  }
  const word = lowerAscii(buf, p, e);
  if (word === 'inf' || word === 'infinity') return neg ? -Infinity : Infinity;
  return NaN;
}

/** True when `buf[s, e)` spells NaN (`nan`, any case, optional sign): a float, not a failure. */
export function isNaNText(buf: Uint8Array, s: number, e: number): boolean {
  trim(buf, s, e);
  let p = s0;
  if (buf[p] === MINUS || buf[p] === PLUS) p++;
  return lowerAscii(buf, p, e0) === 'nan';
}

function lowerAscii(buf: Uint8Array, s: number, e: number): string {
  if (e - s > 8) return '';
  let out = '';
  for (let p = s; p < e; p++) out += String.fromCharCode(buf[p]! | 0x20);
  return out;
}

/** 1 for true, 0 for false, -1 when not a bool. */
export function parseBoolBytes(buf: Uint8Array, s: number, e: number): number {
  trim(buf, s, e);
  s = s0;
  switch (e0 - s) {
    case 1: {
      const c = buf[s]!;
      const l = c | 0x20;
      return l === 0x74 || c === 0x31 ? 1 : l === 0x66 || c === 0x30 ? 0 : -1;
    }
    case 4:
      return (buf[s]! | 0x20) === 0x74 && (buf[s + 1]! | 0x20) === 0x72 && (buf[s + 2]! | 0x20) === 0x75 && (buf[s + 3]! | 0x20) === 0x65 ? 1 : -1;
    case 5:
      return (buf[s]! | 0x20) === 0x66 &&
        (buf[s + 1]! | 0x20) === 0x61 &&
        (buf[s + 2]! | 0x20) === 0x6c &&
        (buf[s + 3]! | 0x20) === 0x73 &&
        (buf[s + 4]! | 0x20) === 0x65
        ? 0
        : -1;
    default:
      return -1;
  }
}

/** True only for the words `true`/`false` (any case): what schema inference calls a bool. */
export function isBoolWord(buf: Uint8Array, s: number, e: number): boolean {
  trim(buf, s, e);
  const n = e0 - s0;
  return (n === 4 || n === 5) && parseBoolBytes(buf, s0, e0) >= 0;
}

/** Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = buf[p + i]! - D0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days of a `YYYY-MM-DD` at `p` (no trimming), or NaN. */
function dateAt(buf: Uint8Array, p: number): number {
  if (buf[p + 4] !== MINUS || buf[p + 7] !== MINUS) return NaN;
  const y = digitsAt(buf, p, 4);
  const m = digitsAt(buf, p + 5, 2);
  const d = digitsAt(buf, p + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m - 1]!) return NaN;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return daysFromCivil(y, m, d);
}

export function parseDateBytes(buf: Uint8Array, s: number, e: number): number {
  trim(buf, s, e);
  return e0 - s0 === 10 ? dateAt(buf, s0) : NaN;
}

export function parseTimestampBytes(buf: Uint8Array, s: number, e: number): number {
  trim(buf, s, e);
  s = s0;
  e = e0;
  if (e - s < 10) return NaN;
  const days = dateAt(buf, s);
  if (Number.isNaN(days)) return NaN;
  let ms = days * MS_PER_DAY;
  let p = s + 10;
  if (p === e) return ms;
  const sep = buf[p]!;
  if (sep !== 0x54 && sep !== 0x74 && sep !== SPACE) return NaN;
  p++;
  if (e - p < 5 || buf[p + 2] !== 0x3a) return NaN;
  const hh = digitsAt(buf, p, 2);
  const mi = digitsAt(buf, p + 3, 2);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return NaN;
  ms += hh * 3_600_000 + mi * 60_000;
  p += 5;
  if (p < e && buf[p] === 0x3a) {
    const ss = e - p >= 3 ? digitsAt(buf, p + 1, 2) : -1;
    if (ss < 0 || ss > 60) return NaN;
    ms += ss * 1000;
    p += 3;
    if (p < e && (buf[p] === DOT || buf[p] === 0x2c)) {
      p++;
      let frac = 0;
      let n = 0;
      while (p < e) {
        const d = buf[p]! - D0;
        if (d < 0 || d > 9) break;
        if (n < 3) frac = frac * 10 + d;
        n++;
        p++;
      }
      if (n === 0) return NaN;
      for (let k = n; k < 3; k++) frac *= 10;
      ms += frac;
    }
  }
  if (p === e) return ms;
  const z = buf[p]!;
  if ((z === 0x5a || z === 0x7a) && p + 1 === e) return ms;
  if (z !== PLUS && z !== MINUS) return NaN;
  const rest = e - p - 1;
  const oh = rest >= 2 ? digitsAt(buf, p + 1, 2) : -1;
  let om = 0;
  if (rest === 5 && buf[p + 3] === 0x3a) om = digitsAt(buf, p + 4, 2);
  else if (rest === 4) om = digitsAt(buf, p + 3, 2);
  else if (rest !== 2) return NaN;
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
  const offset = (oh * 60 + om) * 60_000;
  return z === PLUS ? ms - offset : ms + offset;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** [year, month 1-12, day 1-31] of days since the epoch (inverse of {@link daysFromCivil}). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** `YYYY-MM-DD` of days since the epoch (years 0–9999). */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${PAD2[m]!}-${PAD2[d]!}`;
}

/** ISO 8601 UTC text of ms since the epoch: `YYYY-MM-DDTHH:MM:SS.sssZ` (`.sss` only when non-zero). */
export function formatTimestamp(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = rest - s * 1000;
  const tail = frac === 0 ? 'Z' : `.${String(frac).padStart(3, '0')}Z`;
  return `${formatDate(days)}T${PAD2[h]!}:${PAD2[mi]!}:${PAD2[s]!}${tail}`;
}
