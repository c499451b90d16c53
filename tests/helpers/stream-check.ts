/**
 * What a stream run over simulator messages must produce, computed here independently of
 * shared/stream (plain JSON parsing, its own watermark replay and window sums), and a check
 * of a finished run (summary + store contents) against it. Used by the MQTT and NATS
 * integration tests, which both deliver the messages in publish order.
 *
 * ```ts
 * const want = expectStream(messages, { sizeMs: 60_000, latenessMs: 10_000, alertAbove: 80 });
 * await checkStream(summary, store, output, want);
 * ```
 */
import assert from 'node:assert/strict';
import { readColumn } from '../../shared/arrow/columns.js';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import type { ObjectStore } from '../../shared/store/index.js';
import type { StreamSummary } from '../../shared/stream/index.js';
import type { SensorMessage } from '../../coordinator/gen/sensors.js';

export interface ExpectedWindow {
  count: number;
  tSum: number;
  tMin: number;
  tMax: number;
  hSum: number;
  hMin: number;
  hMax: number;
}

export interface ExpectedStream {
  received: number;
  /** 1-based message numbers, as quarantine records carry them. */
  malformedLines: number[];
  lateLines: number[];
  accepted: number;
  temperatureSum: number;
  /** `device@windowStartMs` → aggregates. */
  windows: Map<string, ExpectedWindow>;
  /** Sorted `device@windowStartISO` of windows whose max temperature is above the threshold. */
  alerts: string[];
}

/** Replays the messages in order: generator's malformed ones rejected, then the watermark. */
export function expectStream(messages: readonly SensorMessage[], o: { sizeMs: number; latenessMs: number; alertAbove: number }): ExpectedStream {
  const want: ExpectedStream = { received: messages.length, malformedLines: [], lateLines: [], accepted: 0, temperatureSum: 0, windows: new Map(), alerts: [] };
  let newest = -Infinity;
  messages.forEach((m, i) => {
    if (m.kind === 'malformed') return void want.malformedLines.push(i + 1);
    const r = JSON.parse(m.payload) as { device_id: string; ts: string; temperature: number; humidity: number };
    const ts = Date.parse(r.ts);
    if (ts < newest - o.latenessMs) return void want.lateLines.push(i + 1);
    newest = Math.max(newest, ts);
    want.accepted++;
    want.temperatureSum += r.temperature;
    const start = ts - (((ts % o.sizeMs) + o.sizeMs) % o.sizeMs);
    const key = `${r.device_id}@${start}`;
    const w = want.windows.get(key) ?? { count: 0, tSum: 0, tMin: Infinity, tMax: -Infinity, hSum: 0, hMin: Infinity, hMax: -Infinity };
    w.count++;
    w.tSum += r.temperature;
    w.tMin = Math.min(w.tMin, r.temperature);
    w.tMax = Math.max(w.tMax, r.temperature);
    w.hSum += r.humidity;
    w.hMin = Math.min(w.hMin, r.humidity);
    w.hMax = Math.max(w.hMax, r.humidity);
    want.windows.set(key, w);
  });
  for (const [key, w] of want.windows) {
    if (w.tMax > o.alertAbove) {
      const [device, start] = key.split('@') as [string, string];
      want.alerts.push(`${device}@${new Date(Number(start)).toISOString()}`);
    }
  }
  want.alerts.sort();
  return want;
}

async function tables(store: ObjectStore, prefix: string) {
  const objs = await store.list(prefix);
  return Promise.all(objs.map(async (o) => decodeTable(await store.get(o.uri), o.uri)));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Asserts the summary counts and the store contents (readings, quarantine, windows) equal `want`. */
export async function checkStream(s: StreamSummary, store: ObjectStore, output: string, want: ExpectedStream): Promise<void> {
  assert.equal(s.received, want.received, 'every published message was received');
  assert.deepEqual(
    { malformed: s.quarantined.malformed, late: s.quarantined.late, written: s.written, unwritten: s.unwritten, balanced: s.balanced },
    { malformed: want.malformedLines.length, late: want.lateLines.length, written: want.accepted, unwritten: 0, balanced: true },
  );
  assert.equal(s.received, s.written + s.quarantined.total);

  const readings = await tables(store, `${output}/readings/`);
  assert.equal(readings.reduce((n, t) => n + t.numRows, 0), want.accepted, 'rows in readings shards');
  const tSum = readings.reduce((sum, t) => sum + (readColumn(t, 'temperature') as number[]).reduce((a, b) => a + b, 0), 0);
  assert.ok(close(tSum, want.temperatureSum), `temperature checksum ${tSum} vs ${want.temperatureSum}`);

  const qObjs = await store.list(`${output}/quarantine/`);
  const records = (await Promise.all(qObjs.map(async (o) => decodeQuarantine(await store.get(o.uri))))).flat();
  const lines = (prefix: string): number[] => records.filter((r) => r.reason.startsWith(prefix)).map((r) => r.line).sort((a, b) => a - b);
  assert.deepEqual(lines('malformed: '), want.malformedLines, 'malformed messages quarantined by position');
  assert.deepEqual(lines('late: event time '), want.lateLines, 'late messages quarantined by position');
  assert.equal(records.length, want.malformedLines.length + want.lateLines.length);

  const got = new Map<string, ExpectedWindow & { tMean: number; hMean: number }>();
  for (const t of await tables(store, `${output}/windows/`)) {
    const col = (name: string) => readColumn(t, name);
    const [dev, start, count, tMean, tMin, tMax, hMean, hMin, hMax] = ['device_id', 'window_start', 'count', 'temperature_mean', 'temperature_min', 'temperature_max', 'humidity_mean', 'humidity_min', 'humidity_max'].map(col);
    for (let i = 0; i < t.numRows; i++) {
      const key = `${String(dev![i])}@${String(start![i])}`;
      assert.ok(!got.has(key), `window ${key} written twice`);
      got.set(key, { count: count![i] as number, tSum: 0, hSum: 0, tMean: tMean![i] as number, tMin: tMin![i] as number, tMax: tMax![i] as number, hMean: hMean![i] as number, hMin: hMin![i] as number, hMax: hMax![i] as number });
    }
  }
  assert.deepEqual([...got.keys()].sort(), [...want.windows.keys()].sort(), 'the same windows');
  assert.equal(s.windows.closed, want.windows.size);
  for (const [key, w] of want.windows) {
    const g = got.get(key)!;
    assert.deepEqual([g.count, g.tMin, g.tMax, g.hMin, g.hMax], [w.count, w.tMin, w.tMax, w.hMin, w.hMax], `window ${key}`);
    assert.ok(close(g.tMean, w.tSum / w.count) && close(g.hMean, w.hSum / w.count), `means of window ${key}`);
  }
}

/** Received alerts as sorted `device@windowStart`. */
export function alertKeys(alerts: readonly { key: unknown; windowStart: string }[]): string[] {
  return alerts.map((a) => `${String(a.key)}@${a.windowStart}`).sort();
}
