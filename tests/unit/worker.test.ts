import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryBus } from '../../shared/bus/memory.js';
import { createStore } from '../../shared/store/index.js';
import type { TaskDescriptor, TaskResult } from '../../shared/task.js';
import { backoffMs, ownBuffer, QuiverWorker } from '../../worker/runtime.js';
import { tempDir } from '../helpers/tmp.js';

// Threads inherit the environment at creation: set the injected fault before the pool starts.
process.env.QUIVER_FAULT_KERNEL_THROW = 'boom:0';

let dir: { path: string; cleanup(): Promise<void> };
before(async () => {
  dir = await tempDir('quiver-worker');
});
after(async () => {
  await dir.cleanup();
});

const task = (stageId: string, index: number, maxAttempts: number): TaskDescriptor => ({
  id: `job1.${stageId}.0.${index}`,
  jobId: 'job1',
  stageId,
  phase: 0,
  index,
  op: 'noop',
  inputs: [],
  outputPrefix: `${dir.path}/out/`,
  params: {},
  store: { root: dir.path },
  maxAttempts,
});

async function collect(bus: MemoryBus, n: number, timeoutMs = 15_000): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${results.length}/${n} results: ${JSON.stringify(results)}`)), timeoutMs);
    bus.onResult(async (r) => {
      results.push(r);
      if (results.length === n) {
        clearTimeout(timer);
        resolve(results);
      }
    });
  });
}

test('a task succeeds once; a retryable kernel failure is retried up to maxAttempts, then final', async () => {
  const bus = new MemoryBus({ ackWaitMs: 5000, maxDeliver: 5 });
  const store = createStore();
  const worker = new QuiverWorker(bus, () => store, { threads: 2, pollMs: 50 });
  await worker.start();
  try {
    const results = collect(bus, 4);
    await bus.dispatch(task('fine', 0, 3));
    await bus.dispatch(task('boom', 0, 3));
    const all = await results;
    const ok = all.filter((r) => r.stageId === 'fine');
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.ok, true);
    assert.equal(ok[0]!.final, true);
    const boom = all.filter((r) => r.stageId === 'boom').sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(boom.map((r) => [r.attempt, r.ok, r.final]), [[1, false, false], [2, false, false], [3, false, true]]);
    assert.equal(boom[2]!.error?.code, 'KERNEL_FAILED');
    assert.equal(boom[2]!.error?.retryable, true, 'the error crossed the thread boundary with its retryable flag');
    assert.match(boom[2]!.error?.message ?? '', /injected fault/);
  } finally {
    await worker.close();
    await bus.close();
  }
});

test('backoff grows and is capped; ownBuffer copies only views into shared buffers', () => {
  assert.deepEqual([1, 2, 3, 10].map(backoffMs), [250, 500, 1000, 10_000]);
  const whole = new Uint8Array(8);
  assert.equal(ownBuffer(whole), whole);
  const view = new Uint8Array(whole.buffer, 2, 4);
  const owned = ownBuffer(view);
  assert.notEqual(owned.buffer, whole.buffer);
  assert.equal(owned.byteLength, 4);
});

test('worker options are validated, naming the field', () => {
  const bus = new MemoryBus();
  assert.throws(() => new QuiverWorker(bus, () => createStore(), { threads: 0 }), /threads must be a positive integer/);
  void bus.close();
});

test('close() drains: in-flight tasks finish within the grace time and nothing new is pulled', async () => {
  process.env.QUIVER_FAULT_TASK_DELAY_MS = '300';
  const bus = new MemoryBus({ ackWaitMs: 10_000 });
  const store = createStore();
  const worker = new QuiverWorker(bus, () => store, { threads: 2, pollMs: 50, graceMs: 5000 });
  try {
    const results = collect(bus, 2);
    for (let i = 0; i < 4; i++) await bus.dispatch(task('drain', i, 3));
    await worker.start();
    await new Promise((r) => setTimeout(r, 150)); // two tasks in flight, two queued
    await worker.close();
    assert.equal(worker.state, 'stopped');
    const done = await results;
    assert.deepEqual(done.map((r) => r.ok).sort(), [true, true]);
    const left = await bus.receive(4, 100);
    assert.equal(left.length, 2, 'the two queued tasks were left for other workers');
    for (const d of left) await d.ack();
  } finally {
    delete process.env.QUIVER_FAULT_TASK_DELAY_MS;
    await worker.close();
    await bus.close();
  }
});

test('past the grace time, in-flight tasks are handed back and another worker finishes them', async () => {
  process.env.QUIVER_FAULT_TASK_DELAY_MS = '3000';
  const bus = new MemoryBus({ ackWaitMs: 10_000 });
  const store = createStore();
  const first = new QuiverWorker(bus, () => store, { threads: 1, pollMs: 50, graceMs: 100, workerId: 'first' });
  const second = new QuiverWorker(bus, () => store, { threads: 1, pollMs: 50, workerId: 'second' });
  try {
    const results = collect(bus, 1, 20_000);
    await bus.dispatch(task('handback', 0, 3));
    await first.start();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await first.close();
    assert.ok(Date.now() - t0 < 2000, 'close() did not wait for the task');
    delete process.env.QUIVER_FAULT_TASK_DELAY_MS;
    await second.start();
    const [r] = await results;
    assert.equal(r!.ok, true);
    assert.equal(r!.workerId, 'second');
    assert.equal(r!.attempt, 2);
  } finally {
    delete process.env.QUIVER_FAULT_TASK_DELAY_MS;
    await first.close();
    await second.close();
    await bus.close();
  }
});
