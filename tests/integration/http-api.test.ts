/**
 * The coordinator's HTTP API over a real socket, driven by the CLI's client: bearer auth,
 * spec validation errors, submit, the live event stream, status, list, workers, cancel.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CoordinatorClient } from '../../cli/client.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startApi } from '../../coordinator/http-api.js';
import { Scheduler } from '../../coordinator/scheduler.js';
import { MemoryBus } from '../../shared/bus/memory.js';
import { isErrorCode } from '../../shared/errors.js';
import type { JobEvent } from '../../shared/job.js';
import { createStore } from '../../shared/store/index.js';
import { QuiverWorker } from '../../worker/runtime.js';
import { tempDir } from '../helpers/tmp.js';

const token = 'test-token-123';
let bus: MemoryBus;
let worker: QuiverWorker;
let coordinator: Coordinator;
let app: FastifyInstance;
let url: string;
let scheduler: Scheduler;
let dir: { path: string; cleanup(): Promise<void> };

before(async () => {
  dir = await tempDir('quiver-api');
  bus = new MemoryBus();
  const store = createStore();
  worker = new QuiverWorker(bus, () => store, { threads: 2, pollMs: 50 });
  coordinator = new Coordinator(bus, store, { mode: 'cluster', store: { root: dir.path } });
  await worker.start();
  await coordinator.start();
  scheduler = new Scheduler(coordinator, bus.jobs);
  await scheduler.start();
  ({ app, url } = await startApi(coordinator, bus, { token, port: 0, scheduler }));
});

after(async () => {
  await app.close();
  scheduler.close();
  await coordinator.close();
  await worker.close();
  await bus.close();
  await dir.cleanup();
});

const noop = (name: string, tasks: number) => ({ name, stages: [{ id: 'work', op: 'noop', tasks }] });

test('healthz needs no token; everything else needs the right bearer token', async () => {
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const none = await fetch(`${url}/v1/jobs`);
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  await assert.rejects(new CoordinatorClient(url, 'wrong').jobs(), (err) => isErrorCode(err, 'UNAUTHORIZED'));
});

test('an invalid spec is a 400 naming the field', async () => {
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ spec: { name: 'x', stages: [{ id: 'a', op: 'noop', tasks: 0 }] } }) });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'SPEC_INVALID');
  assert.match(body.error.message, /stages\[0\]\.tasks: must be >= 1/);
});

test('submit, follow the event stream to the result, then status, jobs and workers', async () => {
  const client = new CoordinatorClient(url, token);
  const { jobId } = await client.submit(noop('api-ok', 25) as never);
  const events: JobEvent[] = [];
  for await (const e of client.events(jobId)) events.push(e);
  const last = events[events.length - 1]!;
  assert.equal(last.type, 'result');
  assert.equal(last.type === 'result' && last.result.status, 'succeeded');
  assert.ok(['stage', 'job', 'result'].includes(events[0]!.type), 'a late subscriber starts from a snapshot');
  const done = events.flatMap((e) => (e.type === 'task' && e.ok ? [e.done] : []));
  assert.ok(done.length <= 25);
  if (done.length > 0) assert.equal(done[done.length - 1], 25, 'the last task event counts all 25 done');
  const status = await client.status(jobId);
  assert.equal(status.status, 'succeeded');
  assert.deepEqual(status.stages[0]!.tasks, { total: 25, succeeded: 25, failed: 0, retries: 0, phases: 1 });
  assert.ok((await client.jobs()).some((j) => j.jobId === jobId && j.status === 'succeeded'));
  const workers = await client.workers();
  assert.equal(workers.length, 1);
  assert.equal(workers[0]!.threads, 2);
  // A finished job's stream answers at once with the result.
  const again: JobEvent[] = [];
  for await (const e of client.events(jobId)) again.push(e);
  assert.deepEqual(again.map((e) => e.type), ['result']);
});

test('cancel stops a running job; unknown jobs are 404', async () => {
  process.env.QUIVER_FAULT_TASK_DELAY_MS = '200';
  try {
    const client = new CoordinatorClient(url, token);
    const { jobId } = await client.submit(noop('api-cancel', 40) as never);
    await new Promise((r) => setTimeout(r, 500));
    const cancelled = await client.cancel(jobId);
    assert.equal(cancelled.status, 'cancelled');
    const done = cancelled.stages[0]!.tasks.succeeded;
    assert.ok(done < 40, `cancelled before the end (${done} of 40 done)`);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal((await client.status(jobId)).stages[0]!.tasks.succeeded, done, 'no task completes after cancel');
    await assert.rejects(client.status('no-such-job'), (err) => isErrorCode(err, 'NOT_FOUND'));
  } finally {
    delete process.env.QUIVER_FAULT_TASK_DELAY_MS;
  }
});

test('the event stream with a wrong token fails at once instead of reconnecting forever', async () => {
  const { jobId } = await new CoordinatorClient(url, token).submit(noop('api-auth', 2) as never);
  const t0 = Date.now();
  await assert.rejects(
    (async () => {
      for await (const _ of new CoordinatorClient(url, 'wrong').events(jobId)) void _;
    })(),
    (err) => isErrorCode(err, 'UNAUTHORIZED'),
  );
  assert.ok(Date.now() - t0 < 2000);
});

test('maxAttempts above the bus max deliveries is capped; bad job ids are refused', async () => {
  const client = new CoordinatorClient(url, token);
  const { jobId } = await client.submit({ name: 'api-cap', defaults: { maxAttempts: 9 }, stages: [{ id: 'w', op: 'noop', tasks: 1 }] } as never);
  const state = await coordinator.get(jobId);
  assert.equal(state!.maxAttempts, 4);
  await assert.rejects(client.submit(noop('api-id', 1) as never, 'bad.id'), (err) => isErrorCode(err, 'OPTION_INVALID'));
});

test('schedules: add, run on ticks, show the history, run now, remove', async () => {
  const client = new CoordinatorClient(url, token);
  await assert.rejects(client.addSchedule(noop('unscheduled', 1) as never), (err) => isErrorCode(err, 'SPEC_INVALID'));
  const info = await client.addSchedule({ ...noop('ticking', 1), schedule: { cron: '* * * * * *' } } as never);
  assert.equal(info.name, 'ticking');
  assert.ok(info.nextRun !== null);
  let shown = await client.schedule('ticking');
  for (let i = 0; i < 100 && shown.runs.filter((r) => r.status === 'succeeded').length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    shown = await client.schedule('ticking');
  }
  const ok = shown.runs.filter((r) => r.status === 'succeeded');
  assert.ok(ok.length >= 2, `two ticks ran: ${JSON.stringify(shown.runs)}`);
  for (const r of ok) assert.equal((await client.status(r.jobId)).status, 'succeeded');
  assert.ok((await client.schedules()).some((s) => s.name === 'ticking'));
  await client.removeSchedule('ticking');
  await assert.rejects(client.schedule('ticking'), (err) => isErrorCode(err, 'NOT_FOUND'));
  await assert.rejects(client.runSchedule('ticking'), (err) => isErrorCode(err, 'NOT_FOUND'));
});
