import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from 'apache-arrow';
import type { ColumnType, SchemaDef } from '../../shared/dataset.js';
import { readColumn } from '../../shared/arrow/columns.js';
import { inferCsvSchema, readCsv } from '../../shared/formats/index.js';
import type { CsvReadOptions } from '../../shared/formats/index.js';

const enc = new TextEncoder();

function schemaOf(types: Record<string, ColumnType>): SchemaDef {
  return { fields: Object.entries(types).map(([name, type]) => ({ name, type, nullable: true })) };
}

function rows(table: Table): Record<string, unknown>[] {
  const cols = table.schema.fields.map((f) => [f.name, readColumn(table, f.name)] as const);
  return Array.from({ length: table.numRows }, (_, i) => Object.fromEntries(cols.map(([n, v]) => [n, v[i]])));
}

function read(text: string, types: Record<string, ColumnType>, opts: Partial<CsvReadOptions> = {}) {
  return readCsv(enc.encode(text), { schema: schemaOf(types), header: true, source: 'mem://t.csv', ...opts });
}

const day = (s: string): number => Date.parse(`${s}T00:00:00Z`);

test('parses every column type', () => {
  const r = read(
    'i,f,b,s,d,t\n' +
      '1,1.5,true,hello,2024-02-29,2024-02-29T10:20:30Z\n' +
      '-42,-2e3,FALSE,"a,b",1970-01-01,2024-01-01 00:00:00.5+02:00\n' +
      '+7,.25,1,ünïcødé,1969-12-31,2024-01-01T00:00\n',
    { i: 'int', f: 'float', b: 'bool', s: 'string', d: 'date', t: 'timestamp' },
  );
  assert.equal(r.quarantine.length, 0, JSON.stringify(r.quarantine));
  assert.deepEqual(rows(r.tables[0]!), [
    { i: 1, f: 1.5, b: true, s: 'hello', d: day('2024-02-29'), t: Date.parse('2024-02-29T10:20:30Z') },
    { i: -42, f: -2000, b: false, s: 'a,b', d: 0, t: Date.parse('2023-12-31T22:00:00.500Z') },
    { i: 7, f: 0.25, b: true, s: 'ünïcødé', d: -86_400_000, t: Date.parse('2024-01-01T00:00:00Z') },
  ]);
  assert.equal(r.rowsIn, 3);
  assert.equal(r.rowsOut, 3);
});

test('quoting: doubled quotes, delimiters and newlines inside quotes, CRLF line ends', () => {
  const r = read('a,b\r\n"say ""hi""","x\r\ny"\r\n"",plain\r\n', { a: 'string', b: 'string' });
  assert.deepEqual(rows(r.tables[0]!), [
    { a: 'say "hi"', b: 'x\r\ny' },
    { a: '', b: 'plain' },
  ]);
});

test('null markers: unquoted markers are null, quoted ones stay strings; typed empties are null', () => {
  const r = read('s,n,f\nNA,,NaN\n"NA","",nan\n"",NULL,\nnull,5,1\n', { s: 'string', n: 'int', f: 'float' });
  assert.equal(r.quarantine.length, 0, JSON.stringify(r.quarantine));
  assert.deepEqual(rows(r.tables[0]!), [
    { s: null, n: null, f: null },
    { s: 'NA', n: null, f: null },
    { s: '', n: null, f: null },
    { s: null, n: 5, f: 1 },
  ]);
  assert.deepEqual(r.nullCounts, [2, 3, 3]);
});

test('custom null markers replace the defaults, and a marker that parses as a number wins', () => {
  const r = read('n,s\n-1,NA\n3,?\n', { n: 'int', s: 'string' }, { nullValues: ['-1', '?'] });
  assert.deepEqual(rows(r.tables[0]!), [
    { n: null, s: 'NA' },
    { n: 3, s: null },
  ]);
});

test('NaN text is a float value when it is not a null marker', () => {
  const r = read('f\nNaN\ninf\n-Infinity\n', { f: 'float' }, { nullValues: [''] });
  const f = readColumn(r.tables[0]!, 'f');
  assert.ok(Number.isNaN(f[0]));
  assert.deepEqual(f.slice(1), [Infinity, -Infinity]);
});

