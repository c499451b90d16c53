/**
 * Assembling Arrow record batches and tables from column chunks, and taking rows by index,
 * without going through per-value boxing. Used by row-wise operators (derive, filter, select).
 */
import { makeData, RecordBatch, Schema, Struct, Table, Type, Utf8 } from 'apache-arrow';
import type { Data, Field } from 'apache-arrow';
import { ColumnBuilder } from '../arrow/columns.js';
import type { Value } from '../arrow/columns.js';
import type { ColumnType } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { nullMask } from './bits.js';

/** An Arrow column chunk of quiver type `type` holding `values` (numbers, strings, booleans or null). */
export function dataFromValues(type: ColumnType, values: readonly Value[]): Data {
  if (type === 'string') return stringData(values);
  const b = new ColumnBuilder(type, values.length);
  for (const v of values) b.append(v);
  return b.finish();
}

/** A Utf8 chunk, encoded by hand: far faster than a TextEncoder call per value for short strings. */
function stringData(values: readonly Value[]): Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  let cap = 16;
  for (const v of values) if (typeof v === 'string') cap += v.length;
  let bytes = new Uint8Array(cap * 3 > 1 << 26 ? cap : cap * 3);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === null) {
      nullCount++;
      offsets[i + 1] = p;
      continue;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    const s = typeof v === 'string' ? v : String(v);
    if (p + s.length * 3 > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, p + s.length * 3));
      grown.set(bytes.subarray(0, p));
      bytes = grown;
    }
    for (let k = 0; k < s.length; k++) {
      let c = s.charCodeAt(k);
      if (c < 0x80) bytes[p++] = c;
      else if (c < 0x800) {
        bytes[p++] = 0xc0 | (c >> 6);
        bytes[p++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length) {
          const d = s.charCodeAt(k + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            k++;
            bytes[p++] = 0xf0 | (c >> 18);
            bytes[p++] = 0x80 | ((c >> 12) & 63);
            bytes[p++] = 0x80 | ((c >> 6) & 63);
            bytes[p++] = 0x80 | (c & 63);
            continue;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate, as TextEncoder writes it
        bytes[p++] = 0xe0 | (c >> 12);
        bytes[p++] = 0x80 | ((c >> 6) & 63);
        bytes[p++] = 0x80 | (c & 63);
      }
    }
    offsets[i + 1] = p;
  }
  return makeData({ type: new Utf8(), length: n, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, valueOffsets: offsets, data: bytes.slice(0, p) });
}

export function makeBatch(fields: readonly Field[], children: readonly Data[], length: number): RecordBatch {
  const schema = new Schema([...fields]);
  return new RecordBatch(schema, makeData({ type: new Struct([...fields]), length, nullCount: 0, children: [...children] }));
}

export function makeTable(schema: Schema, batches: readonly RecordBatch[]): Table {
  return batches.length === 0 ? new Table(schema) : new Table(schema, [...batches]);
}

/** Rows `idx[0..count)` of a chunk, as a new chunk of the same Arrow type. */
export function takeData(data: Data, idx: Int32Array, count: number): Data {
  const off = data.offset;
  const mask = nullMask(data);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (mask !== null) {
    nullBitmap = new Uint8Array((count + 7) >> 3);
    for (let j = 0; j < count; j++) {
      const k = off + idx[j]!;
      if ((mask[k >> 3]! >> (k & 7)) & 1) nullBitmap[j >> 3]! |= 1 << (j & 7);
      else nullCount++;
    }
    if (nullCount === 0) nullBitmap = undefined;
  }
  const base = { type: data.type as never, length: count, nullCount, nullBitmap };
  if (data.typeId === Type.Bool) {
    const bits = data.values as Uint8Array;
    const out = new Uint8Array((count + 7) >> 3);
    for (let j = 0; j < count; j++) {
      const k = off + idx[j]!;
      if ((bits[k >> 3]! >> (k & 7)) & 1) out[j >> 3]! |= 1 << (j & 7);
    }
    return makeData({ ...base, data: out }) as Data;
  }
  if (data.typeId === Type.Utf8 || data.typeId === Type.Binary) {
    const offs = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const newOffs = new Int32Array(count + 1);
    for (let j = 0; j < count; j++) newOffs[j + 1] = newOffs[j]! + offs[idx[j]! + 1]! - offs[idx[j]!]!;
    const out = new Uint8Array(newOffs[count]!);
    let p = 0;
    for (let j = 0; j < count; j++) {
      const end = offs[idx[j]! + 1]!;
      for (let k = offs[idx[j]!]!; k < end; k++) out[p++] = bytes[k]!;
    }
    return makeData({ ...base, valueOffsets: newOffs, data: out }) as Data;
  }
  if (data.children.length > 0 || data.valueOffsets !== undefined || data.typeId === Type.Dictionary) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `cannot take rows of a ${String(data.type)} column; quiver columns are int, float, bool, string, timestamp or date`);
  }
  return makeData({ ...base, data: takeFixedWidth(data.values as unknown as FixedWidthArray, data.stride, idx, count) as never }) as Data;
}

type FixedWidthArray = ArrayBufferView & { length: number; BYTES_PER_ELEMENT: number; constructor: new (buffer: ArrayBufferLike) => ArrayBufferView };

/**
 * Copies fixed-width values as 32-bit words (or bytes): never through element reads, which
 * would allocate a BigInt per Int64 value or could canonicalize NaN payloads of doubles.
 */
function takeFixedWidth(values: FixedWidthArray, stride: number, idx: Int32Array, count: number): ArrayBufferView {
  const width = values.BYTES_PER_ELEMENT * stride;
  const byWord = width % 4 === 0 && values.byteOffset % 4 === 0;
  const words = byWord ? width / 4 : width;
  const total = Math.floor(values.byteLength / width) * words;
  const src = byWord ? new Int32Array(values.buffer, values.byteOffset, total) : new Uint8Array(values.buffer, values.byteOffset, total);
  const out = byWord ? new Int32Array(count * words) : new Uint8Array(count * words);
  if (words === 1) for (let j = 0; j < count; j++) out[j] = src[idx[j]!]!;
  else if (words === 2) {
    for (let j = 0; j < count; j++) {
      const k = idx[j]! * 2;
      out[2 * j] = src[k]!;
      out[2 * j + 1] = src[k + 1]!;
    }
  } else {
    for (let j = 0; j < count; j++) for (let w = 0; w < words; w++) out[j * words + w] = src[idx[j]! * words + w]!;
  }
  return new values.constructor(out.buffer);
}

/** A chunk with its own copy of the bytes. */
export function copyData(data: Data): Data {
  return takeData(data, Int32Array.from({ length: data.length }, (_, i) => i), data.length);
}

/** Rows `idx[0..count)` of a batch. */
export function takeBatch(batch: RecordBatch, idx: Int32Array, count: number): RecordBatch {
  return makeBatch(
    batch.schema.fields,
    batch.data.children.map((c) => takeData(c, idx, count)),
    count,
  );
}
