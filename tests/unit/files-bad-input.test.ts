/**
 * Bad input is part of the files connector's spec: every case ends in quarantined rows with
 * reasons (and in = out + quarantined), or in an error with a stable code that names the file
 * and says what to do. Never a crash, never a hang, never a silently patched value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { decodeQuarantine } from '../../shared/formats/index.js';
import type { QuarantineRecord } from '../../shared/formats/index.js';
import { writeParquet } from '../../shared/formats/parquet.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { IngestParams } from '../../shared/operators/ingest.js';
import { planContext, readRows, runStage } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-files-bad');
});
after(() => dir.cleanup());

interface Ingested {
  run: StageRun;
  tasks: number;
  rows: Row[];
  quarantine: QuarantineRecord[];
  counts: { in: number; out: number; quarantined: number };
}

let stageNo = 0;
const stageOf = (source: Record<string, unknown>, shardRows?: number): { id: string; op: string; source: Record<string, unknown> } => ({
  id: `b${stageNo++}`,
  op: 'ingest',
  source,
  ...(shardRows === undefined ? {} : { shardRows }),
});

async function ingest(source: Record<string, unknown>, shardRows?: number): Promise<Ingested> {
  const run = await runStage(ingestOperator, stageOf(source, shardRows), [], dir.path);
  const results = run.results[0] ?? [];
  const quarantine = results.flatMap((r) => r.objects.filter((o) => o.kind === 'quarantine').flatMap((o) => decodeQuarantine(o.bytes)));
  const counts = { in: 0, out: 0, quarantined: 0 };
  for (const r of results) {
    counts.in += r.stats.rowsIn;
    counts.out += r.stats.rowsOut;
    counts.quarantined += r.stats.quarantined;
  }
  assert.equal(counts.in, counts.out + counts.quarantined, 'in = out + quarantined');
  return { run, tasks: results.length, rows: await readRows(run.output), quarantine, counts };
}

/** Asserts that ingesting rejects with `code` and a message matching every pattern. */
async function rejects(source: Record<string, unknown>, code: string, ...patterns: RegExp[]): Promise<string> {
  let message = '';
  await assert.rejects(runStage(ingestOperator, stageOf(source), [], dir.path), (e: Error & { code?: string }) => {
    message = e.message;
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
  return message;
}

const path = (name: string): string => join(dir.path, name);

test('malformed CSV rows: unbalanced quote, ragged rows, text after a quote; each quarantined with its line', async () => {
  await writeFile(path('ragged.csv'), 'id,name,age\n1,ann,30\n2,bob\n3,"cy"x,40\n4,dee,50,extra\n5,eve,60\n6,"never closed,70\n7,fay,80\n');
  const r = await ingest({ uri: path('ragged.csv') });
  assert.deepEqual(
    r.rows.map((row) => row.id),
    [1, 5],
  );
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.reason]),
    [
      [3, 'line 3 has 2 fields, expected 3: check the delimiter or quoting'],
      [4, 'line 4 has text after a closing quote: quote the whole field and double any quote inside it ("")'],
      [5, 'line 5 has 4 fields, expected 3: check the delimiter or quoting'],
      [7, 'a quoted field opened on line 7 never closes: check for a stray quote character'],
    ],
  );
  // The unclosed quote swallows the rest of the file as one rejected row.
  assert.deepEqual(r.counts, { in: 6, out: 2, quarantined: 4 });
});

test('wrong types against declared columns are quarantined, never nulled', async () => {
  await writeFile(path('types.csv'), 'id,when,amount\n1,2024-01-02,1.5\nx,2024-01-03,2\n3,yesterday,3\n4,2024-02-30,4\n5,2024-03-01,lots\n');
  const r = await ingest({ uri: path('types.csv'), schema: { id: 'int', when: 'date', amount: 'float' } });
  assert.deepEqual(r.rows, [{ id: 1, when: Date.UTC(2024, 0, 2), amount: 1.5 }]);
  assert.deepEqual(
    r.quarantine.map((q) => q.reason.replace(/;.*/, '')),
    ['line 3, column "id": "x" is not an int', 'line 4, column "when": "yesterday" is not a date (YYYY-MM-DD)', 'line 5, column "when": "2024-02-30" is not a date (YYYY-MM-DD)', 'line 6, column "amount": "lots" is not a float'],
  );
  assert.deepEqual(r.counts, { in: 5, out: 1, quarantined: 4 });
});

