/**
 * The rest source against a real local HTTP server (tests/helpers/api-fixture.ts) that serves
 * 2,500 loyalty records under every pagination style and misbehaves on request. Stages run
 * through the ingest operator in-process (tests/helpers/stage-runner.ts); the last test runs
 * the CLI in local mode end to end. Request counts and timings are the server's own records.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { readFile } from 'node:fs/promises';
import { isErrorCode, isRetryable } from '../../shared/errors.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { RestParams } from '../../shared/connectors/rest/spec.js';
import { startApiFixture } from '../helpers/api-fixture.js';
import type { ApiFixture, FixtureRequest, LoyaltyRecord } from '../helpers/api-fixture.js';
import { readRows, runStage } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from '../e2e/cluster.js';

const N = 2500;
let api: ApiFixture;
let dir: TempDir;
let runNo = 0;
// Set in before(): the checksum of every served value.

before(async () => {
  api = await startApiFixture({ records: N });
  dir = await tempDir('quiver-rest');
  expected = checksum(api.records.map(canonical));
});
after(async () => {
  await api?.close();
  await dir?.cleanup();
});
beforeEach(() => api.reset());

function ingest(source: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<StageRun> {
  const stage = { id: 'loyalty', op: 'ingest', source: { kind: 'rest', auth: { token: api.token }, retries: { backoffMs: 10, maxBackoffMs: 2000 }, ...source }, ...extra };
  return runStage(ingestOperator, stage, [], join(dir.path, `run-${++runNo}`));
}

const iso = (ms: unknown): string => new Date(ms as number).toISOString().slice(0, 10);

/** One line per record, the same for a source record and a row read back (flattened columns). */
function canonical(r: LoyaltyRecord): string {
  return [r.customer_id, r.tier, r.points, r.joined, r.contact.email, r.contact.country, JSON.stringify(r.tags)].join('|');
}
function canonicalRow(r: Row): string {
  return [r.customer_id, r.tier, r.points, iso(r.joined), r['contact.email'], r['contact.country'], r.tags].join('|');
}
function checksum(lines: string[]): string {
  return createHash('sha256').update([...lines].sort().join('\n')).digest('hex');
}

let expected: string;

async function assertAllRecords(run: StageRun): Promise<void> {
  const rows = await readRows(run.output);
  assert.equal(rows.length, N, 'row count');
  assert.equal(run.output.rows, N);
  assert.equal(new Set(rows.map((r) => r.customer_id)).size, N, 'every customer once');
  assert.equal(checksum(rows.map(canonicalRow)), expected, 'checksum of every value');
  assert.deepEqual(
    run.output.schema.fields.map((f) => `${f.name}:${f.type}`),
    ['customer_id:int', 'tier:string', 'points:int', 'joined:date', 'contact.email:string', 'contact.country:string', 'tags:string'],
  );
}

const stats = (run: StageRun): Record<string, unknown>[] => run.phases[0]!.tasks.map((t) => t.stats);
const sum = (run: StageRun, key: string): number => stats(run).reduce((s, t) => s + (t[key] as number), 0);
const onPath = (path: string) => (r: FixtureRequest): boolean => r.path === path;
const pageIs = (path: string, param: string, value: string) => (r: FixtureRequest): boolean => r.path === path && r.query.get(param) === value;

test('page style with a total: 3 parallel page-range tasks, every record exactly once', async () => {
  const run = await ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 100, totalPath: 'meta.total' }, rateLimit: { requestsPerSecond: 300 } }, { shardRows: 1000 });
  await assertAllRecords(run);
  const ranges = run.phases[0]!.tasks.length;
  assert.equal(ranges, 3, 'min(maxTasks 4, 25 pages, 2500/1000 rows) tasks');
  // 1 plan request + 25 pages; the last task stops at the total, with no empty page.
  assert.equal(api.count(), 26);
  for (let p = 2; p <= 25; p++) assert.equal(api.count(pageIs('/v1/page', 'page', String(p))), 1, `page ${p}`);
  assert.equal(api.count(pageIs('/v1/page', 'page', '1')), 2, 'page 1: plan + task');
  assert.deepEqual(stats(run).map((s) => s.pages), [9, 9, 7]);
  // Shards: ~shardRows rows, `part-<task>-<k>`.
  assert.deepEqual(run.output.shards.map((s) => [s.uri.slice(s.uri.lastIndexOf('/') + 1), s.rows]), [
    ['part-00000-0000.arrow', 900],
    ['part-00001-0000.arrow', 900],
    ['part-00002-0000.arrow', 700],
  ]);
  const plan = await ingestOperator.plan(run.ctx);
  assert.deepEqual(plan.tasks.map((t) => (t.params as RestParams).range), [{ start: 1, end: 10 }, { start: 10, end: 19 }, { start: 19, end: null }]);
  assert.deepEqual(plan.tasks.map((t) => (t.params as RestParams).request.requestsPerSecond), [100, 100, 100], 'the stage rate is shared among its tasks');
});

