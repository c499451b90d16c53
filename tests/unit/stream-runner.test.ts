import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { readColumn } from '../../shared/arrow/columns.js';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { QuiverError } from '../../shared/errors.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/index.js';
import type { BrokerConnection, BrokerSubscription } from '../../shared/stream/broker.js';
import { parseStreamSpec } from '../../shared/stream/spec.js';
import { StreamRunner } from '../../shared/stream/runner.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

/** An in-process broker: the test delivers messages by hand and sees what was published. */
class FakeBroker implements BrokerConnection {
  readonly kind = 'nats' as const;
  readonly server = 'fake://broker';
  handler: ((payload: Uint8Array, origin: string) => void) | undefined;
  filter = '';
  published: { target: string; data: unknown }[] = [];

  async subscribe(filter: string, onMessage: (payload: Uint8Array, origin: string) => void): Promise<BrokerSubscription> {
    this.filter = filter;
    this.handler = onMessage;
    return { stop: async () => void (this.handler = undefined) };
  }
  deliver(origin: string, payload: unknown): void {
    assert.ok(this.handler !== undefined, 'not subscribed');
    this.handler(new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)), origin);
  }
  async publish(target: string, data: Uint8Array): Promise<void> {
    this.published.push({ target, data: JSON.parse(new TextDecoder().decode(data)) });
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const T0 = Date.parse('2024-05-01T23:59:00Z');
let dir: TempDir;
before(async () => (dir = await tempDir('quiver-stream-runner')));
after(() => dir.cleanup());

function plan(output: string) {
  return parseStreamSpec(`
name: unit
source: { kind: nats, servers: nats://unused:4222, subject: s.> }
schema: { device_id: string, ts: timestamp, temperature: float }
time: ts
key: device_id
batch: { maxRows: 3, maxMs: 1s }
window: { size: 1m, allowedLateness: 10s }
alerts:
  - { name: hot, field: temperature, stat: max, above: 80, publish: { subject: alerts.hot } }
output: ${output}
`);
}

const reading = (d: string, ms: number, t: number) => ({ device_id: d, ts: new Date(T0 + ms).toISOString(), temperature: t });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(5);
  assert.ok(cond(), 'condition not reached in 1 s');
}

async function readShards(store: ObjectStore, prefix: string) {
  const objs = await store.list(prefix);
  return Promise.all(objs.map(async (o) => ({ uri: o.uri.slice(prefix.length), table: decodeTable(await store.get(o.uri)) })));
}

