/**
 * The registry index as a KvStore: storeKv over a LocalStore (local mode) and the memory bus's
 * registry bucket behave the same, key rules included; registryIndex picks the store for a
 * memory bus.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../shared/bus/memory.js';
import type { KvStore } from '../../shared/bus/types.js';
import { isErrorCode } from '../../shared/errors.js';
import { localIndexPrefix, registryIndex } from '../../shared/registry/index-kv.js';
import { storeKv } from '../../shared/registry/store-kv.js';
import { LocalStore } from '../../shared/store/local.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const isCode = (code: string) => (e: unknown) => isErrorCode(e, code as never);

function kvContract(name: string, make: () => Promise<{ kv: KvStore; done(): Promise<void> }>): void {
  void describe(`KvStore contract: ${name}`, () => {
    let kv: KvStore;
    let done: () => Promise<void>;
    before(async () => {
      ({ kv, done } = await make());
    });
    after(() => done());

    void it('get, put, overwrite, delete; missing keys are null and deleting them is fine', async () => {
      assert.equal(await kv.get('model.a.v.1'), null);
      await kv.put('model.a.v.1', { version: 1, nested: { x: [1, 2] } });
      await kv.put('model.a.v.2', { version: 2 });
      await kv.put('model.a.v.2', { version: 22 });
      assert.deepEqual(await kv.get('model.a.v.1'), { version: 1, nested: { x: [1, 2] } });
      assert.deepEqual(await kv.get('model.a.v.2'), { version: 22 });
      await kv.delete('model.a.v.1');
      await kv.delete('model.a.v.404');
      assert.equal(await kv.get('model.a.v.1'), null);
    });

    void it('keys are sorted; a prefix selects whole tokens only', async () => {
      for (const k of ['model.ab.v.1', 'model.b.v.1', 'model.a.alias.prod', 'view.a.v.1', 'model.a.v.10']) await kv.put(k, 1);
      const all = await kv.keys();
      assert.deepEqual(all, [...all].sort());
      assert.deepEqual(await kv.keys('model.a.'), ['model.a.alias.prod', 'model.a.v.10', 'model.a.v.2']);
      assert.deepEqual(await kv.keys('view.'), ['view.a.v.1']);
      assert.deepEqual(await kv.keys('nothing.'), []);
    });

    void it('bad keys, bad prefixes and values that are not JSON are OPTION_INVALID', async () => {
      for (const k of ['', 'has space', '.lead', 'trail.', 'a*b']) await assert.rejects(kv.put(k, 1), isCode('OPTION_INVALID'), k);
      await assert.rejects(async () => kv.keys('no-dot'), isCode('OPTION_INVALID'));
      await assert.rejects(kv.put('model.x.v.1', undefined), isCode('OPTION_INVALID'));
    });
  });
}

kvContract('storeKv over LocalStore', async () => {
  const dir = await tempDir('quiver-storekv');
  return { kv: storeKv(new LocalStore(), `${dir.path}/registry/index/`), done: dir.cleanup };
});

kvContract('MemoryBus.registry', () => {
  const bus = new MemoryBus();
  return Promise.resolve({ kv: bus.registry, done: () => bus.close() });
});

void describe('storeKv specifics', () => {
  let dir: TempDir;
  const store = new LocalStore();
  before(async () => {
    dir = await tempDir('quiver-storekv-x');
  });
  after(() => dir.cleanup());

  void it('each key is one JSON object <prefix><key>.json, seen by every instance on the prefix', async () => {
    const prefix = `${dir.path}/idx/`;
    await storeKv(store, prefix).put('model.churn.v.1', { a: 1 });
    assert.deepEqual(JSON.parse(await readFile(join(dir.path, 'idx', 'model.churn.v.1.json'), 'utf8')), { a: 1 });
    const other = storeKv(store, prefix);
    assert.deepEqual(await other.get('model.churn.v.1'), { a: 1 });
    assert.deepEqual(await other.keys(), ['model.churn.v.1']);
  });

  void it("keys with '/' are folders; a '..' segment cannot climb out of the prefix", async () => {
    const kv = storeKv(store, `${dir.path}/slash/`);
    await kv.put('a/b.c', 1);
    assert.deepEqual(await kv.keys(), ['a/b.c']);
    for (const k of ['a/../../x', 'a//b', 'a/./b']) await assert.rejects(kv.put(k, 1), isCode('OPTION_INVALID'), k);
  });

  void it('a corrupt entry is INPUT_INVALID naming it; a prefix without a slash is OPTION_INVALID', async () => {
    const kv = storeKv(store, `${dir.path}/bad/`);
    await kv.put('k', 1);
    await writeFile(join(dir.path, 'bad', 'k.json'), '{not json');
    await assert.rejects(kv.get('k'), (e) => isErrorCode(e, 'INPUT_INVALID') && /bad\/k\.json/.test((e as Error).message));
    assert.throws(() => storeKv(store, `${dir.path}/no-slash`), isCode('OPTION_INVALID'));
  });

  void it('registryIndex of a memory bus is the store under <root>/registry/index/, so it outlives the bus', async () => {
    const root = join(dir.path, 'root');
    const bus = new MemoryBus();
    const index = registryIndex(bus, store, root);
    await index.put('model.m.v.1', { v: 1 });
    await bus.close();
    assert.equal(localIndexPrefix(root), `${root}/registry/index/`);
    assert.deepEqual(await storeKv(store, localIndexPrefix(root)).get('model.m.v.1'), { v: 1 });
    assert.deepEqual(JSON.parse(await readFile(join(root, 'registry', 'index', 'model.m.v.1.json'), 'utf8')), { v: 1 });
  });
});
