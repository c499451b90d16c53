import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { BUS_DEFAULTS, MemoryBus, busNames, createBus, resolveBusOptions } from '../../shared/bus/index.js';
import type { BusOptions } from '../../shared/bus/index.js';
import { isErrorCode } from '../../shared/errors.js';
import { busContract, genTask } from '../helpers/bus-contract.js';

busContract('memory', async (opts) => {
  const bus = new MemoryBus(opts);
  return { bus, reopen: () => Promise.resolve(bus), cleanup: () => bus.close() };
});

void describe('createBus options', () => {
  void test('no nats URL gives the in-memory bus with the defaults', async () => {
    const bus = await createBus();
    assert.equal(bus.kind, 'memory');
    await bus.close();
    assert.deepEqual(resolveBusOptions({}), BUS_DEFAULTS);
    assert.ok(Object.isFrozen(resolveBusOptions({ ackWaitMs: 2_000 })));
    assert.equal(resolveBusOptions({ ackWaitMs: 2_000, maxDeliver: undefined }).maxDeliver, BUS_DEFAULTS.maxDeliver);
  });

  const bad: [string, BusOptions][] = [
    ['nats', { nats: '' }],
    ['namespace', { namespace: 'Has.Dots' }],
    ['namespace', { namespace: 'UPPER' }],
    ['ackWaitMs', { ackWaitMs: -1 }],
    ['ackWaitMs', { ackWaitMs: 1.5 }],
    ['maxDeliver', { maxDeliver: 0 }],
    ['heartbeatTtlMs', { heartbeatTtlMs: '5s' as unknown as number }],
    ['name', { name: '' }],
    ['ackwait', { ackwait: 5 } as unknown as BusOptions],
  ];
  for (const [field, options] of bad) {
    void test(`a bad ${field} is OPTION_INVALID naming the field (${JSON.stringify(options)})`, async () => {
      await assert.rejects(createBus(options), (err: Error) => isErrorCode(err, 'OPTION_INVALID') && err.message.includes(field));
    });
  }
});

void describe('bus names', () => {
  void test('every name derives from the namespace', () => {
    const n = busNames('quiver');
    assert.equal(n.streams.tasks, 'QUIVER_TASKS');
    assert.equal(n.subjects.tasks, 'quiver.tasks.>');
    assert.equal(n.taskSubject('job-1'), 'quiver.tasks.job-1');
    assert.equal(n.streams.results, 'QUIVER_RESULTS');
    assert.equal(n.subjects.control, 'quiver.control');
    assert.deepEqual(n.buckets, { jobs: 'quiver_jobs', workers: 'quiver_workers', registry: 'quiver_registry' });
    assert.equal(n.maxDeliveriesAdvisory, '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.QUIVER_TASKS.workers');
    assert.equal(busNames('t-1').streams.dead, 'T-1_DEAD');
  });

  void test('job ids that are not one subject token are refused', () => {
    const n = busNames();
    for (const id of ['', 'a.b', 'a b', 'a*', '>', 'tab\there']) {
      assert.throws(() => n.taskSubject(id), (e) => isErrorCode(e, 'OPTION_INVALID'), id);
    }
  });
});

void describe('memory bus', () => {
  void test('close() leaves no timer behind (ack deadlines, nak delays, waiting receives, handler retries)', async () => {
    const live = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'Timeout' && live.add(id)),
      destroy: (id) => void live.delete(id),
    });
    hook.enable();
    try {
      const bus = new MemoryBus({ ackWaitMs: 60_000 });
      const r = (i: number): ReturnType<typeof genTask> => genTask(() => 0.5, 'job-t', i);
      for (let i = 0; i < 3; i++) await bus.dispatch(r(i));
      const [a, b] = await bus.receive(2, 10);
      b!.nak(60_000);
      assert.ok(a);
      const sub = bus.onResult(() => Promise.reject(new Error('always fails')));
      await bus.publishResult({ taskId: 'x', jobId: 'job-t', stageId: 's', phase: 0, index: 0, workerId: 'w', attempt: 1, ok: true, final: true, seconds: 0 });
      const other = new MemoryBus();
      const waiting = other.receive(1, 60_000);
      await tick();
      assert.ok(live.size >= 3, `expected pending timers, saw ${live.size}`);
      await sub.close();
      await bus.close();
      await other.close();
      assert.deepEqual(await waiting, [], 'a receive waiting at close() resolves with []');
      await tick();
      assert.equal(live.size, 0, `${live.size} timer(s) left after close()`);
    } finally {
      hook.disable();
    }
  });

  void test('redeliveries go out before tasks never delivered', async () => {
    const bus = new MemoryBus();
    for (let i = 0; i < 3; i++) await bus.dispatch(genTask(() => 0.1, 'job-o', i));
    const [first] = await bus.receive(1, 10);
    first!.nak(0);
    const next = await bus.receive(3, 10);
    assert.deepEqual(
      next.map((d) => [d.task.index, d.deliveryCount]),
      [[0, 2], [1, 1], [2, 1]],
    );
    await bus.close();
  });

  void test('handles of an older delivery cannot nak or term the current one, but an ack completes it', async () => {
    const bus = new MemoryBus({ ackWaitMs: 100 });
    await bus.dispatch(genTask(() => 0.3, 'job-h', 0));
    const [old] = await bus.receive(1, 10);
    const [current] = await bus.receive(1, 1_000);
    assert.equal(current!.deliveryCount, 2);
    old!.term('stale');
    old!.nak(0);
    current!.working();
    assert.deepEqual(await bus.receive(1, 20), []);
    await old!.ack();
    assert.deepEqual(await bus.receive(1, 250), [], 'acked task came again');
    await bus.close();
  });
});
