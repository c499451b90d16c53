/**
 * The registry with its index in NATS KV (the cluster setup): a real nats-server, a random
 * namespace per test. The bus's `<namespace>_registry` bucket holds the index; a second process
 * (connectRegistryIndex, as the CLI uses) sees the same models and aliases; destroy() removes it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { NatsBus, resolveBusOptions } from '../../shared/bus/index.js';
import { isErrorCode } from '../../shared/errors.js';
import type { FittedPipeline } from '../../shared/ml/features/types.js';
import { FeatureStore } from '../../shared/registry/features.js';
import { connectRegistryIndex, registryIndex } from '../../shared/registry/index-kv.js';
import { ModelRegistry } from '../../shared/registry/models.js';
import type { RegisterModelInput } from '../../shared/registry/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { NATS_SKIP_REASON, natsOrSkip, randomNamespace } from '../helpers/nats.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const nats = await natsOrSkip();
after(() => nats?.stop());
const skip = nats === undefined ? NATS_SKIP_REASON : false;

const pipeline: FittedPipeline = { kind: 'quiver-feature-pipeline', format: 1, version: 'f'.repeat(64), input: [{ name: 'x', type: 'float' }], steps: [], features: ['x'], fittedRows: 10 };

function input(over: Partial<RegisterModelInput> = {}): RegisterModelInput {
  return {
    name: 'churn',
    model: { kind: 'logistic', task: 'binary', nFeatures: 1, coef: [0.5], intercept: 0 },
    pipeline,
    params: { C: 1 },
    metrics: { roc_auc: { n: 3, mean: 0.9, std: 0.01, min: 0.89, max: 0.91 } },
    datasetVersion: 'd'.repeat(64),
    jobId: 'job-1',
    stage: 'train',
    task: 'binary',
    label: 'y',
    classes: [0, 1],
    features: ['x'],
    ...over,
  };
}

/** A bus on a fresh namespace, destroyed (streams and buckets deleted) after the test. */
async function openBus(t: TestContext): Promise<{ bus: NatsBus; namespace: string }> {
  const namespace = randomNamespace();
  const bus = await NatsBus.connect(resolveBusOptions({ nats: nats!.url, namespace }));
  t.after(async () => {
    await bus.destroy().catch(() => undefined);
  });
  return { bus, namespace };
}

void describe('registry index in NATS KV', { skip }, () => {
  let dir: TempDir;
  const store = new LocalStore();
  before(async () => {
    dir = await tempDir('quiver-registry-nats');
  });
  after(() => dir.cleanup());

  void test('registryIndex of a NATS bus is its <namespace>_registry bucket; registration is idempotent there', async (t) => {
    const { bus, namespace } = await openBus(t);
    const root = join(dir.path, namespace);
    const index = registryIndex(bus, store, root);
    assert.equal(index, bus.registry);
    const reg = new ModelRegistry({ store, root, index });
    const v1 = await reg.register(input({ aliases: ['staging'] }));
    assert.deepEqual(await reg.register(input()), v1, 'a retried coordinator gets the same version');
    const v2 = await reg.register(input({ jobId: 'job-2' }));
    assert.deepEqual([v1.version, v2.version], [1, 2]);

    const nc = await connect({ servers: nats!.url });
    try {
      const kv = await new Kvm(jetstream(nc)).open(`${namespace}_registry`);
      const keys: string[] = [];
      for await (const k of await kv.keys('model.churn.>')) keys.push(k);
      assert.ok(keys.includes('model.churn.v.1') && keys.includes('model.churn.v.2') && keys.includes('model.churn.alias.staging'), keys.join(','));
      assert.equal((await kv.get('model.churn.v.2'))?.json<{ jobId: string }>().jobId, 'job-2');
    } finally {
      await nc.close();
    }
  });

  void test('another process (the CLI) reads the same index with connectRegistryIndex; promote there is seen here', async (t) => {
    const { bus, namespace } = await openBus(t);
    const root = join(dir.path, namespace);
    const coordinator = new ModelRegistry({ store, root, index: bus.registry });
    await coordinator.register(input());
    await coordinator.register(input({ jobId: 'job-2' }));
    const cli = await connectRegistryIndex({ nats: nats!.url, namespace });
    try {
      const other = new ModelRegistry({ store, root, index: cli.index });
      assert.deepEqual((await other.list()).map((r) => r.version), [1, 2]);
      await other.promote('churn', 1, 'production');
      assert.equal((await coordinator.get('churn', 'production')).version, 1);
      await assert.rejects(other.get('churn', 'canary'), (e) => isErrorCode(e, 'NOT_FOUND') && /aliases: production → v1/.test((e as Error).message));
      const loaded = await other.load(await other.get('churn', 'production'));
      assert.deepEqual(loaded.pipeline, pipeline);
    } finally {
      await cli.close();
    }
  });

  void test('feature views are indexed in the same bucket, as-of lookups included', async (t) => {
    const { bus, namespace } = await openBus(t);
    const fs = new FeatureStore({ store, root: join(dir.path, namespace), index: bus.registry });
    const base = { name: 'users', entity: 'id', features: [{ name: 'x', transform: 'identity', type: 'float' as const }], pipeline, partitions: 1, shards: ['s'], stage: 'f' };
    await fs.registerView({ ...base, datasetVersion: 'a'.repeat(64), jobId: 'j1' });
    await fs.registerView({ ...base, datasetVersion: 'b'.repeat(64), jobId: 'j2' });
    await fs.registerView({ ...base, datasetVersion: 'b'.repeat(64), jobId: 'j2' });
    assert.deepEqual((await fs.listViews()).map((v) => v.version), [1, 2]);
    assert.equal((await fs.getView('users', 'latest', { asOfDataset: 'a'.repeat(8) })).version, 1);
    assert.ok((await bus.registry.keys('view.users.')).includes('view.users.v.2'));
  });

  void test('destroy() deletes the registry bucket with the rest of the namespace', async () => {
    const namespace = randomNamespace();
    const bus = await NatsBus.connect(resolveBusOptions({ nats: nats!.url, namespace }));
    await bus.registry.put('model.m.v.1', { v: 1 });
    await bus.destroy();
    const nc = await connect({ servers: nats!.url });
    try {
      const names = await (await jetstreamManager(nc)).streams.names().next();
      assert.ok(!names.includes(`KV_${namespace}_registry`), names.join(','));
    } finally {
      await nc.close();
    }
  });

  void test('connectRegistryIndex to a server that is not there is a retryable BUS_FAILED naming the URL', async () => {
    await assert.rejects(connectRegistryIndex({ nats: 'nats://127.0.0.1:1' }), (e) => isErrorCode(e, 'BUS_FAILED') && /nats:\/\/127\.0\.0\.1:1/.test((e as Error).message));
  });
});