test('page style without a total walks to the first empty page in one task', async () => {
  const run = await ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 100 } }, { shardRows: 1000 });
  await assertAllRecords(run);
  assert.equal(run.phases[0]!.tasks.length, 1);
  assert.equal(api.count(), 1 + 26, 'plan + 25 pages + the empty page 26');
  assert.deepEqual(run.output.shards.map((s) => s.rows), [1000, 1000, 500]);
});

test('a page size the server caps (asked 500, sent 250) is counted as sent: nothing lost', async () => {
  const run = await ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 500, totalPath: 'meta.total' } }, { shardRows: 600 });
  await assertAllRecords(run);
  assert.equal(api.count(), 1 + 10);
  assert.equal(run.phases[0]!.tasks.length, 4);
});

test('offset style with a total: 4 offset-range tasks', async () => {
  const run = await ingest({ url: `${api.url}/v1/offset`, pagination: { style: 'offset', pageSize: 100, totalPath: 'total' } }, { shardRows: 500 });
  await assertAllRecords(run);
  assert.equal(run.phases[0]!.tasks.length, 4);
  assert.equal(api.count(), 1 + 25);
  const offsets = api.requests.slice(1).map((r) => Number(r.query.get('offset')));
  assert.deepEqual([...offsets].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i * 100));
  assert.ok(api.requests.slice(1).every((r) => r.query.get('limit') === '100'));
});

test('cursor style follows meta.next_cursor to the end', async () => {
  const run = await ingest({ url: `${api.url}/v1/cursor`, pagination: { style: 'cursor', cursorPath: 'meta.next_cursor', pageSize: 100 } });
  await assertAllRecords(run);
  assert.equal(api.count(), 1 + 25);
  assert.equal(api.requests.filter((r) => r.query.has('cursor')).length, 24, 'every page after the first carries a cursor');
  assert.ok(api.requests.every((r) => r.query.get('limit') === '100'));
});

test('link style follows Link rel="next" (relative URLs too)', async () => {
  const run = await ingest({ url: `${api.url}/v1/link`, pagination: { style: 'link', pageSize: 100 } });
  await assertAllRecords(run);
  assert.equal(api.count(), 1 + 25);
  assert.deepEqual(api.requests.slice(1).map((r) => r.query.get('page') ?? '1'), Array.from({ length: 25 }, (_, i) => String(i + 1)));
});

test('no pagination: one request, records found as the only array field', async () => {
  const run = await ingest({ url: `${api.url}/v1/all` });
  await assertAllRecords(run);
  assert.equal(api.count(onPath('/v1/all')), 2, 'plan + task');
});

test('retries recover from 500s, a 429 with Retry-After, a slow page past the timeout and a connection reset', async (t) => {
  const page = (n: number) => pageIs('/v1/page', 'page', String(n));
  api.inject(page(3), { kind: 'status', status: 500 }, 2);
  api.inject(page(5), { kind: 'status', status: 429, retryAfter: '1' });
  api.inject(page(7), { kind: 'slow', ms: 1500 });
  api.inject(page(9), { kind: 'reset' });
  api.inject(page(11), { kind: 'status', status: 502 });
  const run = await ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 100 }, timeoutMs: 400 });
  await assertAllRecords(run);
  assert.equal(api.count(page(3)), 3, 'page 3: two 500s, then served');
  assert.equal(api.count(page(5)), 2);
  assert.equal(api.count(page(7)), 2);
  assert.equal(api.count(page(9)), 2);
  assert.equal(api.count(page(11)), 2);
  assert.equal(api.count(), 1 + 26 + 6);
  assert.equal(sum(run, 'retries'), 6);
  assert.equal(sum(run, 'requests'), 26 + 6);

  const [limited, after429] = api.requests.filter(page(5));
  const waited = after429!.at - limited!.doneAt!;
  assert.ok(waited >= 990 && waited < 1600, `Retry-After: 1 honoured (waited ${waited.toFixed(0)} ms; backoff alone is ≤ 20 ms)`);
  const [slow, again] = api.requests.filter(page(7));
  const timedOut = again!.at - slow!.at;
  assert.ok(timedOut >= 300 && timedOut < 1400, `the slow page was given up after timeoutMs (${timedOut.toFixed(0)} ms)`);
  t.diagnostic(`Retry-After 1 s → waited ${waited.toFixed(0)} ms; timeout 400 ms → retried after ${timedOut.toFixed(0)} ms`);
});

