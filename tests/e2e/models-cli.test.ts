/**
 * `quiver models` and `quiver features` as a user meets them: a registry populated through the
 * API in a temp store, then the built CLI: tables, --json, NOT_FOUND listing what exists (exit
 * 2), promote, diff, predict (pipeline + estimator), lookups by key and as-of, the online path,
 * and the same commands against the cluster's NATS KV index.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import { encodeTable } from '../../shared/arrow/ipc.js';
import { NatsBus, resolveBusOptions } from '../../shared/bus/index.js';
import type { FittedPipeline } from '../../shared/ml/features/types.js';
import type { ModelState } from '../../shared/ml/models/types.js';
import { FeatureStore } from '../../shared/registry/features.js';
import { localIndexPrefix } from '../../shared/registry/index-kv.js';
import { ModelRegistry } from '../../shared/registry/models.js';
import { entityPartition } from '../../shared/registry/partition.js';
import { storeKv } from '../../shared/registry/store-kv.js';
import type { FeatureViewRecord, ModelDiff, ModelRecord, RegisterModelInput } from '../../shared/registry/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { natsOrSkip, randomNamespace } from '../helpers/nats.js';
import { tempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

const DS_A = `aaaa1111${'0'.repeat(56)}`;
const DS_B = `bbbb2222${'0'.repeat(56)}`;
/** No fitted steps: the features are the raw numeric inputs, in order. */
const pipeline: FittedPipeline = {
  kind: 'quiver-feature-pipeline',
  format: 1,
  version: 'c'.repeat(64),
  input: [
    { name: 'age', type: 'float' },
    { name: 'income', type: 'float' },
  ],
  steps: [],
  features: ['age', 'income'],
  fittedRows: 8,
};

let dir: { path: string; cleanup(): Promise<void> };
let root: string;
const store = new LocalStore();
/** A stand-in model state for the commands that never predict. */
const stateOnly: ModelState = { kind: 'logistic', task: 'binary', nFeatures: 2, coef: [0.1, 0.2], intercept: -1 };

function input(over: Partial<RegisterModelInput> = {}): RegisterModelInput {
  return {
    name: 'churn',
    model: stateOnly,
    pipeline,
    params: { C: 1 },
    metrics: { roc_auc: { n: 5, mean: 0.8, std: 0.02, min: 0.77, max: 0.83 }, accuracy: 0.75 },
    datasetVersion: DS_A,
    jobId: 'job-1',
    stage: 'train',
    task: 'binary',
    label: 'churned',
    classes: ['no', 'yes'],
    features: ['age', 'income'],
    ...over,
  };
}

async function fitLogistic(): Promise<ModelState> {
  const { getEstimator } = await import('../../shared/ml/models/registry.js');
  const X = { data: new Float64Array([20, 1, 25, 2, 30, 1, 35, 3, 40, 5, 45, 4, 50, 6, 55, 5]), rows: 8, cols: 2 };
  const y = new Float64Array([0, 0, 0, 1, 0, 1, 1, 1]);
  return getEstimator('logistic').fit({ X, y, task: 'binary', classes: ['no', 'yes'], seed: 1, featureNames: ['age', 'income'] }, {});
}

async function writeView(fs: FeatureStore, jobId: string, datasetVersion: string, scale: number): Promise<FeatureViewRecord> {
  const schema = { fields: [{ name: 'user_id', type: 'string' as const, nullable: false }, { name: 'age', type: 'float' as const, nullable: true }, { name: 'income', type: 'float' as const, nullable: true }] };
  const shards: string[] = [];
  for (let p = 0; p < 4; p++) {
    const b = schema.fields.map((f) => new ColumnBuilder(f.type));
    for (let i = 0; i < 40; i++) {
      if (entityPartition(`u-${i}`, 4) !== p) continue;
      b[0]!.append(`u-${i}`);
      b[1]!.append(i * scale);
      b[2]!.append(i % 5);
    }
    const uri = join(root, 'jobs', jobId, 'features', `part-${p}.arrow`);
    await store.put(uri, encodeTable(tableFromBuilders(schema, b)));
    shards.push(uri);
  }
  const features = [
    { name: 'age', transform: 'identity', type: 'float' as const, description: 'age in years' },
    { name: 'income', transform: 'identity', type: 'float' as const },
  ];
  return fs.registerView({ name: 'user_features', entity: 'user_id', owner: 'ml-team', features, datasetVersion, pipeline, partitions: 4, shards, jobId, stage: 'features' });
}

