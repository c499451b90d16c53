import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { publishSensors, sensorMessages } from '../../coordinator/gen/sensors.js';
import type { SensorGenOptions } from '../../coordinator/gen/sensors.js';
import { createStore } from '../../shared/store/index.js';
import { connectBroker, parseStreamSpec, StreamRunner } from '../../shared/stream/index.js';
import type { StreamSummary } from '../../shared/stream/index.js';
import { natsOrSkip, randomNamespace } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { alertKeys, checkStream, expectStream } from '../helpers/stream-check.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const START = Date.parse('2024-05-01T23:55:00Z'); // the run crosses midnight
let nats: NatsServer | undefined;
let dir: TempDir;

before(async () => {
  nats = await natsOrSkip();
  dir = await tempDir('quiver-stream-nats');
});
after(async () => {
  await nats?.stop();
  await dir?.cleanup();
});

function specYaml(url: string, ns: string, output: string, batchMs = '500ms'): string {
  return `
name: nats-sensors
source: { kind: nats, servers: ${url}, subject: ${ns}.sensors.> }
schema: { device_id: string, ts: timestamp, temperature: float, humidity: float }
time: ts
key: device_id
batch: { maxRows: 700, maxMs: ${batchMs} }
window: { size: 1m, allowedLateness: 10s, fields: [temperature, humidity] }
alerts:
  - { name: overheat, field: temperature, stat: max, above: 80, publish: { subject: ${ns}.alerts } }
output: ${output}
`;
}

async function collectAlerts(url: string, subject: string) {
  const nc = await connect({ servers: url });
  const got: { key: unknown; windowStart: string; rule: string }[] = [];
  nc.subscribe(subject, { callback: (_err, msg) => void got.push(msg.json()) });
  await nc.flush();
  return { got, close: () => nc.close() };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

test('NATS: simulator readings (with malformed and late ones) → exact counts, shards, window aggregates and alerts', async (t) => {
  if (nats === undefined) return t.skip('nats-server not installed');
  const ns = randomNamespace();
  const output = join(dir.path, 'lib');
  const plan = parseStreamSpec(specYaml(nats.url, ns, output));
  // 4000 messages, 8 devices, 200 ms of event time per message: ~13 minutes, ~110 windows.
  const opts: SensorGenOptions = { devices: 8, messages: 4_000, rate: 4_000, timeScale: 800, seed: 11, badRate: 0.02, lateRate: 0.02, spikeRate: 0.01, jitterMs: 12_000, start: START };
  const messages = [...sensorMessages(opts)];
  const want = expectStream(messages, { sizeMs: 60_000, latenessMs: 10_000, alertAbove: 80 });
  assert.ok(want.malformedLines.length > 40 && want.lateLines.length > 40 && want.alerts.length > 10, 'the run exercises quarantine and alerts');

  const alerts = await collectAlerts(nats.url, `${ns}.alerts`);
  const store = createStore();
  const runner = await StreamRunner.start({ plan, store, maxMessages: messages.length });
  const pub = await connectBroker({ kind: 'nats', servers: nats.url });
  const sent = await publishSensors(opts, pub, (d) => `${ns}.sensors.${d}`);
  await pub.close();
  assert.equal(sent.sent, messages.length);
  const summary = await within(runner.done, 30_000, 'the stream').catch(async (err: unknown) => {
    await runner.stop();
    throw err;
  });
  assert.equal(summary.stoppedBy, 'max-messages');
  assert.ok(summary.batches >= 6, `maxRows 700 → at least 6 batches, got ${summary.batches}`);
  await checkStream(summary, store, output, want);
  assert.ok((await store.list(`${output}/readings/date=2024-05-02/`)).length > 0, 'readings after midnight go to the next date partition');

  await waitFor(() => alerts.got.length >= want.alerts.length, 5_000);
  await alerts.close();
  assert.deepEqual(alertKeys(alerts.got), want.alerts, 'one alert per window whose max temperature is above 80');
  assert.ok(alerts.got.every((a) => a.rule === 'overheat'));
  assert.deepEqual(summary.alerts, { raised: want.alerts.length, published: want.alerts.length, failed: 0 });
});

test('CLI: `quiver gen sensors --nats` feeds `quiver stream --json`; SIGTERM flushes and exits 0 with the summary', async (t) => {
  if (nats === undefined) return t.skip('nats-server not installed');
  const ns = randomNamespace();
  const output = join(dir.path, 'cli');
  const specPath = join(dir.path, 'cli-spec.yaml');
  await writeFile(specPath, specYaml(nats.url, ns, output, '5s'));
  const alerts = await collectAlerts(nats.url, `${ns}.alerts`);

  const stream = spawn(process.execPath, [CLI, 'stream', specPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  stream.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  stream.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => stream.once('exit', (code) => resolve(code)));
  await waitFor(() => stderr.includes('listening') || stream.exitCode !== null, 15_000);
  assert.match(stderr, /stream nats-sensors: listening/);

  const args = ['gen', 'sensors', '--nats', nats.url, '--subject', `${ns}.sensors`, '--devices', '5', '--messages', '600', '--rate', '3000/s', '--seed', '5', '--start', '2024-05-01T10:00:00Z', '--time-scale', '300', '--bad-rate', '0.03', '--late-rate', '0.03', '--json'];
  const gen = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let genOut = '';
  gen.stdout.setEncoding('utf8').on('data', (s: string) => (genOut += s));
  assert.equal(await new Promise((resolve) => gen.once('exit', resolve)), 0);
  const g = JSON.parse(genOut.trim().split('\n').at(-1)!) as { sent: number; malformed: number };
  assert.equal(g.sent, 600);

  await new Promise((r) => setTimeout(r, 1_000)); // core NATS delivers in well under a second
  stream.kill('SIGTERM');
  assert.equal(await within(exited, 20_000, 'quiver stream after SIGTERM'), 0, stderr);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as StreamSummary;
  assert.equal(summary.stoppedBy, 'signal');
  const messages = [...sensorMessages({ devices: 5, messages: 600, rate: 3000, seed: 5, start: Date.parse('2024-05-01T10:00:00Z'), timeScale: 300, badRate: 0.03, lateRate: 0.03 })];
  assert.equal(g.malformed, messages.filter((m) => m.kind === 'malformed').length, 'the CLI sends what sensorMessages describes');
  const want = expectStream(messages, { sizeMs: 60_000, latenessMs: 10_000, alertAbove: 80 });
  await checkStream(summary, createStore(), output, want);
  await waitFor(() => alerts.got.length >= want.alerts.length, 5_000);
  await alerts.close();
  assert.deepEqual(alertKeys(alerts.got), want.alerts);
});
