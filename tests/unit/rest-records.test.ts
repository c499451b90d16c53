/**
 * Records in response bodies (paths, defaults, flattening) and records → Arrow shards with a
 * quarantine that says `page P record R`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { readColumnValues } from '../../shared/expr/index.js';
import { isErrorCode } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { schemaOfRecords } from '../../shared/connectors/rest/plan.js';
import { flattenRecord, getPath, recordsOf, recordsPathOf } from '../../shared/connectors/rest/records.js';
import { ShardWriter } from '../../shared/connectors/rest/shards.js';
import type { SchemaDef } from '../../shared/dataset.js';

test('dot paths and the default records path', () => {
  assert.equal(getPath({ meta: { next: 'c2' } }, 'meta.next'), 'c2');
  assert.equal(getPath({ meta: 1 }, 'meta.next'), undefined);
  assert.equal(recordsPathOf([{ a: 1 }], null, 's', 'u'), '');
  assert.equal(recordsPathOf({ users: [], count: 2 }, null, 's', 'u'), 'users');
  assert.equal(recordsPathOf({ x: 1 }, 'data.items', 's', 'u'), 'data.items');
  assert.throws(
    () => recordsPathOf({ data: { items: [] }, meta: {} }, null, 'stages[0].source', 'http://h/x'),
    (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /stages\[0\]\.source\.records: .*set stages\[0\]\.source\.records to one of: data\.items/.test((e as Error).message),
  );
  assert.throws(() => recordsPathOf({ a: [], b: [] }, null, 's', 'u'), /several array fields\); set s\.records to one of: a, b/);
  assert.deepEqual(recordsOf({ d: { items: null } }, 'd.items', 's', 'u'), [], 'null counts as no records');
  assert.throws(() => recordsOf({ error: 'quota' }, 'data.items', 's', 'http://h/x'), /"data\.items" in the body of http:\/\/h\/x is missing, not an array of records \(the body is an object with keys error\)/);
});

test('flattening: one level of dots; deeper objects and arrays stay values', () => {
  assert.deepEqual(flattenRecord({ id: 1, c: { e: 'x', geo: { lat: 1 } }, tags: ['a'] }), { id: 1, 'c.e': 'x', 'c.geo': { lat: 1 }, tags: ['a'] });
  const flat = { id: 1 };
  assert.equal(flattenRecord(flat), flat, 'no nested object: the same record');
  assert.equal(flattenRecord(5), 5);
  const schema = schemaOfRecords([{ id: 1, c: { e: 'x', geo: { lat: 1 } }, tags: ['a'], on: '2024-01-02' }], { flatten: true, nullValues: [], declared: { extra: 'float' }, where: 's' }, 'u');
  assert.deepEqual(
    schema.fields.map((f) => `${f.name}:${f.type}`),
    ['id:int', 'c.e:string', 'c.geo:string', 'tags:string', 'on:date', 'extra:float'],
  );
  const nested = schemaOfRecords([{ id: 1, c: { e: 'x' } }], { flatten: false, nullValues: [], declared: { id: 'string' }, where: 's' }, 'u');
  assert.deepEqual(nested.fields.map((f) => `${f.name}:${f.type}`), ['id:string', 'c:string']);
  assert.throws(() => schemaOfRecords([], { flatten: true, nullValues: [], declared: {}, where: 'stages[0].source' }, 'http://h/x'), /no records, so no columns can be inferred; declare them in stages\[0\]\.source\.schema/);
});

const schema: SchemaDef = { fields: [{ name: 'id', type: 'int', nullable: false }, { name: 'c.city', type: 'string', nullable: true }] };

test('shards of shardRows records (quarantined ones included); misfits quarantined as page P record R with the page URL', () => {
  const w = new ShardWriter({ schema, taskIndex: 7, shardRows: 4, nullValues: ['null'], flatten: true });
  const page = (n: number, records: unknown[]) => ({ number: n, url: `http://h/x?page=${n}`, records, body: null });
  w.addPage(page(1, [{ id: 1, c: { city: 'Oslo' } }, { id: 2 }, { id: 3, extra: true }]));
  w.addPage(page(2, [{ id: 'four' }, { id: 5 }, 6, { id: 7 }]));
  w.addPage(page(3, [{ id: 8 }]));
  const { objects, totals } = w.finish();
  assert.deepEqual(objects.map((o) => [o.name, o.rows, o.kind ?? 'data']), [
    ['part-00007-0000.arrow', 3, 'data'],
    ['part-00007-0001.arrow', 3, 'data'],
    ['quarantine-00007.ndjson', 2, 'quarantine'],
  ]);
  assert.deepEqual(totals, { rowsIn: 8, rowsOut: 6, quarantined: 2, nulls: [0, 5], ignoredKeys: ['extra'] });
  const ids = objects.slice(0, 2).flatMap((o) => readColumnValues(decodeTable(o.bytes), 'id'));
  assert.deepEqual(ids, [1, 2, 3, 5, 7, 8]);
  assert.deepEqual(readColumnValues(decodeTable(objects[0]!.bytes), 'c.city'), ['Oslo', null, null]);
  const q = decodeQuarantine(objects[2]!.bytes);
  assert.deepEqual(q.map((r) => [r.source, r.line]), [['http://h/x?page=2', 1], ['http://h/x?page=2', 3]]);
  assert.match(q[0]!.reason, /^page 2 record 1, key "id": "four" is not a valid int/);
  assert.match(q[1]!.reason, /^page 2 record 3: .*not a JSON object/);
  assert.equal(q[1]!.raw, '6');
});

test('a task without records writes one empty shard with the schema', () => {
  const { objects, totals } = new ShardWriter({ schema, taskIndex: 0, shardRows: 10, nullValues: [], flatten: true }).finish();
  assert.equal(objects.length, 1);
  assert.equal(objects[0]!.name, 'part-00000-0000.arrow');
  const t = decodeTable(objects[0]!.bytes);
  assert.equal(t.numRows, 0);
  assert.deepEqual(t.schema.fields.map((f) => f.name), ['id', 'c.city']);
  assert.equal(totals.rowsIn, 0);
});
