/**
 * The files connector over every format: JSON arrays (split into element ranges), Arrow IPC
 * files (batch groups) and streams, Parquet (row-group groups), content detection with
 * misleading names, encodings, declared types, prefix listing. Each case runs the ingest stage
 * (plan → every kernel → output) and checks the exact rows and record counts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RecordBatch } from 'apache-arrow';
import { Bool, DateDay, Float32, Int16, Int64, TimestampMicrosecond, Uint8, Utf8, Dictionary, Int32, makeTable, Table, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { decodeQuarantine } from '../../shared/formats/index.js';
import type { QuarantineRecord } from '../../shared/formats/index.js';
import { writeParquet } from '../../shared/formats/parquet.js';
import { ARROW_TRAILER, arrowFileLayout, readArrowParts } from '../../shared/formats/arrow-file.js';
import { splitJsonArray } from '../../shared/formats/json-split.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { IngestParams } from '../../shared/operators/ingest.js';
import { readRows, runStage } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-files-formats');
});
after(() => dir.cleanup());

interface Ingested {
  run: StageRun;
  params: IngestParams[];
  rows: Row[];
  quarantine: QuarantineRecord[];
  counts: { in: number; out: number; quarantined: number };
}

let stageNo = 0;
async function ingest(source: Record<string, unknown>, shardRows?: number): Promise<Ingested> {
  const stage = { id: `s${stageNo++}`, op: 'ingest', source, ...(shardRows === undefined ? {} : { shardRows }) };
  const run = await runStage(ingestOperator, stage, [], dir.path);
  const tasks = run.results[0] ?? [];
  const quarantine = tasks.flatMap((r) => r.objects.filter((o) => o.kind === 'quarantine').flatMap((o) => decodeQuarantine(o.bytes)));
  const counts = { in: 0, out: 0, quarantined: 0 };
  for (const r of tasks) {
    counts.in += r.stats.rowsIn;
    counts.out += r.stats.rowsOut;
    counts.quarantined += r.stats.quarantined;
  }
  const plan = await ingestOperator.plan(run.ctx);
  return { run, params: plan.tasks.map((t) => t.params as IngestParams), rows: await readRows(run.output), quarantine, counts };
}

const path = (name: string): string => join(dir.path, name);
const types = (r: Ingested): string[] => r.run.output.schema.fields.map((f) => `${f.name}:${f.type}`);

test('JSON array: split into element-aligned ranges across lines; every element once, in order', async () => {
  const objs = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: i % 7 === 0 ? `has "quotes", [brackets] and {braces} ${i}` : `n${i}`, score: i % 3 === 0 ? null : i / 4, tags: i % 5 === 0 ? ['a', 'b'] : undefined }));
  const text = '[\n' + objs.map((o, i) => (i % 2 === 0 ? JSON.stringify(o, null, 2) : JSON.stringify(o))).join(',\n') + '\n]\n';
  await writeFile(path('arr.json'), text);
  const r = await ingest({ uri: path('arr.json') }, 8);
  assert.equal(r.params.length, 7, '50 elements / 8 per range');
  assert.deepEqual(r.params.map((p) => p.rows), [8, 8, 8, 8, 8, 8, 2]);
  assert.ok(r.params.every((p) => p.format === 'json' && p.whole !== true));
  assert.deepEqual(types(r), ['id:int', 'name:string', 'score:float', 'tags:string']);
  assert.deepEqual(
    r.rows,
    objs.map((o) => ({ id: o.id, name: o.name, score: o.score, tags: o.tags === undefined ? null : JSON.stringify(o.tags) })),
  );
  assert.deepEqual(r.counts, { in: 50, out: 50, quarantined: 0 });
  // Line numbers: the second range starts at element 9; elements alternate between 6 lines (pretty) and 1.
  assert.equal(r.params[1]!.line, 2 + 4 * 6 + 4 * 1);
});

test('JSON array: non-objects and bad values go to quarantine with the line they start on; gzip reads whole', async () => {
  const text = '[{"a": 1},\n 7,\n {"a": "x"},\n {"a": 2}]';
  await writeFile(path('mixed.json.gz'), gzipSync(text));
  const r = await ingest({ uri: path('mixed.json.gz'), schema: { a: 'int' } });
  assert.equal(r.params.length, 1);
  assert.equal(r.params[0]!.whole, true);
  assert.deepEqual(r.rows, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.reason]),
    [
      [2, 'element on line 2: holds a number, not a JSON object'],
      [3, 'element on line 3, key "a": "x" is not a valid int; fix the value or declare the column as string'],
    ],
  );
  assert.deepEqual(r.counts, { in: 4, out: 2, quarantined: 2 });
});

function arrowTable(from: number, n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => from + i);
  return makeTable({
    id: vectorFromArray(ids.map(BigInt), new Int64()).data[0]!,
    small: vectorFromArray(ids.map((i) => i % 100), new Int16()).data[0]!,
    ratio: vectorFromArray(ids.map((i) => i / 2), new Float32()).data[0]!,
    ok: vectorFromArray(ids.map((i) => i % 2 === 0), new Bool()).data[0]!,
    name: vectorFromArray(ids.map((i) => (i % 10 === 0 ? null : `u${i}`)), new Utf8()).data[0]!,
    day: vectorFromArray(ids.map((i) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000)), new DateDay()).data[0]!,
    at: vectorFromArray(ids.map((i) => new Date(Date.UTC(2024, 0, 1, 12) + i * 1000)), new TimestampMicrosecond()).data[0]!,
  } as never) as unknown as Table;
}

function expectedArrowRows(from: number, n: number): Row[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: i, small: i % 100, ratio: i / 2, ok: i % 2 === 0, name: i % 10 === 0 ? null : `u${i}`, day: Date.UTC(2024, 0, 1) + i * 86_400_000, at: Date.UTC(2024, 0, 1, 12) + i * 1000 };
  });
}

test('Arrow IPC file: several record batches, types mapped to quiver types, split by batch groups', async () => {
  const batches = [arrowTable(0, 30), arrowTable(30, 30), arrowTable(60, 15)].flatMap((t) => t.batches);
  const table = new Table(batches as RecordBatch[]);
  await writeFile(path('t.feather'), tableToIPC(table, 'file'));
  const r = await ingest({ uri: path('t.feather') });
  assert.deepEqual(types(r), ['id:int', 'small:int', 'ratio:float', 'ok:bool', 'name:string', 'day:date', 'at:timestamp']);
  assert.equal(r.params.length, 1, 'three small batches in one task');
  assert.equal(r.params[0]!.arrowParts, true);
  assert.deepEqual(r.params[0]!.batches, [0, 2]);
  const want = expectedArrowRows(0, 75);
  assert.deepEqual(r.rows, want.map((w) => ({ ...w, day: w.day })));
  assert.deepEqual(r.counts, { in: 75, out: 75, quarantined: 0 });
  assert.equal(r.run.output.schema.fields.find((f) => f.name === 'name')!.nullable, true);
  assert.equal(r.run.output.schema.fields.find((f) => f.name === 'id')!.nullable, false);

  // A task over one batch in the middle: the footer plus that batch's bytes are enough.
  const bytes = tableToIPC(table, 'file');
  const layout = arrowFileLayout(bytes.subarray(Math.max(0, bytes.length - 4096 - ARROW_TRAILER)), bytes.length, 't.feather');
  assert.equal(layout.batches.length, 3);
  const b1 = layout.batches[1]!;
  const part = readArrowParts(bytes.subarray(layout.footerStart, layout.footerEnd), bytes.subarray(b1.start, b1.end), 't.feather');
  assert.deepEqual(Array.from(part.getChild('id')!.toArray() as BigInt64Array, Number), Array.from({ length: 30 }, (_, i) => 30 + i));
});

test('Arrow IPC stream (by content, any name) and dictionary-encoded strings', async () => {
  const t = new Table({ k: vectorFromArray(['x', 'y', 'x', null], new Dictionary(new Utf8(), new Int32())), v: vectorFromArray([1, 2, 3, 4], new Uint8()) });
  await writeFile(path('s.bin.arrows'), tableToIPC(t, 'stream'));
  await writeFile(path('stream.dat'), tableToIPC(t, 'stream'));
  for (const name of ['s.bin.arrows', 'stream.dat']) {
    const r = await ingest({ uri: path(name) });
    assert.deepEqual(types(r), ['k:string', 'v:int']);
    assert.deepEqual(r.rows, [
      { k: 'x', v: 1 },
      { k: 'y', v: 2 },
      { k: 'x', v: 3 },
      { k: null, v: 4 },
    ]);
  }
});

test('Parquet: one task per group of row groups (≥ shardRows rows), rows numbered across the file', async () => {
  const table = arrowTable(0, 1000);
  await writeFile(path('p.parquet'), writeParquet(table, { rowGroupRows: 100 }));
  const r = await ingest({ uri: path('p.parquet') }, 250);
  assert.deepEqual(
    r.params.map((p) => [p.rowGroups, p.line, p.rows]),
    [
      [[0, 1, 2], 1, 300],
      [[3, 4, 5], 301, 300],
      [[6, 7, 8], 601, 300],
      [[9], 901, 100],
    ],
  );
  assert.deepEqual(types(r), ['id:int', 'small:int', 'ratio:float', 'ok:bool', 'name:string', 'day:date', 'at:timestamp']);
  assert.deepEqual(r.rows, expectedArrowRows(0, 1000));
  assert.deepEqual(r.counts, { in: 1000, out: 1000, quarantined: 0 });
});

test('columnar declared types: a value that does not fit sends its row to quarantine with the row number', async () => {
  const t = tableFromArrays({ code: ['1', '2', 'x3', '4'], n: Float64Array.of(1, 2.5, 3, 4) });
  await writeFile(path('codes.parquet'), writeParquet(t));
  const r = await ingest({ uri: path('codes.parquet'), schema: { code: 'int', n: 'string' } });
  assert.deepEqual(types(r), ['code:int', 'n:string']);
  assert.deepEqual(r.rows, [
    { code: 1, n: '1' },
    { code: 2, n: '2.5' },
    { code: 4, n: '4' },
  ]);
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.reason, q.raw]),
    [[3, 'row 3, column "code": "x3" is not an int (64-bit); declare the column with a type that fits (e.g. string)', '{"code":"x3","n":3}']],
  );
  assert.deepEqual(r.counts, { in: 4, out: 3, quarantined: 1 });
});

test('format auto by content: NDJSON named .txt, TSV named .csv, semicolons, a .json holding NDJSON', async () => {
  await writeFile(path('events.txt'), '{"id": 1, "ok": true}\n{"id": 2, "ok": false}\n');
  await writeFile(path('really-tsv.csv'), 'id\tname\n1\ta,b\n2\tc\n');
  await writeFile(path('euro.csv'), 'id;price\n1;1,5\n2;2,25\n');
  await writeFile(path('lines.json'), '{"id": 1}\n{"id": 2}\n');
  const txt = await ingest({ uri: path('events.txt') });
  assert.deepEqual([txt.params[0]!.format, txt.rows], ['ndjson', [{ id: 1, ok: true }, { id: 2, ok: false }]]);
  const tsv = await ingest({ uri: path('really-tsv.csv') });
  assert.deepEqual([tsv.params[0]!.delimiter, tsv.rows], ['\t', [{ id: 1, name: 'a,b' }, { id: 2, name: 'c' }]]);
  const euro = await ingest({ uri: path('euro.csv') });
  assert.deepEqual(euro.rows, [{ id: 1, price: '1,5' }, { id: 2, price: '2,25' }]);
  const lines = await ingest({ uri: path('lines.json') });
  assert.deepEqual([lines.params[0]!.format, lines.rows], ['ndjson', [{ id: 1 }, { id: 2 }]]);
  // An explicit format is kept: csv means comma, tsv means tab.
  const asTsv = await ingest({ uri: path('really-tsv.csv'), format: 'tsv' });
  assert.equal(asTsv.params[0]!.delimiter, '\t');
});

test('a gzip file is recognised by its bytes, whatever its name', async () => {
  await writeFile(path('hidden-gzip.csv'), gzipSync('a,b\n1,2\n3,4\n'));
  const r = await ingest({ uri: path('hidden-gzip.csv') });
  assert.deepEqual([r.params[0]!.gzip, r.rows], [true, [{ a: 1, b: 2 }, { a: 3, b: 4 }]]);
});

test('encodings: latin1 split into ranges, windows-1252, UTF-16LE with BOM (one task)', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i},Zoë ${i},${i % 2 === 0 ? 'façade' : 'naïve'}`);
  const text = 'id,name,word\n' + rows.join('\n') + '\n';
  await writeFile(path('latin.csv'), Buffer.from(text, 'latin1'));
  const l = await ingest({ uri: path('latin.csv'), encoding: 'ISO-8859-1' }, 10);
  assert.equal(l.params.length, 4);
  assert.ok(l.params.every((p) => p.encoding === 'latin1'));
  assert.deepEqual(l.rows[3], { id: 3, name: 'Zoë 3', word: 'naïve' });
  assert.deepEqual(l.counts, { in: 40, out: 40, quarantined: 0 });

  await writeFile(path('w.csv'), Buffer.concat([Buffer.from('price,label\n'), Uint8Array.of(0x35, 0x2c, 0x80, 0x20, 0x93, 0x71, 0x94, 0x0a)]));
  const w = await ingest({ uri: path('w.csv'), encoding: 'windows-1252' });
  assert.deepEqual(w.rows, [{ price: 5, label: '€ “q”' }]);

  await writeFile(path('wide.tsv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\tname\n1\tÅsa\n2\t日本\n', 'utf16le')]));
  const u = await ingest({ uri: path('wide.tsv') }, 1);
  assert.deepEqual(
    u.params.map((p) => [p.encoding, p.skipHeader, u.params.length]),
    [['utf-16le', true, 1]],
  );
  assert.deepEqual(u.rows, [
    { id: 1, name: 'Åsa' },
    { id: 2, name: '日本' },
  ]);
  assert.equal(u.run.output.shards.length, 2, 'shardRows 1: two shards from the one task');
});

test('prefix listing picks up every data extension; mixed formats merge into one schema', async () => {
  await mkdir(path('lake'), { recursive: true });
  await writeFile(path('lake/a.json'), '[{"id": 1, "x": "a"}]');
  await writeFile(path('lake/b.ndjson'), '{"id": 2, "x": "b"}\n');
  await writeFile(path('lake/c.parquet'), writeParquet(tableFromArrays({ id: BigInt64Array.of(3n), x: ['c'] })));
  await writeFile(path('lake/d.arrow'), tableToIPC(tableFromArrays({ id: BigInt64Array.of(4n), x: ['d'] }), 'file'));
  await writeFile(path('lake/readme.md'), '# not data');
  const r = await ingest({ uri: path('lake') + '/' });
  assert.deepEqual(
    r.params.map((p) => p.format),
    ['json', 'ndjson', 'parquet', 'arrow'],
  );
  assert.deepEqual(types(r), ['id:int', 'x:string']);
  assert.deepEqual(r.rows.map((row) => row.x), ['a', 'b', 'c', 'd']);
});

test('unsigned, small-width and dictionary columns convert; a uint8 declared as bool does not fit', async () => {
  const t = tableFromArrays({ u: Uint8Array.of(0, 1, 200) });
  await writeFile(path('u.arrow'), tableToIPC(t, 'file'));
  const r = await ingest({ uri: path('u.arrow') });
  assert.deepEqual(r.rows, [{ u: 0 }, { u: 1 }, { u: 200 }]);
  assert.equal(new Uint8().bitWidth, 8);
  const b = await ingest({ uri: path('u.arrow'), schema: { u: 'bool' } });
  assert.deepEqual(b.rows, [{ u: false }, { u: true }]);
  assert.equal(b.quarantine.length, 1);
  assert.match(b.quarantine[0]!.reason, /^row 3, column "u": 200 is not a bool/);
});

test('JSON splitter: escaped quotes, brackets inside strings, nested arrays and scalars are whole elements', async () => {
  const text = '[{"s": "a\\"],{"}, [1, [2]], "x,y", 3 ,{"t":"\\\\"}]';
  const r = await splitJsonArray(Buffer.from(text), { rowsPerRange: 1 });
  assert.deepEqual(
    r.ranges.map((g) => text.slice(g.start, g.end)),
    ['{"s": "a\\"],{"}', '[1, [2]]', '"x,y"', '3', '{"t":"\\\\"}'],
  );
  assert.deepEqual([r.rows, r.problem], [5, null]);
  assert.deepEqual((await splitJsonArray(Buffer.from('[1, 2] x'), { rowsPerRange: 5 })).problem, { kind: 'trailing', line: 1 });
  assert.deepEqual((await splitJsonArray(Buffer.from('\n{"a": 1}'), { rowsPerRange: 5 })).problem, { kind: 'not-array', found: 'a JSON object ({...})', line: 2 });
});
