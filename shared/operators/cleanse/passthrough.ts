/**
 * Columns no cleanse step touched, copied to the output straight from their Arrow buffers.
 *
 * The apply phase used to read every column as JS values and append them to a
 * {@link ColumnBuilder} again; for the columns no step changes that is almost all of the work.
 * {@link passthroughData} builds the very Data the builder would have built from those values
 * (same buffers, same bytes: nulls zeroed, validity bitmap only when there are nulls, one
 * chunk), with typed-array copies. When it cannot be sure of that (several chunks, sliced data,
 * a non-canonical Arrow type, values that would not survive the trip through JS numbers or
 * strings unchanged) it answers `undefined` and the caller takes the value path.
 *
 * ```ts
 * const data = passthroughData(table, 'email', 'string') ?? builderOf(values).finish();
 * ```
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { makeData, Type } from 'apache-arrow';
import type { Data, Date_, Float, Int, Table, Timestamp } from 'apache-arrow';
import { arrowType } from '../../arrow/schema.js';
import type { ColumnType } from '../../dataset.js';
import { nullMask } from '../../expr/bits.js';

/** Largest |days| whose milliseconds (days × 86,400,000) are exact doubles. */
const MAX_EXACT_DAYS = Math.floor(Number.MAX_SAFE_INTEGER / 86_400_000);
/** Int64 high words of the values read exactly as doubles: |v| < 2^53. */
const HI_MIN = -(1 << 21);
const HI_MAX = (1 << 21) - 1;

/** The only chunk of column `name`, when it has exactly one, unsliced. */
function onlyChunk(table: Table, name: string): Data | undefined {
  const idx = table.schema.fields.findIndex((f) => f.name === name);
  if (idx < 0 || table.batches.length !== 1) return undefined;
  const data = table.batches[0]!.data.children[idx];
  return data === undefined || data.offset !== 0 ? undefined : data;
}

/** The validity bitmap a builder would write (bits past `n` clear) and its null count; none when no nulls. */
function validityOf(data: Data): { bitmap: Uint8Array | undefined; nulls: number; mask: Uint8Array | null } {
  const mask = nullMask(data);
  const n = data.length;
  if (mask === null) return { bitmap: undefined, nulls: 0, mask: null };
  const bytes = (n + 7) >> 3;
  if (mask.length < bytes) return { bitmap: undefined, nulls: -1, mask };
  const bitmap = mask.slice(0, bytes);
  if ((n & 7) !== 0) bitmap[bytes - 1]! &= (1 << (n & 7)) - 1;
  let valid = 0;
  for (let k = 0; k < bytes; k++) {
    let b = bitmap[k]!;
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    valid += (b + (b >> 4)) & 0x0f;
  }
  const nulls = n - valid;
  return { bitmap: nulls > 0 ? bitmap : undefined, nulls, mask: nulls > 0 ? bitmap : null };
}

const isValid = (mask: Uint8Array | null, i: number): boolean => mask === null || ((mask[i >> 3]! >> (i & 7)) & 1) === 1;

/** Int64 words (int, ms timestamps) that read back exactly; nulls zeroed. */
function copyInt64(data: Data, mask: Uint8Array | null): BigInt64Array | undefined {
  const n = data.length;
  const src = data.values as BigInt64Array;
  if (src.length < n) return undefined;
  const out = src.slice(0, n);
  const w = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    if (!isValid(mask, i)) {
      w[2 * i] = 0;
      w[2 * i + 1] = 0;
      continue;
    }
    const hi = w[2 * i + 1]!;
    if (hi < HI_MIN || hi > HI_MAX) return undefined;
  }
  return out;
}

function copyFloat64(data: Data, mask: Uint8Array | null): Float64Array | undefined {
  const n = data.length;
  const src = data.values as Float64Array;
  if (src.length < n) return undefined;
  const out = src.slice(0, n);
  const w = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    if (!isValid(mask, i)) out[i] = 0;
    // NaN payloads other than the usual one might not survive JS numbers: take the value path.
    else if (out[i] !== out[i] && (w[2 * i] !== 0 || w[2 * i + 1] !== 0x7ff80000)) return undefined;
  }
  return out;
}

function copyDays(data: Data, mask: Uint8Array | null): Int32Array | undefined {
  const n = data.length;
  const src = data.values as Int32Array;
  if (src.length < n) return undefined;
  const out = src.slice(0, n);
  for (let i = 0; i < n; i++) {
    if (!isValid(mask, i)) out[i] = 0;
    else if (out[i]! > MAX_EXACT_DAYS || out[i]! < -MAX_EXACT_DAYS) return undefined;
  }
  return out;
}