before(async () => {
  dir = await tempDir('quiver-models-cli');
  root = join(dir.path, 'store');
  const opts = { store, root, index: storeKv(store, localIndexPrefix(root)) };
  const reg = new ModelRegistry(opts);
  await reg.register(input({ aliases: ['production'] }));
  await reg.register(input({ jobId: 'job-2', params: { C: 0.1 }, metrics: { roc_auc: { n: 5, mean: 0.85, std: 0.01, min: 0.84, max: 0.86 }, accuracy: 0.75 } }));
  const fs = new FeatureStore(opts);
  await writeView(fs, 'job-4', DS_A, 1);
  await writeView(fs, 'job-5', DS_B, 2);
});
after(() => dir.cleanup());

const S = (): string[] => ['--store', root];

void describe('quiver models', () => {
  test('list prints an aligned table; --json the records', async () => {
    const r = await quiver(['models', 'list', ...S()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+VERSION\s+ALIASES\s+KIND\s+TASK\s+METRICS\s+DATASET\s+CREATED$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^churn\s+1\s+production\s+/);
    const aliasCol = lines[0]!.indexOf('ALIASES');
    assert.ok(lines.slice(1).every((l) => l[aliasCol - 1] === ' ' && l[aliasCol] !== ' '), 'columns line up');
    const j = lastJson<ModelRecord[]>(await quiver(['models', 'list', 'churn', '--json', ...S()]));
    assert.deepEqual(j.map((m) => [m.version, m.aliases]), [[1, ['production']], [2, []]]);
  });

  test('show by alias, number and latest; a missing version or alias is NOT_FOUND listing what exists', async () => {
    assert.equal(lastJson<ModelRecord>(await quiver(['models', 'show', 'churn@production', '--json', ...S()])).version, 1);
    assert.equal(lastJson<ModelRecord>(await quiver(['models', 'show', 'churn', '--json', ...S()])).version, 2);
    const human = await quiver(['models', 'show', 'churn@1', ...S()]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^churn v1 \(production\)\n/);
    assert.match(human.stdout, /metrics:\nMETRIC\s+VALUE\nroc_auc\s+0\.8±0\.02/);
    const missing = await quiver(['models', 'show', 'churn@7', ...S()]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim(), 'error [NOT_FOUND]: model "churn" has no version 7; versions: 1, 2; aliases: production → v1');
    const j = await quiver(['models', 'show', 'nope', '--json', ...S()]);
    assert.equal(j.code, 2);
    const e = lastJson<{ error: { code: string; message: string } }>(j).error;
    assert.equal(e.code, 'NOT_FOUND');
    assert.match(e.message, /registered models: churn$/);
  });

  test('promote moves the alias; diff shows what changed', async () => {
    const p = await quiver(['models', 'promote', 'churn', '2', '--alias', 'production', ...S()]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), 'production → churn v2');
    assert.equal(lastJson<ModelRecord>(await quiver(['models', 'show', 'churn@production', '--json', ...S()])).version, 2);
    const d = lastJson<ModelDiff>(await quiver(['models', 'diff', 'churn@1', 'churn@2', '--json', ...S()]));
    assert.deepEqual(d.params, [{ key: 'C', a: 1, b: 0.1 }]);
    assert.deepEqual(d.metrics.map((m) => m.key), ['roc_auc']);
    assert.equal(d.sameContent, true, 'same model and pipeline content');
    const human = await quiver(['models', 'diff', 'churn@1', 'churn@production', ...S()]);
    assert.match(human.stdout, /churn v1 → churn v2 \(same content\)\nparams:\nPARAM\s+A\s+B\nC\s+1\s+0\.1\nmetrics:/);
    const bad = await quiver(['models', 'promote', 'churn', '2', '--alias', 'latest', ...S()]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error \[OPTION_INVALID\]: alias "latest" is reserved/);
  });

  test('predict runs the pipeline and the estimator: the same score as predicting in-process', async () => {
    const { getEstimator } = await import('../../shared/ml/models/registry.js');
    const { transformRecord } = await import('../../shared/ml/features/index.js');
    const model = await fitLogistic();
    const reg = new ModelRegistry({ store, root, index: storeKv(store, localIndexPrefix(root)) });
    await reg.register(input({ name: 'scored', jobId: 'job-p1', model, aliases: ['production'] }));
    await reg.register(input({ name: 'raw', jobId: 'job-p2', model, pipeline: null }));
    const record = { age: 41, income: 3 };
    const want = (await getEstimator('logistic').predict(model, { data: transformRecord(pipeline, record), rows: 1, cols: 2 }))[0]!;
    const r = await quiver(['models', 'predict', 'scored@production', '--record', JSON.stringify(record), '--json', ...S()]);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson<{ model: { version: number }; score: number; prediction: string; probabilities: Record<string, number> }>(r);
    assert.equal(out.model.version, 1);
    assert.equal(out.score, want);
    assert.equal(out.prediction, want >= 0.5 ? 'yes' : 'no');
    assert.equal(out.probabilities.yes, want);
    const raw = lastJson<{ score: number }>(await quiver(['models', 'predict', 'raw', '--record', JSON.stringify(record), '--json', ...S()]));
    assert.equal(raw.score, want, 'a model without a pipeline reads its features from the record by name');
    const human = await quiver(['models', 'predict', 'scored', '--record', JSON.stringify(record), ...S()]);
    assert.match(human.stdout, new RegExp(`prediction: (yes|no)\\nscore: ${String(want).replace('.', '\\.')}`));
    const bad = await quiver(['models', 'predict', 'raw', '--record', '{"age": 41}', ...S()]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^error \[OPTION_INVALID\]: --record: model raw v1 has no feature pipeline, .*"income" is undefined/);
  });
});