test('invalid UTF-8 in utf-8 mode: the row goes to quarantine naming the byte and line, in any range', async () => {
  const head = 'id,name\n';
  const rows = Array.from({ length: 12 }, (_, i) => Buffer.from(`${i},name${i}\n`));
  rows[9] = Buffer.concat([Buffer.from('9,Zo'), Uint8Array.of(0xeb), Buffer.from('\n')]); // latin1 ë
  const bytes = Buffer.concat([Buffer.from(head), ...rows]);
  await writeFile(path('mixed-enc.csv'), bytes);
  const badAt = bytes.indexOf(0xeb);
  const r = await ingest({ uri: path('mixed-enc.csv') }, 4);
  assert.equal(r.tasks, 3);
  assert.equal(r.rows.length, 11);
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.reason]),
    [[11, `line 11: invalid UTF-8 at byte ${badAt} of line 11; set source.encoding (e.g. latin1 or windows-1252) if the file is not UTF-8`]],
  );
  assert.ok(!r.rows.some((row) => String(row.name).includes('\ufffd')), 'no replacement characters');
  // Read as latin1, the same file is clean.
  const latin = await ingest({ uri: path('mixed-enc.csv'), encoding: 'latin1' }, 4);
  assert.deepEqual([latin.counts, latin.rows[9]], [{ in: 12, out: 12, quarantined: 0 }, { id: 9, name: 'Zoë' }]);

  await writeFile(path('bad.ndjson'), Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"'), Uint8Array.of(0xff), Buffer.from('"}\n')]));
  const nd = await ingest({ uri: path('bad.ndjson') });
  assert.deepEqual(nd.rows, [{ a: 'ok' }]);
  assert.match(nd.quarantine[0]!.reason, /^line 2: invalid UTF-8 at byte 17 of line 2; set source.encoding/);

  await writeFile(path('bad.json'), Buffer.concat([Buffer.from('[{"a":"ok"},\n{"a":"'), Uint8Array.of(0xc3, 0x28), Buffer.from('"}]')]));
  const js = await ingest({ uri: path('bad.json') });
  assert.deepEqual(js.rows, [{ a: 'ok' }]);
  assert.match(js.quarantine[0]!.reason, /^element on line 2: invalid UTF-8 at byte 19 of line 2/);
});

