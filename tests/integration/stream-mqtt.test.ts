import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { publishSensors, sensorMessages } from '../../coordinator/gen/sensors.js';
import type { SensorGenOptions } from '../../coordinator/gen/sensors.js';
import { isErrorCode } from '../../shared/errors.js';
import { createStore } from '../../shared/store/index.js';
import { connectBroker, parseStreamSpec, StreamRunner } from '../../shared/stream/index.js';
import { mqttOrSkip, randomTopic } from '../helpers/mqtt.js';
import type { MqttBroker } from '../helpers/mqtt.js';
import { alertKeys, checkStream, expectStream } from '../helpers/stream-check.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let mqtt: MqttBroker | undefined;
let dir: TempDir;

before(async () => {
  mqtt = await mqttOrSkip();
  dir = await tempDir('quiver-stream-mqtt');
});
after(async () => {
  await mqtt?.stop();
  await dir?.cleanup();
});

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('MQTT QoS 1: simulator readings (with malformed and late ones) → exact counts, shards, window aggregates and alerts', async (t) => {
  if (mqtt === undefined) return t.skip('no MQTT broker and mosquitto not installed');
  const ns = randomTopic();
  const output = join(dir.path, 'out');
  const plan = parseStreamSpec(`
name: mqtt-sensors
source: { kind: mqtt, url: ${mqtt.url}, topic: ${ns}/sensors/#, qos: 1 }
schema: { device_id: string, ts: timestamp, temperature: float, humidity: float }
time: ts
key: device_id
batch: { maxRows: 500, maxMs: 300ms }
window: { size: 1m, allowedLateness: 10s, fields: [temperature, humidity] }
alerts:
  - { name: overheat, field: temperature, stat: max, above: 80, publish: { topic: ${ns}/alerts, qos: 1 } }
output: ${output}
`);
  // 3000 messages from 6 devices at 2000/s; 150 ms of event time each: ~7.5 minutes, ~50 windows.
  const opts: SensorGenOptions = { devices: 6, messages: 3_000, rate: 2_000, timeScale: 300, seed: 21, badRate: 0.02, lateRate: 0.02, spikeRate: 0.01, jitterMs: 12_000, start: Date.parse('2024-06-01T08:00:00Z') };
  const messages = [...sensorMessages(opts)];
  const want = expectStream(messages, { sizeMs: 60_000, latenessMs: 10_000, alertAbove: 80 });
  assert.ok(want.malformedLines.length > 30 && want.lateLines.length > 30 && want.alerts.length > 5, 'the run exercises quarantine and alerts');

  const watcher = await connectAsync(mqtt.url, { reconnectPeriod: 0 }, false);
  const alerts: { key: unknown; windowStart: string; rule: string }[] = [];
  watcher.on('message', (_topic, payload) => void alerts.push(JSON.parse(payload.toString('utf8'))));
  await watcher.subscribeAsync(`${ns}/alerts`, { qos: 1 });

  const store = createStore();
  const runner = await StreamRunner.start({ plan, store, maxMessages: messages.length });
  const pub = await connectBroker({ kind: 'mqtt', url: mqtt.url });
  const sent = await publishSensors(opts, { publish: (topic, data) => pub.publish(topic, data, { qos: 1 }), flush: () => pub.flush() }, (d) => `${ns}/sensors/${d}`);
  await pub.close();
  assert.equal(sent.sent, messages.length);
  const summary = await within(runner.done, 30_000, 'the stream').catch(async (err: unknown) => {
    const s = await runner.stop();
    throw new Error(`${(err as Error).message}; received ${s.received} of ${messages.length}`);
  });
  assert.equal(summary.stoppedBy, 'max-messages');
  assert.match(summary.source, new RegExp(`topic ${ns}/sensors/#$`));
  await checkStream(summary, store, output, want);

  const deadline = Date.now() + 5_000;
  while (alerts.length < want.alerts.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await watcher.endAsync();
  assert.deepEqual(alertKeys(alerts), want.alerts, 'one alert per window whose max temperature is above 80');
  assert.deepEqual(summary.alerts, { raised: want.alerts.length, published: want.alerts.length, failed: 0 });
});

test('MQTT: an unreachable broker fails fast with BUS_FAILED naming the server', async () => {
  const plan = parseStreamSpec(`
name: nowhere
source: { kind: mqtt, url: "mqtt://user:secret@127.0.0.1:1", topic: x/# }
schema: { device_id: string, ts: timestamp, v: float }
time: ts
key: device_id
output: ${join(dir.path, 'never')}
`);
  await assert.rejects(StreamRunner.start({ plan, store: createStore() }), (err: Error) => {
    assert.ok(isErrorCode(err, 'BUS_FAILED'), String(err));
    assert.match(err.message, /connecting to MQTT broker mqtt:\/\/127\.0\.0\.1:1 failed: .*is the broker running/);
    assert.doesNotMatch(err.message, /secret/);
    return true;
  });
});
