/**
 * The cleanse apply phase copies the columns no step touches straight from the input's Arrow
 * buffers (shared/operators/cleanse/passthrough.ts). Its output must stay byte for byte what
 * reading every column as values and building it again wrote, edge cases included.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Bool, DateDay, Float64, Int64, makeData, RecordBatch, Struct, Table, TimestampMillisecond, Utf8 } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import { toArrowSchema } from '../../shared/arrow/schema.js';
import { datasetOf } from '../../shared/dataset.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { readColumnValues } from '../../shared/expr/index.js';
import { cleanseOperator } from '../../shared/operators/cleanse.js';
import { passthroughData } from '../../shared/operators/cleanse/passthrough.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { runStage } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('cleanse-passthrough');
});
after(() => dir.cleanup());

let n = 0;
/** What the apply phase wrote before untouched columns were copied: every column read as values and built again. */
function viaValues(table: Table, schema: SchemaDef, edit: (name: string, values: Value[]) => Value[]): Buffer {
  const builders = schema.fields.map((f) => {
    const values = edit(f.name, readColumnValues(table, f.name));
    const b = new ColumnBuilder(f.type, values.length);
    for (const v of values) b.append(v);
    return b;
  });
  return Buffer.from(encodeTable(tableFromBuilders(schema, builders)));
}

test('columns no step touches are written byte for byte as reading and rebuilding them would write them', async () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'i', type: 'int', nullable: true },
      { name: 'big', type: 'int', nullable: true },
      { name: 'f', type: 'float', nullable: true },
      { name: 'odd_nan', type: 'float', nullable: true },
      { name: 'b', type: 'bool', nullable: true },
      { name: 'd', type: 'date', nullable: true },
      { name: 't', type: 'timestamp', nullable: true },
      { name: 's', type: 'string', nullable: true },
      { name: 'under_null', type: 'string', nullable: true },
      { name: 'bad_utf8', type: 'string', nullable: true },
      { name: 'name', type: 'string', nullable: true },
    ],
  };
  const len = 5;
  const valid = Uint8Array.from([0b11011]); // row 2 is null everywhere
  const f64 = (xs: number[]) => Float64Array.from(xs);
  const i64 = (xs: bigint[]) => BigInt64Array.from(xs);
  const oddNan = new Float64Array(len);
  new Uint32Array(oddNan.buffer).set([0, 0xfff80000], 2); // a NaN with the sign bit set
  const str = (parts: number[][]) => {
    const offs = [0];
    for (const p of parts) offs.push(offs[offs.length - 1]! + p.length);
    return { valueOffsets: Int32Array.from(offs), data: Uint8Array.from(parts.flat()) };
  };
  const enc = (s: string) => [...Buffer.from(s)];
  const col = (type: DataType, extra: object) => makeData({ type, length: len, nullCount: 1, nullBitmap: valid, ...extra } as never);
  const children = [
    col(new Int64(), { data: i64([1n, -2n, 99n, 2n ** 52n, -(2n ** 53n)]) }), // garbage under the null
    col(new Int64(), { data: i64([1n, 2n ** 60n + 1n, 0n, 3n, 4n]) }), // beyond 2^53: reading rounds it
    col(new Float64(), { data: f64([-0, NaN, 7, 1e308, -Infinity]) }),
    col(new Float64(), { data: oddNan }),
    col(new Bool(), { data: Uint8Array.from([0b11111]) }),
    col(new DateDay(), { data: Int32Array.from([0, -1, 5, 19000, 2 ** 30]) }), // 2^30 days: ms beyond 2^53
    col(new TimestampMillisecond(), { data: i64([0n, 1n, 2n, 1_700_000_000_123n, -5n]) }),
    col(new Utf8(), str([enc('é'), enc('𝄞 x'), [], enc(''), enc('plain')])),
    col(new Utf8(), str([enc('a'), enc('b'), enc('hidden'), enc('c'), enc('d')])),
    col(new Utf8(), str([[0xff], enc('ok'), [], [0xc3], [0xa9]])), // invalid, and a character split over two rows
    col(new Utf8(), str([enc(' Ada '), enc('bob'), [], enc(' x'), enc('y ')])),
  ];
  const arrow = toArrowSchema(schema);
  const batch = new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: len, nullCount: 0, children }));
  const copied = schema.fields.filter((f) => passthroughData(new Table([batch]), f.name, f.type) !== undefined).map((f) => f.name);
  assert.deepEqual(copied, ['i', 'f', 'b', 't', 's', 'name'], 'the others take the value path');
  const trimName = (name: string, values: Value[]): Value[] => (name === 'name' ? values.map((v) => (typeof v === 'string' ? v.trim() : v)) : values);
  for (const table of [new Table([batch]), new Table([batch, batch])]) {
    const sub = `${dir.path}/t${n++}`;
    const bytes = encodeTable(table);
    mkdirSync(`${sub}/in`, { recursive: true });
    writeFileSync(`${sub}/in/shard-0.arrow`, bytes);
    const input = datasetOf([{ uri: `${sub}/in/shard-0.arrow`, rows: table.numRows, bytes: bytes.length }], schema);
    const r = await runStage(cleanseOperator, { id: 'clean', op: 'cleanse', input: 'users', steps: [{ trim: ['name'] }] } as StageSpec, [input], sub);
    const written = await readFile(r.output.shards[0]!.uri);
    assert.ok(written.equals(viaValues(decodeTable(bytes), schema, trimName)), `${table.batches.length} batch(es): same bytes`);
  }
});
