/**
 * `land`: an ingest stage writes its raw shards at raw/source=<s>/type=<t>/date=<d>/ under the
 * store root, and a re-run the same day replaces that day's landing (no stale parts).
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runLocal } from '../../cli/local-run.js';
import { isErrorCode } from '../../shared/errors.js';
import { validateSpec } from '../../shared/spec/load.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('landing');
});
after(() => dir.cleanup());

const csv = (n: number): string => ['id,name', ...Array.from({ length: n }, (_, i) => `${i},user${i}`)].join('\n') + '\n';
const spec = (uri: string, land: Record<string, unknown>) =>
  validateSpec({ name: 'land', defaults: { shardRows: 100 }, stages: [{ id: 'users', op: 'ingest', source: { uri }, land }] });

test('raw shards land at raw/source=crm/type=users/date=…; a re-run replaces that day', async () => {
  const input = join(dir.path, 'users.csv');
  const storeRoot = join(dir.path, 'store');
  await writeFile(input, csv(350));
  const first = await runLocal(spec(input, { source: 'crm', type: 'users', date: '2026-11-22' }), { storeRoot, threads: 1 });
  assert.equal(first.status, 'succeeded');
  const folder = join(storeRoot, 'raw', 'source=crm', 'type=users', 'date=2026-11-22');
  assert.equal(first.outputs[0]!.uri, `${folder}/`);
  assert.deepEqual((await readdir(folder)).sort(), ['part-00000.arrow', 'part-00001.arrow', 'part-00002.arrow', 'part-00003.arrow']);
  assert.equal(first.records.out, 350);

  await writeFile(input, csv(150));
  const second = await runLocal(spec(input, { source: 'crm', type: 'users', date: '2026-11-22' }), { storeRoot, threads: 1 });
  assert.equal(second.records.out, 150);
  assert.deepEqual((await readdir(folder)).sort(), ['part-00000.arrow', 'part-00001.arrow'], 'the stale parts of the earlier run are gone');

  const today = await runLocal(spec(input, { source: 'crm', type: 'users' }), { storeRoot, threads: 1 });
  assert.equal(today.outputs[0]!.uri, `${join(storeRoot, 'raw', 'source=crm', 'type=users', `date=${new Date().toISOString().slice(0, 10)}`)}/`);
});

test('bad landing names are spec errors naming the field', async () => {
  const input = join(dir.path, 'x.csv');
  await writeFile(input, csv(3));
  const bad = await runLocal(spec(input, { source: '../etc', type: 'users' }), { storeRoot: join(dir.path, 'store2'), threads: 1 });
  assert.equal(bad.status, 'failed');
  assert.ok(isErrorCode(bad.errors[0], 'SPEC_INVALID'));
  assert.match(bad.errors[0]!.message, /stages\[0\]\.land\.source: use letters, digits/);
  const badDate = await runLocal(spec(input, { source: 'crm', type: 'users', date: '22.11.2026' }), { storeRoot: join(dir.path, 'store2'), threads: 1 });
  assert.match(badDate.errors[0]!.message, /stages\[0\]\.land\.date: use YYYY-MM-DD/);
});