test('ragged rows, bad values and broken quoting go to quarantine with file line numbers', () => {
  const text =
    'id,name,age\n' + // line 1
    '1,ann,30\n' + // 2
    '2,"multi\nline",31\n' + // 3-4
    '3,bob\n' + // 5: too few fields
    '4,cy,abc\n' + // 6: bad int
    '\n' + // 7: blank, skipped
    '5,"dee"x,40\n' + // 8: text after closing quote
    '6,eve,41,extra\n' + // 9: too many
    '7,fay,42\n' + // 10
    '8,"never closed,43\n9,gus,44\n'; // 11-12: unbalanced (runs to the end)
  const r = read(text, { id: 'int', name: 'string', age: 'int' }, { firstLine: 1 });
  assert.deepEqual(
    rows(r.tables[0]!).map((x) => x.id),
    [1, 2, 7],
  );
  assert.deepEqual(
    r.quarantine.map((q) => q.line),
    [5, 6, 8, 9, 11],
  );
  assert.match(r.quarantine[0]!.reason, /line 5 has 2 fields, expected 3: check the delimiter or quoting/);
  assert.match(r.quarantine[1]!.reason, /column "age": "abc" is not an int/);
  assert.match(r.quarantine[2]!.reason, /text after a closing quote/);
  assert.match(r.quarantine[4]!.reason, /never closes/);
  assert.equal(r.quarantine[1]!.raw, '4,cy,abc');
  assert.equal(r.quarantine[0]!.source, 'mem://t.csv');
  assert.equal(r.rowsIn, 8);
  assert.equal(r.rowsOut + r.quarantine.length, r.rowsIn);
});

test('a rejected row leaves no partial values behind', () => {
  const r = read('s,n\nkeep,1\ndrop,x\nalso,2\n', { s: 'string', n: 'int' });
  assert.deepEqual(rows(r.tables[0]!), [
    { s: 'keep', n: 1 },
    { s: 'also', n: 2 },
  ]);
});

test('quarantined raw text is cut to 1 KB', () => {
  const long = 'x'.repeat(5000);
  const r = read(`a,b\n${long}\n`, { a: 'string', b: 'string' });
  assert.equal(r.quarantine[0]!.raw.length, 1024);
});

test('firstLine offsets line numbers of a range', () => {
  const r = read('1,x\n', { a: 'int' }, { header: false, columns: ['a'], firstLine: 1042 });
  assert.equal(r.quarantine[0]!.line, 1042);
  assert.match(r.quarantine[0]!.reason, /line 1042 has 2 fields, expected 1/);
});

test('byte order mark, no trailing newline, blank lines', () => {
  const r = read('\ufeffa\n\n1\n\n2', { a: 'int' });
  assert.deepEqual(readColumn(r.tables[0]!, 'a'), [1, 2]);
});

test('int64 beyond 2^53 keeps every digit', () => {
  const r = read('a\n9223372036854775807\n-9223372036854775808\n9223372036854775808\n', { a: 'int' });
  const vec = r.tables[0]!.getChild('a')!;
  assert.equal(vec.get(0), 9223372036854775807n);
  assert.equal(vec.get(1), -9223372036854775808n);
  assert.equal(r.quarantine.length, 1, 'one past int64 max is not an int');
});

test('floats parse exactly like Number()', () => {
  let seed = 7;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const values: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    values.push(i % 3 === 0 ? v.toExponential(Math.floor(rand() * 17)) : i % 3 === 1 ? String(v) : v.toFixed(Math.floor(rand() * 12)));
  }
  values.push('0.1', '1e22', '1e23', '123456789012345678', '4.9e-324', '1.7976931348623157e308', '-0');
  const r = read('f\n' + values.join('\n') + '\n', { f: 'float' });
  assert.deepEqual(readColumn(r.tables[0]!, 'f'), values.map(Number));
});

