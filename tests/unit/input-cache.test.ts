/**
 * Broadcast inputs by content hash: the cache keeps bytes up to its bound (least recently used
 * out first) and hands out copies; a worker fetches an input with a `sha256` once for all its
 * tasks, and every other input each time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBus } from '../../shared/bus/memory.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/types.js';
import type { TaskResult } from '../../shared/task.js';
import { InputCache } from '../../worker/input-cache.js';
import { QuiverWorker } from '../../worker/runtime.js';
import { tempDir } from '../helpers/tmp.js';

test('InputCache: hits serve copies, least recently used entries leave past the bound, oversized ones are not kept', async () => {
  const cache = new InputCache(10);
  let fetches = 0;
  const fetch = (n: number) => async (): Promise<Uint8Array> => {
    fetches++;
    return new Uint8Array(n).fill(n);
  };
  const a = await cache.get('a', fetch(4));
  a.fill(0);
  assert.deepEqual([...(await cache.get('a', fetch(4)))], [4, 4, 4, 4], 'a copy: the caller may change or transfer it');
  await cache.get('b', fetch(4));
  await cache.get('a', fetch(4)); // a is now the most recent
  await cache.get('c', fetch(4)); // 12 bytes > 10: b goes
  assert.equal(fetches, 3);
  await cache.get('a', fetch(4));
  assert.equal(fetches, 3, 'a stayed');
  await cache.get('b', fetch(4));
  assert.equal(fetches, 4, 'b was evicted');
  await cache.get('big', fetch(11));
  await cache.get('big', fetch(11));
  assert.equal(fetches, 6, 'larger than the cache: fetched each time');
  assert.ok(cache.size <= 10);
  assert.deepEqual([cache.hits, cache.misses], [3, 6]);
});

test('a worker fetches a broadcast input (with sha256) once for all its tasks, plain inputs every time', async () => {
  const dir = await tempDir('quiver-input-cache');
  const inner = createStore();
  const gets = new Map<string, number>();
  const store: ObjectStore = Object.assign(Object.create(inner) as ObjectStore, {
    get: async (uri: string) => {
      gets.set(uri, (gets.get(uri) ?? 0) + 1);
      return inner.get(uri);
    },
  });
  await inner.put(`${dir.path}/shared.bin`, new Uint8Array([1, 2, 3]));
  await inner.put(`${dir.path}/own.bin`, new Uint8Array([4]));
  const bus = new MemoryBus({ ackWaitMs: 5000, maxDeliver: 2 });
  const worker = new QuiverWorker(bus, () => store, { threads: 1, pollMs: 20 });
  await worker.start();
  try {
    const results: TaskResult[] = [];
    const done = new Promise<void>((resolve) => bus.onResult(async (r) => {
      results.push(r);
      if (results.length === 3) resolve();
    }));
    for (let i = 0; i < 3; i++) {
      await bus.dispatch({
        id: `job1.s.0.${i}`, jobId: 'job1', stageId: 's', phase: 0, index: i, op: 'noop',
        inputs: [{ uri: `${dir.path}/shared.bin`, sha256: 'feedbeef' }, { uri: `${dir.path}/own.bin` }],
        outputPrefix: `${dir.path}/out/`, params: {}, store: { root: dir.path }, maxAttempts: 1,
      });
    }
    await done;
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.map((r) => r.error)));
    assert.equal(gets.get(`${dir.path}/shared.bin`), 1, 'the broadcast input came from the store once');
    assert.equal(gets.get(`${dir.path}/own.bin`), 3);
  } finally {
    await worker.close();
    await bus.close();
    await dir.cleanup();
  }
});
