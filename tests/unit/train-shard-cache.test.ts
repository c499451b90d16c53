/**
 * The train operator's per-thread shard cache: a fit pass (no label) and a model task (with the
 * label) of the same shard share one decode, labels are added on first request, and
 * QUIVER_TRAIN_CACHE_MB=0 decodes every time.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { encodeTable } from '../../shared/arrow/ipc.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { clearShardCache, shardColumns } from '../../shared/operators/train/shard-cache.js';
import { tableOf } from '../helpers/stage-runner.js';

const SCHEMA: SchemaDef = {
  fields: [
    { name: 'x', type: 'float', nullable: true },
    { name: 'c', type: 'string', nullable: true },
    { name: 'y', type: 'bool', nullable: true },
  ],
};

const bytes = encodeTable(tableOf(SCHEMA, [
  { x: 1.5, c: 'a', y: true },
  { x: null, c: null, y: false },
  { x: -2, c: 'b', y: null },
]));

afterEach(() => {
  clearShardCache();
  delete process.env.QUIVER_TRAIN_CACHE_MB;
});

test('a fit pass and a model task of one shard share the decoded columns; labels come on first request', () => {
  const pass = shardColumns('s/part-0', bytes, ['x', 'c'], null);
  assert.deepEqual(pass.labels, [], 'no label asked, none read');
  assert.deepEqual(Array.from(pass.frame.columns.x as Float64Array), [1.5, NaN, -2]);
  assert.deepEqual(pass.frame.columns.c, ['a', null, 'b']);
  const task = shardColumns('s/part-0', bytes, ['x', 'c'], 'y');
  assert.equal(task.frame, pass.frame, 'the same decoded frame');
  assert.deepEqual(task.labels, [1, 0, null]);
  assert.equal(shardColumns('s/part-0', bytes, ['x', 'c'], 'y'), task, 'one object per (shard, label): memos keyed by it survive');
  assert.notEqual(shardColumns('s/part-0', bytes, ['x'], null).frame, pass.frame, 'other columns, another entry');
  assert.notEqual(shardColumns('s/part-1', bytes, ['x', 'c'], null).frame, pass.frame, 'another shard, another entry');
});

test('QUIVER_TRAIN_CACHE_MB=0 decodes every time', () => {
  process.env.QUIVER_TRAIN_CACHE_MB = '0';
  const a = shardColumns('s/part-0', bytes, ['x', 'c'], 'y');
  const b = shardColumns('s/part-0', bytes, ['x', 'c'], 'y');
  assert.notEqual(a.frame, b.frame);
  assert.deepEqual(b.labels, [1, 0, null]);
});
