import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Table } from 'apache-arrow';
import type { SchemaDef } from '../../shared/dataset.js';
import { ColumnBuilder, readColumn, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import { readCsv, readParquet, writeCsv, writeParquet } from '../../shared/formats/index.js';
import type { ParquetCompression } from '../../shared/formats/index.js';

const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'x', type: 'float', nullable: true },
    { name: 'ok', type: 'bool', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
  ],
};

const NASTY = ['', 'NA', 'null', 'a,b', 'say "hi"', 'line\nbreak', 'cr\r\nlf', ' padded ', 'ünï', '"', ',', 'x'];

/** `n` rows of every type, with nulls, awkward strings and extreme numbers. */
function generated(n: number, seed = 1): Table {
  let s = seed;
  const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const builders = schema.fields.map((f) => new ColumnBuilder(f.type, n));
  for (let i = 0; i < n; i++) {
    const nul = (): boolean => rand() < 0.1;
    builders[0]!.append(i * 7919 - 1_000_000);
    builders[1]!.append(nul() ? null : i % 50 === 0 ? 1e300 * (rand() - 0.5) : (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6));
    builders[2]!.append(nul() ? null : rand() < 0.5);
    builders[3]!.append(nul() ? null : NASTY[i % NASTY.length]! + (i % 3 === 0 ? String(i) : ''));
    builders[4]!.append(nul() ? null : Math.floor((rand() - 0.3) * 40_000) * 86_400_000);
    builders[5]!.append(nul() ? null : Math.floor((rand() - 0.3) * 4e12));
  }
  return tableFromBuilders(schema, builders);
}

function columns(table: Table): Value[][] {
  return schema.fields.map((f) => readColumn(table, f.name));
}

test('CSV round trip: readCsv(writeCsv(t)) is t, nulls and awkward strings included', () => {
  const table = generated(3000);
  const bytes = writeCsv(table);
  const back = readCsv(bytes, { schema, header: true });
  assert.equal(back.quarantine.length, 0, JSON.stringify(back.quarantine.slice(0, 3)));
  assert.equal(back.tables[0]!.numRows, 3000);
  assert.deepEqual(columns(back.tables[0]!), columns(table));
});

test('CSV writing: header option, delimiter, and quoting of what would read back differently', () => {
  const b = [new ColumnBuilder('string'), new ColumnBuilder('int')];
  for (const [s, n] of [
    ['', 1],
    ['NA', null],
    [null, 2],
    ['a;b', 3],
  ] as const) {
    b[0]!.append(s);
    b[1]!.append(n);
  }
  const t = tableFromBuilders(
    {
      fields: [
        { name: 's', type: 'string', nullable: true },
        { name: 'n', type: 'int', nullable: true },
      ],
    },
    b,
  );
  assert.equal(new TextDecoder().decode(writeCsv(t, { delimiter: ';' })), 's;n\n"";1\n"NA";\n;2\n"a;b";3\n');
  assert.equal(new TextDecoder().decode(writeCsv(t, { header: false })), '"",1\n"NA",\n,2\na;b,3\n');
});

test('CSV: a single-column null does not become a blank line', () => {
  const b = new ColumnBuilder('string');
  b.append('x');
  b.append(null);
  b.append('');
  const s: SchemaDef = { fields: [{ name: 's', type: 'string', nullable: true }] };
  const bytes = writeCsv(tableFromBuilders(s, [b]));
  const back = readCsv(bytes, { schema: s, header: true });
  assert.deepEqual(readColumn(back.tables[0]!, 's'), ['x', null, '']);
});

for (const compression of ['zstd', 'snappy', 'none'] as ParquetCompression[]) {
  test(`Parquet round trip (${compression}): readParquet(writeParquet(t)) has the same schema and rows`, () => {
    const table = generated(5000, 3);
    const bytes = writeParquet(table, { compression, rowGroupRows: 2048 });
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'PAR1');
    const back = readParquet(bytes);
    assert.deepEqual(
      fromArrowSchema(back.schema).fields.map((f) => [f.name, f.type]),
      schema.fields.map((f) => [f.name, f.type]),
    );
    assert.equal(back.numRows, 5000);
    assert.deepEqual(columns(back), columns(table));
  });
}

test('Parquet: zstd is smaller than uncompressed on repetitive data; an empty table round-trips', () => {
  const table = generated(5000, 5);
  assert.ok(writeParquet(table).length < writeParquet(table, { compression: 'none' }).length);
  const empty = generated(0);
  assert.equal(readParquet(writeParquet(empty)).numRows, 0);
});

test('Parquet: bad bytes are INPUT_INVALID; a bad codec is OPTION_INVALID', () => {
  assert.throws(() => readParquet(new Uint8Array([1, 2, 3])), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID');
  assert.throws(() => writeParquet(generated(1), { compression: 'lzma' as ParquetCompression }), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID');
});

test('parquet-wasm loads and writes inside a worker thread', async () => {
  const worker = new Worker(new URL('../fixtures/parquet-worker.js', import.meta.url));
  const [bytes] = (await once(worker, 'message')) as [Uint8Array];
  await worker.terminate();
  const back = readParquet(bytes);
  assert.deepEqual(
    readColumn(back, 'n'),
    Array.from({ length: 100 }, (_, i) => i * i),
  );
});
