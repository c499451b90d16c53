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
  for (const s of first.stages) {
    assert.equal(s.phaseSeconds.length, s.tasks.phases, `${s.id}: one duration per phase`);
    assert.ok(s.phaseSeconds.every((x) => x >= 0), `${s.id}: ${s.phaseSeconds.join(', ')}`);
    const inPhases = s.phaseSeconds.reduce((a, b) => a + b, 0);
    assert.ok(inPhases > 0 && inPhases <= s.seconds + 0.002, `${s.id}: phases ${inPhases} s within the stage's ${s.seconds} s`);
  }

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

test('a job pinned to a dataset version reads exactly that data, whatever the raw files do later', async () => {
  const input = join(dir.path, 'pinned.csv');
  await writeFile(input, rows(900));
  const storeRoot = join(dir.path, 'store-pin');
  const first = await runLocal(spec(input), { storeRoot, threads: 2 });
  const raw = first.datasets.find((d) => d.stage === 'raw')!;
  const pinned = (version: string) =>
    validateSpec({
      name: 'pinned',
      stages: [
        { id: 'raw', op: 'ingest', source: { kind: 'dataset', version } },
        { id: 'big', op: 'filter', input: 'raw', where: 'spend > 100' },
      ],
    });
  const a = await runLocal(pinned(raw.version.slice(0, 12)), { storeRoot, threads: 2 });
  assert.equal(a.status, 'succeeded', JSON.stringify(a.errors));
  assert.equal(a.datasets[0]!.version, raw.version, 'the pinned data keeps its version');
  assert.equal(a.datasets[1]!.version, first.datasets[1]!.version, 'the same computation on it gives the same version');
  await writeFile(input, rows(50)); // the raw source changes...
  const b = await runLocal(pinned(raw.version), { storeRoot, threads: 2 });
  assert.deepEqual(b.datasets.map((d) => d.version), a.datasets.map((d) => d.version), '...a rerun on the pinned version does not');
  assert.equal(b.records.in, 900);

  // A shard changed behind the manifest's back (same size, other bytes): the version is refused.
  const manifest = JSON.parse(await readFile(raw.manifest, 'utf8')) as DatasetManifest;
  const shard = manifest.shards[0]!.uri;
  const bytes = await readFile(shard);
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
  await writeFile(shard, bytes);
  const tampered = await runLocal(pinned(raw.version), { storeRoot, threads: 2 });
  assert.equal(tampered.status, 'failed');
  assert.match(tampered.errors[0]!.message, /changed since it was versioned/);

  const missing = await runLocal(pinned('0123456789abcdef'), { storeRoot, threads: 2 });
  assert.equal(missing.status, 'failed');
  assert.match(missing.errors[0]!.message, /no dataset version 0123456789abcdef/);
});