test('maxRowsPerTable cuts the output into several tables', () => {
  const text = 'a\n' + Array.from({ length: 10 }, (_, i) => String(i)).join('\n') + '\n';
  const r = read(text, { a: 'int' }, { maxRowsPerTable: 4 });
  assert.deepEqual(
    r.tables.map((t) => t.numRows),
    [4, 4, 2],
  );
  assert.deepEqual(
    r.tables.flatMap((t) => readColumn(t, 'a')),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('input columns map to output columns by name', () => {
  const r = readCsv(enc.encode('1,skip,x\n'), { schema: schemaOf({ c: 'string', a: 'int', z: 'float' }), columns: ['a', 'b', 'c'] });
  assert.deepEqual(rows(r.tables[0]!), [{ c: 'x', a: 1, z: null }]);
});

test('tab delimiter and no quoting', () => {
  const r = read('a\tb\n"x\t"y"\n', { a: 'string', b: 'string' }, { delimiter: '\t', quote: '' });
  assert.deepEqual(rows(r.tables[0]!), [{ a: '"x', b: '"y"' }]);
});

test('rejects a multi-character delimiter with OPTION_INVALID', () => {
  assert.throws(() => read('a\n', { a: 'int' }, { delimiter: '::' }), (err: Error & { code?: string }) => err.code === 'OPTION_INVALID' && /delimiter/.test(err.message));
});

test('inference picks the narrowest type per column and marks nullable columns', () => {
  const sample = enc.encode(
    'id,score,flag,day,at,name,mixed,empty,ts2\n' +
      '1,1,true,2024-01-01,2024-01-01T00:00:00Z,ann,1,,2024-01-01\n' +
      '2,2.5,False,2024-01-02,2024-01-02 10:00,bob,x,,2024-01-02T01:00:00Z\n' +
      '3,NA,true,,2024-01-03T00:00:00.123+01:00,"c, d",2,,2024-01-03\n',
  );
  const info = inferCsvSchema(sample, { complete: true });
  assert.deepEqual(info.columns, ['id', 'score', 'flag', 'day', 'at', 'name', 'mixed', 'empty', 'ts2']);
  assert.deepEqual(
    info.schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`),
    ['id:int', 'score:float?', 'flag:bool', 'day:date?', 'at:timestamp', 'name:string', 'mixed:string', 'empty:string?', 'ts2:timestamp'],
  );
  assert.equal(info.rows, 3);
});

test('inference ignores a cut-off last row unless the sample is complete, and names headerless columns', () => {
  const cut = enc.encode('1,2\n3,4\n5,"x');
  assert.equal(inferCsvSchema(cut, { header: false }).rows, 2);
  assert.deepEqual(inferCsvSchema(cut, { header: false }).columns, ['column_1', 'column_2']);
  assert.deepEqual(inferCsvSchema(cut, { header: false, names: ['a', 'b'] }).columns, ['a', 'b']);
  const info = inferCsvSchema(enc.encode('a,a,\n1,2,3\n'), { complete: true });
  assert.deepEqual(info.columns, ['a', 'a_2', 'column_3']);
});

test('every column type survives buffer growth (10k rows from a 1k-row hint)', () => {
  const n = 10_000;
  const lines = ['i,f,b,s,d,t'];
  for (let k = 0; k < n; k++) {
    const nul = k % 7 === 3;
    lines.push(nul ? ',,,,,' : `${k * 3},${k / 4},${k % 2 === 0},s${k},${new Date(k * 86_400_000).toISOString().slice(0, 10)},${new Date(k * 1000).toISOString()}`);
  }
  const r = read(lines.join('\n'), { i: 'int', f: 'float', b: 'bool', s: 'string', d: 'date', t: 'timestamp' }, { rowsHint: 1024 });
  const t = r.tables[0]!;
  assert.equal(t.numRows, n);
  const cols = ['i', 'f', 'b', 's', 'd', 't'].map((c) => readColumn(t, c));
  for (let k = 0; k < n; k++) {
    const expected = k % 7 === 3 ? [null, null, null, null, null, null] : [k * 3, k / 4, k % 2 === 0, `s${k}`, k * 86_400_000, k * 1000];
    assert.deepEqual(
      cols.map((c) => c[k]),
      expected,
      `row ${k}`,
    );
  }
});

test('no rows → one empty table that keeps the schema; non-nullable declared fields are honoured', () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'a', type: 'int', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ],
  };
  const empty = readCsv(enc.encode('a,s\n'), { schema, header: true });
  assert.equal(empty.tables.length, 1);
  assert.equal(empty.tables[0]!.numRows, 0);
  assert.deepEqual(
    empty.tables[0]!.schema.fields.map((f) => [f.name, f.nullable]),
    [
      ['a', false],
      ['s', true],
    ],
  );
  const some = readCsv(enc.encode('1,x\n2,\n'), { schema });
  assert.deepEqual(readColumn(some.tables[0]!, 's'), ['x', null]);
  assert.equal(some.tables[0]!.schema.fields[0]!.nullable, false);
});
