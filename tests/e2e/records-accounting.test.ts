/**
 * Nothing lost, nothing duplicated, through the CLI in local mode: 20,000 generated users plus
 * planted bad rows and duplicates go through ingest → cleanse → dedupe → validate → filter →
 * write, and the job result counts every row exactly once: in = out + quarantined + filtered +
 * deduplicated. Every quarantined row is in a quarantine file with its reason, the quarantine
 * files hold exactly the counted rows, and the output holds each user once.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { JobResult } from '../../shared/job.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-accounting');
});
after(() => dir.cleanup());

const ROWS = 20_000;
const DUPLICATES = 150; // copies of existing rows appended at the end
const RAGGED = 7; // rows with too few fields: ingest quarantines them

async function quarantined(folder: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const f of (await readdir(folder)).filter((x) => x.startsWith('quarantine-')).sort()) {
    for (const line of (await readFile(join(folder, f), 'utf8')).split('\n')) if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

test('every record is counted once: in = out + quarantined + filtered + deduplicated', async () => {
  const csv = join(dir.path, 'users.csv');
  const gen = await quiver(['gen', 'users', '--rows', String(ROWS), '--seed', '11', '--out', csv, '--json']);
  assert.equal(gen.code, 0, gen.stderr);
  const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
  const header = lines[0]!;
  const body = lines.slice(1);
  for (let i = 0; i < DUPLICATES; i++) body.push(body[(i * 131) % ROWS]!);
  // The generator plants a few exact duplicates of its own; dedupe must drop those and ours.
  const duplicateRows = body.length - new Set(body).size;
  assert.ok(duplicateRows >= DUPLICATES);
  for (let i = 0; i < RAGGED; i++) body.splice(1000 + i * 2000, 0, `${900000 + i},only,three`);
  await writeFile(csv, `${[header, ...body].join('\n')}\n`);

  const spec = join(dir.path, 'job.yaml');
  await writeFile(
    spec,
    `name: accounting
defaults: { shardRows: 3000 }
stages:
  - { id: raw, op: ingest, source: { uri: ${JSON.stringify(csv)} } }
  - id: clean
    op: cleanse
    input: raw
    steps:
      - { trim: [email, country, city] }
      - { case: { email: lower, country: upper } }
      - { impute: { column: monthly_spend, strategy: median } }
      - { clip: { column: nps, min: 0, max: 10 } }
  - { id: unique, op: dedupe, input: clean }
  - id: checked
    op: validate
    input: unique
    rules:
      - { column: user_id, required: true, unique: true }
      - { column: email, format: email }
      - { column: age, range: [13, 110] }
      - { name: spend-consistent, check: "total_spend >= monthly_spend" }
  - { id: prof, op: profile, input: checked }
  - { id: paying, op: filter, input: checked, where: "plan != 'free'" }
  - { id: out, op: write, input: paying, format: csv }
`,
  );
  const store = join(dir.path, 'store');
  const run = await quiver(['run', spec, '--json', '--store', store, '--threads', '2', '--job-id', 'acct']);
  assert.equal(run.code, 0, run.stderr);
  const r: JobResult = lastJson(run);
  assert.equal(r.status, 'succeeded');
  const { records } = r;
  assert.equal(records.in, ROWS + DUPLICATES + RAGGED);
  assert.equal(records.deduplicated, duplicateRows, 'exactly the duplicate rows of the input');
  assert.ok(records.quarantined > RAGGED, 'validation rejects some generated dirt too');
  assert.ok(records.filtered > 0);
  assert.equal(records.in, records.out + records.quarantined + records.filtered + records.deduplicated, JSON.stringify(records));
  assert.deepEqual(r.outputs.map((o) => o.stage), ['out'], 'a profile stage reports on data; it is not an output');

  const stage = (id: string) => r.stages.find((s) => s.id === id)!;
  assert.equal(stage('raw').quarantined, RAGGED);
  // Every quarantined row is on disk with where it came from and why.
  let onDisk = 0;
  for (const q of r.quarantine) {
    const rows = await quarantined(q.uri);
    assert.equal(rows.length, q.rows, `${q.stage}: quarantine files hold the counted rows`);
    for (const row of rows) {
      assert.ok(typeof row.reason === 'string' && row.reason !== '', `${q.stage}: a reason`);
      assert.ok(JSON.stringify(row).length > 40, `${q.stage}: the row and its position are kept`);
    }
    onDisk += rows.length;
  }
  assert.equal(onDisk, records.quarantined);
  const reasons = (await quarantined(r.quarantine.find((q) => q.stage === 'checked')!.uri)).map((x) => String(x.reason));
  assert.ok(reasons.some((x) => /email/.test(x)), 'email failures are explained');
  assert.ok(reasons.every((x) => !/unique/.test(x)), 'after dedupe no user_id repeats');

  // The written files hold exactly `out` rows, each user once.
  const outIds: string[] = [];
  for (const f of (await readdir(r.outputs[0]!.uri)).filter((x) => x.endsWith('.csv')).sort()) {
    const [, ...rows] = (await readFile(join(r.outputs[0]!.uri, f), 'utf8')).trimEnd().split('\n');
    for (const row of rows) outIds.push(row.split(',')[0]!);
  }
  assert.equal(outIds.length, records.out);
  assert.equal(new Set(outIds).size, outIds.length, 'no user twice in the output');
});
