/**
 * `quiver gen sensors`: simulated IoT temperature/humidity sensors publishing JSON readings.
 * Each device has its own baseline, a daily cycle (warmest mid-afternoon UTC, humidity the
 * other way round), a slow drift and noise; now and then a spike well above 80 °C. At the
 * given rates a message is malformed (truncated JSON, a string where a number belongs, a
 * missing or unreadable timestamp, not an object) or late (event time minutes behind).
 * Same seed and start → the same messages in the same order, however fast they are sent.
 *
 * ```ts
 * for (const m of sensorMessages({ devices: 3, messages: 10, rate: 100, seed: 7, start: Date.parse('2024-05-01T00:00:00Z') })) {
 *   m.kind;     // 'reading' | 'malformed' | 'late'
 *   m.payload;  // '{"device_id":"dev-0001","ts":"2024-05-01T00:00:00.000Z","temperature":21.37,...}'
 * }
 * const r = await publishSensors(opts, connection, (device) => `sensors.${device}`);
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QuiverError } from '../../shared/errors.js';
import { Rng } from './prng.js';

export interface SensorGenOptions {
  /** Simulated devices, ≥ 1 (default 50). */
  devices?: number;
  /** Messages per second of wall time, > 0 (default 200). */
  rate?: number;
  /** Messages to send. Default: rate × duration. */
  messages?: number;
  /** How long to send, in ms, when `messages` is not given (default 30 s). */
  durationMs?: number;
  seed?: number;
  /** Fraction of malformed messages, 0..1 (default 0.01). */
  badRate?: number;
  /** Fraction of late messages, 0..1 (default 0.01). */
  lateRate?: number;
  /** Fraction of readings with a temperature spike above 80 (default 0.002). */
  spikeRate?: number;
  /** Event time of the first reading, ms since the epoch (default: now). */
  start?: number;
  /** Event-time ms per wall-clock ms: 60 makes a minute of readings per second (default 1). */
  timeScale?: number;
  /** Late messages are this far (to twice this far) behind, in ms (default 2 min). */
  lateByMs?: number;
  /** Readings may be up to this much out of order, in ms (default 500). */
  jitterMs?: number;
}

export interface SensorReading {
  device_id: string;
  ts: string;
  temperature: number;
  humidity: number;
  battery: number;
}

export interface SensorMessage {
  /** 0-based position in the sequence. */
  seq: number;
  device: string;
  kind: 'reading' | 'malformed' | 'late';
  /** Intended event time in ms (also for malformed messages). */
  ts: number;
  payload: string;
  /** The reading (for 'reading' and 'late'). */
  reading?: SensorReading;
  spike: boolean;
}

export interface SensorGenResult {
  sent: number;
  readings: number;
  malformed: number;
  late: number;
  spikes: number;
  devices: number;
  firstEventTime: string | null;
  lastEventTime: string | null;
  seconds: number;
}

const DEFAULTS = { devices: 50, rate: 200, durationMs: 30_000, seed: 7, badRate: 0.01, lateRate: 0.01, spikeRate: 0.002, timeScale: 1, lateByMs: 120_000, jitterMs: 500 };
type Resolved = typeof DEFAULTS & { messages: number; start: number };

function check(ok: boolean, field: string, value: unknown, want: string): void {
  if (!ok) throw QuiverError.nonRetryable('OPTION_INVALID', `${field} must be ${want}, got ${String(value)}`);
}

export function resolveSensorOptions(o: SensorGenOptions): Resolved {
  const r = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & SensorGenOptions;
  check(Number.isInteger(r.devices) && r.devices >= 1 && r.devices <= 1_000_000, 'devices', r.devices, 'a whole number from 1 to 1000000');
  check(Number.isFinite(r.rate) && r.rate > 0, 'rate', r.rate, 'a number of messages per second > 0');
  check(Number.isFinite(r.seed), 'seed', r.seed, 'a finite number');
  for (const k of ['badRate', 'lateRate', 'spikeRate'] as const) check(r[k] >= 0 && r[k] <= 1, k, r[k], 'a fraction from 0 to 1');
  check(r.badRate + r.lateRate <= 1, 'badRate + lateRate', r.badRate + r.lateRate, 'at most 1');
  check(Number.isFinite(r.timeScale) && r.timeScale > 0, 'timeScale', r.timeScale, 'a number > 0');
  check(Number.isFinite(r.durationMs) && r.durationMs >= 0, 'duration', r.durationMs, 'a duration ≥ 0');
  const messages = r.messages ?? Math.round((r.rate * r.durationMs) / 1000);
  check(Number.isInteger(messages) && messages >= 0, 'messages', messages, 'a whole number ≥ 0');
  const start = r.start ?? Date.now();
  check(Number.isFinite(start), 'start', start, 'a time');
  return { ...r, messages, start };
}

interface Device {
  id: string;
  temp: number;
  humidity: number;
  amplitude: number;
  drift: number;
  battery: number;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function makeDevices(rng: Rng, n: number): Device[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => ({
    id: `dev-${String(i + 1).padStart(width, '0')}`,
    temp: rng.normal(21, 3),
    humidity: Math.min(80, Math.max(20, rng.normal(45, 8))),
    amplitude: Math.max(0.5, rng.normal(4, 1)),
    drift: 0,
    battery: 0.6 + 0.4 * rng.next(),
  }));
}

