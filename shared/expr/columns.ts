/**
 * Fast readers of Arrow columns as quiver values: numbers (ints, floats, ms for dates and
 * timestamps), strings, booleans or null. Fixed-width columns are read lazily, straight from
 * their typed arrays; strings are decoded once per column (one decode for the whole buffer).
 */
import { Buffer } from 'node:buffer';
import { makeVector, Type } from 'apache-arrow';
import type { Data, Date_, Float, Int, Table, Timestamp } from 'apache-arrow';
import type { Value } from '../arrow/columns.js';
import { DAY_MS } from './dates.js';
import { nullMask, timeToMs } from './bits.js';
import type { RowFn } from './types.js';

const TWO32 = 4294967296;

function int64Reader(values: BigInt64Array | BigUint64Array, signed: boolean, toMs?: (x: number) => number): RowFn {
  const w = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const f: RowFn = signed ? (i) => w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0) : (i) => (w[2 * i + 1]! >>> 0) * TWO32 + (w[2 * i]! >>> 0);
  return toMs === undefined ? f : (i) => toMs(f(i) as number);
}

function typedReader(values: ArrayLike<number>, scale = 1): RowFn {
  return scale === 1 ? (i) => values[i]! : (i) => values[i]! * scale;
}

/** A reader that ignores nulls (callers wrap it with the validity check). */
function valueReader(data: Data): RowFn {
  const values = data.values as unknown;
  switch (data.typeId) {
    case Type.Int: {
      const t = data.type as Int;
      return t.bitWidth === 64 ? int64Reader(values as BigInt64Array, t.isSigned) : typedReader(values as Int32Array);
    }
    case Type.Float:
      if ((data.type as Float).precision === 0) break; // half floats: generic path
      return typedReader(values as Float64Array);
    case Type.Bool: {
      const bits = values as Uint8Array;
      const off = data.offset;
      return (i) => ((bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
    }
    case Type.Timestamp: {
      const unit = (data.type as Timestamp).unit;
      return int64Reader(values as BigInt64Array, true, unit === 1 ? undefined : timeToMs(unit));
    }
    case Type.Date:
      return (data.type as Date_).unit === 0 ? typedReader(values as Int32Array, DAY_MS) : int64Reader(values as BigInt64Array, true);
    case Type.Utf8: {
      const strings = decodeStrings(data);
      return (i) => strings[i]!;
    }
    default:
      break;
  }
  return genericReader(data);
}

function genericReader(data: Data): RowFn {
  const vec = makeVector(data);
  return (i) => {
    const v: unknown = vec.get(i);
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.getTime();
    return v as Value;
  };
}

/** A per-row reader of one chunk, null where the validity bitmap says so. */
export function dataReader(data: Data): RowFn {
  const f = valueReader(data);
  const mask = nullMask(data);
  if (mask === null || data.typeId === Type.Utf8) return f;
  const off = data.offset;
  return (i) => (((mask[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1 ? f(i) : null);
}

/** Every value of one chunk. */
export function readValues(data: Data): Value[] {
  if (data.typeId === Type.Utf8) return decodeStrings(data);
  const f = dataReader(data);
  const n = data.length;
  const out = new Array<Value>(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** Every value of a table's column across its batches ([] when the column does not exist). */
export function readColumnValues(table: Table, name: string): Value[] {
  const idx = table.schema.fields.findIndex((f) => f.name === name);
  if (idx < 0) return [];
  const out: Value[] = [];
  for (const batch of table.batches) {
    const vals = readValues(batch.data.children[idx]!);
    for (const v of vals) out.push(v);
  }
  return out;
}

/** Decodes a Utf8 chunk: one native decode of the used byte range, then substrings per row. */
function decodeStrings(data: Data): Value[] {
  const n = data.length;
  const offs = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const out = new Array<Value>(n);
  const mask = nullMask(data);
  const off = data.offset;
  const valid = (i: number): boolean => mask === null || ((mask[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
  const b0 = offs[0] ?? 0;
  const b1 = offs[n] ?? 0;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ascii = true;
  for (let k = b0; k < b1; k++) {
    if (bytes[k]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  const all = buf.toString(ascii ? 'latin1' : 'utf8', b0, b1);
  // UTF-16 position of each row boundary: lead bytes start a char (4-byte sequences are 2 units).
  let u = 0;
  let k = b0;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = offs[i + 1]!;
    if (ascii) u = end - b0;
    else {
      for (; k < end; k++) {
        const c = bytes[k]!;
        if ((c & 0xc0) !== 0x80) u += c >= 0xf0 ? 2 : 1;
      }
    }
    out[i] = valid(i) ? all.substring(start, u) : null;
    start = u;
  }
  if (!ascii && u !== all.length) {
    // Invalid UTF-8 (replacement characters shift positions): decode row by row instead.
    for (let i = 0; i < n; i++) out[i] = valid(i) ? buf.toString('utf8', offs[i]!, offs[i + 1]!) : null;
  }
  return out;
}
