/**
 * A batch without a few of its rows, for the rewrite phase: the same Data `takeBatch` builds
 * (byte for byte), but copying each run of kept rows at once instead of row by row, which is
 * what duplicates leave: long runs between rare drops. Chunks it does not handle (sliced,
 * nested, dictionary) go through `takeData`.
 *
 * ```ts
 * const out = dropRows(batch, (i) => dropped[base + i] === 1);
 * ```
 */
import { makeData, Type } from 'apache-arrow';
import type { Data, RecordBatch } from 'apache-arrow';
import { nullMask } from '../../expr/bits.js';
import { makeBatch, takeData } from '../../expr/batch.js';

type FixedWidthArray = ArrayBufferView & { BYTES_PER_ELEMENT: number; constructor: new (buffer: ArrayBufferLike) => ArrayBufferView };

/** Kept rows as runs: `runs[2k]` to `runs[2k + 1]` (exclusive), ascending. */
function runsOf(idx: Int32Array, count: number): Int32Array {
  const runs: number[] = [];
  for (let j = 0; j < count; ) {
    const a = idx[j]!;
    let b = a + 1;
    j++;
    while (j < count && idx[j] === b) {
      b++;
      j++;
    }
    runs.push(a, b);
  }
  return Int32Array.from(runs);
}

/** Copies `len` bits from bit `a` of `src` to bit `d` of the zeroed `dst`, 8 at a time. */
function copyBits(src: Uint8Array, a: number, dst: Uint8Array, d: number, len: number): void {
  let k = 0;
  for (; k + 8 <= len; k += 8) {
    const p = a + k;
    const byte = (((src[p >> 3] ?? 0) | ((src[(p >> 3) + 1] ?? 0) << 8)) >> (p & 7)) & 0xff;
    const q = d + k;
    dst[q >> 3]! |= (byte << (q & 7)) & 0xff;
    if ((q & 7) !== 0) dst[(q >> 3) + 1]! |= byte >> (8 - (q & 7));
  }
  for (; k < len; k++) {
    const p = a + k;
    const q = d + k;
    if ((src[p >> 3]! >> (p & 7)) & 1) dst[q >> 3]! |= 1 << (q & 7);
  }
}

const BIT_COUNTS = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0;
  for (let x = b; x !== 0; x >>= 1) c += x & 1;
  return c;
});

/** The validity bitmap and null count of the kept rows, as takeData builds them (offset 0). */
function takeValidity(data: Data, runs: Int32Array, count: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const mask = nullMask(data);
  if (mask === null) return { nullBitmap: undefined, nullCount: 0 };
  const out = new Uint8Array((count + 7) >> 3);
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const len = runs[r + 1]! - runs[r]!;
    copyBits(mask, runs[r]!, out, at, len);
    at += len;
  }
  let valid = 0;
  for (let k = 0; k < out.length; k++) valid += BIT_COUNTS[out[k]!]!;
  const nulls = count - valid;
  return { nullBitmap: nulls === 0 ? undefined : out, nullCount: nulls };
}

function takeFixed(values: FixedWidthArray, width: number, runs: Int32Array, count: number): ArrayBufferView {
  const byWord = width % 4 === 0 && values.byteOffset % 4 === 0;
  const words = byWord ? width / 4 : width;
  const total = Math.floor(values.byteLength / width) * words;
  const src = byWord ? new Int32Array(values.buffer, values.byteOffset, total) : new Uint8Array(values.buffer, values.byteOffset, total);
  const out = byWord ? new Int32Array(count * words) : new Uint8Array(count * words);
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const a = runs[r]! * words;
    const b = runs[r + 1]! * words;
    out.set(src.subarray(a, b), at);
    at += b - a;
  }
  return new values.constructor(out.buffer);
}

function takeStrings(data: Data, idx: Int32Array, runs: Int32Array, count: number): { valueOffsets: Int32Array; data: Uint8Array } {
  const offs = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const newOffs = new Int32Array(count + 1);
  for (let j = 0; j < count; j++) newOffs[j + 1] = newOffs[j]! + offs[idx[j]! + 1]! - offs[idx[j]!]!;
  const out = new Uint8Array(newOffs[count]!);
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const a = offs[runs[r]!]!;
    const b = offs[runs[r + 1]!]!;
    out.set(bytes.subarray(a, b), at);
    at += b - a;
  }
  return { valueOffsets: newOffs, data: out };
}

function takeChunk(data: Data, idx: Int32Array, runs: Int32Array, count: number): Data {
  const fixed = data.typeId === Type.Int || data.typeId === Type.Float || data.typeId === Type.Date || data.typeId === Type.Timestamp;
  const strings = data.typeId === Type.Utf8 || data.typeId === Type.Binary;
  if (data.offset !== 0 || data.children.length > 0 || (!fixed && !strings)) return takeData(data, idx, count);
  if (fixed && data.valueOffsets !== undefined) return takeData(data, idx, count);
  const base = { type: data.type as never, length: count, ...takeValidity(data, runs, count) };
  if (strings) return makeData({ ...base, ...takeStrings(data, idx, runs, count) }) as Data;
  const values = data.values as unknown as FixedWidthArray;
  return makeData({ ...base, data: takeFixed(values, values.BYTES_PER_ELEMENT * data.stride, runs, count) as never }) as Data;
}

/** `batch` without the rows `drop(i)` names (some, not all); the same as `takeBatch` of the others. */
export function dropRows(batch: RecordBatch, drop: (i: number) => boolean): RecordBatch {
  const idx = new Int32Array(batch.numRows);
  let count = 0;
  for (let i = 0; i < batch.numRows; i++) if (!drop(i)) idx[count++] = i;
  const runs = runsOf(idx, count);
  return makeBatch(
    batch.schema.fields,
    batch.data.children.map((c) => takeChunk(c, idx, runs, count)),
    count,
  );
}