function malform(rng: Rng, r: SensorReading): string {
  const json = JSON.stringify(r);
  switch (rng.int(0, 4)) {
    case 0:
      return json.slice(0, rng.int(5, json.length - 5)); // truncated
    case 1:
      return JSON.stringify({ ...r, temperature: rng.pick(['n/a', 'ERR', '']) });
    case 2: {
      const { ts: _ts, ...rest } = r;
      return JSON.stringify(rest);
    }
    case 3:
      return JSON.stringify({ ...r, ts: rng.pick(['yesterday', '2024-13-45T99:00:00Z', '']) });
    default:
      return JSON.stringify([r.device_id, r.ts, r.temperature]);
  }
}

/** The messages the simulator sends, in order. Pure: no clock, no I/O. */
export function* sensorMessages(options: SensorGenOptions): Generator<SensorMessage> {
  const o = resolveSensorOptions(options);
  const rng = new Rng(o.seed);
  const devices = makeDevices(rng, o.devices);
  const stepMs = (1000 / o.rate) * o.timeScale;
  for (let seq = 0; seq < o.messages; seq++) {
    const d = devices[seq % devices.length]!;
    const base = o.start + Math.floor(seq * stepMs);
    const u = rng.next();
    const kind = u < o.badRate ? 'malformed' : u < o.badRate + o.lateRate ? 'late' : 'reading';
    const ts = kind === 'late' ? base - Math.round(o.lateByMs * (1 + rng.next())) : base - Math.round(rng.next() * o.jitterMs);
    const hour = ((ts / 3_600_000) % 24 + 24) % 24;
    const cycle = Math.sin((2 * Math.PI * (hour - 9)) / 24);
    d.drift = 0.98 * d.drift + rng.normal(0, 0.08);
    d.battery = Math.max(0, d.battery - 0.00001);
    const spike = kind !== 'malformed' && rng.chance(o.spikeRate);
    const temperature = spike ? 82 + 18 * rng.next() : d.temp + d.amplitude * cycle + d.drift + rng.normal(0, 0.3);
    const humidity = Math.min(100, Math.max(0, d.humidity - 1.5 * d.amplitude * cycle + rng.normal(0, 1)));
    const reading: SensorReading = { device_id: d.id, ts: new Date(ts).toISOString(), temperature: round(temperature, 2), humidity: round(humidity, 1), battery: round(d.battery, 4) };
    if (kind === 'malformed') yield { seq, device: d.id, kind, ts, payload: malform(rng, reading), spike: false };
    else yield { seq, device: d.id, kind, ts, payload: JSON.stringify(reading), reading, spike };
  }
}

/** Where the messages go: a broker connection (BrokerConnection fits). */
export interface SensorSink {
  publish(target: string, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
}

export interface PublishSensorsOptions {
  /** Aborting stops sending; what was sent is reported. */
  signal?: AbortSignal;
  /** Called about every 250 ms with messages sent so far. */
  onProgress?: (sent: number, total: number) => void;
}

/** Sends the messages at `rate` per second to `targetOf(device)`. */
export async function publishSensors(options: SensorGenOptions, sink: SensorSink, targetOf: (device: string) => string, extra: PublishSensorsOptions = {}): Promise<SensorGenResult> {
  const o = resolveSensorOptions(options);
  const started = performance.now();
  const encoder = new TextEncoder();
  const r: SensorGenResult = { sent: 0, readings: 0, malformed: 0, late: 0, spikes: 0, devices: o.devices, firstEventTime: null, lastEventTime: null, seconds: 0 };
  const it = sensorMessages(o);
  let lastProgress = 0;
  let maxTs = -Infinity;
  let minTs = Infinity;
  while (r.sent < o.messages && extra.signal?.aborted !== true) {
    const elapsed = performance.now() - started;
    const due = Math.min(o.messages, Math.floor((elapsed * o.rate) / 1000) + 1);
    const inflight: Promise<void>[] = [];
    while (r.sent < due) {
      const m = it.next().value as SensorMessage;
      inflight.push(sink.publish(targetOf(m.device), encoder.encode(m.payload)));
      r.sent++;
      if (m.kind === 'malformed') r.malformed++;
      else if (m.kind === 'late') r.late++;
      else r.readings++;
      if (m.spike) r.spikes++;
      maxTs = Math.max(maxTs, m.ts);
      minTs = Math.min(minTs, m.ts);
    }
    await Promise.all(inflight);
    if (extra.onProgress !== undefined && elapsed - lastProgress >= 250) {
      lastProgress = elapsed;
      extra.onProgress(r.sent, o.messages);
    }
    if (r.sent < o.messages) await sleep(Math.max(1, Math.min(20, (r.sent * 1000) / o.rate - (performance.now() - started))));
  }
  await sink.flush();
  extra.onProgress?.(r.sent, o.messages);
  if (r.sent > 0) {
    r.firstEventTime = new Date(minTs).toISOString();
    r.lastEventTime = new Date(maxTs).toISOString();
  }
  r.seconds = (performance.now() - started) / 1000;
  return r;
}
