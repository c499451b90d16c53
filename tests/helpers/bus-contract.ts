/**
 * The TaskBus contract: the same node:test tests run against every implementation (in-memory
 * and NATS), so both keep the same semantics. Each test gets its own bus from `makeBus`; tests
 * run concurrently, so a whole run takes about as long as the slowest test (~3 s).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BusOptions } from '../../shared/bus/options.js';
import type { ControlMessage, DeadLetter, DeliveredTask, TaskBus } from '../../shared/bus/types.js';
import { isErrorCode } from '../../shared/errors.js';
import type { TaskDescriptor, TaskResult } from '../../shared/task.js';
import { taskId } from '../../shared/task.js';
import { mulberry32 as rng } from '../../shared/prng.js';

export interface BusFixture {
  bus: TaskBus;
  /** A coordinator restart: a bus on the same namespace (for NATS a new connection; the old bus is closed). */
  reopen(): Promise<TaskBus>;
  /** Closes every bus the fixture opened and removes what it created. */
  cleanup(): Promise<void>;
}

export type ContractOptions = Pick<BusOptions, 'ackWaitMs' | 'maxDeliver' | 'heartbeatTtlMs'>;
export type MakeBus = (opts: ContractOptions) => Promise<BusFixture>;

const ACK_WAIT = 1_000;

// ---- generated data --------------------------------------------------------------------


const PIECES = ['a', 'Z', '0', ' ', '"', '\\', '\n', 'é', 'ß', '日本', '🚀', '👩‍👩‍👧', 'e\u0301', '\u2028', '{}', '</script>'];

function genString(r: () => number, max = 12): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  return s;
}

function genJson(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 0 ? 7 : 5));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 2 ** 40);
    case 3:
      return (r() - 0.5) * 1e6;
    case 4:
      return genString(r);
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => genJson(r, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [genString(r, 4), genJson(r, depth - 1)]));
  }
}

export function genTask(r: () => number, jobId: string, index: number): TaskDescriptor {
  const stageId = `stage-${Math.floor(r() * 5)}`;
  return {
    id: taskId(jobId, stageId, 0, index),
    jobId,
    stageId,
    phase: 0,
    index,
    op: ['ingest', 'validate', 'scale'][index % 3]!,
    inputs: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) =>
      i % 2 === 0 ? { uri: `s3://bucket/${jobId}/in-${i}-${genString(r, 3)}.arrow` } : { uri: `/data/in ${i}.csv`, start: 0, end: Math.floor(r() * 1e9) },
    ),
    outputPrefix: `s3://bucket/jobs/${jobId}/${stageId}/`,
    params: { nested: genJson(r, 3), label: genString(r), list: [genJson(r, 2), genJson(r, 2)] },
    store: { root: 's3://bucket/prefix', s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', pathStyle: true } },
    maxAttempts: 3,
  };
}

function simpleTask(jobId: string, index: number): TaskDescriptor {
  return genTask(rng(index + 1), jobId, index);
}

function result(task: TaskDescriptor, ok = true): TaskResult {
  return {
    taskId: task.id, jobId: task.jobId, stageId: task.stageId, phase: task.phase, index: task.index,
    workerId: 'w-1', attempt: 1, ok, final: true, seconds: 0.25,
    output: { shards: [{ uri: `${task.outputPrefix}part-0.arrow`, rows: 10, bytes: 100 }], quarantine: [], stats: { rows: 10, note: 'ü✓' } },
  };
}

// ---- helpers ---------------------------------------------------------------------------

/** Receives until `count` tasks arrived or `waitMs` passed, checking `max` on every call. */
async function drain(bus: TaskBus, count: number, waitMs: number, max = count): Promise<DeliveredTask[]> {
  const out: DeliveredTask[] = [];
  const until = Date.now() + waitMs;
  while (out.length < count && Date.now() < until) {
    const got = await bus.receive(max, Math.max(0, until - Date.now()));
    assert.ok(got.length <= max, `receive(${max}) returned ${got.length}`);
    out.push(...got);
  }
  return out;
}

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function fixture(t: TestContext, makeBus: MakeBus, opts: ContractOptions = {}): Promise<BusFixture> {
  const f = await makeBus({ ackWaitMs: ACK_WAIT, maxDeliver: 4, ...opts });
  t.after(() => f.cleanup());
  return f;
}

