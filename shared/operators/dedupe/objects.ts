/**
 * The dedupe phases' intermediate objects (Arrow IPC of plain Int32 and FixedSizeBinary
 * columns, read back as typed arrays without per-value work), and single values of a shard for
 * the duplicate examples.
 *
 * ```ts
 * const bytes = encodeColumns(DROPS_FIELDS, [rows, keptShards, keptRows], rows.length);
 * const rows = int32Column(decodeInput(input, 1), 'row');
 * ```
 */
import { Buffer } from 'node:buffer';
import { Field, FixedSizeBinary, Int32, makeData, RecordBatch, Schema, Struct, Table, Type } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import { QuiverError } from '../../errors.js';
import { dataReader, readValues } from '../../expr/columns.js';
import { nullMask } from '../../expr/bits.js';
import { utf8RoundTrips } from '../cleanse/passthrough.js';
import { KEY_BYTES, KEY_WORDS } from './rowkeys.js';

/** Phase 0 → 1: each row's key, its hash and its row in the shard. */
export const KEYS_FIELDS = [new Field('k', new FixedSizeBinary(KEY_BYTES), false), new Field('h', new Int32(), false), new Field('row', new Int32(), false)];
/** Phase 1 → 2: rows to drop and the row that survives in their place. */
export const DROPS_FIELDS = [new Field('row', new Int32(), false), new Field('keptShard', new Int32(), false), new Field('keptRow', new Int32(), false)];

/** One record batch of non-null columns. */
export function encodeColumns(fields: readonly Field[], columns: readonly Int32Array[], length: number): Uint8Array {
  const schema = new Schema([...fields]);
  const children = fields.map((f, j) => {
    const c = columns[j]!;
    // FixedSizeBinary takes its bytes; Int32 its values.
    const data = f.type instanceof FixedSizeBinary ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : c;
    return makeData({ type: f.type as never, length, nullCount: 0, data: data as never }) as Data;
  });
  return encodeTable(new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }))]));
}

function chunksOf(table: Table, name: string, typeId: Type, what: string): Data[] {
  const j = table.schema.fields.findIndex((f) => f.name === name);
  const chunks = table.batches.map((b) => b.data.children[j]);
  if (j < 0 || chunks.some((d) => d === undefined || d.typeId !== typeId)) {
    throw QuiverError.nonRetryable('INTERNAL', `dedupe ${what} object has no ${String(Type[typeId])} column '${name}'; re-run the stage`);
  }
  return chunks as Data[];
}

/** An Int32 column of an intermediate object. */
export function int32Column(table: Table, name: string, what: string): Int32Array {
  const out = new Int32Array(table.numRows);
  let at = 0;
  for (const d of chunksOf(table, name, Type.Int, what)) {
    out.set((d.values as Int32Array).subarray(d.offset, d.offset + d.length), at);
    at += d.length;
  }
  return out;
}

/** The keys column of a keys object: `KEY_WORDS` words per row. */
export function keyColumn(table: Table, name: string, what: string): Int32Array {
  const out = new Int32Array(table.numRows * KEY_WORDS);
  const bytes = new Uint8Array(out.buffer);
  let at = 0;
  for (const d of chunksOf(table, name, Type.FixedSizeBinary, what)) {
    if ((d.type as FixedSizeBinary).byteWidth !== KEY_BYTES) throw QuiverError.nonRetryable('INTERNAL', `dedupe ${what} object has ${(d.type as FixedSizeBinary).byteWidth}-byte keys, not ${KEY_BYTES}; re-run the stage`);
    bytes.set((d.values as Uint8Array).subarray(d.offset * KEY_BYTES, (d.offset + d.length) * KEY_BYTES), at * KEY_BYTES);
    at += d.length;
  }
  return out;
}

/** Whether a Utf8 chunk reads back as its bytes, per chunk (examples read a few rows of each). */
const ROUND_TRIPS = new WeakMap<Data, boolean>();

/** Row `row` of column `name`, exactly as `readColumnValues(table, name)[row] ?? null`, reading only that row where it can. */
export function valueAt(table: Table, name: string, row: number): Value {
  const j = table.schema.fields.findIndex((f) => f.name === name);
  if (j < 0) return null;
  let base = 0;
  for (const batch of table.batches) {
    if (row < base + batch.numRows) {
      const data = batch.data.children[j]!;
      const i = row - base;
      if (data.typeId !== Type.Utf8) return dataReader(data)(i) ?? null;
      let roundTrips = ROUND_TRIPS.get(data);
      if (roundTrips === undefined) ROUND_TRIPS.set(data, (roundTrips = utf8RoundTrips(data)));
      if (!roundTrips) return readValues(data)[i] ?? null;
      const mask = nullMask(data);
      const k = data.offset + i;
      if (mask !== null && ((mask[k >> 3]! >> (k & 7)) & 1) === 0) return null;
      const offs = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', offs[i]!, offs[i + 1]!);
    }
    base += batch.numRows;
  }
  return null;
}