test('truncated gzip: an INPUT_INVALID error naming the file, at plan time (small) or in the task (big)', async () => {
  const csv = 'id,name\n' + Array.from({ length: 2000 }, (_, i) => `${i},row ${i}`).join('\n') + '\n';
  const gz = gzipSync(csv);
  await writeFile(path('cut.csv.gz'), gz.subarray(0, gz.length - 40));
  await rejects({ uri: path('cut.csv.gz') }, 'INPUT_INVALID', /cut\.csv\.gz" is a truncated gzip file/, /nothing was read from it: re-create or re-download it/);
  // Bigger than the plan's gzip sample: the plan samples the head, the task finds the cut.
  const big = gzipSync(Buffer.concat([Buffer.from('id,blob\n'), ...Array.from({ length: 4000 }, (_, i) => Buffer.from(`${i},${randomBytes(300).toString('hex')}\n`))]));
  assert.ok(big.length > 1 << 20);
  await writeFile(path('big-cut.csv.gz'), big.subarray(0, big.length - 1000));
  await rejects({ uri: path('big-cut.csv.gz') }, 'INPUT_INVALID', /big-cut\.csv\.gz" is a truncated gzip file/);
});

test('empty files: no rows and no crash; all-empty input is an empty dataset', async () => {
  await writeFile(path('empty.csv'), '');
  await writeFile(path('blank.ndjson'), '\n\n  \n');
  await writeFile(path('empty.csv.gz'), gzipSync(''));
  await writeFile(path('some.csv'), 'a,b\n1,2\n');
  const all = await ingest({ uri: [path('empty.csv'), path('blank.ndjson'), path('empty.csv.gz')] });
  assert.deepEqual([all.tasks, all.rows.length, all.run.output.rows, all.run.output.shards.length], [0, 0, 0, 0]);
  const mixed = await ingest({ uri: [path('empty.csv'), path('some.csv')] });
  assert.deepEqual(mixed.rows, [{ a: 1, b: 2 }]);
  await writeFile(path('empty.json'), '[]');
  const arr = await ingest({ uri: path('empty.json') });
  assert.deepEqual([arr.tasks, arr.rows.length], [0, 0]);
});

test('a 10 MB single line: read within the record limit, quarantined with the limit in the reason over it', async () => {
  const value = 'x'.repeat(10 << 20);
  await writeFile(path('long.csv'), `id,blob\n1,${value}\n2,short\n`);
  // Inference samples the first 4 MiB, which here hold no complete row: declare the types.
  const r = await ingest({ uri: path('long.csv'), schema: { id: 'int' } });
  assert.deepEqual(
    r.rows.map((row) => [row.id, String(row.blob).length]),
    [
      [1, 10 << 20],
      [2, 5],
    ],
  );
  const capped = await ingest({ uri: path('long.csv'), maxRecordBytes: 1 << 20, schema: { id: 'int' } });
  assert.deepEqual(capped.rows, [{ id: 2, blob: 'short' }]);
  assert.equal(capped.quarantine.length, 1);
  assert.match(capped.quarantine[0]!.reason, /^line 2: the row is 10485762 bytes, over the 1048576-byte record limit; raise source.maxRecordBytes/);
  assert.equal(capped.quarantine[0]!.raw.length, 1024, 'the quarantine keeps only the head of the row');

  await writeFile(path('long.ndjson'), `{"blob":"${value}"}\n{"blob":"s"}\n`);
  const nd = await ingest({ uri: path('long.ndjson'), maxRecordBytes: 1 << 20 });
  assert.deepEqual([nd.rows, nd.counts], [[{ blob: 's' }], { in: 2, out: 1, quarantined: 1 }]);
  // A single-line file with no newline at all, bigger than the limit.
  await writeFile(path('one-line.json'), `[{"blob":"${value}"}]`);
  const one = await ingest({ uri: path('one-line.json'), maxRecordBytes: 1 << 20 });
  assert.deepEqual(one.counts, { in: 1, out: 0, quarantined: 1 });
  assert.match(one.quarantine[0]!.reason, /^element on line 1: the element is 10485771 bytes, over the 1048576-byte record limit/);
});

test('JSON that is not an array: a clear error saying what was found and to use ndjson', async () => {
  await writeFile(path('object.json'), '{\n  "rows": [1, 2]\n}\n');
  await rejects({ uri: path('object.json') }, 'INPUT_INVALID', /object\.json" holds one JSON object spread over several lines/, /format ndjson/);
  await rejects({ uri: path('object.json'), format: 'json' }, 'INPUT_INVALID', /object\.json" holds one JSON object spread over several lines/);
  await writeFile(path('scalar.json'), '"just a string"');
  await rejects({ uri: path('scalar.json'), format: 'json' }, 'INPUT_INVALID', /scalar\.json" holds a JSON string at the top level, not a JSON array of objects/, /use format: ndjson/);
  await writeFile(path('lines.json'), '{"a":1}\n{"a":2}\n');
  await rejects({ uri: path('lines.json'), format: 'json' }, 'INPUT_INVALID', /one JSON object per line \(NDJSON\), not a JSON array; set stages\[1\]\.source\.format to ndjson or auto/);
  await writeFile(path('two.json'), '[{"a":1}]\n[{"a":2}]\n');
  await rejects({ uri: path('two.json') }, 'INPUT_INVALID', /two\.json" has text after the end of its JSON array on line 2/);
});

test('a JSON array cut short: complete elements read, the cut-off one quarantined', async () => {
  await writeFile(path('cut.json'), '[{"a": 1}, {"a": 2},\n {"a": 3, "b": "unfini');
  const r = await ingest({ uri: path('cut.json') });
  assert.deepEqual(r.rows, [{ a: 1 }, { a: 2 }], '"b" is only in the cut-off element: not a column');
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.reason]),
    [[2, 'element on line 2: cut off: the input ends inside this element (a truncated file?)']],
  );
});

test('a file that is actually HTML (or a ZIP, or Parquet named .csv) fails with what it is', async () => {
  await writeFile(path('export.csv'), '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>…</body></html>\n');
  for (const format of ['auto', 'csv', 'json']) {
    await rejects({ uri: path('export.csv'), format }, 'INPUT_INVALID', /export\.csv" is an HTML page, not data/, /check the URL or download/);
  }
  await writeFile(path('book.csv'), Buffer.concat([Uint8Array.of(0x50, 0x4b, 0x03, 0x04), randomBytes(64)]));
  await rejects({ uri: path('book.csv') }, 'INPUT_INVALID', /book\.csv" is a ZIP archive/);
  await writeFile(path('pq.csv'), writeParquet(tableFromArrays({ a: Int32Array.of(1) })));
  await rejects({ uri: path('pq.csv'), format: 'csv' }, 'INPUT_INVALID', /source\.format is csv but .*pq\.csv" is a Parquet file; set stages\[1\]\.source\.format to parquet or auto/);
  // With auto, the content wins over the name.
  assert.deepEqual((await ingest({ uri: path('pq.csv') })).rows, [{ a: 1 }]);
  await writeFile(path('not.parquet'), 'a,b\n1,2\n');
  await rejects({ uri: path('not.parquet'), format: 'parquet' }, 'INPUT_INVALID', /source\.format is parquet but .*not\.parquet" is not Parquet \(it looks like delimited text/);
});

test('truncated Parquet and Arrow files: INPUT_INVALID naming the file', async () => {
  const pq = writeParquet(tableFromArrays({ a: Int32Array.of(1, 2, 3) }));
  await writeFile(path('cut.parquet'), pq.subarray(0, pq.length - 5));
  await rejects({ uri: path('cut.parquet') }, 'INPUT_INVALID', /cut\.parquet" is not a complete Parquet file \(no valid footer/);
  const arrow = tableToIPC(tableFromArrays({ a: Int32Array.of(1, 2, 3) }), 'file');
  await writeFile(path('cut.arrow'), arrow.subarray(0, arrow.length - 3));
  await rejects({ uri: path('cut.arrow') }, 'INPUT_INVALID', /cut\.arrow" is not a valid Arrow IPC file \(no ARROW1 marker at the end/);
  const stream = tableToIPC(tableFromArrays({ a: Int32Array.of(1, 2, 3) }), 'stream');
  await writeFile(path('cut.arrows'), stream.subarray(0, stream.length - 20));
  await rejects({ uri: path('cut.arrows') }, 'INPUT_INVALID', /cut\.arrows" is not a valid Arrow IPC file/);
});

test('an unknown extension with no sign of a format asks for source.format', async () => {
  await writeFile(path('notes.txt'), 'just some words\nand more words\n');
  await rejects({ uri: path('notes.txt') }, 'SPEC_INVALID', /cannot tell the format of .*notes\.txt": it looks like text with no delimiter; set source\.format/);
  const r = await ingest({ uri: path('notes.txt'), format: 'csv', header: false });
  assert.deepEqual(r.rows, [{ column_1: 'just some words' }, { column_1: 'and more words' }]);
});

test('bad option values name the field', async () => {
  await writeFile(path('ok.csv'), 'a\n1\n');
  await rejects({ uri: path('ok.csv'), encoding: 'ebcdic' }, 'SPEC_INVALID', /stages\[1\]\.source\.encoding: use one of utf-8, latin1/);
  await rejects({ uri: path('ok.csv'), maxRecordBytes: 0 }, 'SPEC_INVALID', /stages\[1\]\.source\.maxRecordBytes: must be a whole number/);
  await rejects({ uri: path('ok.csv'), format: 'xlsx' }, 'SPEC_INVALID', /stages\[1\]\.source\.format: use one of csv, tsv, json, ndjson, arrow, parquet, auto/);
  const p = (await ingestOperator.plan(planContext(stageOf({ uri: path('ok.csv') }), [], dir.path))).tasks[0]!.params as IngestParams;
  assert.equal(p.maxRecordBytes, 16 << 20);
});
