import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeData, makeVector, Float64, Table } from 'apache-arrow';
import { ColumnBuilder, readColumn, tableFromBuilders } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import type { ColumnType, SchemaDef } from '../../shared/dataset.js';

test('every column type round-trips through IPC, with nulls, and zero rows keep the schema', () => {
  const types: ColumnType[] = ['int', 'float', 'bool', 'string', 'timestamp', 'date'];
  const schema: SchemaDef = { fields: types.map((t) => ({ name: `c_${t}`, type: t, nullable: true })) };
  const values: Record<ColumnType, Array<number | string | boolean | null>> = {
    int: [1, null, -7, 2 ** 40],
    float: [1.5, null, -0.25, 1e300],
    bool: [true, null, false, true],
    string: ['héllo', null, '', 'x'.repeat(300)],
    timestamp: [1_700_000_000_123, null, 0, -86_400_000],
    date: [86_400_000 * 3, null, 0, 86_400_000 * 20_000],
  };
  const builders = types.map((t) => new ColumnBuilder(t, 1));
  for (let rep = 0; rep < 50; rep++) types.forEach((t, i) => values[t].forEach((v) => builders[i]!.append(v)));
  const back = decodeTable(encodeTable(tableFromBuilders(schema, builders)));
  assert.equal(back.numRows, 200);
  for (const t of types) assert.deepEqual(readColumn(back, `c_${t}`).slice(0, 4), values[t]);
  const empty = decodeTable(encodeTable(tableFromBuilders(schema, types.map((t) => new ColumnBuilder(t)))));
  assert.equal(empty.numRows, 0);
  assert.deepEqual(empty.schema.fields.map((f) => f.name), schema.fields.map((f) => f.name));
});

test('two columns sharing one buffer still encode correctly (arrow-js merges adjacent buffers)', () => {
  const values = new Float64Array([1.5, 2.5, 3.5]);
  const data = makeData({ type: new Float64(), length: 3, nullCount: 0, data: values });
  const table = new Table({ x: makeVector(data), y: makeVector(data) });
  const back = decodeTable(encodeTable(table));
  assert.deepEqual(readColumn(back, 'x'), [1.5, 2.5, 3.5]);
  assert.deepEqual(readColumn(back, 'y'), [1.5, 2.5, 3.5]);
});

test('bytes that are not Arrow IPC are INPUT_INVALID', () => {
  assert.throws(() => decodeTable(new Uint8Array([1, 2, 3]), 'shard s3://b/k'), /shard s3:\/\/b\/k is not valid Arrow IPC/);
});