function copyBools(data: Data, bitmap: Uint8Array | undefined): Uint8Array | undefined {
  const bytes = (data.length + 7) >> 3;
  const src = data.values as Uint8Array;
  if (src.length < bytes) return undefined;
  const out = src.slice(0, bytes);
  if ((data.length & 7) !== 0) out[bytes - 1]! &= (1 << (data.length & 7)) - 1;
  if (bitmap !== undefined) for (let k = 0; k < bytes; k++) out[k]! &= bitmap[k]!;
  return out;
}

/**
 * Whether each row of a Utf8 chunk, read as a JS string the way the column readers read it (one
 * decode of the whole buffer, cut at row boundaries), encodes back to exactly that row's bytes:
 * valid UTF-8 and no character split between two rows (bytes under nulls included).
 */
export function utf8RoundTrips(data: Data): boolean {
  const n = data.length;
  const offs = data.valueOffsets as Int32Array | undefined;
  const src = data.values as Uint8Array | undefined;
  if (offs === undefined || src === undefined || offs.length < n + 1) return false;
  const start = offs[0]!;
  const end = offs[n]!;
  if (start < 0 || end > src.length || end < start) return false;
  const used = src.subarray(start, end);
  const ascii = isAscii(used);
  if (!ascii && !isUtf8(used)) return false;
  for (let i = 0; i < n; i++) {
    const a = offs[i]!;
    const b = offs[i + 1]!;
    if (b < a || (!ascii && b > a && (src[a]! & 0xc0) === 0x80)) return false;
  }
  return true;
}

/** Offsets and bytes of a Utf8 chunk that round-trips, with offsets from 0 and no bytes under nulls. */
function copyStrings(data: Data, mask: Uint8Array | null): { offsets: Int32Array; bytes: Uint8Array } | undefined {
  const n = data.length;
  const offs = data.valueOffsets as Int32Array;
  if (!utf8RoundTrips(data) || offs[0] !== 0) return undefined;
  if (mask !== null) for (let i = 0; i < n; i++) if (offs[i + 1]! > offs[i]! && !isValid(mask, i)) return undefined;
  return { offsets: offs.slice(0, n + 1), bytes: (data.values as Uint8Array).slice(0, offs[n]!) };
}

/** Whether `data` is of the Arrow type quiver writes for `type` (anything else takes the value path). */
function canonicalType(data: Data, type: ColumnType): boolean {
  switch (type) {
    case 'int':
      return data.typeId === Type.Int && (data.type as Int).bitWidth === 64 && (data.type as Int).isSigned;
    case 'timestamp':
      return data.typeId === Type.Timestamp && (data.type as Timestamp).unit === 1;
    case 'date':
      return data.typeId === Type.Date && (data.type as Date_).unit === 0;
    case 'float':
      return data.typeId === Type.Float && (data.type as Float).precision === 2;
    case 'bool':
      return data.typeId === Type.Bool;
    case 'string':
      return data.typeId === Type.Utf8;
  }
}

/**
 * Column `name` of `table` as the Data a {@link ColumnBuilder} of `type` would build from its
 * values (all rows), or `undefined` when that is not certain without reading the values.
 */
export function passthroughData(table: Table, name: string, type: ColumnType): Data | undefined {
  const data = onlyChunk(table, name);
  if (data === undefined || !canonicalType(data, type)) return undefined;
  const { bitmap, nulls, mask } = validityOf(data);
  if (nulls < 0) return undefined;
  const base = { type: arrowType(type) as never, length: data.length, nullCount: nulls, nullBitmap: bitmap };
  let values: ArrayBufferView | undefined;
  switch (type) {
    case 'int':
    case 'timestamp':
      values = copyInt64(data, mask);
      break;
    case 'float':
      values = copyFloat64(data, mask);
      break;
    case 'date':
      values = copyDays(data, mask);
      break;
    case 'bool':
      values = copyBools(data, bitmap);
      break;
    case 'string': {
      const s = copyStrings(data, mask);
      return s === undefined ? undefined : (makeData({ ...base, valueOffsets: s.offsets, data: s.bytes }) as Data);
    }
  }
  return values === undefined ? undefined : (makeData({ ...base, data: values as never }) as Data);
}
