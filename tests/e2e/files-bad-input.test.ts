/**
 * The files connector's bad-input behaviour as a user meets it through the CLI in local mode:
 * `quiver run spec.yaml --json` either succeeds with every record counted (in = out +
 * quarantined, reasons in the quarantine files) or fails with exit 1 and an error that names
 * the file and says what to do.
 */
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { JobResult } from '../../shared/job.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-e2e-files');
});
after(() => dir.cleanup());

const path = (name: string): string => join(dir.path, name);

/** Writes a two-stage spec (ingest `uris` → write csv) and runs it in local mode with --json. */
async function runIngest(name: string, source: Record<string, unknown>): Promise<{ code: number | null; result: JobResult }> {
  const spec = path(`${name}.yaml`);
  await writeFile(spec, `name: ${name}\nstages:\n  - id: raw\n    op: ingest\n    source: ${JSON.stringify(source)}\n  - id: out\n    op: write\n    input: raw\n    format: csv\n`);
  const run = await quiver(['run', spec, '--json', '--store', path(`store-${name}`)]);
  return { code: run.code, result: lastJson(run) };
}

/** Every quarantine record the job wrote. */
async function quarantineOf(result: JobResult): Promise<{ source: string; line: number; reason: string }[]> {
  const records: { source: string; line: number; reason: string }[] = [];
  for (const q of result.quarantine) {
    const files = q.uri.endsWith('.ndjson') ? [q.uri] : (await readdir(q.uri, { recursive: true })).filter((f) => f.endsWith('.ndjson')).map((f) => join(q.uri, f));
    for (const f of files) {
      for (const line of (await readFile(f, 'utf8')).split('\n')) if (line !== '') records.push(JSON.parse(line) as { source: string; line: number; reason: string });
    }
  }
  return records.sort((a, b) => a.source.localeCompare(b.source) || a.line - b.line);
}

test('malformed rows, wrong types and invalid UTF-8 are quarantined with reasons; every record is counted', async () => {
  const bytes = Buffer.concat([Buffer.from('id,name,age\n1,ann,30\n2,bob\n3,cy,abc\n4,Zo'), Uint8Array.of(0xeb), Buffer.from(',40\n5,eve,50\n')]);
  await writeFile(path('people.csv'), bytes);
  const { code, result } = await runIngest('rows', { uri: path('people.csv'), schema: { age: 'int' } });
  assert.equal(code, 0, JSON.stringify(result.errors));
  assert.equal(result.status, 'succeeded');
  assert.equal(result.records.in, 5);
  assert.equal(result.records.out, 2);
  assert.equal(result.records.quarantined, 3);
  const q = await quarantineOf(result);
  assert.deepEqual(
    q.map((r) => [r.line, r.reason.replace(/;.*/, '')]),
    [
      [3, 'line 3 has 2 fields, expected 3: check the delimiter or quoting'],
      [4, 'line 4, column "age": "abc" is not an int'],
      [5, `line 5: invalid UTF-8 at byte ${bytes.indexOf(0xeb)} of line 5`],
    ],
  );
  assert.ok(q.every((r) => r.source === path('people.csv')));
});

test('format auto by content: NDJSON in a .txt and a JSON array with a non-object element', async () => {
  await writeFile(path('events.txt'), '{"id": 1}\n{"id": 2}\nnot json\n');
  await writeFile(path('more.json'), '[{"id": 3}, 4, {"id": 5}]');
  const { code, result } = await runIngest('auto', { uri: [path('events.txt'), path('more.json')] });
  assert.equal(code, 0, JSON.stringify(result.errors));
  assert.equal(result.records.in, 6);
  assert.equal(result.records.out, 4);
  assert.equal(result.records.quarantined, 2);
  const reasons = (await quarantineOf(result)).map((r) => r.reason);
  assert.match(reasons.find((r) => r.startsWith('element'))!, /^element on line 1: holds a number, not a JSON object/);
  assert.match(reasons.find((r) => r.startsWith('line'))!, /^line 3: not valid JSON/);
});

test('an HTML file, a JSON object and a truncated gzip fail with exit 1 naming the file', async () => {
  await writeFile(path('download.csv'), '<!doctype html><html><body>Please sign in</body></html>');
  const html = await runIngest('html', { uri: path('download.csv') });
  assert.equal(html.code, 1);
  assert.equal(html.result.status, 'failed');
  assert.equal(html.result.errors[0]?.code, 'INPUT_INVALID');
  assert.match(html.result.errors[0]?.message ?? '', /download\.csv" is an HTML page, not data/);

  await writeFile(path('config.json'), '{\n  "a": 1\n}\n');
  const obj = await runIngest('object', { uri: path('config.json') });
  assert.equal(obj.code, 1);
  assert.match(obj.result.errors[0]?.message ?? '', /config\.json" holds one JSON object spread over several lines.*format ndjson/);

  const gz = gzipSync('a,b\n' + '1,2\n'.repeat(1000));
  await writeFile(path('cut.csv.gz'), gz.subarray(0, gz.length - 30));
  const cut = await runIngest('cut', { uri: path('cut.csv.gz') });
  assert.equal(cut.code, 1);
  assert.equal(cut.result.errors[0]?.code, 'INPUT_INVALID');
  assert.match(cut.result.errors[0]?.message ?? '', /cut\.csv\.gz" is a truncated gzip file/);
});

test('empty files give an empty dataset, not a crash', async () => {
  await writeFile(path('empty-a.csv'), '');
  await writeFile(path('empty-b.csv'), 'a,b\n');
  const { code, result } = await runIngest('empty', { uri: [path('empty-a.csv'), path('empty-b.csv')] });
  assert.equal(code, 0, JSON.stringify(result.errors));
  assert.equal(result.records.in, 0);
  assert.equal(result.records.out, 0);
  assert.equal(result.records.quarantined, 0);
});
