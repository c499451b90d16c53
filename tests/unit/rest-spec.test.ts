/**
 * The rest source's spec: defaults, and errors that name the field to fix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import { resolveRest } from '../../shared/connectors/rest/spec.js';
import type { StageSpec } from '../../shared/spec/types.js';

const stage = (source: Record<string, unknown>, extra: Record<string, unknown> = {}): StageSpec => ({ id: 's', op: 'ingest', source: { kind: 'rest', ...source }, ...extra });

test('defaults: GET, no pagination, 5 retries from 500 ms, 30 s timeout, flatten, 4 tasks', () => {
  const o = resolveRest(stage({ url: 'https://api.example.com/v1/x' }), 'stages[0]', 1000);
  assert.equal(o.method, 'GET');
  assert.equal(o.where, 'stages[0].source');
  assert.deepEqual(o.retries, { max: 5, backoffMs: 500, maxBackoffMs: 30_000 });
  assert.equal(o.timeoutMs, 30_000);
  assert.equal(o.pagination.style, 'none');
  assert.equal(o.requestsPerSecond, null);
  assert.equal(o.auth, null);
  assert.equal(o.flatten, true);
  assert.equal(o.maxTasks, 4);
  assert.equal(o.shardRows, 1000);
  const off = resolveRest(stage({ url: 'http://h/x', pagination: { style: 'offset' } }), 'stages[0]', 1000);
  assert.equal(off.pagination.pageSize, 100, 'offset has a default limit');
  const cur = resolveRest(stage({ url: 'http://h/x', pagination: { style: 'cursor', cursorPath: 'meta.next' } }), 'stages[0]', 1000);
  assert.equal(cur.pagination.sizeParam, 'limit');
  assert.equal(cur.pagination.pageSize, null);
});

test('auth, headers and query take secrets; numbers in the query become strings', () => {
  const o = resolveRest(stage({ url: 'https://h/x', auth: { token: { env: 'T' } }, headers: { 'X-Key': { file: '/run/k' } }, query: { n: 5, on: true, key: { env: 'K' } } }), 'stages[2]', 10);
  assert.deepEqual(o.auth, { header: 'Authorization', scheme: 'Bearer', token: { env: 'T' } });
  assert.deepEqual(o.headers, { 'X-Key': { file: '/run/k' } });
  assert.deepEqual(o.query, { n: '5', on: 'true', key: { env: 'K' } });
  assert.equal(resolveRest(stage({ url: 'https://h/x', auth: { token: 'abc', scheme: '', header: 'X-Api-Key' } }), 'stages[0]', 10).auth?.scheme, '');
});

test('mistakes fail with SPEC_INVALID naming the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ url: 'ftp://h/x' }, /^stages\[3\]\.source\.url: must be an http/],
    [{ url: 'https://h/x', method: 'PUT' }, /source\.method: use GET or POST/],
    [{ url: 'https://h/x', body: {} }, /source\.body: only with method: POST/],
    [{ url: 'https://h/x', pagination: { style: 'pages' } }, /source\.pagination\.style: use one of none, page, offset, cursor, link/],
    [{ url: 'https://h/x', pagination: { style: 'cursor' } }, /source\.pagination\.cursorPath: required with style cursor/],
    [{ url: 'https://h/x', pagination: { style: 'link', totalPath: 'meta.total' } }, /source\.pagination\.totalPath: only for styles page and offset/],
    [{ url: 'https://h/x', pagination: { style: 'page', pageSize: 0 } }, /source\.pagination\.pageSize: must be a whole number from 1/],
    [{ url: 'https://h/x', pagination: { style: 'page', pagesize: 10 } }, /source\.pagination\.pagesize: unknown field/],
    [{ url: 'https://h/x', records: 'data..items' }, /source\.records: must be a dot path/],
    [{ url: 'https://h/x', auth: { token: { env: '' } } }, /source\.auth\.token: required/],
    [{ url: 'https://h/x', retries: { backoffMs: 100, maxBackoffMs: 10 } }, /source\.retries\.maxBackoffMs: must be at least backoffMs/],
    [{ url: 'https://h/x', rateLimit: { requestsPerSecond: 0 } }, /source\.rateLimit\.requestsPerSecond: must be a number > 0/],
    [{ url: 'https://h/x', schema: { a: 'integer' } }, /source\.schema\.a: use one of int, float/],
    [{ url: 'https://h/x', query: { a: [1] } }, /source\.query\.a: must be a string, number, boolean or a secret/],
    [{ url: 'https://h/x', tokn: 'x' }, /source\.tokn: unknown field/],
  ];
  for (const [src, re] of cases) {
    assert.throws(
      () => resolveRest(stage(src), 'stages[3]', 10),
      (err: unknown) => isErrorCode(err, 'SPEC_INVALID') && re.test((err as Error).message),
      `${JSON.stringify(src)} → ${re}`,
    );
  }
  assert.throws(() => resolveRest(stage({ url: 'https://h/x' }, { shardRows: 0 }), 'stages[3]', 10), /stages\[3\]\.shardRows: must be a whole number/);
});
