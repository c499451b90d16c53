import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonDir, descriptorFor, jobResult, newJobId, newJobState, sinkStages } from '../../coordinator/job-state.js';
import type { JobSpec } from '../../shared/spec/types.js';

const spec: JobSpec = {
  name: 'etl',
  stages: [
    { id: 'raw', op: 'ingest', source: { uri: '/d/u.csv' } },
    { id: 'f', op: 'filter', input: 'raw', where: 'age > 1' },
    { id: 'out', op: 'write', input: 'f', format: 'csv' },
  ],
};

test('job ids are sortable and safe as subject tokens', () => {
  const id = newJobId('etl', new Date('2026-11-23T09:15:02Z'));
  assert.match(id, /^etl-20261123-091502-[0-9a-f]{4}$/);
  assert.ok(!/[.*> ]/.test(id));
});

test('descriptors carry deterministic ids, keys and the store, never rows', () => {
  const state = newJobState(spec, { jobId: 'etl-1', mode: 'local', store: { root: 's3://b/p' }, now: 0 });
  const rec = { index: 7, inputs: [{ uri: 's3://b/p/jobs/etl-1/raw/part-00007.arrow' }], params: { where: 'age > 1' }, outputPrefix: 's3://b/p/jobs/etl-1/f/', status: 'pending' as const, retries: 0 };
  const d = descriptorFor(state, state.stages[1]!, 0, rec);
  assert.equal(d.id, 'etl-1.f.0.7');
  assert.equal(d.maxAttempts, 4);
  assert.deepEqual(d.store, { root: 's3://b/p' });
  assert.ok(JSON.stringify(d).length < 4096);
});

test('sinks, commonDir and record counts in the result', () => {
  assert.deepEqual(sinkStages(spec), ['out']);
  assert.equal(commonDir(['s3://b/x/part-1.csv', 's3://b/x/part-2.csv']), 's3://b/x/');
  const state = newJobState(spec, { jobId: 'etl-2', mode: 'local', store: { root: '/s' }, now: 0 });
  const out = (rowsIn: number, rowsOut: number, extra: Record<string, number> = {}) => ({
    shards: [{ uri: '/s/x/part-00000', rows: rowsOut, bytes: 10 }],
    quarantine: [],
    stats: { rowsIn, rowsOut, quarantined: 0, ...extra },
  });
  state.stages[0]!.phases = [{ tasks: [{ index: 0, inputs: [], params: {}, outputPrefix: '/s/', status: 'succeeded', retries: 1, output: { ...out(100, 98), quarantine: [{ uri: '/s/q/quarantine-00000.ndjson', rows: 2, bytes: 5 }], stats: { rowsIn: 100, rowsOut: 98, quarantined: 2 } } }] }];
  state.stages[1]!.phases = [{ tasks: [{ index: 0, inputs: [], params: {}, outputPrefix: '/s/', status: 'succeeded', retries: 0, output: out(98, 90, { filtered: 8 }) }] }];
  state.stages[2]!.phases = [{ tasks: [{ index: 0, inputs: [], params: {}, outputPrefix: '/o/', status: 'succeeded', retries: 0, output: out(90, 90) }] }];
  state.stages[2]!.output = { shards: [{ uri: '/o/part-00000.csv', rows: 90, bytes: 100 }], rows: 90, bytes: 100, schema: { fields: [] } };
  const r = jobResult(state);
  assert.deepEqual(r.records, { in: 100, out: 90, quarantined: 2, filtered: 8, deduplicated: 0 });
  assert.equal(r.records.in, r.records.out + r.records.quarantined + r.records.filtered);
  assert.deepEqual(r.outputs, [{ stage: 'out', uri: '/o/', rows: 90, bytes: 100, files: 1 }]);
  assert.equal(r.quarantine[0]!.rows, 2);
  assert.equal(r.stages[0]!.tasks.retries, 1);
});