test('Retry-After as an HTTP date is honoured', async () => {
  api.inject(onPath('/v1/all'), { kind: 'status', status: 503, retryAfter: new Date(Date.now() + 2600).toUTCString() });
  const started = Date.now();
  const run = await ingest({ url: `${api.url}/v1/all`, retries: { backoffMs: 10, maxBackoffMs: 5000 } });
  assert.equal(run.output.rows, N);
  const [first, second] = api.requests;
  assert.equal(first!.status, 503);
  const waited = second!.at - first!.doneAt!;
  const asked = Math.floor((started + 2600) / 1000) * 1000 - started;
  assert.ok(waited >= asked - 100 - 50, `waited ${waited.toFixed(0)} ms for a date about ${asked} ms ahead`);
  assert.ok(waited >= 1000, `waited ${waited.toFixed(0)} ms`);
});

test('retries run out: a retryable error naming the URL, the attempts and the last status', async () => {
  api.inject(pageIs('/v1/page', 'page', '2'), { kind: 'status', status: 500 }, 100);
  await assert.rejects(
    ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 100 }, retries: { max: 2, backoffMs: 10, maxBackoffMs: 50 } }),
    (err: unknown) => {
      assert.ok(isErrorCode(err, 'SOURCE_FAILED'), String(err));
      assert.ok(isRetryable(err), 'the task may pass on a later delivery');
      assert.match((err as Error).message, /^stages\[1\]\.source: GET http:\/\/127\.0\.0\.1:\d+\/v1\/page\?page=2&per_page=100 failed after 3 attempts; last: 500 Internal Server Error/);
      return true;
    },
  );
  assert.equal(api.count(pageIs('/v1/page', 'page', '2')), 3, '1 + retries.max attempts');
});

test('the rate limit holds: N requests at R/s span at least (N-1)/R s on the server', async (t) => {
  const rps = 8;
  const run = await ingest({ url: `${api.url}/v1/cursor`, pagination: { style: 'cursor', cursorPath: 'meta.next_cursor', pageSize: 250 }, rateLimit: { requestsPerSecond: rps } });
  assert.equal(run.output.rows, N);
  const task = api.requests.slice(1);
  assert.equal(task.length, 10);
  const span = task[task.length - 1]!.at - task[0]!.at;
  const floor = ((task.length - 1) / rps) * 1000;
  // The server sees arrivals, which trail the client's token takes by each request's own
  // latency; SLACK covers the first request arriving later after its take than the last one.
  const SLACK = 10;
  assert.ok(span >= floor - SLACK, `10 requests at ${rps}/s took ${span.toFixed(1)} ms on the server; at least ${floor} expected`);
  for (let i = 1; i < task.length; i++) {
    const gap = task[i]!.at - task[i - 1]!.at;
    assert.ok(gap >= 1000 / rps - SLACK, `gap ${i}: ${gap.toFixed(1)} ms`);
  }
  assert.ok(span < floor + 1500, `not much slower than the limit either (${span.toFixed(0)} ms)`);
  t.diagnostic(`10 requests at ${rps}/s spanned ${span.toFixed(1)} ms on the server (floor ${floor} ms)`);
});

test('a refused token fails at once with UNAUTHORIZED, naming the secret but never its value', async () => {
  process.env.REST_TEST_TOKEN = 'wrong-token-value-123';
  try {
    await assert.rejects(
      ingest({ url: `${api.url}/v1/page`, records: 'data.items', auth: { token: { env: 'REST_TEST_TOKEN' } }, pagination: { style: 'page' } }),
      (err: unknown) => {
        assert.ok(isErrorCode(err, 'UNAUTHORIZED'), String(err));
        assert.ok(!isRetryable(err));
        const msg = (err as Error).message;
        assert.match(msg, /was refused with 401 Unauthorized/);
        assert.match(msg, /check the token in stages\[1\]\.source\.auth\.token \(from env REST_TEST_TOKEN\)/);
        assert.ok(!msg.includes('wrong-token-value-123'), 'the secret is not printed');
        return true;
      },
    );
  } finally {
    delete process.env.REST_TEST_TOKEN;
  }
  assert.equal(api.count(), 1, 'no retries on 401');
  assert.equal(api.requests[0]!.authorized, false);
  await assert.rejects(ingest({ url: `${api.url}/v1/all`, auth: undefined }), /401 Unauthorized.*the API wants credentials: set stages\[1\]\.source\.auth\.token/);
});

