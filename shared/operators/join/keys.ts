/**
 * Join keys: reading key columns into exact, comparable JS values, one canonical text per key
 * for hashing, and the hash partition of a row. Equal keys of the same quiver type give the
 * same value and the same partition on every shard and on both sides of a join.
 *
 * ```ts
 * const keys = readKeys(batch, ['customer_id']); // one Key (or null) per row
 * partitionOf(keys[i], 16);                      // 0..15; null keys are never asked
 * ```
 *
 * Values: ints, timestamps and dates as numbers (ints beyond ±2^53 as their exact decimal
 * text, so two different big ints never meet), floats with -0 as 0 (NaN matches NaN, as in
 * PostgreSQL), strings, booleans. A row whose key has a null anywhere has a null key.
 */
import { Type } from 'apache-arrow';
import type { Data, Int, RecordBatch } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { nullMask } from '../../expr/bits.js';
import { readValues } from '../../expr/columns.js';
import { QuiverError } from '../../errors.js';
import { hashText } from '../aggregate/groups.js';

/** One key: the value itself for a one-column key, a canonical text for a composite key. */
export type Key = number | string | boolean;

const TWO32 = 4294967296;
const SEP = '\u0001';

/** Values of a signed 64-bit int chunk, exact: numbers when safe, else decimal text. */
function int64Values(data: Data): Value[] {
  const values = data.values as BigInt64Array;
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const mask = nullMask(data);
  const off = data.offset;
  const out = new Array<Value>(data.length);
  for (let i = 0; i < data.length; i++) {
    const k = off + i;
    if (mask !== null && ((mask[k >> 3]! >> (k & 7)) & 1) === 0) {
      out[i] = null;
      continue;
    }
    const v = words[2 * k + 1]! * TWO32 + (words[2 * k]! >>> 0);
    out[i] = Number.isSafeInteger(v) ? v : String(values[k]!);
  }
  return out;
}

/** One key column chunk as exact values (-0 read as 0). */
export function keyValues(data: Data): Value[] {
  if (data.typeId === Type.Int && (data.type as Int).bitWidth === 64 && (data.type as Int).isSigned) return int64Values(data);
  const values = readValues(data);
  if (data.typeId === Type.Float) for (let i = 0; i < values.length; i++) if (values[i] === 0) values[i] = 0;
  return values;
}

/** Text of one key part, unambiguous within a column type (strings carry their length). */
function part(v: Value): string {
  return typeof v === 'string' ? `${v.length}:${v}` : String(v);
}

/** The key of every row of `batch` over the columns `names` (null where any part is null). */
export function readKeys(batch: RecordBatch, names: readonly string[], what: string): (Key | null)[] {
  const cols = names.map((name) => {
    const at = batch.schema.fields.findIndex((f) => f.name === name);
    if (at < 0) throw QuiverError.nonRetryable('INPUT_INVALID', `${what} has no key column '${name}'; re-run the stage that wrote it`);
    return keyValues(batch.data.children[at]!);
  });
  if (cols.length === 1) return cols[0]!;
  const n = batch.numRows;
  const out = new Array<Key | null>(n);
  for (let i = 0; i < n; i++) {
    let text: string | null = '';
    for (let j = 0; j < cols.length; j++) {
      const v = cols[j]![i]!;
      if (v === null) {
        text = null;
        break;
      }
      text += (j === 0 ? '' : SEP) + part(v);
    }
    out[i] = text;
  }
  return out;
}

/** Which of `r` partitions a (non-null) key belongs to. */
export function partitionOf(key: Key, r: number): number {
  return r === 1 ? 0 : hashText(typeof key === 'string' ? part(key) : String(key)) % r;
}
