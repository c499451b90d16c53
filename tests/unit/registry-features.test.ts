/**
 * The feature store view over a temp LocalStore: entityPartition (FNV-1a), views written as
 * Arrow shards partitioned by key and read back one shard per lookup, versions, idempotency per
 * (job, stage), and as-of lookups by dataset version.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import { encodeTable } from '../../shared/arrow/ipc.js';
import type { ColumnType } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { FittedPipeline } from '../../shared/ml/features/types.js';
import { FeatureStore } from '../../shared/registry/features.js';
import { localIndexPrefix } from '../../shared/registry/index-kv.js';
import { entityPartition, fnv1a32 } from '../../shared/registry/partition.js';
import { storeKv } from '../../shared/registry/store-kv.js';
import type { RegisterViewInput } from '../../shared/registry/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const enc = new TextEncoder();
const DS_A = `aaaa1111${'0'.repeat(56)}`;
const DS_B = `bbbb2222${'0'.repeat(56)}`;

void describe('entityPartition', () => {
  void it('is FNV-1a 32-bit over UTF-8 (reference values from an independent implementation)', () => {
    assert.equal(fnv1a32(enc.encode('')), 0x811c9dc5);
    assert.equal(fnv1a32(enc.encode('a')), 0xe40c292c);
    assert.equal(fnv1a32(enc.encode('foobar')), 0xbf9cf968);
    assert.equal(fnv1a32(enc.encode('é')), 0x1e9de8c1);
    assert.equal(entityPartition('user-17', 16), 0x7567e479 % 16);
    assert.equal(entityPartition('é', 16), 1);
  });

  void it('numbers, bigints and their strings are the same entity; every partition gets keys', () => {
    assert.equal(entityPartition(42, 16), entityPartition('42', 16));
    assert.equal(entityPartition(42n, 16), 3);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 10_000; i++) counts[entityPartition(`u-${i}`, 16)]!++;
    assert.ok(counts.every((c) => c > 400 && c < 850), counts.join(','));
    assert.equal(entityPartition('x', 1), 0);
    for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => entityPartition('x', bad), (e) => isErrorCode(e, 'OPTION_INVALID'));
  });
});

function pipeline(tag: string): FittedPipeline {
  return { kind: 'quiver-feature-pipeline', format: 1, version: tag.repeat(64).slice(0, 64), input: [{ name: 'age', type: 'int' }], steps: [], features: ['age_z', 'plan_pro'], fittedRows: 3 };
}

/** Writes one Arrow shard per partition, each row in the partition of its key. */
async function writeShards(store: ObjectStore, prefix: string, entityType: ColumnType, rows: { key: string | number; age_z: number; plan_pro: number; plan: string | null }[], partitions: number): Promise<string[]> {
  const schema = { fields: [{ name: 'user_id', type: entityType, nullable: false }, { name: 'age_z', type: 'float' as const, nullable: true }, { name: 'plan_pro', type: 'float' as const, nullable: true }, { name: 'plan', type: 'string' as const, nullable: true }] };
  const uris: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const b = schema.fields.map((f) => new ColumnBuilder(f.type));
    for (const r of rows.filter((x) => entityPartition(x.key, partitions) === p)) [r.key, r.age_z, r.plan_pro, r.plan].forEach((v, i) => b[i]!.append(v));
    const uri = `${prefix}/part-${String(p).padStart(5, '0')}.arrow`;
    await store.put(uri, encodeTable(tableFromBuilders(schema, b)));
    uris.push(uri);
  }
  return uris;
}

const features = [
  { name: 'age_z', transform: 'scale(standard) of age', type: 'float' as const, description: 'standardized age' },
  { name: 'plan_pro', transform: 'onehot of plan', type: 'float' as const },
];

