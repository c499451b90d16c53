import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { NatsBus, busNames, createBus, resolveBusOptions } from '../../shared/bus/index.js';
import type { BusOptions, TaskBus } from '../../shared/bus/index.js';
import { isErrorCode, isRetryable } from '../../shared/errors.js';
import { busContract, genTask } from '../helpers/bus-contract.js';
import { NATS_SKIP_REASON, natsOrSkip, randomNamespace } from '../helpers/nats.js';

const nats = await natsOrSkip();
after(() => nats?.stop());
const skip = nats === undefined ? NATS_SKIP_REASON : false;

function open(namespace: string, opts: BusOptions = {}): Promise<NatsBus> {
  return NatsBus.connect(resolveBusOptions({ ...opts, nats: nats!.url, namespace }));
}

/** Closes every bus, then deletes the namespace's streams and buckets. */
async function destroy(namespace: string, buses: TaskBus[]): Promise<void> {
  await Promise.allSettled(buses.map((b) => b.close()));
  await (await open(namespace)).destroy();
}

/** A random namespace for one test; every bus opened through it is closed and the namespace deleted after the test. */
function scope(t: TestContext): { namespace: string; open(opts?: BusOptions): Promise<NatsBus> } {
  const namespace = randomNamespace();
  const buses: TaskBus[] = [];
  t.after(() => destroy(namespace, buses));
  return {
    namespace,
    open: async (opts) => {
      const bus = await open(namespace, opts);
      buses.push(bus);
      return bus;
    },
  };
}

busContract(
  'nats',
  async (opts) => {
    const namespace = randomNamespace();
    const all: TaskBus[] = [];
    const cleanup = (): Promise<void> => destroy(namespace, all);
    let bus: TaskBus;
    try {
      bus = await open(namespace, opts);
    } catch (err) {
      await cleanup().catch(() => undefined);
      throw err;
    }
    all.push(bus);
    return {
      bus,
      reopen: async () => {
        await bus.close();
        bus = await open(namespace, opts);
        all.push(bus);
        return bus;
      },
      cleanup,
    };
  },
  { skip },
);

void describe('nats bus', { skip, concurrency: true }, () => {
  void test('createBus with a nats URL connects and sets up the namespace', async (t) => {
    const { namespace } = scope(t);
    const bus = await createBus({ nats: nats!.url, namespace, maxDeliver: 3 });
    t.after(() => bus.close());
    assert.equal(bus.kind, 'nats');
    const nc = await connect({ servers: nats!.url });
    t.after(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const names = busNames(namespace);
    const tasks = await jsm.streams.info(names.streams.tasks);
    assert.equal(tasks.config.retention, 'workqueue');
    assert.equal(tasks.config.duplicate_window, 120_000_000_000, 'duplicate_window is in nanoseconds');
    const workers = await jsm.consumers.info(names.streams.tasks, names.consumers.workers);
    assert.equal(workers.config.max_deliver, 3);
    assert.equal(workers.config.ack_wait, 30_000_000_000, 'ack_wait is in nanoseconds');
  });

  void test('several processes setting up the same namespace at once all succeed', async (t) => {
    const s = scope(t);
    const buses = await Promise.all([0, 1, 2, 3].map(() => s.open()));
    assert.equal(buses.length, 4);
  });

  void test('nothing listening: retryable BUS_FAILED naming the URL and the fix', async () => {
    const url = 'nats://127.0.0.1:1';
    await assert.rejects(createBus({ nats: url, namespace: randomNamespace() }), (err: Error) => {
      assert.ok(isErrorCode(err, 'BUS_FAILED'));
      assert.ok(isRetryable(err));
      assert.match(err.message, /127\.0\.0\.1:1/);
      assert.match(err.message, /nats-server/);
      assert.match(err.message, /-js/);
      return true;
    });
  });

  void test('a server without JetStream: BUS_FAILED saying to enable it', async (t) => {
    const plain = await natsOrSkip(t, { jetstream: false });
    if (plain === undefined) return;
    t.after(() => plain.stop());
    await assert.rejects(createBus({ nats: plain.url, namespace: randomNamespace() }), (err: Error) => {
      assert.ok(isErrorCode(err, 'BUS_FAILED'));
      assert.match(err.message, /-js/);
      return true;
    });
  });

  void test('an undecodable task message is terminated and the next task still arrives', async (t) => {
    const s = scope(t);
    const bus = await s.open();
    const nc = await connect({ servers: nats!.url });
    t.after(() => nc.close());
    const names = busNames(s.namespace);
    const h = headers();
    h.set('Nats-Msg-Id', 'garbage-1');
    nc.publish(names.taskSubject('job-g'), 'not json {', { headers: h });
    await nc.flush();
    const task = genTask(() => 0.2, 'job-g', 1);
    await bus.dispatch(task);
    const got: string[] = [];
    for (let i = 0; i < 3 && got.length === 0; i++) got.push(...(await bus.receive(2, 1_000)).map((d) => d.task.id));
    assert.deepEqual(got, [task.id]);
  });

  void test('two workers pulling at once share the queue, each within its max', async (t) => {
    const s = scope(t);
    const [a, b] = await Promise.all([s.open(), s.open()]);
    const tasks = Array.from({ length: 20 }, (_, i) => genTask(() => i / 20, 'job-p', i));
    for (const task of tasks) await a!.dispatch(task);
    const seen: string[] = [];
    const pull = async (bus: TaskBus, max: number): Promise<void> => {
      for (let i = 0; i < 20 && seen.length < tasks.length; i++) {
        const got = await bus.receive(max, 1_000);
        assert.ok(got.length <= max);
        for (const d of got) {
          seen.push(d.task.id);
          await d.ack();
        }
      }
    };
    await Promise.all([pull(a!, 3), pull(b!, 4)]);
    assert.deepEqual([...seen].sort(), tasks.map((task) => task.id).sort());
  });

  void test('destroy() deletes the streams and buckets', async () => {
    const namespace = randomNamespace();
    const bus = await open(namespace);
    await bus.jobs.put('j', { a: 1 });
    await bus.destroy();
    const nc = await connect({ servers: nats!.url });
    try {
      const jsm = await jetstreamManager(nc);
      const names = (await jsm.streams.names().next()).filter((n) => n.includes(namespace.toUpperCase()) || n.includes(namespace));
      assert.deepEqual(names, []);
    } finally {
      await nc.close();
    }
  });
});
