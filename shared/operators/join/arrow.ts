/**
 * Arrow column plumbing for the join kernels: finding a planned column in a batch (checking its
 * type), bringing chunks to quiver's canonical Arrow types, concatenating the build side's
 * chunks into one, and taking rows by index where -1 means "no row" (a null).
 *
 * ```ts
 * const right = concatData('int', chunks);            // one chunk
 * const col = takeOrNull(right, rightIdx, count);      // null where rightIdx[j] === -1
 * ```
 * Values are copied as bytes (ints stay exact beyond 2^53).
 */
import { DateUnit, makeData, Precision, TimeUnit, Type } from 'apache-arrow';
import type { Data, Date_, Float, Int, RecordBatch, Timestamp } from 'apache-arrow';
import { RawColumnBuilder } from '../../arrow/raw-builder.js';
import { arrowType, columnTypeOf } from '../../arrow/schema.js';
import type { ColumnType } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { nullMask } from '../../expr/bits.js';
import { dataFromValues, takeData } from '../../expr/batch.js';
import { readValues } from '../../expr/columns.js';

/** Whether a chunk already has the Arrow type quiver writes for `type`. */
function isCanonical(data: Data, type: ColumnType): boolean {
  switch (type) {
    case 'int':
      return data.typeId === Type.Int && (data.type as Int).bitWidth === 64 && (data.type as Int).isSigned;
    case 'float':
      return data.typeId === Type.Float && (data.type as Float).precision === Precision.DOUBLE;
    case 'timestamp':
      return data.typeId === Type.Timestamp && (data.type as Timestamp).unit === TimeUnit.MILLISECOND;
    case 'date':
      return data.typeId === Type.Date && (data.type as Date_).unit === DateUnit.DAY;
    case 'bool':
      return data.typeId === Type.Bool;
    case 'string':
      return data.typeId === Type.Utf8;
  }
}

/** The chunk of column `name` in `batch`, checked against its planned type, in canonical form. */
export function columnOf(batch: RecordBatch, name: string, type: ColumnType, what: string): Data {
  const at = batch.schema.fields.findIndex((f) => f.name === name);
  if (at < 0) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} has no column '${name}' although the stage's input schema has it; its columns: ${batch.schema.fields.map((f) => f.name).join(', ')}`);
  }
  const data = batch.data.children[at]!;
  const actual = columnTypeOf(data.type);
  if (actual !== type) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what}: column '${name}' is ${actual} but the stage's input schema says ${type}; re-run the stage that wrote it`);
  }
  return isCanonical(data, type) ? data : dataFromValues(type, readValues(data));
}

/** Copies `n` validity bits from `src` (bit `from`) to `dst` (bit `to`); a null `src` means all valid. */
function copyBits(src: Uint8Array | null, from: number, dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const k = from + i;
    if (src === null || ((src[k >> 3]! >> (k & 7)) & 1) === 1) dst[(to + i) >> 3]! |= 1 << ((to + i) & 7);
  }
}

/** One chunk holding `chunks` back to back (all canonical chunks of `type`). */
export function concatData(type: ColumnType, chunks: readonly Data[]): Data {
  if (chunks.length === 0) return nullData(type, 0);
  if (chunks.length === 1 && chunks[0]!.offset === 0) return chunks[0]!;
  let length = 0;
  let nullCount = 0;
  for (const c of chunks) {
    length += c.length;
    nullCount += c.nullCount;
  }
  const validity = new Uint8Array((length + 7) >> 3);
  let at = 0;
  for (const c of chunks) {
    copyBits(nullMask(c), c.offset, validity, at, c.length);
    at += c.length;
  }
  const base = { type: arrowType(type) as never, length, nullCount, nullBitmap: nullCount > 0 ? validity : undefined };
  if (type === 'string') {
    let bytes = 0;
    for (const c of chunks) {
      const o = c.valueOffsets as Int32Array;
      bytes += o[c.offset + c.length]! - o[c.offset]!;
    }
    const offsets = new Int32Array(length + 1);
    const data = new Uint8Array(bytes);
    let row = 0;
    let p = 0;
    for (const c of chunks) {
      const o = c.valueOffsets as Int32Array;
      const start = o[c.offset]!;
      data.set((c.values as Uint8Array).subarray(start, o[c.offset + c.length]!), p);
      for (let i = 1; i <= c.length; i++) offsets[row + i] = p + o[c.offset + i]! - start;
      row += c.length;
      p += o[c.offset + c.length]! - start;
    }
    return makeData({ ...base, valueOffsets: offsets, data }) as Data;
  }
  if (type === 'bool') {
    const bits = new Uint8Array((length + 7) >> 3);
    let row = 0;
    for (const c of chunks) {
      copyBits(c.values as Uint8Array, c.offset, bits, row, c.length);
      row += c.length;
    }
    return makeData({ ...base, data: bits }) as Data;
  }
  // Fixed width: Float64Array, BigInt64Array or Int32Array, copied element-wise by `set`.
  const Ctor = (chunks[0]!.values as Float64Array).constructor as new (n: number) => Float64Array;
  const values = new Ctor(length);
  let row = 0;
  for (const c of chunks) {
    values.set((c.values as Float64Array).subarray(c.offset, c.offset + c.length), row);
    row += c.length;
  }
  return makeData({ ...base, data: values as never }) as Data;
}

/** A chunk of `count` nulls. */
export function nullData(type: ColumnType, count: number): Data {
  const b = new RawColumnBuilder(type, count);
  for (let i = 0; i < count; i++) b.appendNull();
  return b.finish();
}

/** Rows `idx[0..count)` of `data`; `-1` gives a null. */
export function takeOrNull(data: Data, type: ColumnType, idx: Int32Array, count: number): Data {
  let missing = 0;
  for (let j = 0; j < count; j++) if (idx[j]! < 0) missing++;
  if (missing === 0) return takeData(data, idx, count);
  if (missing === count || data.length === 0) return nullData(type, count);
  const safe = new Int32Array(count);
  for (let j = 0; j < count; j++) safe[j] = idx[j]! < 0 ? 0 : idx[j]!;
  const taken = takeData(data, safe, count);
  const mask = nullMask(taken);
  const validity = new Uint8Array((count + 7) >> 3);
  let nullCount = 0;
  for (let j = 0; j < count; j++) {
    const valid = idx[j]! >= 0 && (mask === null || ((mask[j >> 3]! >> (j & 7)) & 1) === 1);
    if (valid) validity[j >> 3]! |= 1 << (j & 7);
    else nullCount++;
  }
  return makeData({
    type: taken.type as never,
    length: count,
    nullCount,
    nullBitmap: validity,
    data: taken.values as never,
    valueOffsets: taken.valueOffsets as never,
  } as never) as Data;
}