test('counts every message out: batches by rows and time, quarantine, windows and alerts, flushed on stop', async () => {
  const out = `${dir.path}/s1`;
  const store = createStore();
  const clock = new FakeClock(Date.parse('2030-01-01T12:00:00Z'));
  const broker = new FakeBroker();
  const runner = await StreamRunner.start({ plan: plan(out), store, connection: broker, clock });
  assert.equal(broker.filter, 's.>');
  broker.deliver('s.a', reading('a', 0, 20));
  broker.deliver('s.b', reading('b', 1_000, 85));
  clock.advance(999);
  assert.equal(runner.stats().batches, 0);
  clock.advance(1);
  await until(() => runner.stats().batches === 1);
  assert.equal(runner.stats().written, 2);
  broker.deliver('s.a', '{"device_id":"a","ts":'); // 3: malformed
  broker.deliver('s.a', reading('a', 65_000, 21)); // 4: next day, watermark 55 s
  broker.deliver('s.a', reading('a', 54_999, 22)); // 5: late
  broker.deliver('s.b', reading('b', 56_000, 90)); // 6: on time, same window as 2
  broker.deliver('s.c', reading('c', 75_000, 23)); // 7: watermark 65 s closes [23:59, 00:00) for a and b
  assert.equal(runner.stats().windows.closed, 2);
  assert.equal(runner.stats().alerts.raised, 1);
  const s = await runner.stop('requested');
  assert.equal(await runner.done, s);
  assert.deepEqual(
    { received: s.received, written: s.written, q: s.quarantined, batches: s.batches, shards: s.shards, windows: s.windows, alerts: s.alerts, balanced: s.balanced, stoppedBy: s.stoppedBy, pending: s.pending },
    { received: 7, written: 5, q: { malformed: 1, late: 1, total: 2 }, batches: 2, shards: 3, windows: { closed: 4, open: 0 }, alerts: { raised: 1, published: 1, failed: 0 }, balanced: true, stoppedBy: 'requested', pending: 0 },
  );
  assert.equal(s.watermark, '2024-05-02T00:00:05.000Z');

  const readings = await readShards(store, `${out}/readings/`);
  assert.deepEqual(readings.map((r) => [r.uri, r.table.numRows]), [['date=2024-05-01/part-000000.arrow', 2], ['date=2024-05-01/part-000001.arrow', 1], ['date=2024-05-02/part-000002.arrow', 2]]);
  assert.deepEqual(readColumn(readings[2]!.table, 'device_id'), ['a', 'c']);
  assert.deepEqual(readColumn(readings[1]!.table, 'temperature'), [90]);

  const windows = await readShards(store, `${out}/windows/`);
  const rows = windows.flatMap((w) => {
    const t = w.table;
    return readColumn(t, 'device_id').map((d, i) => [d, readColumn(t, 'window_start')[i], readColumn(t, 'count')[i], readColumn(t, 'temperature_max')[i]]);
  });
  assert.deepEqual(rows, [['a', T0, 1, 20], ['b', T0, 2, 90], ['a', T0 + 60_000, 1, 21], ['c', T0 + 60_000, 1, 23]]);

  const q = (await store.list(`${out}/quarantine/`)).map((o) => o.uri);
  assert.equal(q.length, 1);
  assert.match(q[0]!, /quarantine\/date=2030-01-01\/part-000000\.ndjson$/);
  const recs = decodeQuarantine(await store.get(q[0]!));
  assert.deepEqual(recs.map((r) => [r.source, r.line, r.reason.split(':')[0]]), [['s.a', 3, 'malformed'], ['s.a', 5, 'late']]);
  assert.equal(recs[1]!.reason, 'late: event time 2024-05-01T23:59:54.999Z is before watermark 2024-05-01T23:59:55.000Z (newest event time 2024-05-02T00:00:05.000Z − allowed lateness 10s)');

  assert.equal(broker.published.length, 1);
  assert.deepEqual(broker.published[0]!.target, 'alerts.hot');
  assert.deepEqual((broker.published[0]!.data as { key: string; condition: string }).condition, 'temperature max 90 > 80');
  const alerts = await store.list(`${out}/alerts/`);
  assert.equal(alerts.length, 1);
});

test('a restarted stream continues the part numbers instead of overwriting', async () => {
  const out = `${dir.path}/s1`; // written by the test above
  const broker = new FakeBroker();
  const store = createStore();
  const runner = await StreamRunner.start({ plan: plan(out), store, connection: broker, clock: new FakeClock(0) });
  broker.deliver('s.z', reading('z', 0, 1));
  const s = await runner.stop();
  assert.equal(s.written, 1);
  const parts = (await store.list(`${out}/readings/`)).map((o) => o.uri.split('/').pop());
  assert.deepEqual(parts, ['part-000000.arrow', 'part-000001.arrow', 'part-000003.arrow', 'part-000002.arrow']);
});

test('maxMessages stops the runner by itself', async () => {
  const broker = new FakeBroker();
  const runner = await StreamRunner.start({ plan: plan(`${dir.path}/s2`), store: createStore(), connection: broker, maxMessages: 3 });
  for (let i = 0; i < 3; i++) broker.deliver('s.a', reading('a', i, 1));
  const s = await runner.done;
  assert.equal(s.stoppedBy, 'max-messages');
  assert.equal(s.received, 3);
  assert.equal(s.written, 3);
  assert.equal(broker.handler, undefined, 'unsubscribed');
});

test('a failing store stops the runner with STORE_FAILED and counts the readings it could not write', async () => {
  const inner = createStore();
  const failing: ObjectStore = {
    ...inner,
    list: (p) => inner.list(p),
    put: () => Promise.reject(QuiverError.retryable('STORE_FAILED', 'disk full')),
  };
  const broker = new FakeBroker();
  const runner = await StreamRunner.start({ plan: plan(`${dir.path}/s3`), store: failing, connection: broker, clock: new FakeClock(0) });
  for (let i = 0; i < 4; i++) broker.deliver('s.a', reading('a', i, 1)); // one batch of 3 fails; 1 pending
  broker.deliver('s.a', 'nope');
  const s = await runner.done;
  assert.equal(s.stoppedBy, 'error');
  assert.equal(s.error?.code, 'STORE_FAILED');
  assert.equal(s.error?.message, 'disk full');
  assert.deepEqual([s.received, s.written, s.unwritten, s.quarantined.total, s.balanced], [5, 0, 4, 1, true]);
});
