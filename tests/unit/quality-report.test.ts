/**
 * The report builder: the JSON document's contents, and the HTML page — self-contained (no
 * scripts, nothing fetched over the network), every data value escaped, each kind of section
 * rendered — written to a store next to the job's data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jobResult, newJobState } from '../../coordinator/job-state.js';
import type { JobState } from '../../shared/job.js';
import { renderHtml } from '../../shared/quality/html.js';
import { reasonGroup } from '../../shared/quality/quarantine.js';
import { buildReport, reportDir, writeReport } from '../../shared/quality/report.js';
import type { QualityReport, QualitySection } from '../../shared/quality/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const EVIL = '<script>alert("x")</script>';
const EVIL_VALUE = '"><img src=x onerror=alert(1)>';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quality-report');
});
after(async () => {
  await dir.cleanup();
});

function jobState(root: string): JobState {
  const spec = { name: 'users', stages: [{ id: 'raw', op: 'ingest', source: { uri: 'u.csv' } }, { id: 'prof', op: 'profile', input: 'raw' }] };
  const state = newJobState(spec, { jobId: 'users-1', mode: 'local', store: { root }, now: Date.UTC(2025, 0, 2, 3, 4, 5) });
  state.status = 'succeeded';
  state.startedAt = state.submittedAt;
  state.finishedAt = state.submittedAt + 2500;
  const jobDir = `${root}/jobs/users-1/`;
  const schema = { fields: [{ name: EVIL, type: 'string' as const, nullable: true }, { name: 'age', type: 'int' as const, nullable: false }] };
  const shard = { uri: `${jobDir}raw/part-00000.arrow`, rows: 97, bytes: 4096 };
  const quarantine = { uri: `${jobDir}raw/quarantine-00000.ndjson`, rows: 3, bytes: 300 };
  state.stages[0] = {
    id: 'raw',
    op: 'ingest',
    status: 'succeeded',
    phases: [{ tasks: [{ index: 0, inputs: [], params: {}, outputPrefix: `${jobDir}raw/`, status: 'succeeded', retries: 0, output: { shards: [shard], quarantine: [quarantine], stats: { rowsIn: 100, rowsOut: 97, quarantined: 3 } } }] }],
    output: { shards: [shard], schema, rows: 97, bytes: 4096 },
  };
  state.stages[1] = { id: 'prof', op: 'profile', status: 'succeeded', phases: [], output: { shards: [shard], schema, rows: 97, bytes: 4096 } };
  return state;
}

const sections: QualitySection[] = [
  {
    stage: 'raw',
    op: 'ingest',
    title: 'Ingest of u.csv',
    rowsIn: 100,
    rowsOut: 97,
    quarantined: 3,
    reasons: [{ reason: 'column "age": … is not an int', count: 3, example: { position: 'u.csv line 7', values: { raw: `7,${EVIL_VALUE}` }, reason: 'line 7, column "age": "x" is not an int' } }],
    reasonsExact: true,
  },
  {
    stage: 'prof',
    op: 'profile',
    title: 'Profile of raw',
    rowsIn: 97,
    rowsOut: 97,
    columns: [
      { name: EVIL, type: 'string', count: 97, missing: 7, distinct: 3, distinctExact: true, min: 'a', max: EVIL_VALUE, top: [{ value: EVIL_VALUE, count: 50 }, { value: 'plain', count: 40 }], topExact: true },
      {
        name: 'age',
        type: 'int',
        count: 97,
        missing: 0,
        distinct: 1500,
        distinctExact: false,
        min: 1,
        max: 90,
        mean: 41.5,
        std: 12.25,
        quantiles: [{ p: 0.05, value: 9 }, { p: 0.25, value: 30 }, { p: 0.5, value: 41 }, { p: 0.75, value: 55 }, { p: 0.95, value: 80 }],
        quantilesExact: false,
        histogram: [{ lo: 1, hi: 46, count: 50 }, { lo: 46, hi: 91, count: 47 }],
      },
      { name: 'signup', type: 'date', count: 97, missing: 1, distinct: 10, distinctExact: true, min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 11, 31), quantiles: [{ p: 0.5, value: Date.UTC(2024, 5, 1) }], quantilesExact: true },
    ],
    notes: [`Distinct counts estimated for: ${EVIL}.`],
  },
  { stage: 'check', op: 'validate', title: 'Rules', rules: [{ rule: `${EVIL}: not null`, kind: 'not_null', column: 'age', checked: 97, passed: 95, failed: 2, examples: [{ position: 'u.csv line 9', values: { age: null, name: EVIL_VALUE }, reason: 'age is null' }] }] },
  { stage: 'clean', op: 'cleanse', title: 'Cleansing', deduplicated: 4, actions: [{ step: 'trim', column: 'name', changed: 12, detail: `trimmed ${EVIL}` }] },
];

function report(root = '/data/store'): QualityReport {
  const state = jobState(root);
  return buildReport(state, jobResult(state), sections);
}

test('the JSON document: job, times, record counts, datasets with columns, quarantine, sections', () => {
  const r = report();
  assert.equal(r.version, 1);
  assert.equal(r.jobId, 'users-1');
  assert.equal(r.name, 'users');
  assert.equal(r.startedAt, '2025-01-02T03:04:05.000Z');
  assert.equal(r.finishedAt, '2025-01-02T03:04:07.500Z');
  assert.equal(r.generatedAt, r.finishedAt);
  assert.equal(r.seconds, 2.5);
  assert.deepEqual(r.records, { in: 100, out: 97, quarantined: 3, filtered: 0, deduplicated: 0 });
  assert.deepEqual(r.datasets.map((d) => [d.stage, d.rows, d.columns.map((c) => c.name)]), [['raw', 97, [EVIL, 'age']]], 'the ingested data is the output; the pass-through profile is not');
  assert.deepEqual(r.quarantine, [{ stage: 'raw', uri: '/data/store/jobs/users-1/raw/', rows: 3, files: 1 }]);
  assert.deepEqual(r.stages.map((s) => [s.id, s.rowsIn, s.rowsOut, s.quarantined]), [['raw', 100, 97, 3], ['prof', 0, 97, 0]]);
  assert.equal(r.sections.length, 4);
});

test('the HTML page is self-contained: no scripts, nothing fetched from a server', () => {
  const html = renderHtml(report(), reportDir('/data/store', 'users-1'));
  assert.ok(html.startsWith('<!doctype html>'));
  assert.doesNotMatch(html, /<script/i, 'no script element (the only "script" text is escaped data)');
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'no src/href to http(s) or protocol-relative URLs');
  assert.doesNotMatch(html, /<link\b|@import|url\(/i, 'no external stylesheets, fonts or images');
  assert.match(html, /<style>/);
  assert.match(html, /<svg class="chart"/);
});

test('every data value is escaped', () => {
  const html = renderHtml(report());
  assert.ok(!html.includes(EVIL), 'column name / rule / note not raw');
  assert.ok(!html.includes(EVIL_VALUE), 'values not raw');
  assert.ok(!html.includes('<img'), 'no injected element');
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  assert.match(html, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('sections render: overview, columns with charts, rules with examples, cleansing, quarantine with links', () => {
  const html = renderHtml(report(), reportDir('/data/store', 'users-1'));
  for (const text of ['Data-quality report: users', 'records in', 'Stages', 'Outputs', 'Quarantine', 'Columns', 'Histogram (2 bins, exact counts)', 'Top values', 'Rules', 'Pass rate', '1 example row(s)', 'Cleansing', 'Quarantine reasons', 'u.csv line 7']) {
    assert.ok(html.includes(text), `missing: ${text}`);
  }
  // Column row: missing %, estimated distinct marked ≈, dates as ISO.
  assert.match(html, /<span class="pill warn">7\.22%<\/span>/);
  assert.match(html, /title="estimated">≈<\/span>1,500/);
  assert.match(html, /2024-01-01/);
  assert.match(html, /2024-06-01/);
  assert.match(html, /<span class="pill bad">2<\/span>/, 'failed rule count');
  assert.match(html, /98\.0%|97\.9%/, 'pass rate 95/97');
  // Quarantine: a relative link from <job>/quality/ to <job>/raw/, which works from disk.
  assert.match(html, /<a href="\.\.\/raw\/"><code>\/data\/store\/jobs\/users-1\/raw\/<\/code><\/a>/);
});

test('S3 paths are shown, not linked; other local paths link with file://', () => {
  const html = renderHtml(report('s3://bucket/q'));
  assert.match(html, /<code>s3:\/\/bucket\/q\/jobs\/users-1\/raw\/<\/code>/);
  assert.doesNotMatch(html, /href="s3:/);
  const local = renderHtml(report('/data/store'));
  assert.match(local, /href="file:\/\/\/data\/store\/jobs\/users-1\/raw\/"/);
});

test('writeReport puts report.json and report.html under <root>/jobs/<job>/quality/', async () => {
  const root = join(dir.path, 'store');
  const r = report(root);
  const uris = await writeReport(new LocalStore(), reportDir(root, 'users-1'), r);
  assert.deepEqual(uris, { json: `${root}/jobs/users-1/quality/report.json`, html: `${root}/jobs/users-1/quality/report.html` });
  assert.deepEqual(JSON.parse(await readFile(uris.json, 'utf8')), JSON.parse(JSON.stringify(r)));
  const html = await readFile(uris.html, 'utf8');
  assert.match(html, /<a href="\.\.\/raw\/">/);
});

test('quarantine reasons group without line numbers and values', () => {
  assert.equal(reasonGroup('line 17, column "age": "abc" is not an int; fix the value or declare the column as string'), 'column "age": … is not an int; fix the value or declare the column as string');
  assert.equal(reasonGroup('line 3 has 2 fields, expected 4: check the delimiter or quoting'), 'line N has 2 fields, expected 4: check the delimiter or quoting');
  assert.equal(reasonGroup('line 9, key "a \\"b\\"": {"x":1} is not a valid float; fix it'), 'key "a \\"b\\"": … is not a valid float; fix it');
});
