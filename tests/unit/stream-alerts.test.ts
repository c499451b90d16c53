import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAlertRules } from '../../shared/stream/alerts.js';
import { parseStreamSpec } from '../../shared/stream/spec.js';
import { WindowAggregator, windowSchema } from '../../shared/stream/windows.js';
import type { WindowRow } from '../../shared/stream/windows.js';
import { isErrorCode } from '../../shared/errors.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const fields = ['temperature', 'humidity'];
const schema = windowSchema({ name: 'device_id', type: 'string', nullable: false }, fields);
const ctx = { stream: 's1', key: 'device_id', fields };

function row(device: string, temps: number[], hum: number[]): WindowRow {
  const w = new WindowAggregator({ key: 'device_id', time: 'ts', window: { sizeMs: 60_000, latenessMs: 0, fields } });
  temps.forEach((t, i) => w.offer({ device_id: device, ts: T0 + i, temperature: t, humidity: hum[i] ?? null }));
  return w.closeAll()[0]!;
}

test('threshold rules fire on the named statistic, strictly above or below', () => {
  const [hot, cold, band] = compileAlertRules(
    [
      { name: 'hot', path: 'alerts[0]', threshold: { field: 'temperature', stat: 'max', above: 80 } },
      { name: 'cold', path: 'alerts[1]', threshold: { field: 'temperature', stat: 'mean', below: 0 } },
      { name: 'band', path: 'alerts[2]', threshold: { field: 'humidity', stat: 'min', above: 90, below: 10 } },
    ],
    schema,
    ctx,
  );
  const w = row('dev-1', [20, 80.5, 21], [50, 5, 60]);
  const a = hot!.evaluate(w);
  assert.deepEqual(a, {
    stream: 's1', rule: 'hot', key: 'dev-1', windowStart: '2024-05-01T10:00:00.000Z', windowEnd: '2024-05-01T10:01:00.000Z',
    condition: 'temperature max 80.5 > 80', value: 80.5, threshold: 80,
    window: { ...w, window_start: '2024-05-01T10:00:00.000Z', window_end: '2024-05-01T10:01:00.000Z' },
  });
  assert.equal(hot!.evaluate(row('dev-1', [20, 80, 21], [50, 50, 50])), undefined, 'exactly 80 is not above 80');
  assert.equal(cold!.evaluate(w), undefined);
  assert.equal(cold!.evaluate(row('d', [-1, -2], [1, 1]))?.condition, 'temperature mean -1.5 < 0');
  assert.equal(band!.evaluate(w)?.condition, 'humidity min 5 < 10');
  assert.equal(band!.evaluate(row('d', [1], [50])), undefined);
});

test('a window with no values for the field raises no threshold alert', () => {
  const [hot] = compileAlertRules([{ name: 'hot', path: 'alerts[0]', threshold: { field: 'humidity', stat: 'max', above: 1 } }], schema, ctx);
  assert.equal(hot!.evaluate(row('d', [99], [])), undefined);
});

test('expression rules are bool expressions over the window row', () => {
  const [muggy, busy] = compileAlertRules(
    [
      { name: 'muggy', path: 'alerts[0]', when: 'humidity_mean > 70 and temperature_max >= 30', publish: { subject: 'alerts.muggy' } },
      { name: 'busy', path: 'alerts[1]', when: "count > 2 and starts_with(device_id, 'dev-')" },
    ],
    schema,
    ctx,
  );
  assert.deepEqual(muggy!.publish, { subject: 'alerts.muggy' });
  assert.equal(muggy!.evaluate(row('x', [30, 25], [80, 70]))?.condition, 'humidity_mean > 70 and temperature_max >= 30');
  assert.equal(muggy!.evaluate(row('x', [29.9, 25], [80, 70])), undefined);
  assert.equal(busy!.evaluate(row('dev-7', [1, 2, 3], [1, 2, 3]))?.key, 'dev-7');
  assert.equal(busy!.evaluate(row('cam-7', [1, 2, 3], [1, 2, 3])), undefined);
  assert.equal(busy!.evaluate(row('dev-7', [1, 2], [1, 2])), undefined);
});

const BASE = `
name: s1
source: { kind: nats, servers: nats://127.0.0.1:4222, subject: sensors.> }
schema: { device_id: string, ts: timestamp, temperature: float, humidity: { type: float, nullable: true }, label: string }
time: ts
key: device_id
window: { size: 1m, allowedLateness: 10s }
output: /tmp/x
`;

function specError(extra: string): string {
  try {
    parseStreamSpec(BASE + extra, 'spec.yaml');
  } catch (err) {
    assert.ok(isErrorCode(err, 'SPEC_INVALID'), String(err));
    return (err as Error).message;
  }
  assert.fail('expected SPEC_INVALID');
}

test('spec errors in alert rules name the rule path and say what to write', () => {
  assert.match(specError('alerts:\n  - { field: pressure, stat: max, above: 1 }\n'), /alerts\[0\]\.field: "pressure" is not aggregated by the window; use one of: temperature, humidity/);
  assert.match(specError('alerts:\n  - { when: "temprature_max > 80" }\n'), /alerts\[0\]\.when: at 1: unknown column 'temprature_max'; did you mean 'temperature_max'/);
  assert.match(specError('alerts:\n  - { when: "temperature_max + 1" }\n'), /alerts\[0\]\.when: must be a true\/false condition such as temperature_max > 80; "temperature_max \+ 1" gives float/);
  assert.match(specError('alerts:\n  - { field: temperature, stat: max }\n'), /alerts\[0\]: give above and\/or below/);
  assert.match(specError('alerts:\n  - { field: temperature, stat: max, above: 1, when: "count > 1" }\n'), /alerts\[0\]: give either field \+ stat \+ above\/below, or when: <expression>, not both/);
  assert.match(specError('alerts:\n  - { name: a, when: "count > 1" }\n  - { name: a, when: "count > 2" }\n'), /alerts\[1\]\.name: "a" is used by an earlier rule/);
  assert.match(specError('alerts:\n  - { when: "count > 1", publish: { topic: alerts/x } }\n'), /alerts\[0\]\.publish: the source is NATS, so alerts go to a subject/);
  assert.match(specError('alerts:\n  - { field: temperature, stat: median, above: 1 }\n'), /alerts\[0\]\.stat: must be one of "count", "mean", "min", "max"/);
});
