import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from 'apache-arrow';
import type { ColumnType, SchemaDef } from '../../shared/dataset.js';
import { readColumn } from '../../shared/arrow/columns.js';
import { inferNdjsonSchema, readNdjson } from '../../shared/formats/index.js';

const enc = new TextEncoder();

function schemaOf(types: Record<string, ColumnType>): SchemaDef {
  return { fields: Object.entries(types).map(([name, type]) => ({ name, type, nullable: true })) };
}

function rows(table: Table): Record<string, unknown>[] {
  const cols = table.schema.fields.map((f) => [f.name, readColumn(table, f.name)] as const);
  return Array.from({ length: table.numRows }, (_, i) => Object.fromEntries(cols.map(([n, v]) => [n, v[i]])));
}

test('reads typed columns by key; missing keys are null and unknown keys are ignored', () => {
  const text = [
    '{"i":1,"f":1.5,"b":true,"s":"x","d":"2024-01-02","t":"2024-01-02T03:04:05Z","extra":1}',
    '{"i":"2","f":3,"b":"false","s":42,"d":null}',
    '{"s":{"nested":[1,2]},"t":"2024-01-02 03:04:05.678+01:00"}',
  ].join('\n');
  const r = readNdjson(enc.encode(text), { schema: schemaOf({ i: 'int', f: 'float', b: 'bool', s: 'string', d: 'date', t: 'timestamp' }) });
  assert.equal(r.quarantine.length, 0, JSON.stringify(r.quarantine));
  assert.deepEqual(rows(r.tables[0]!), [
    { i: 1, f: 1.5, b: true, s: 'x', d: Date.parse('2024-01-02'), t: Date.parse('2024-01-02T03:04:05Z') },
    { i: 2, f: 3, b: false, s: '42', d: null, t: null },
    { i: null, f: null, b: null, s: '{"nested":[1,2]}', d: null, t: Date.parse('2024-01-02T02:04:05.678Z') },
  ]);
  assert.deepEqual(r.nullCounts, [1, 1, 1, 0, 2, 1]);
});

test('bad JSON, non-objects and values of the wrong type go to quarantine with line numbers', () => {
  const text = ['{"a":1}', '{"a":', '', '[1,2]', '{"a":1.5}', '{"a":"x"}', '{"a":3}\r', 'null'].join('\n');
  const r = readNdjson(enc.encode(text), { schema: schemaOf({ a: 'int' }), source: 's3://b/k.jsonl', firstLine: 10 });
  assert.deepEqual(readColumn(r.tables[0]!, 'a'), [1, 3]);
  assert.deepEqual(
    r.quarantine.map((q) => q.line),
    [11, 13, 14, 15, 17],
  );
  assert.match(r.quarantine[0]!.reason, /line 11: not valid JSON/);
  assert.match(r.quarantine[1]!.reason, /an array, not a JSON object/);
  assert.match(r.quarantine[2]!.reason, /key "a": 1.5 is not a valid int/);
  assert.equal(r.quarantine[0]!.raw, '{"a":');
  assert.equal(r.quarantine[0]!.source, 's3://b/k.jsonl');
  assert.equal(r.rowsIn, 7);
  assert.equal(r.rowsOut + r.quarantine.length, r.rowsIn);
});

test('string null markers read as null in typed columns', () => {
  const r = readNdjson(enc.encode('{"a":"NA","s":"NA"}\n{"a":"","s":""}\n'), { schema: schemaOf({ a: 'float', s: 'string' }) });
  assert.deepEqual(rows(r.tables[0]!), [
    { a: null, s: 'NA' },
    { a: null, s: '' },
  ]);
});

test('inference: keys in first-seen order, JSON types, ISO strings as dates and timestamps', () => {
  const sample = enc.encode(
    [
      '{"id":1,"score":2,"ok":true,"day":"2024-01-01","at":"2024-01-01T00:00:00Z","name":"a","mix":1}',
      '{"id":2,"score":2.5,"ok":false,"day":"2024-01-02","at":"2024-01-01","name":null,"mix":"1","late":{"x":1}}',
      '{"id":3,"sc',
    ].join('\n'),
  );
  const info = inferNdjsonSchema(sample);
  assert.equal(info.rows, 2, 'the cut-off last line is left out');
  assert.deepEqual(
    info.schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`),
    ['id:int', 'score:float', 'ok:bool', 'day:date', 'at:timestamp', 'name:string?', 'mix:string', 'late:string?'],
  );
});

test('maxRowsPerTable splits the output', () => {
  const text = Array.from({ length: 9 }, (_, i) => `{"a":${i}}`).join('\n');
  const r = readNdjson(enc.encode(text), { schema: schemaOf({ a: 'int' }), maxRowsPerTable: 4 });
  assert.deepEqual(
    r.tables.map((t) => t.numRows),
    [4, 4, 1],
  );
});
