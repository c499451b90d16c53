import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newJobState } from '../../coordinator/job-state.js';
import { JobStore } from '../../coordinator/job-store.js';
import { MemoryBus } from '../../shared/bus/memory.js';
import type { JobState } from '../../shared/job.js';

function jobWithPlan(id: string, tasks: number): JobState {
  const state = newJobState({ name: 'j', stages: [{ id: 'raw', op: 'noop', tasks }, { id: 'next', op: 'noop', input: 'raw' }] }, { jobId: id, mode: 'cluster', store: { root: '/s' }, now: 1 });
  state.status = 'running';
  state.stages[0]!.phases = [{ tasks: Array.from({ length: tasks }, (_, index) => ({ index, inputs: [{ uri: `/s/in-${index}` }], params: { i: index }, outputPrefix: '/s/raw/', status: 'pending' as const, retries: 0 })) }];
  return state;
}

test('header + per-task outcomes load back as the full state; jobs do not see each other', async () => {
  const bus = new MemoryBus();
  const store = new JobStore(bus.jobs);
  try {
    const a = jobWithPlan('job-a', 5);
    const b = jobWithPlan('job-a1', 2); // a prefix of the other id must not leak outcomes across
    await store.saveHeader(a);
    await store.saveHeader(b);
    const t2 = a.stages[0]!.phases[0]!.tasks[2]!;
    Object.assign(t2, { status: 'succeeded', output: { shards: [{ uri: '/s/raw/part-00002.arrow', rows: 10, bytes: 99 }], quarantine: [], stats: { rowsIn: 10, rowsOut: 10, quarantined: 0 } }, workerId: 'w1', seconds: 0.5 });
    const t4 = a.stages[0]!.phases[0]!.tasks[4]!;
    t4.retries = 2;
    const { index: _i, inputs: _in, params: _p, outputPrefix: _o, ...o2 } = t2;
    await store.saveOutcome('job-a', 'raw', 0, 2, o2);
    await store.saveOutcome('job-a', 'raw', 0, 4, { status: 'pending', retries: 2 });

    const header = await store.header('job-a');
    assert.deepEqual(header!.stages[0]!.phases[0]!.tasks, [], 'the header holds neither plans nor outcomes');
    const loaded = await new JobStore(bus.jobs).load('job-a');
    assert.deepEqual(loaded, a);
    const other = await store.load('job-a1');
    assert.ok(other!.stages[0]!.phases[0]!.tasks.every((t) => t.status === 'pending' && t.retries === 0));
    assert.deepEqual((await store.jobIds()).sort(), ['job-a', 'job-a1']);
    assert.equal(await store.load('nope'), null);
  } finally {
    await bus.close();
  }
});

test('a result costs one small write and no value grows with the job size', async () => {
  const bus = new MemoryBus();
  const store = new JobStore(bus.jobs);
  try {
    const big = jobWithPlan('job-big', 3000);
    await store.saveHeader(big);
    await store.saveOutcome('job-big', 'raw', 0, 1234, { status: 'succeeded', retries: 0, output: { shards: [], quarantine: [], stats: { rowsIn: 1, rowsOut: 1, quarantined: 0 } } });
    const outcome = await bus.jobs.get('res.job-big.raw.0.1234');
    assert.ok(JSON.stringify(outcome).length < 300, 'outcome entry is small');
    for (const key of await bus.jobs.keys()) {
      assert.ok(JSON.stringify(await bus.jobs.get(key)).length < 200_000, `${key} stays far below NATS's 1 MB max payload`);
    }
    const loaded = await new JobStore(bus.jobs).load('job-big');
    assert.equal(loaded!.stages[0]!.phases[0]!.tasks.length, 3000);
    assert.deepEqual(loaded!.stages[0]!.phases[0]!.tasks[2999]!.inputs, [{ uri: '/s/in-2999' }]);
    assert.equal(loaded!.stages[0]!.phases[0]!.tasks[1234]!.status, 'succeeded');
  } finally {
    await bus.close();
  }
});