void describe('quiver features', () => {
  test('list and show', async () => {
    const l = await quiver(['features', 'list', ...S()]);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /^NAME\s+VERSION\s+ENTITY\s+FEATURES\s+PARTITIONS\s+DATASET\s+OWNER\s+CREATED\nuser_features\s+1\s+user_id\s+2\s+4\s+aaaa11110000\s+ml-team/);
    const s = await quiver(['features', 'show', 'user_features@1', ...S()]);
    assert.match(s.stdout, /FEATURE\s+TYPE\s+TRANSFORM\s+DESCRIPTION\nage\s+float\s+identity\s+age in years/);
  });

  test('get by key: latest, --version, --as-of; a missing key or dataset is NOT_FOUND', async () => {
    type Got = { view: { version: number }; features: Record<string, unknown> };
    const latest = lastJson<Got>(await quiver(['features', 'get', 'user_features', '--key', 'u-7', '--json', ...S()]));
    assert.deepEqual([latest.view.version, latest.features], [2, { user_id: 'u-7', age: 14, income: 2 }]);
    const v1 = lastJson<Got>(await quiver(['features', 'get', 'user_features', '--key', 'u-7', '--version', '1', '--json', ...S()]));
    assert.deepEqual(v1.features, { user_id: 'u-7', age: 7, income: 2 });
    const asOf = lastJson<Got>(await quiver(['features', 'get', 'user_features', '--key', 'u-7', '--as-of', 'aaaa1111', '--json', ...S()]));
    assert.equal(asOf.view.version, 1);
    const human = await quiver(['features', 'get', 'user_features@1', '--key', 'u-7', ...S()]);
    assert.equal(human.stdout, 'user_features v1, user_id = u-7\nFEATURE  VALUE\nage          7\nincome       2\n');
    const none = await quiver(['features', 'get', 'user_features', '--key', 'u-404', ...S()]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^error \[NOT_FOUND\]: user_id "u-404" is not in feature view user_features v2/);
    const ds = await quiver(['features', 'get', 'user_features', '--key', 'u-1', '--as-of', 'cccc3333', ...S()]);
    assert.equal(ds.code, 2);
    assert.match(ds.stderr, /versions: v1 ← aaaa11110000, v2 ← bbbb22220000/);
  });

  test('--record runs the online path through the view pipeline', async () => {
    const { transformRecord } = await import('../../shared/ml/features/index.js');
    const record = { age: 33, income: 4 };
    const r = await quiver(['features', 'get', 'user_features', '--record', JSON.stringify(record), '--json', ...S()]);
    assert.equal(r.code, 0, r.stderr);
    const want = transformRecord(pipeline, record);
    assert.deepEqual(lastJson<{ features: Record<string, number> }>(r).features, { age: want[0], income: want[1] });
  });
});

const nats = await natsOrSkip();
after(() => nats?.stop());

void describe('with --nats: the cluster index in NATS KV', () => {
  test('models list/promote/show read and write the <namespace>_registry bucket', { skip: nats === undefined ? 'nats-server not installed' : false }, async () => {
    const namespace = randomNamespace();
    const bus = await NatsBus.connect(resolveBusOptions({ nats: nats!.url, namespace }));
    try {
      const reg = new ModelRegistry({ store, root, index: bus.registry });
      await reg.register(input({ name: 'cluster', jobId: 'job-c1' }));
      await reg.register(input({ name: 'cluster', jobId: 'job-c2' }));
      const N = ['--nats', nats!.url, '--namespace', namespace, ...S()];
      const list = lastJson<ModelRecord[]>(await quiver(['models', 'list', '--json', ...N]));
      assert.deepEqual(list.map((m) => `${m.name}@${m.version}`), ['cluster@1', 'cluster@2'], 'only what the NATS index holds');
      assert.equal((await quiver(['models', 'promote', 'cluster', '1', '--alias', 'production', ...N])).code, 0);
      assert.equal((await reg.get('cluster', 'production')).version, 1);
      const local = lastJson<ModelRecord[]>(await quiver(['models', 'list', 'cluster', '--json', ...S()]));
      assert.deepEqual(local, [], 'the store-kept index is another index');
    } finally {
      await bus.destroy();
    }
  });
});
