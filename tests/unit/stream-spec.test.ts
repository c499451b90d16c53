import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStreamSpec } from '../../shared/stream/spec.js';
import { readingParser } from '../../shared/stream/parse.js';
import { isErrorCode } from '../../shared/errors.js';

const SPEC = `
name: sensors
source: { kind: mqtt, url: mqtt://127.0.0.1:1883, topic: sensors/#, qos: 1 }
schema: { device_id: string, ts: timestamp, temperature: float, humidity: float, seq: int, ok: { type: bool, nullable: true } }
time: ts
key: device_id
batch: { maxRows: 500, maxMs: 2s }
window: { size: 1m, allowedLateness: 10s, fields: [temperature, humidity] }
alerts:
  - { name: overheat, field: temperature, stat: max, above: 80, publish: { topic: alerts/overheat } }
output: s3://bucket/streams/sensors
`;

test('a valid spec becomes a plan with durations in ms and fields in order', () => {
  const p = parseStreamSpec(SPEC);
  assert.deepEqual(p.batch, { maxRows: 500, maxMs: 2_000 });
  assert.deepEqual(p.window, { sizeMs: 60_000, latenessMs: 10_000, fields: ['temperature', 'humidity'] });
  assert.deepEqual(p.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`), ['device_id:string', 'ts:timestamp', 'temperature:float', 'humidity:float', 'seq:int', 'ok:bool?']);
  assert.deepEqual(p.alerts, [{ name: 'overheat', path: 'alerts[0]', threshold: { field: 'temperature', stat: 'max', above: 80 }, publish: { topic: 'alerts/overheat' } }]);
});

test('defaults: batch 10000 rows / 5 s, lateness 0, every numeric field but the key and time', () => {
  const p = parseStreamSpec(SPEC.replace(/batch:.*\n/, '').replace('window: { size: 1m, allowedLateness: 10s, fields: [temperature, humidity] }', 'window: { size: 30s }'));
  assert.deepEqual(p.batch, { maxRows: 10_000, maxMs: 5_000 });
  assert.deepEqual(p.window, { sizeMs: 30_000, latenessMs: 0, fields: ['temperature', 'humidity', 'seq'] });
});

function errors(text: string): string {
  try {
    parseStreamSpec(text, 'spec.yaml');
  } catch (err) {
    assert.ok(isErrorCode(err, 'SPEC_INVALID'), String(err));
    return (err as Error).message;
  }
  assert.fail('expected SPEC_INVALID');
}

test('schema errors name the field path', () => {
  const m = errors(SPEC.replace('topic: sensors/#, qos: 1', 'qos: 3, bogus: 1').replace('maxRows: 500', 'maxRows: 0').replace('size: 1m', 'size: 1 minute'));
  assert.match(m, /^spec\.yaml is invalid:/);
  assert.match(m, /source: missing required field "topic"/);
  assert.match(m, /source: unknown field "bogus"/);
  assert.match(m, /source\.qos: must be one of 0, 1, 2/);
  assert.match(m, /batch\.maxRows: must be >= 1/);
  assert.match(m, /window\.size: must match/);
});

test('semantic errors: time must be a timestamp field, key must exist, window fields numeric, alerts need a window', () => {
  const m = errors(SPEC.replace('time: ts', 'time: device_id').replace('key: device_id', 'key: devic').replace('fields: [temperature, humidity]', 'fields: [temperature, ok, nope]'));
  assert.match(m, /time: field "device_id" is string; the event-time field must be a timestamp/);
  assert.match(m, /key: "devic" is not a field of schema; fields are: device_id, ts, temperature, humidity, seq, ok/);
  assert.match(m, /window\.fields\[1\]: "ok" is bool; only int and float fields can be aggregated/);
  assert.match(m, /window\.fields\[2\]: "nope" is not a field of schema; numeric fields are: temperature, humidity, seq/);
  assert.match(errors(SPEC.replace(/window:.*\n/, '')), /alerts: alert rules run on closed windows; add window: \{ size: 1m \}/);
  assert.match(errors(SPEC.replace('ts: timestamp', 'ts: datetime')), /schema\.ts: /);
});

test('payloads parse strictly per the schema; each rejection says why', () => {
  const parse = readingParser(parseStreamSpec(SPEC).fields);
  const good = { device_id: 'd1', ts: '2024-05-01T10:00:00.250+02:00', temperature: 21.5, humidity: 40, seq: 7, extra: 'ignored' };
  assert.deepEqual(parse(JSON.stringify(good)), { ok: true, reading: { device_id: 'd1', ts: Date.parse('2024-05-01T08:00:00.250Z'), temperature: 21.5, humidity: 40, seq: 7, ok: null } });
  assert.deepEqual(parse(new TextEncoder().encode(JSON.stringify({ ...good, ts: 1714550400000, ok: true }))), { ok: true, reading: { device_id: 'd1', ts: 1714550400000, temperature: 21.5, humidity: 40, seq: 7, ok: true } });
  const reason = (v: unknown): string => {
    const r = parse(typeof v === 'string' ? v : JSON.stringify(v));
    assert.equal(r.ok, false);
    return (r as { reason: string }).reason;
  };
  assert.match(reason('{"device_id":"d1","ts":'), /^malformed: not JSON \(/);
  assert.equal(reason([1, 2]), 'malformed: expected a JSON object, got an array');
  assert.equal(reason(42), 'malformed: expected a JSON object, got 42');
  assert.equal(reason({ ...good, temperature: 'n/a' }), 'malformed: field "temperature": expected a number, got "n/a"');
  assert.equal(reason({ ...good, seq: 1.5 }), 'malformed: field "seq": expected an integer, got 1.5');
  assert.equal(reason({ ...good, ts: undefined }), 'malformed: field "ts" is missing but required');
  assert.equal(reason({ ...good, humidity: null }), 'malformed: field "humidity" is null but required');
  assert.equal(reason({ ...good, ts: '2024-05-01 10:00' }), 'malformed: field "ts": expected an ISO 8601 timestamp with a zone (2024-05-01T10:00:00Z) or ms since the epoch, got "2024-05-01 10:00"');
  assert.equal(reason({ ...good, ts: '2024-13-45T99:00:00Z' }), 'malformed: field "ts": expected an ISO 8601 timestamp with a zone (2024-05-01T10:00:00Z) or ms since the epoch, got "2024-13-45T99:00:00Z"');
  assert.equal(parse(new Uint8Array([0x7b, 0xff, 0x7d])).ok, false);
});
