/**
 * Arrow column helpers the aggregation needs beyond ColumnBuilder: exact Int64 columns from
 * numbers or bigints (sums past 2^53), and List columns (count_distinct value sets).
 */
import { Field, Int64, List, makeData } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { ColumnBuilder } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { arrowType } from '../../arrow/schema.js';
import type { ColumnType } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { nullMask } from '../../expr/bits.js';
import { readValues } from '../../expr/columns.js';

export type IntValue = number | bigint | null;

const MIN64 = -(2n ** 63n);
const MAX64 = 2n ** 63n - 1n;

/** An Int64 column; `what` names the aggregate in the overflow error. */
export function int64Data(values: readonly IntValue[], what: string): Data {
  const n = values.length;
  const out = new BigInt64Array(n);
  const validity = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === null) {
      nullCount++;
      continue;
    }
    const b = typeof v === 'bigint' ? v : BigInt(v);
    if (b < MIN64 || b > MAX64) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `${what} overflows a 64-bit integer; derive a float column first (to_float(x)) and aggregate that`);
    }
    out[i] = b;
    validity[i >> 3]! |= 1 << (i & 7);
  }
  return makeData({ type: new Int64(), length: n, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, data: out });
}

/** Values of an Int64 chunk, as numbers where exact and bigints beyond 2^53. */
export function readInt64Exact(data: Data): IntValue[] {
  const values = data.values as BigInt64Array;
  const mask = nullMask(data);
  const off = data.offset;
  const out = new Array<IntValue>(data.length);
  for (let i = 0; i < data.length; i++) {
    if (mask !== null && ((mask[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 0) {
      out[i] = null;
      continue;
    }
    const b = values[i]!;
    const n = Number(b);
    out[i] = Number.isSafeInteger(n) ? n : b;
  }
  return out;
}

export function listType(type: ColumnType): List {
  return new List(new Field('item', arrowType(type), true));
}

/** A List<type> column, one list per row (never null). */
export function listData(type: ColumnType, lists: readonly (readonly Value[])[]): Data {
  const total = lists.reduce((n, l) => n + l.length, 0);
  const child = new ColumnBuilder(type, total);
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => {
    for (const v of l) child.append(v);
    offsets[i + 1] = offsets[i]! + l.length;
  });
  return makeData({ type: listType(type), length: lists.length, nullCount: 0, valueOffsets: offsets, child: child.finish() });
}

/** Calls `f(row, value)` for every element of every list of a List chunk. */
export function forEachListValue(data: Data, f: (row: number, value: Value) => void): void {
  const offsets = data.valueOffsets as Int32Array;
  const child = readValues(data.children[0]!);
  for (let i = 0; i < data.length; i++) {
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) f(i, child[k]!);
  }
}
