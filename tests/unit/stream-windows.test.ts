import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowAggregator, windowSchema } from '../../shared/stream/windows.js';
import type { WindowRow } from '../../shared/stream/windows.js';
import type { Reading } from '../../shared/stream/types.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const S = 1_000;
const M = 60_000;

function agg(latenessMs = 10 * S, fields = ['temperature', 'humidity']) {
  return new WindowAggregator({ key: 'device_id', time: 'ts', window: { sizeMs: M, latenessMs, fields } });
}

const r = (device: string, ms: number, temperature: number | null, humidity: number | null = 50): Reading => ({ device_id: device, ts: T0 + ms, temperature, humidity });

function accept(w: WindowAggregator, reading: Reading): WindowRow[] {
  const o = w.offer(reading);
  assert.ok(o.accepted, `expected ${JSON.stringify(reading)} to be accepted`);
  return o.closed;
}

test('aggregates count/mean/min/max per key and tumbling window, aligned to the minute', () => {
  const w = agg();
  accept(w, r('a', 5 * S, 20));
  accept(w, r('b', 6 * S, 30, 40));
  accept(w, r('a', 59 * S + 999, 26, 70));
  accept(w, r('a', 61 * S, 100)); // next window for a
  const rows = w.closeAll();
  assert.deepEqual(rows, [
    { device_id: 'a', window_start: T0, window_end: T0 + M, count: 2, temperature_count: 2, temperature_mean: 23, temperature_min: 20, temperature_max: 26, humidity_count: 2, humidity_mean: 60, humidity_min: 50, humidity_max: 70 },
    { device_id: 'b', window_start: T0, window_end: T0 + M, count: 1, temperature_count: 1, temperature_mean: 30, temperature_min: 30, temperature_max: 30, humidity_count: 1, humidity_mean: 40, humidity_min: 40, humidity_max: 40 },
    { device_id: 'a', window_start: T0 + M, window_end: T0 + 2 * M, count: 1, temperature_count: 1, temperature_mean: 100, temperature_min: 100, temperature_max: 100, humidity_count: 1, humidity_mean: 50, humidity_min: 50, humidity_max: 50 },
  ]);
  assert.equal(w.openCount, 0);
  assert.deepEqual(w.closeAll(), []);
});

test('a window closes exactly when the watermark (max event time − lateness) reaches its end', () => {
  const w = agg(10 * S);
  accept(w, r('a', 30 * S, 20));
  assert.equal(w.watermark, T0 + 20 * S);
  assert.deepEqual(accept(w, r('a', 69 * S + 999, 21)), [], 'watermark 59.999 s: window [0, 60 s) stays open');
  assert.equal(w.openCount, 2);
  const closed = accept(w, r('b', 70 * S, 22));
  assert.equal(w.watermark, T0 + M);
  assert.deepEqual(closed.map((x) => [x.device_id, x.window_start, x.count]), [['a', T0, 1]]);
  assert.equal(w.openCount, 2, 'a and b in [60 s, 120 s)');
});

test('out-of-order readings within the allowed lateness are accepted into their (still open) window', () => {
  const w = agg(10 * S);
  accept(w, r('a', 65 * S, 20));
  const o = w.offer(r('a', 55 * S, 10)); // 10 s behind, watermark 55 s: not late
  assert.equal(o.accepted, true);
  const rows = w.closeAll();
  assert.deepEqual(rows.map((x) => [x.window_start, x.count, x.temperature_min]), [[T0, 1, 10], [T0 + M, 1, 20]]);
});

test('a reading older than the watermark is late, with a reason naming both times, and changes nothing', () => {
  const w = agg(10 * S);
  accept(w, r('a', 100 * S, 20));
  const before = w.watermark;
  const o = w.offer(r('b', 89 * S + 999, 99));
  assert.deepEqual(o, {
    accepted: false,
    reason: 'late: event time 2024-05-01T10:01:29.999Z is before watermark 2024-05-01T10:01:30.000Z (newest event time 2024-05-01T10:01:40.000Z − allowed lateness 10s)',
  });
  assert.equal(w.watermark, before);
  assert.equal(w.offer(r('b', 90 * S, 1)).accepted, true, 'exactly at the watermark is on time');
  assert.deepEqual(w.closeAll().map((x) => [x.device_id, x.count, x.temperature_max]), [['a', 1, 20], ['b', 1, 1]]);
});

test('with zero lateness any reading behind the newest one is late; windows close as soon as time passes their end', () => {
  const w = agg(0);
  accept(w, r('a', 10 * S, 1));
  assert.equal(w.offer(r('a', 10 * S, 2)).accepted, true, 'the same event time is not late');
  assert.equal(w.offer(r('a', 10 * S - 1, 3)).accepted, false);
  const closed = accept(w, r('a', M, 4));
  assert.deepEqual(closed.map((x) => [x.count, x.temperature_mean]), [[2, 1.5]]);
});

test('null values are skipped per field; a field with none gives null mean/min/max', () => {
  const w = agg(0);
  accept(w, r('a', 1 * S, null, 10));
  accept(w, r('a', 2 * S, null, 30));
  const [row] = w.closeAll();
  assert.deepEqual(row, { device_id: 'a', window_start: T0, window_end: T0 + M, count: 2, temperature_count: 0, temperature_mean: null, temperature_min: null, temperature_max: null, humidity_count: 2, humidity_mean: 20, humidity_min: 10, humidity_max: 30 });
});

test('windows far apart close in order when one jump moves the watermark past them all', () => {
  const w = agg(5 * M, ['temperature']);
  accept(w, r('z', 0, 1));
  accept(w, r('y', 2 * M, 2));
  accept(w, r('x', M, 3));
  const closed = accept(w, r('x', 10 * M, 4));
  assert.deepEqual(closed.map((x) => [x.device_id, (x.window_start as number) - T0]), [['z', 0], ['x', M], ['y', 2 * M]]);
  assert.equal(w.openCount, 1);
});

test('window rows have a fixed schema: key as declared, then times, count, stats per field', () => {
  const s = windowSchema({ name: 'device_id', type: 'string', nullable: false }, ['temperature']);
  assert.deepEqual(s.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`), [
    'device_id:string', 'window_start:timestamp', 'window_end:timestamp', 'count:int',
    'temperature_count:int', 'temperature_mean:float?', 'temperature_min:float?', 'temperature_max:float?',
  ]);
});