const ids = (ds: DeliveredTask[]): string[] => ds.map((d) => d.task.id);

// ---- the contract ----------------------------------------------------------------------

export function busContract(name: string, makeBus: MakeBus, options: { skip?: string | false } = {}): void {
  void describe(`${name} bus contract`, { concurrency: true, skip: options.skip ?? false }, () => {
    void test('generated descriptors round-trip in FIFO order, never more than max per receive', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const r = rng(42);
      const tasks = Array.from({ length: 40 }, (_, i) => genTask(r, i % 2 === 0 ? 'job-ü' : 'job-b', i));
      for (const task of tasks) await bus.dispatch(task);
      const one = await bus.receive(1, 2_000);
      assert.equal(one.length, 1);
      const got = [...one, ...(await drain(bus, tasks.length - 1, 5_000, 7))];
      assert.deepEqual(got.map((d) => d.task), tasks);
      assert.ok(got.every((d) => d.deliveryCount === 1));
      await Promise.all(got.map((d) => d.ack()));
    });

    void test('receive waits for the first task, returns as soon as one arrives, and [] when none does', async (t) => {
      const { bus } = await fixture(t, makeBus);
      let start = Date.now();
      assert.deepEqual(await bus.receive(3, 300), []);
      assert.ok(Date.now() - start >= 250, 'receive on an empty queue returned before waitMs');
      start = Date.now();
      const pending = bus.receive(5, 8_000);
      await sleep(100);
      await bus.dispatch(simpleTask('job-w', 1));
      const got = await pending;
      assert.deepEqual(ids(got), [simpleTask('job-w', 1).id]);
      assert.ok(Date.now() - start < 3_000, `took ${Date.now() - start} ms although a task was there`);
      await got[0]!.ack();
    });

    void test('ack and term remove a task for good', async (t) => {
      const { bus } = await fixture(t, makeBus);
      await bus.dispatch(simpleTask('job-a', 1));
      await bus.dispatch(simpleTask('job-a', 2));
      const [a, b] = await drain(bus, 2, 3_000);
      await a!.ack();
      b!.term('not retryable');
      assert.deepEqual(await bus.receive(2, ACK_WAIT + 800), [], 'an acked or terminated task came again');
    });

    void test('nak(delay) redelivers after about the delay with deliveryCount + 1', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const task = simpleTask('job-n', 1);
      await bus.dispatch(task);
      const [first] = await drain(bus, 1, 3_000);
      assert.equal(first!.deliveryCount, 1);
      const start = Date.now();
      first!.nak(400);
      const [again] = await drain(bus, 1, 3_000);
      const took = Date.now() - start;
      assert.deepEqual(again?.task, task);
      assert.equal(again!.deliveryCount, 2);
      assert.ok(took >= 300 && took < 2_500, `redelivered after ${took} ms, expected about 400`);
      await again!.ack();
    });

    void test('an unacked task comes back after ackWait, working() holds it', async (t) => {
      const { bus } = await fixture(t, makeBus);
      await bus.dispatch(simpleTask('job-k', 1));
      await bus.dispatch(simpleTask('job-k', 2));
      const [kept, dropped] = await drain(bus, 2, 3_000);
      const beat = setInterval(() => kept!.working(), 200);
      try {
        const start = Date.now();
        const back = await drain(bus, 1, ACK_WAIT + 1_500);
        assert.deepEqual(ids(back), [dropped!.task.id]);
        assert.equal(back[0]!.deliveryCount, 2);
        assert.ok(Date.now() - start >= ACK_WAIT - 200, 'redelivered before ackWait');
        await back[0]!.ack();
        assert.deepEqual(await bus.receive(1, 500), [], 'a task kept alive with working() was redelivered');
      } finally {
        clearInterval(beat);
      }
      const later = await drain(bus, 1, ACK_WAIT + 1_500);
      assert.deepEqual(ids(later), [kept!.task.id]);
      assert.equal(later[0]!.deliveryCount, 2);
      await later[0]!.ack();
    });

    void test('a task past maxDeliver goes to onDeadLetter once and is not delivered again', async (t) => {
      const { bus } = await fixture(t, makeBus, { maxDeliver: 2 });
      const dead: DeadLetter[] = [];
      const sub = bus.onDeadLetter(async (d) => void dead.push(d));
      t.after(() => sub.close());
      const task = simpleTask('job-d', 1);
      await bus.dispatch(task);
      const [d1] = await drain(bus, 1, 3_000);
      d1!.nak(0);
      const [d2] = await drain(bus, 1, 3_000);
      assert.equal(d2!.deliveryCount, 2);
      d2!.nak(0);
      assert.deepEqual(await bus.receive(1, 1_000), [], 'delivered beyond maxDeliver');
      await until('the dead letter', () => dead.length > 0);
      assert.deepEqual(dead, [{ task, deliveries: 2 }]);
      assert.deepEqual(await bus.receive(1, 300), []);
      assert.equal(dead.length, 1);
    });

    void test('the same task id dispatched twice is delivered once', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const task = simpleTask('job-u', 1);
      await bus.dispatch(task);
      await bus.dispatch({ ...task, params: { changed: true } });
      const got = await bus.receive(5, 2_000);
      assert.deepEqual(got.map((d) => d.task), [task]);
      await got[0]!.ack();
      assert.deepEqual(await bus.receive(5, 500), []);
    });

    void test("purgeJob removes a job's queued tasks, not another job's", async (t) => {
      const { bus } = await fixture(t, makeBus);
      for (let i = 0; i < 3; i++) await bus.dispatch(simpleTask('job-x', i));
      for (let i = 0; i < 2; i++) await bus.dispatch(simpleTask('job-y', i));
      await bus.purgeJob('job-x');
      const got = await drain(bus, 2, 3_000, 10);
      assert.deepEqual(ids(got), [simpleTask('job-y', 0).id, simpleTask('job-y', 1).id]);
      await Promise.all(got.map((d) => d.ack()));
      assert.deepEqual(await bus.receive(10, 300), []);
    });

    void test('results reach every onResult handler in order', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const a: TaskResult[] = [];
      const b: string[] = [];
      const subs = [bus.onResult(async (r) => void a.push(r)), bus.onResult(async (r) => void b.push(r.taskId))];
      t.after(() => Promise.all(subs.map((s) => s.close())));
      const results = Array.from({ length: 5 }, (_, i) => result(simpleTask('job-r', i), i !== 3));
      for (const r of results) await bus.publishResult(r);
      await until('all results', () => a.length === 5 && b.length === 5);
      assert.deepEqual(a, results);
      assert.deepEqual(b, results.map((r) => r.taskId));
    });

    void test('results published while no coordinator listens reach it after a restart', async (t) => {
      const f = await fixture(t, makeBus);
      const before: string[] = [];
      const sub = f.bus.onResult(async (r) => void before.push(r.taskId));
      const [r1, r2, r3] = [0, 1, 2].map((i) => result(simpleTask('job-s', i)));
      await f.bus.publishResult(r1!);
      await until('the first result', () => before.length === 1);
      await sub.close();
      await f.bus.publishResult(r2!);
      await f.bus.publishResult(r3!);
      await sleep(100);
      assert.deepEqual(before, [r1!.taskId], 'a closed subscription still got results');
      const bus2 = await f.reopen();
      const after: TaskResult[] = [];
      const sub2 = bus2.onResult(async (r) => void after.push(r));
      t.after(() => sub2.close());
      await until('results after the restart', () => after.length >= 2);
      await sleep(200);
      assert.deepEqual(after, [r2, r3]);
    });

    void test('a result whose handler throws is handed over again', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const calls: string[] = [];
      let failed = false;
      const sub = bus.onResult(async (r) => {
        calls.push(r.taskId);
        if (r.index === 0 && !failed) {
          failed = true;
          throw new Error('commit failed');
        }
      });
      t.after(() => sub.close());
      const [r0, r1] = [0, 1].map((i) => result(simpleTask('job-f', i)));
      await bus.publishResult(r0!);
      await bus.publishResult(r1!);
      await until('the retried result', () => calls.filter((c) => c === r0!.taskId).length === 2 && calls.includes(r1!.taskId));
      await sleep(300);
      assert.equal(calls.length, 3, `calls: ${calls.join(', ')}`);
    });

    void test('control messages reach every onControl handler until it closes', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const a: ControlMessage[] = [];
      const b: ControlMessage[] = [];
      const subA = bus.onControl((m) => void a.push(m));
      const subB = bus.onControl((m) => void b.push(m));
      t.after(() => subB.close());
      await bus.publishControl({ type: 'cancel', jobId: 'job-c' });
      await until('both handlers', () => a.length === 1 && b.length === 1);
      assert.deepEqual(a, [{ type: 'cancel', jobId: 'job-c' }]);
      await subA.close();
      await bus.publishControl({ type: 'shutdown' });
      await until('the open handler', () => b.length === 2);
      await sleep(100);
      assert.deepEqual(b, [{ type: 'cancel', jobId: 'job-c' }, { type: 'shutdown' }]);
      assert.equal(a.length, 1);
    });

    void test('KV buckets hold JSON values: get, put, delete, keys', async (t) => {
      const { bus } = await fixture(t, makeBus);
      const state = { jobId: 'job-1', status: 'running', stages: [{ id: 'ingest', phases: [1, 2] }], note: 'ünïcødé 🚀', none: null };
      assert.equal(await bus.jobs.get('job-1'), null);
      await bus.jobs.put('job-1', state);
      await bus.jobs.put('job-2', { n: 1 });
      await bus.jobs.put('job-2', { n: 2 });
      assert.deepEqual(await bus.jobs.get('job-1'), state);
      assert.deepEqual(await bus.jobs.get('job-2'), { n: 2 });
      assert.deepEqual(await bus.jobs.keys(), ['job-1', 'job-2']);
      await bus.jobs.delete('job-1');
      assert.equal(await bus.jobs.get('job-1'), null);
      assert.deepEqual(await bus.jobs.keys(), ['job-2']);
      assert.deepEqual(await bus.workers.keys(), []);
      await assert.rejects(bus.jobs.put('bad key', 1), (e) => isErrorCode(e, 'OPTION_INVALID'));
      await assert.rejects(bus.jobs.put('job-3', undefined), (e) => isErrorCode(e, 'OPTION_INVALID'));
    });

    void test('worker heartbeats expire after heartbeatTtlMs, job state does not', async (t) => {
      const { bus } = await fixture(t, makeBus, { heartbeatTtlMs: 1_000 });
      const hb = { workerId: 'w-1', host: 'h', pid: 1, threads: 4, busy: 0, state: 'running', tasksDone: 0, at: Date.now() };
      const start = Date.now();
      await bus.workers.put('w-1', hb);
      await bus.jobs.put('job-1', { ok: true });
      assert.deepEqual(await bus.workers.get('w-1'), hb);
      let gone = false;
      while (!gone && Date.now() - start < 5_000) {
        await sleep(100);
        gone = (await bus.workers.get('w-1')) === null;
      }
      assert.ok(gone, 'the heartbeat never expired');
      assert.ok(Date.now() - start >= 900, 'the heartbeat expired early');
      assert.deepEqual(await bus.workers.keys(), []);
      assert.deepEqual(await bus.jobs.get('job-1'), { ok: true });
    });

    void test('bad arguments are OPTION_INVALID; a closed bus refuses work with BUS_FAILED', async (t) => {
      const f = await fixture(t, makeBus);
      const bad = { ...simpleTask('job-ok', 1), jobId: 'job.with.dots' };
      await assert.rejects(f.bus.dispatch(bad), (e) => isErrorCode(e, 'OPTION_INVALID'));
      await assert.rejects(f.bus.purgeJob('a b'), (e) => isErrorCode(e, 'OPTION_INVALID'));
      await assert.rejects(f.bus.purgeJob('job>'), (e) => isErrorCode(e, 'OPTION_INVALID'));
      await assert.rejects(f.bus.receive(0, 100), (e) => isErrorCode(e, 'OPTION_INVALID'));
      await f.bus.close();
      await f.bus.close();
      await assert.rejects(f.bus.dispatch(simpleTask('job-ok', 1)), (e) => isErrorCode(e, 'BUS_FAILED'));
      await assert.rejects(f.bus.receive(1, 10), (e) => isErrorCode(e, 'BUS_FAILED'));
      assert.throws(() => f.bus.onResult(async () => undefined), (e) => isErrorCode(e, 'BUS_FAILED'));
    });
  });
}
