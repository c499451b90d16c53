/**
 * The scheduler over a real local coordinator (memory bus, local store, an in-process worker):
 * cron ticks start runs, a tick never overlaps a running run, failed runs are retried, the
 * history survives a new Scheduler on the same KV bucket.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Coordinator } from '../../coordinator/coordinator.js';
import { Scheduler, scheduledJobId } from '../../coordinator/scheduler.js';
import type { ScheduledRun } from '../../coordinator/scheduler.js';
import { createBus } from '../../shared/bus/index.js';
import type { TaskBus } from '../../shared/bus/types.js';
import { isErrorCode } from '../../shared/errors.js';
import { validateSpec } from '../../shared/spec/load.js';
import type { JobSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { QuiverWorker } from '../../worker/runtime.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
let bus: TaskBus;
let worker: QuiverWorker;
let coordinator: Coordinator;
const store = new LocalStore();

before(async () => {
  dir = await tempDir('scheduler');
  bus = await createBus({ maxDeliver: 4 });
  worker = new QuiverWorker(bus, () => store, { threads: 2 });
  coordinator = new Coordinator(bus, store, { mode: 'local', store: { root: join(dir.path, 'store') } });
  await worker.start();
  await coordinator.start();
});

after(async () => {
  await coordinator.close();
  await worker.close();
  await bus.close();
  await dir.cleanup();
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('ticks start runs; a tick while a run is going is skipped, never run twice at once', async () => {
  const scheduler = new Scheduler(coordinator, bus.jobs);
  await scheduler.start();
  const spec = validateSpec({ name: 'slow', schedule: { cron: '* * * * * *' }, stages: [{ id: 'wait', op: 'noop', sleepMs: 2200 }] });
  const info = await scheduler.add(spec);
  assert.equal(info.cron, '* * * * * *');
  assert.ok(info.nextRun !== null && Date.parse(info.nextRun) > Date.now() - 1000);
  const runs = await until('two finished runs', async () => {
    const r = (await scheduler.get('slow')).runs;
    return r.filter((x) => x.status === 'succeeded').length >= 2 ? r : undefined;
  });
  await scheduler.remove('slow');
  scheduler.close();
  const started = runs.filter((r) => r.status !== 'skipped');
  const skipped = runs.filter((r) => r.status === 'skipped');
  assert.ok(skipped.length >= 2, `ticks during a 2.2 s run are skipped (got ${skipped.length})`);
  for (const s of skipped) assert.match(s.reason ?? '', /previous run slow-\d{8}-\d{6} is still (running|queued)/);
  // Runs that started never overlap: each starts after the previous one finished.
  const spans = started.filter((r) => r.finishedAt !== undefined).map((r) => [Date.parse(r.at), Date.parse(r.finishedAt!)] as const);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `run ${i} started after run ${i - 1} ended`);
  for (const r of started) {
    assert.equal(r.jobId, scheduledJobId('slow', r.tick, 0));
    const job = await coordinator.get(r.jobId);
    assert.ok(job !== null, `job ${r.jobId} exists`);
  }
});

test('a failed run is retried after retryDelay up to `retries` times; then a fixed input succeeds', async () => {
  const scheduler = new Scheduler(coordinator, bus.jobs);
  const input = join(dir.path, 'later.csv');
  const spec = validateSpec({
    name: 'flaky',
    schedule: { cron: '0 0 1 1 *', retries: 2, retryDelay: 0.3 },
    stages: [{ id: 'read', op: 'ingest', source: { uri: input } }],
  });
  await scheduler.add(spec);
  const first = await scheduler.runNow('flaky');
  assert.equal(first.status, 'running');
  const runs = await until('three failed runs', async () => {
    const r = (await scheduler.get('flaky')).runs;
    return r.filter((x) => x.status === 'failed').length === 3 ? r : undefined;
  });
  assert.deepEqual(
    runs.map((r: ScheduledRun) => [r.jobId, r.status]),
    [0, 1, 2].map((a) => [scheduledJobId('flaky', first.tick, a), 'failed']),
  );
  assert.match(runs[0]!.reason ?? '', /nothing matches/);
  await sleep(700);
  assert.equal((await scheduler.get('flaky')).runs.length, 3, 'no fourth run after the retries are spent');

  await writeFile(input, 'a,b\n1,2\n3,4\n');
  await sleep(1100); // a new tick second, so a new job id
  const again = await scheduler.runNow('flaky');
  const done = await until('the fixed run', async () => {
    const r = (await scheduler.get('flaky')).runs.find((x) => x.jobId === again.jobId);
    return r?.status === 'succeeded' ? r : undefined;
  });
  assert.equal(done.attempt, 0);
  const job = await coordinator.get(again.jobId);
  assert.equal(job?.result?.records.in, 2);

  // A new scheduler on the same bucket (a restarted coordinator) sees the schedule and its history.
  scheduler.close();
  const restarted = new Scheduler(coordinator, bus.jobs);
  await restarted.start();
  const listed = await restarted.list();
  const flaky = listed.find((s) => s.name === 'flaky');
  assert.equal(flaky?.runs.length, 4);
  assert.ok(flaky?.nextRun?.endsWith('-01-01T00:00:00.000Z'), `next run is on 1 January: ${flaky?.nextRun}`);
  await restarted.remove('flaky');
  restarted.close();
  await assert.rejects(restarted.get('flaky'), (err: unknown) => isErrorCode(err, 'NOT_FOUND'));
});

test('bad schedules are spec errors naming the field', () => {
  const base = { name: 'x', stages: [{ id: 'n', op: 'noop' }] };
  assert.throws(() => validateSpec({ ...base, schedule: { cron: 'every day' } }), (err: unknown) => isErrorCode(err, 'SPEC_INVALID') && /schedule\.cron: .*e\.g\. '0 2 \* \* \*'/.test((err as Error).message));
  assert.throws(() => validateSpec({ ...base, schedule: { cron: '0 2 * * *', timezone: 'Mars/Base' } }), /schedule\.timezone: unknown time zone "Mars\/Base"/);
  assert.throws(() => validateSpec({ ...base, schedule: { cron: '0 2 * * *', retries: -1 } }), /schedule\.retries/);
  const ok: JobSpec = validateSpec({ ...base, schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' } });
  assert.equal(ok.schedule?.timezone, 'Europe/Berlin');
});

test('adding a spec without a schedule says how to add one', async () => {
  const scheduler = new Scheduler(coordinator, bus.jobs);
  await assert.rejects(scheduler.add(validateSpec({ name: 'plain', stages: [{ id: 'n', op: 'noop' }] })), /has no schedule; add e\.g\. schedule: \{ cron: '0 2 \* \* \*' \}/);
});
