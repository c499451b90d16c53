/**
 * The data-quality report through the CLI in local mode: a job ingests a CSV with a bad row
 * and profiles it; the job result names report.json and report.html, which hold the counts,
 * the quarantine reason and every column's profile.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { QualityReport } from '../../shared/quality/types.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-quality');
});
after(async () => {
  await dir.cleanup();
});

test('run ingest → profile: the result names report.json/report.html with counts and columns', async () => {
  const csv = join(dir.path, 'people.csv');
  const lines = ['id,name,age,joined'];
  for (let i = 0; i < 3000; i++) lines.push(`${i},${i % 7 === 0 ? '' : `name${i % 50}`},${i % 10 === 0 ? '' : 20 + (i % 60)},2024-01-${String(1 + (i % 28)).padStart(2, '0')}`);
  lines.push('3000,bad,row,with,too,many,fields');
  await writeFile(csv, `${lines.join('\n')}\n`);
  const spec = join(dir.path, 'job.yaml');
  await writeFile(spec, `name: quality-e2e\nstages:\n  - id: people\n    op: ingest\n    source: { uri: ${JSON.stringify(csv)}, schema: { age: int } }\n    shardRows: 1000\n  - id: prof\n    op: profile\n    input: people\n`);
  const store = join(dir.path, 'store');
  const r = await quiver(['run', spec, '--json', '--store', store, '--job-id', 'qe2e']);
  assert.equal(r.code, 0, r.stderr);
  const res = lastJson(r);
  assert.equal(res.status, 'succeeded');
  assert.deepEqual(res.outputs.map((o) => [o.stage, o.rows]), [['people', 3000]], 'profile passes its input through: the ingested data is the output, once');
  assert.deepEqual(res.quality, { json: join(store, 'jobs/qe2e/quality/report.json'), html: join(store, 'jobs/qe2e/quality/report.html') });

  const report = JSON.parse(await readFile(res.quality!.json, 'utf8')) as QualityReport;
  assert.equal(report.jobId, 'qe2e');
  assert.deepEqual(report.records, { in: 3001, out: 3000, quarantined: 1, filtered: 0, deduplicated: 0 });
  assert.deepEqual(report.sections.map((s) => [s.stage, s.op, s.rowsIn, s.rowsOut, s.quarantined]), [['people', 'ingest', 3001, 3000, 1], ['prof', 'profile', 3000, 3000, 0]]);
  assert.match(report.sections[0]!.reasons?.[0]?.reason ?? '', /^line N has 7 fields, expected 4/);
  const cols = report.sections[1]!.columns!;
  assert.deepEqual(cols.map((c) => [c.name, c.type]), [['id', 'int'], ['name', 'string'], ['age', 'int'], ['joined', 'date']]);
  const age = cols.find((c) => c.name === 'age')!;
  assert.deepEqual([age.count, age.missing, age.distinct, age.distinctExact, age.min, age.max], [3000, 300, 54, true, 21, 79]);
  assert.equal(age.histogram!.reduce((s, b) => s + b.count, 0), 2700);
  const name = cols.find((c) => c.name === 'name')!;
  assert.equal(name.missing, 429, 'empty names are missing');
  assert.equal(name.distinct, 50);
  assert.equal(name.distinctExact, true);
  const joined = cols.find((c) => c.name === 'joined')!;
  assert.equal(joined.min, Date.UTC(2024, 0, 1));
  assert.equal(joined.max, Date.UTC(2024, 0, 28));

  const html = await readFile(res.quality!.html, 'utf8');
  assert.match(html, /Data-quality report: quality-e2e/);
  assert.match(html, /2024-01-28/);
  assert.match(html, /line N has 7 fields, expected 4/);
  assert.doesNotMatch(html, /<script|\b(?:src|href)="https?:/);

  // The human summary names the report too.
  const plain = await quiver(['run', spec, '--store', store, '--job-id', 'qe2e-plain']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, new RegExp(`data-quality report: ${join(store, 'jobs/qe2e-plain/quality/report.html').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
});