void describe('FeatureStore', () => {
  let dir: TempDir;
  const store = new LocalStore();
  let n = 0;
  const fresh = (s: ObjectStore = store): { fs: FeatureStore; root: string } => {
    const root = join(dir.path, `r${++n}`);
    return { fs: new FeatureStore({ store: s, root, index: storeKv(s, localIndexPrefix(root)) }), root };
  };
  const view = (shards: string[], over: Partial<RegisterViewInput> = {}): RegisterViewInput => ({
    name: 'user_features',
    entity: 'user_id',
    description: 'per-user features',
    owner: 'ml-team',
    features,
    datasetVersion: DS_A,
    pipeline: pipeline('a'),
    pipelineUri: 's3://b/jobs/j1/features/pipeline.json',
    partitions: shards.length,
    shards,
    jobId: 'job-1',
    stage: 'features',
    ...over,
  });
  before(async () => {
    dir = await tempDir('quiver-features');
  });
  after(() => dir.cleanup());

  void it('getByKey finds every key by reading only the shard of its partition', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ key: `u-${i}`, age_z: i / 10, plan_pro: i % 2, plan: i % 7 === 0 ? null : `p${i % 3}` }));
    const shards = await writeShards(store, join(dir.path, 'shards-str'), 'string', rows, 8);
    const reads: string[] = [];
    const counting: ObjectStore = Object.create(store) as ObjectStore;
    counting.get = (uri: string) => {
      reads.push(uri);
      return store.get(uri);
    };
    const { fs } = fresh(counting);
    const v = await fs.registerView(view(shards));
    assert.equal(v.version, 1);
    for (const r of rows) {
      reads.length = 0;
      const got = await new FeatureStore({ store: counting, root: 'unused', index: storeKv(store, `${dir.path}/unused/`) }).getByKey(v, r.key);
      assert.deepEqual(got, { user_id: r.key, age_z: r.age_z, plan_pro: r.plan_pro, plan: r.plan });
      assert.deepEqual(reads, [shards[entityPartition(r.key, 8)]]);
    }
    assert.equal(await fs.getByKey(v, 'u-999'), null);
  });

  void it('integer entity columns match number and string keys', async () => {
    const rows = [7, 8, 9000000001].map((key) => ({ key, age_z: key / 2, plan_pro: 1, plan: 'x' }));
    const shards = await writeShards(store, join(dir.path, 'shards-int'), 'int', rows, 3);
    const { fs } = fresh();
    const v = await fs.registerView(view(shards, { partitions: 3 }));
    assert.deepEqual(await fs.getByKey(v, 8), { user_id: 8, age_z: 4, plan_pro: 1, plan: 'x' });
    assert.deepEqual(await fs.getByKey(v, '9000000001'), { user_id: 9000000001, age_z: 4500000000.5, plan_pro: 1, plan: 'x' });
  });

  void it('versions are sequential, idempotent per (job, stage); the pipeline is copied into the registry', async () => {
    const { fs, root } = fresh();
    const shards = ['s0', 's1'];
    const v1 = await fs.registerView(view(shards));
    assert.deepEqual(await fs.registerView(view(shards)), v1);
    const v2 = await fs.registerView(view(shards, { jobId: 'job-2', datasetVersion: DS_B, pipeline: pipeline('b') }));
    assert.equal(v2.version, 2);
    assert.equal(v1.pipelineUri, `${join(root, 'features', 'user_features', 'v1')}/pipeline.json`);
    assert.equal(v1.sourcePipelineUri, 's3://b/jobs/j1/features/pipeline.json');
    assert.deepEqual(await fs.pipeline(v2), pipeline('b'));
    assert.equal(v1.pipelineVersion, pipeline('a').version);
    assert.deepEqual((await fs.listViews()).map((v) => `${v.name}@${v.version}`), ['user_features@1', 'user_features@2']);
    assert.deepEqual([v1.description, v1.owner, v1.entity, v1.features], ['per-user features', 'ml-team', 'user_id', features]);
  });

  void it('getView: latest, a number, as-of a dataset version (newest built from it); NOT_FOUND lists what exists', async () => {
    const { fs } = fresh();
    const s = ['s0'];
    await fs.registerView(view(s, { jobId: 'j1', datasetVersion: DS_A }));
    await fs.registerView(view(s, { jobId: 'j2', datasetVersion: DS_B }));
    await fs.registerView(view(s, { jobId: 'j3', datasetVersion: DS_A }));
    await fs.registerView(view(s, { jobId: 'j4', datasetVersion: null }));
    assert.equal((await fs.getView('user_features')).version, 4);
    assert.equal((await fs.getView('user_features', 2)).version, 2);
    assert.equal((await fs.getView('user_features', 'latest', { asOfDataset: DS_A })).version, 3);
    assert.equal((await fs.getView('user_features', 'latest', { asOfDataset: 'BBBB2222' })).version, 2, 'an 8-digit prefix, any case');
    const nf = (re: RegExp) => (e: unknown) => isErrorCode(e, 'NOT_FOUND') && re.test((e as Error).message);
    await assert.rejects(fs.getView('user_features', 'latest', { asOfDataset: 'cccc3333' }), nf(/no version .* built from dataset cccc3333; versions: v1 ← aaaa11110000, v2 ← bbbb22220000, v3 ← aaaa11110000, v4 ← unversioned/));
    await assert.rejects(fs.getView('user_features', 9), nf(/no version 9; versions: 1, 2, 3, 4/));
    await assert.rejects(fs.getView('nope'), nf(/no feature view named "nope".*views: user_features/));
    await assert.rejects(fs.getView('user_features', 'latest', { asOfDataset: 'abc' }), (e) => isErrorCode(e, 'OPTION_INVALID'));
    await assert.rejects(fs.getView('user_features', 1, { asOfDataset: DS_A }), (e) => isErrorCode(e, 'OPTION_INVALID'));
  });

  void it('rejects views whose shards do not match their partitions, or without features', async () => {
    const { fs } = fresh();
    await assert.rejects(fs.registerView(view(['a', 'b'], { partitions: 3 })), (e) => isErrorCode(e, 'INPUT_INVALID'));
    await assert.rejects(fs.registerView(view(['a'], { features: [] })), (e) => isErrorCode(e, 'INPUT_INVALID'));
    await assert.rejects(fs.registerView(view(['a'], { name: 'has space' })), (e) => isErrorCode(e, 'OPTION_INVALID'));
  });
});
