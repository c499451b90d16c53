/**
 * The CLI as a user meets it: exit codes, one-line errors naming what to fix, --json output.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

let dir: { path: string; cleanup(): Promise<void> };
before(async () => {
  dir = await tempDir('quiver-cli');
});
after(async () => {
  await dir.cleanup();
});

test('argument mistakes exit 2 with one line, not a stack trace or the whole help', async () => {
  for (const args of [['bogus'], ['run'], ['run', 'x.yaml', '--config', '/no/such/config.yaml'], ['gen', 'users', '--rows', '0']]) {
    const r = await quiver(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error \[OPTION_INVALID\]: /, args.join(' '));
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  }
});

test('a bad spec exits 2 naming the field; --json puts the error on the last stdout line', async () => {
  const spec = join(dir.path, 'bad.yaml');
  await writeFile(spec, 'name: bad\nstages:\n  - id: raw\n    op: ingest\n    source: { uri: x.csv }\n  - id: agg\n    op: aggregate\n    input: raw\n    by: [a]\n    aggs: [{ fn: median, column: a, as: m }]\n');
  const r = await quiver(['validate', spec]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /stages\[1\]\.aggs\[0\]\.fn: must be one of/);
  const j = await quiver(['run', spec, '--json']);
  assert.equal(j.code, 2);
  assert.equal(lastJson<{ error: { code: string } }>(j).error.code, 'SPEC_INVALID');
});

test('run --json prints one JobResult as the last line; a missing input is NOT_FOUND naming the pattern', async () => {
  const csv = join(dir.path, 'u.csv');
  assert.equal((await quiver(['gen', 'users', '--rows', '3000', '--out', csv])).code, 0);
  const spec = join(dir.path, 'ok.yaml');
  await writeFile(spec, `name: ok\nstages:\n  - id: raw\n    op: ingest\n    source: { uri: ${JSON.stringify(csv)} }\n  - id: out\n    op: write\n    input: raw\n    format: csv\n`);
  const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'store')]);
  assert.equal(r.code, 0, r.stderr);
  const res = lastJson(r);
  assert.equal(res.status, 'succeeded');
  assert.deepEqual(res.records, { in: 3000, out: 3000, quarantined: 0, filtered: 0, deduplicated: 0 });
  const missing = join(dir.path, 'missing.yaml');
  await writeFile(missing, `name: missing\nstages:\n  - id: raw\n    op: ingest\n    source: { uri: ${JSON.stringify(join(dir.path, 'nope-*.csv'))} }\n`);
  const m = await quiver(['run', missing, '--json', '--store', join(dir.path, 'store')]);
  assert.equal(m.code, 1, 'a job that fails exits 1');
  const failed = lastJson(m);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.errors[0]?.code, 'NOT_FOUND');
  assert.match(failed.errors[0]?.message ?? '', /nope-\*\.csv/);
});
