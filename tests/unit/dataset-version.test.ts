/**
 * Dataset versions: content hashes of stage outputs, manifests with lineage, and a rerun on the
 * same input reproducing the same versions (while a changed input changes them).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runLocal } from '../../cli/local-run.js';
import { datasetVersion } from '../../shared/dataset-version.js';
import type { DatasetManifest } from '../../shared/dataset-version.js';
import { validateSpec } from '../../shared/spec/load.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('dataset-version');
});
after(() => dir.cleanup());

const rows = (n: number): string => ['id,city,spend', ...Array.from({ length: n }, (_, i) => `${i},${['Berlin', 'Paris', 'Oslo'][i % 3]},${(i * 1.5).toFixed(1)}`)].join('\n') + '\n';

function spec(input: string) {
  return validateSpec({
    name: 'versions',
    defaults: { shardRows: 400 },
    stages: [
      { id: 'raw', op: 'ingest', source: { uri: input } },
      { id: 'big', op: 'filter', input: 'raw', where: 'spend > 100' },
      { id: 'by_city', op: 'aggregate', input: 'big', by: ['city'], aggs: [{ fn: 'count', as: 'n' }] },
    ],
  });
}

test('the version hashes schema, shard hashes and rows; not URIs', () => {
  const schema = { fields: [{ name: 'a', type: 'int' as const, nullable: false }] };
  const a = datasetVersion({ schema, shards: [{ uri: 'x/1', rows: 2, bytes: 9, sha256: 'aa' }] });
  assert.match(a ?? '', /^[0-9a-f]{64}$/);
  assert.equal(datasetVersion({ schema, shards: [{ uri: 'y/1', rows: 2, bytes: 9, sha256: 'aa' }] }), a, 'another URI, same version');
  assert.notEqual(datasetVersion({ schema, shards: [{ uri: 'x/1', rows: 2, bytes: 9, sha256: 'ab' }] }), a);
  assert.notEqual(datasetVersion({ schema: { fields: [{ name: 'a', type: 'float', nullable: false }] }, shards: [{ uri: 'x/1', rows: 2, bytes: 9, sha256: 'aa' }] }), a);
  assert.equal(datasetVersion({ schema, shards: [{ uri: 'x/1', rows: 2, bytes: 9 }] }), null, 'no hash, no version');
});

test('a job lists each stage output version with a manifest; a rerun reproduces them; new data changes them', async () => {
  const input = join(dir.path, 'in.csv');
  await writeFile(input, rows(1000));
  const storeRoot = join(dir.path, 'store');
  const first = await runLocal(spec(input), { storeRoot, threads: 2 });
  const second = await runLocal(spec(input), { storeRoot, threads: 2 });
  assert.equal(first.status, 'succeeded');
  assert.deepEqual(first.datasets.map((d) => d.stage), ['raw', 'big', 'by_city']);
  assert.deepEqual(second.datasets.map((d) => d.version), first.datasets.map((d) => d.version), 'same input, same versions');
  assert.notEqual(first.jobId, second.jobId);

  const manifests = await Promise.all(first.datasets.map(async (d) => JSON.parse(await readFile(d.manifest, 'utf8')) as DatasetManifest));
  const [raw, big, byCity] = manifests;
  assert.equal(raw!.rows, 1000);
  assert.equal(raw!.shards.length, 3, '1000 rows at 400 per shard');
  assert.deepEqual(raw!.parents, []);
  assert.deepEqual(raw!.source, { uri: input });
  assert.deepEqual(big!.parents, [raw!.version]);
  assert.deepEqual(byCity!.parents, [big!.version]);
  assert.equal(byCity!.rows, 3);
  assert.equal(raw!.job.id, first.jobId, 'the manifest keeps the first job that wrote the version');
  assert.equal(datasetVersion(raw!), raw!.version, 'the manifest holds what its version hashes');

  await writeFile(input, rows(1001));
  const third = await runLocal(spec(input), { storeRoot, threads: 2 });
  assert.notEqual(third.datasets[0]!.version, first.datasets[0]!.version, 'one more row, another version');
});
