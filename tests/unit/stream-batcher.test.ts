import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MicroBatcher } from '../../shared/stream/batcher.js';
import type { FlushReason } from '../../shared/stream/batcher.js';
import { isErrorCode } from '../../shared/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(maxRows: number, maxMs: number) {
  const clock = new FakeClock(1_000_000);
  const batches: { rows: number[]; reason: FlushReason; at: number }[] = [];
  const b = new MicroBatcher<number>({ maxRows, maxMs, clock }, (rows, reason) => batches.push({ rows, reason, at: clock.now() }));
  return { clock, batches, b };
}

test('a batch is handed over as soon as it holds maxRows rows, in arrival order', () => {
  const { clock, batches, b } = setup(3, 5_000);
  for (let i = 1; i <= 7; i++) b.add(i);
  assert.deepEqual(batches.map((x) => [x.rows, x.reason]), [[[1, 2, 3], 'rows'], [[4, 5, 6], 'rows']]);
  assert.equal(b.pending, 1);
  assert.equal(clock.pending, 1, 'one timer, for the batch holding row 7');
});

test('maxMs counts from the first row of the batch, not the last', () => {
  const { clock, batches, b } = setup(100, 5_000);
  b.add(1);
  clock.advance(3_000);
  b.add(2);
  clock.advance(1_999);
  assert.equal(batches.length, 0, 'not yet: 4999 ms since row 1');
  clock.advance(1);
  assert.deepEqual(batches, [{ rows: [1, 2], reason: 'time', at: 1_005_000 }]);
  assert.equal(clock.pending, 0);
  clock.advance(60_000);
  assert.equal(batches.length, 1, 'an empty batch is never handed over');
});

test('a rows flush cancels the timer; the next batch gets its own', () => {
  const { clock, batches, b } = setup(2, 1_000);
  b.add(1);
  clock.advance(900);
  b.add(2); // rows flush at 900 ms
  b.add(3); // new batch, timer from now
  clock.advance(900);
  assert.deepEqual(batches.map((x) => x.rows), [[1, 2]], 'the first timer was cancelled with its batch');
  clock.advance(100);
  assert.deepEqual(batches.map((x) => [x.rows, x.reason, x.at]), [[[1, 2], 'rows', 1_000_900], [[3], 'time', 1_001_900]]);
});

test('flush() and close() hand over the open batch; add after close is refused', () => {
  const { clock, batches, b } = setup(10, 1_000);
  b.add(1);
  b.add(2);
  b.flush('stop');
  b.flush('stop');
  b.add(3);
  b.close();
  assert.deepEqual(batches.map((x) => [x.rows, x.reason]), [[[1, 2], 'stop'], [[3], 'stop']]);
  assert.equal(b.batches, 2);
  assert.equal(clock.pending, 0);
  assert.throws(() => b.add(4), (e) => isErrorCode(e, 'INTERNAL'));
});

test('bad options name the field', () => {
  const clock = new FakeClock();
  assert.throws(() => new MicroBatcher({ maxRows: 0, maxMs: 10, clock }, () => undefined), (e: Error) => isErrorCode(e, 'OPTION_INVALID') && /maxRows must be a whole number ≥ 1, got 0/.test(e.message));
  assert.throws(() => new MicroBatcher({ maxRows: 5, maxMs: 0, clock }, () => undefined), (e: Error) => isErrorCode(e, 'OPTION_INVALID') && /maxMs must be ≥ 1, got 0/.test(e.message));
});