test('an HTML page with 200 fails with INPUT_INVALID naming URL, status, content type and the start of the body; no retry', async () => {
  api.inject(pageIs('/v1/page', 'page', '2'), { kind: 'html' }, 5);
  await assert.rejects(ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 100 } }), (err: unknown) => {
    assert.ok(isErrorCode(err, 'INPUT_INVALID'), String(err));
    const msg = (err as Error).message;
    assert.match(msg, /GET http:\/\/127\.0\.0\.1:\d+\/v1\/page\?page=2&per_page=100 returned 200 with content-type text\/html; charset=utf-8, not JSON/);
    assert.match(msg, /body starts "<!DOCTYPE html><html><head><title>Sign in - Example SSO<\/title><\/head><body><form action=\\"\/login\\">Pl\.\.\."/);
    assert.match(msg, /check url and auth/);
    return true;
  });
  assert.equal(api.count(pageIs('/v1/page', 'page', '2')), 1);
});

test('bad JSON is retried once: once recovers, twice fails with INPUT_INVALID', async () => {
  const page2 = pageIs('/v1/page', 'page', '2');
  api.inject(page2, { kind: 'bad-json' }, 1);
  const ok = await ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 500 } });
  assert.equal(ok.output.rows, N);
  assert.equal(api.count(page2), 2);
  api.reset();
  api.inject(page2, { kind: 'bad-json' }, 2);
  await assert.rejects(ingest({ url: `${api.url}/v1/page`, records: 'data.items', pagination: { style: 'page', pageSize: 500 } }), (err: unknown) => {
    assert.ok(isErrorCode(err, 'INPUT_INVALID'), String(err));
    assert.match((err as Error).message, /page=2&per_page=500 returned 200 with content-type application\/json, not valid JSON .*body starts "\{\\"data\\": \{\\"items\\": \[\{\\"customer_id\\": 1, \\"tier\\": \\"go"; the body was broken JSON twice \(retried once\)/);
    return true;
  });
  assert.equal(api.count(page2), 2);
});

test('an API that ignores the page parameter is caught instead of looping', async () => {
  await assert.rejects(ingest({ url: `${api.url}/v1/ignores-page`, records: 'data.items', pagination: { style: 'page' } }), (err: unknown) => {
    assert.ok(isErrorCode(err, 'INPUT_INVALID'));
    assert.match((err as Error).message, /stages\[1\]\.source\.pagination\.pageParam: .*page=2 returned the same records as the page before/);
    return true;
  });
  assert.equal(api.count(), 1 + 2);
});

test('records that do not fit the schema go to quarantine as page P record R, the rest come through', async () => {
  const bad = await startApiFixture({ records: N, corrupt: [{ index: 216, patch: { points: 'lots' } }] });
  try {
    const stage = { id: 'loyalty', op: 'ingest', source: { kind: 'rest', url: `${bad.url}/v1/page`, records: 'data.items', auth: { token: bad.token }, pagination: { style: 'page', pageSize: 100, totalPath: 'meta.total' } } };
    const run = await runStage(ingestOperator, stage, [], join(dir.path, 'quarantine'));
    assert.equal(run.output.rows, N - 1);
    assert.equal(sum(run, 'rowsIn'), N);
    assert.equal(sum(run, 'quarantined'), 1);
    const q = run.phases[0]!.tasks.flatMap((t) => t.quarantine);
    assert.equal(q.length, 1);
    const [rec] = decodeQuarantine(await readFile(q[0]!.uri));
    assert.match(rec!.source, /\/v1\/page\?page=3&per_page=100$/);
    assert.equal(rec!.line, 17);
    assert.match(rec!.reason, /^page 3 record 17, key "points": "lots" is not a valid int/);
    assert.equal(JSON.parse(rec!.raw).customer_id, 217);
  } finally {
    await bad.close();
  }
});

test('CLI: quiver run --json in local mode with the token from the environment', async () => {
  const spec = join(dir.path, 'rest.yaml');
  await writeFile(
    spec,
    [
      'name: loyalty',
      'stages:',
      '  - id: loyalty',
      '    op: ingest',
      '    shardRows: 1000',
      '    source:',
      '      kind: rest',
      `      url: ${api.url}/v1/offset`,
      '      auth: { token: { env: LOYALTY_TOKEN } }',
      '      pagination: { style: offset, pageSize: 250, totalPath: total }',
      '      rateLimit: { requestsPerSecond: 50 }',
      '',
    ].join('\n'),
  );
  const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'cli-store')], { LOYALTY_TOKEN: api.token });
  assert.equal(r.code, 0, r.stderr);
  const res = lastJson(r);
  assert.equal(res.status, 'succeeded');
  assert.equal(res.records.in, N);
  assert.equal(res.records.out, N);
  assert.equal(res.records.quarantined, 0);
  assert.equal(api.count(), 1 + 10, 'plan + 10 pages of 250 over 3 tasks');
  assert.ok(api.requests.every((r) => r.authorized));
  const missing = await quiver(['run', spec, '--json', '--store', join(dir.path, 'cli-store')], { LOYALTY_TOKEN: '' });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stdout + missing.stderr, /LOYALTY_TOKEN is not set/);
});
