/**
 * The model registry over a temp LocalStore with the store-kept index (local mode): sequential
 * versions, idempotent and crash-safe registration per (job, stage), aliases, get by number /
 * alias / latest, diff, load with its content check, and NOT_FOUND messages that list what exists.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../shared/bus/memory.js';
import { isErrorCode, QuiverError } from '../../shared/errors.js';
import type { FittedPipeline } from '../../shared/ml/features/types.js';
import type { ModelState } from '../../shared/ml/models/types.js';
import type { TrainingReport } from '../../shared/ml/report/types.js';
import { codeVersion } from '../../shared/registry/code-version.js';
import { localIndexPrefix } from '../../shared/registry/index-kv.js';
import { ModelRegistry, modelContentId } from '../../shared/registry/models.js';
import { storeKv } from '../../shared/registry/store-kv.js';
import type { RegisterModelInput } from '../../shared/registry/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const model = (coef: number[]): ModelState => ({ kind: 'logistic', task: 'binary', nFeatures: coef.length, coef, intercept: 0.5 });

function pipeline(features: string[], tag = 'p'): FittedPipeline {
  return { kind: 'quiver-feature-pipeline', format: 1, version: `${tag}${'0'.repeat(63)}`.slice(0, 64), input: features.map((name) => ({ name, type: 'float' })), steps: [], features, fittedRows: 100 };
}

function input(over: Partial<RegisterModelInput> = {}): RegisterModelInput {
  const features = over.features ?? ['age', 'income'];
  return {
    name: 'churn',
    model: model([0.1, -0.2]),
    pipeline: pipeline(features),
    params: { C: 1, penalty: 'l2' },
    metrics: { roc_auc: { n: 5, mean: 0.8, std: 0.02, min: 0.77, max: 0.83 }, accuracy: 0.75 },
    datasetVersion: 'a'.repeat(64),
    jobId: 'job-1',
    stage: 'train',
    task: 'binary',
    label: 'churned',
    classes: [0, 1],
    features,
    ...over,
  };
}

const notFound = (re: RegExp) => (e: unknown) => isErrorCode(e, 'NOT_FOUND') && re.test((e as Error).message);

void describe('ModelRegistry (local index in the store)', () => {
  let dir: TempDir;
  const store = new LocalStore();
  let n = 0;
  /** A fresh registry root per test. */
  const fresh = (s: ObjectStore = store): { reg: ModelRegistry; root: string } => {
    const root = join(dir.path, `r${++n}`);
    return { reg: new ModelRegistry({ store: s, root, index: storeKv(s, localIndexPrefix(root)) }), root };
  };
  before(async () => {
    dir = await tempDir('quiver-registry');
  });
  after(() => dir.cleanup());

  void it('versions are sequential per name; artifacts land under <root>/models/<name>/v<N>/', async () => {
    const { reg, root } = fresh();
    const report = { kind: 'quiver-training-report', jobId: 'job-1' } as unknown as TrainingReport;
    const v1 = await reg.register(input({ report }));
    const v2 = await reg.register(input({ jobId: 'job-2', model: model([0.3, 0.4]) }));
    const other = await reg.register(input({ name: 'fraud', jobId: 'job-3' }));
    assert.deepEqual([v1.version, v2.version, other.version], [1, 2, 1]);
    const folder = join(root, 'models', 'churn', 'v1');
    assert.deepEqual(JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')), model([0.1, -0.2]));
    assert.deepEqual(JSON.parse(await readFile(join(folder, 'pipeline.json'), 'utf8')), pipeline(['age', 'income']));
    assert.deepEqual(JSON.parse(await readFile(join(folder, 'report.json'), 'utf8')), report);
    assert.equal(v2.uris.report, null);
    assert.equal(v1.id, modelContentId(model([0.1, -0.2]), pipeline(['age', 'income'])));
    assert.match(v1.id, /^[0-9a-f]{64}$/);
    assert.notEqual(v1.id, v2.id);
    assert.equal(v1.kind, 'logistic');
    assert.equal(v1.pipelineVersion, pipeline(['age']).version);
    assert.equal(v1.codeVersion, codeVersion());
    assert.deepEqual((await reg.list()).map((r) => `${r.name}@${r.version}`), ['churn@1', 'churn@2', 'fraud@1']);
    assert.deepEqual((await reg.list('churn')).map((r) => r.version), [1, 2]);
    assert.deepEqual(await reg.list('nope'), []);
    assert.deepEqual(await reg.names(), ['churn', 'fraud']);
  });

  void it('registering the same (job, stage, name) again returns the first record; another stage is a new version', async () => {
    const { reg } = fresh();
    const a = await reg.register(input());
    const again = await reg.register(input({ model: model([9, 9]) }));
    assert.deepEqual(again, a);
    const all = await Promise.all([reg.register(input()), reg.register(input()), reg.register(input())]);
    assert.ok(all.every((r) => r.version === 1));
    const b = await reg.register(input({ stage: 'train-2' }));
    assert.equal(b.version, 2);
    assert.deepEqual((await reg.list('churn')).map((r) => r.version), [1, 2]);
  });

  void it('concurrent registrations of one name in one process get distinct versions', async () => {
    const { reg } = fresh();
    const recs = await Promise.all(Array.from({ length: 6 }, (_, i) => reg.register(input({ jobId: `job-${i}` }))));
    assert.deepEqual(recs.map((r) => r.version).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6]);
  });

  void it('a registration that crashed half-way is completed by the retry under the same version', async () => {
    let failRecord = true;
    const faulty: ObjectStore = Object.create(store) as ObjectStore;
    faulty.put = async (uri: string, data: Uint8Array): Promise<void> => {
      if (failRecord && uri.endsWith('/record.json')) {
        failRecord = false;
        throw QuiverError.retryable('STORE_FAILED', 'injected fault');
      }
      return store.put(uri, data);
    };
    const { reg } = fresh(faulty);
    await assert.rejects(reg.register(input({ aliases: ['staging'] })), (e) => isErrorCode(e, 'STORE_FAILED'));
    await assert.rejects(reg.get('churn'), notFound(/no model named "churn"/));
    const retried = await reg.register(input({ aliases: ['staging'] }));
    assert.equal(retried.version, 1);
    assert.deepEqual(retried.aliases, ['staging']);
    const next = await reg.register(input({ jobId: 'job-2' }));
    assert.equal(next.version, 2);
  });

  void it('get by number, numeric string, alias and latest; promote moves an alias', async () => {
    const { reg } = fresh();
    await reg.register(input({ aliases: ['staging'] }));
    await reg.register(input({ jobId: 'job-2', aliases: ['staging'] }));
    await reg.register(input({ jobId: 'job-3' }));
    assert.equal((await reg.get('churn')).version, 3);
    assert.equal((await reg.get('churn', 'latest')).version, 3);
    assert.equal((await reg.get('churn', 2)).version, 2);
    assert.equal((await reg.get('churn', '1')).version, 1);
    assert.equal((await reg.get('churn', 'staging')).version, 2, 'registering with an alias moves it');
    assert.deepEqual((await reg.get('churn', 1)).aliases, []);
    const p = await reg.promote('churn', 1, 'production');
    assert.deepEqual([p.version, p.aliases], [1, ['production']]);
    await reg.promote('churn', 3, 'production');
    assert.equal((await reg.get('churn', 'production')).version, 3);
    assert.deepEqual((await reg.get('churn', 1)).aliases, []);
    assert.deepEqual((await reg.list('churn')).map((r) => r.aliases), [[], ['staging'], ['production']]);
    assert.deepEqual([...(await reg.aliases('churn'))], [['production', 3], ['staging', 2]]);
  });

  void it('missing names, versions and aliases are NOT_FOUND listing what exists; reserved aliases are refused', async () => {
    const { reg } = fresh();
    await reg.register(input({ aliases: ['production'] }));
    await reg.register(input({ jobId: 'job-2' }));
    await reg.register(input({ name: 'fraud', jobId: 'job-3' }));
    await assert.rejects(reg.get('nope'), notFound(/no model named "nope".*registered models: churn, fraud/));
    await assert.rejects(reg.get('churn', 7), notFound(/no version 7; versions: 1, 2; aliases: production → v1/));
    await assert.rejects(reg.get('churn', 'canary'), notFound(/no alias "canary"; versions: 1, 2/));
    await assert.rejects(reg.promote('churn', 9, 'production'), notFound(/no version 9/));
    for (const bad of ['latest', '12', 'has space']) await assert.rejects(reg.promote('churn', 1, bad), (e) => isErrorCode(e, 'OPTION_INVALID'), bad);
    await assert.rejects(reg.register(input({ name: 'bad.name' })), (e) => isErrorCode(e, 'OPTION_INVALID'));
    await assert.rejects(reg.register(input({ features: [1 as unknown as string] })), (e) => isErrorCode(e, 'INPUT_INVALID'));
  });

  void it('diff reports kind, params, metrics with deltas, features, dataset and pipeline versions', async () => {
    const { reg } = fresh();
    const a = await reg.register(input());
    const b = await reg.register(
      input({
        jobId: 'job-2',
        model: { ...model([1, 2, 3]), kind: 'gbt' },
        params: { C: 1, penalty: 'l1', maxIter: 50 },
        metrics: { roc_auc: { n: 5, mean: 0.85, std: 0.01, min: 0.84, max: 0.86 }, accuracy: 0.75 },
        features: ['income', 'age', 'tenure'],
        pipeline: pipeline(['income', 'age', 'tenure'], 'q'),
        datasetVersion: 'b'.repeat(64),
      }),
    );
    const d = reg.diff(a, b);
    assert.deepEqual(d.kind, { a: 'logistic', b: 'gbt' });
    assert.deepEqual(d.params, [
      { key: 'maxIter', a: null, b: 50 },
      { key: 'penalty', a: 'l2', b: 'l1' },
    ]);
    assert.equal(d.metrics.length, 1);
    assert.equal(d.metrics[0]!.key, 'roc_auc');
    assert.ok(Math.abs(d.metrics[0]!.delta! - 0.05) < 1e-12);
    assert.deepEqual(d.features, { added: ['tenure'], removed: [], reordered: true });
    assert.deepEqual(d.datasetVersion, { a: 'a'.repeat(64), b: 'b'.repeat(64) });
    assert.notEqual(d.pipelineVersion, null);
    assert.equal(d.sameContent, false);
    const same = reg.diff(a, a);
    assert.deepEqual([same.sameContent, same.kind, same.params, same.metrics, same.datasetVersion], [true, null, [], [], null]);
    assert.deepEqual(same.features, { added: [], removed: [], reordered: false });
  });

  void it('load returns the model and pipeline; files changed after registration are INPUT_INVALID', async () => {
    const { reg, root } = fresh();
    const rec = await reg.register(input());
    const noPipe = await reg.register(input({ jobId: 'job-2', pipeline: null }));
    assert.deepEqual(await reg.load(rec), { model: model([0.1, -0.2]), pipeline: pipeline(['age', 'income']) });
    assert.deepEqual(await reg.load(noPipe), { model: model([0.1, -0.2]), pipeline: null });
    assert.equal(noPipe.uris.pipeline, null);
    await writeFile(join(root, 'models', 'churn', 'v1', 'model.json'), JSON.stringify(model([5, 5])));
    await assert.rejects(reg.load(rec), (e) => isErrorCode(e, 'INPUT_INVALID') && /do not match the registered content id/.test((e as Error).message));
  });

  void it('codeVersion is the package version, plus QUIVER_CODE_VERSION or the checkout commit', async () => {
    // dist/tests/unit or .build/<name>/tests/unit: the package.json above whichever it is.
    let pkgDir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(pkgDir, 'package.json'))) pkgDir = dirname(pkgDir);
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    assert.equal(codeVersion({ QUIVER_CODE_VERSION: 'build-77' }), `${pkg.version}+build-77`);
    assert.match(codeVersion({}), new RegExp(`^${pkg.version.replace(/\./g, '\\.')}(\\+[0-9a-f]{12})?$`));
  });

  void it('works the same with the memory bus registry bucket as index', async () => {
    const bus = new MemoryBus();
    try {
      const root = join(dir.path, 'membus');
      const reg = new ModelRegistry({ store, root, index: bus.registry });
      await reg.register(input({ aliases: ['production'] }));
      await reg.register(input());
      await reg.register(input({ jobId: 'job-2' }));
      assert.deepEqual((await reg.list()).map((r) => [r.version, r.aliases]), [[1, ['production']], [2, []]]);
      assert.ok((await bus.registry.keys('model.churn.')).includes('model.churn.v.2'));
    } finally {
      await bus.close();
    }
  });
});
