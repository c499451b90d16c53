import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { publishSensors, sensorMessages } from '../../coordinator/gen/sensors.js';
import type { SensorGenOptions } from '../../coordinator/gen/sensors.js';
import { isErrorCode } from '../../shared/errors.js';
import { readingParser } from '../../shared/stream/parse.js';

const START = Date.parse('2024-05-01T00:00:00Z');
const OPTS: SensorGenOptions = { devices: 20, messages: 20_000, rate: 200, seed: 7, badRate: 0.02, lateRate: 0.01, start: START };
const hash = (o: SensorGenOptions): string => {
  const h = createHash('sha256');
  for (const m of sensorMessages(o)) h.update(`${m.kind}|${m.payload}\n`);
  return h.digest('hex');
};

test('same seed and start → the same messages; another seed → others', () => {
  const a = hash(OPTS);
  assert.equal(hash(OPTS), a);
  assert.notEqual(hash({ ...OPTS, seed: 8 }), a);
  assert.notEqual(hash({ ...OPTS, start: START + 1 }), a);
});

test('rates, devices, event times and values look like real sensors', () => {
  const parse = readingParser([
    { name: 'device_id', type: 'string', nullable: false },
    { name: 'ts', type: 'timestamp', nullable: false },
    { name: 'temperature', type: 'float', nullable: false },
    { name: 'humidity', type: 'float', nullable: false },
  ]);
  const counts = { reading: 0, malformed: 0, late: 0 };
  const devices = new Set<string>();
  let spikes = 0;
  let hot = 0;
  let maxLag = 0;
  let newest = -Infinity;
  for (const m of sensorMessages(OPTS)) {
    counts[m.kind]++;
    devices.add(m.device);
    assert.equal(m.device, `dev-${String((m.seq % 20) + 1).padStart(4, '0')}`, 'devices take turns');
    const r = parse(m.payload);
    assert.equal(r.ok, m.kind !== 'malformed', `${m.kind}: ${m.payload}`);
    if (!r.ok) continue;
    const t = r.reading.temperature as number;
    const h = r.reading.humidity as number;
    assert.ok(h >= 0 && h <= 100, `humidity ${h}`);
    if (m.spike) {
      spikes++;
      assert.ok(t > 80, `a spike is above 80: ${t}`);
    } else assert.ok(t > -10 && t < 50, `temperature ${t}`);
    if (t > 80) hot++;
    const ts = r.reading.ts as number;
    assert.equal(ts, m.ts);
    if (m.kind === 'late') assert.ok(newest - ts >= 120_000 - 5 * 200 && newest - ts <= 241_000, `late by ${newest - ts}`);
    else maxLag = Math.max(maxLag, newest - ts);
    newest = Math.max(newest, ts);
  }
  assert.equal(devices.size, 20);
  assert.equal(counts.reading + counts.malformed + counts.late, 20_000);
  assert.ok(Math.abs(counts.malformed - 400) < 80, `malformed ${counts.malformed}`);
  assert.ok(Math.abs(counts.late - 200) < 60, `late ${counts.late}`);
  assert.ok(spikes >= 20 && spikes <= 70 && hot === spikes, `spikes ${spikes}, hot ${hot}`);
  assert.ok(maxLag <= 500, `on-time readings are at most 500 ms out of order, got ${maxLag}`);
  const lastBase = START + Math.floor((19_999 * 1000) / 200);
  assert.ok(newest <= lastBase && newest >= lastBase - 500, `event time advances 1/rate per message: ${newest - lastBase}`);
});

test('publishSensors sends every message at about the rate, to a topic per device', async () => {
  const sent: string[] = [];
  let flushed = 0;
  const sink = { publish: async (target: string) => void sent.push(target), flush: async () => void flushed++ };
  const r = await publishSensors({ ...OPTS, messages: 150, rate: 500 }, sink, (d) => `sensors.${d}`);
  assert.equal(sent.length, 150);
  assert.equal(sent[21], 'sensors.dev-0002');
  assert.deepEqual([r.sent, r.readings + r.malformed + r.late, r.devices, flushed], [150, 150, 20, 1]);
  assert.ok(r.seconds >= 0.25 && r.seconds < 2, `150 messages at 500/s took ${r.seconds}s`);
  assert.equal(r.firstEventTime !== null && Date.parse(r.firstEventTime) <= START, true);
});

test('bad options say which and what is allowed', () => {
  assert.throws(() => [...sensorMessages({ devices: 0 })], (e: Error) => isErrorCode(e, 'OPTION_INVALID') && /devices must be a whole number from 1 to 1000000, got 0/.test(e.message));
  assert.throws(() => [...sensorMessages({ badRate: 0.7, lateRate: 0.5 })], (e: Error) => /badRate \+ lateRate must be at most 1/.test(e.message));
  assert.throws(() => [...sensorMessages({ rate: -1 })], (e: Error) => /rate must be a number of messages per second > 0/.test(e.message));
});
