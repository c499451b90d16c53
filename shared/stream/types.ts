/**
 * Types of a stream spec (what a user writes) and of the resolved plan the runner uses
 * (durations in ms, defaults filled in, the schema as quiver fields).
 *
 * ```ts
 * import type { StreamSpec, StreamPlan } from './types.js';
 * const spec: StreamSpec = {
 *   name: 'sensors',
 *   source: { kind: 'nats', servers: 'nats://127.0.0.1:4222', subject: 'sensors.>' },
 *   schema: { device_id: 'string', ts: 'timestamp', temperature: 'float' },
 *   time: 'ts', key: 'device_id', output: '.quiver/streams/sensors',
 * };
 * ```
 */
import type { SecretRef } from '../connectors/secrets.js';
import type { FieldDef } from '../dataset.js';

/** Column types a reading may declare. */
export type StreamFieldType = 'string' | 'int' | 'float' | 'bool' | 'timestamp';

export type FieldSpec = StreamFieldType | { type: StreamFieldType; nullable?: boolean };

export interface MqttSourceSpec {
  kind: 'mqtt';
  /** `mqtt://host:1883`, `mqtts://...`, `ws://...`. */
  url: string;
  /** Topic filter, wildcards allowed (`sensors/#`). */
  topic: string;
  /** Subscription QoS (default 1). */
  qos?: 0 | 1 | 2;
  /** Default: `quiver-stream-<name>-<random>`. */
  clientId?: string;
  username?: string;
  password?: SecretRef;
}

export interface NatsSourceSpec {
  kind: 'nats';
  servers: string | string[];
  /** Subject, wildcards allowed (`sensors.>`). */
  subject: string;
  /** Queue group: several runners share the messages instead of each getting all. */
  queue?: string;
  token?: SecretRef;
  user?: string;
  pass?: SecretRef;
}

export type SourceSpec = MqttSourceSpec | NatsSourceSpec;

export type WindowStat = 'count' | 'mean' | 'min' | 'max';

/** Where an alert goes, on the source's own connection: a NATS subject or an MQTT topic. */
export type AlertPublishSpec = { subject: string } | { topic: string; qos?: 0 | 1 | 2; retain?: boolean };

export interface AlertRuleSpec {
  /** Rule name, carried in every alert (default `alert<i>`). */
  name?: string;
  /** Threshold form: the window statistic `stat` of `field`... */
  field?: string;
  stat?: WindowStat;
  /** ...is above (>) this value, */
  above?: number;
  /** ...and/or below (<) this one. */
  below?: number;
  /** Expression form: a bool expression over the window row (`temperature_max > 80 and humidity_mean < 20`). */
  when?: string;
  publish?: AlertPublishSpec;
}

export interface StreamSpec {
  name: string;
  description?: string;
  source: SourceSpec;
  /** Field name → type, in column order. */
  schema: Record<string, FieldSpec>;
  /** The event-time field (a timestamp). */
  time: string;
  /** The field windows are kept per (a device id). */
  key: string;
  batch?: { maxRows?: number; maxMs?: number | string };
  window?: { size: number | string; allowedLateness?: number | string; fields?: string[] };
  alerts?: AlertRuleSpec[];
  /** Store URI or local path the shards go under. */
  output: string;
}

export interface WindowPlan {
  sizeMs: number;
  latenessMs: number;
  /** Numeric fields aggregated per window. */
  fields: string[];
}

export interface AlertRulePlan {
  name: string;
  /** The spec path of the rule (`alerts[1]`), for messages. */
  path: string;
  threshold?: { field: string; stat: WindowStat; above?: number; below?: number };
  when?: string;
  publish?: AlertPublishSpec;
}

/** A validated spec with defaults filled in and durations in ms. */
export interface StreamPlan {
  name: string;
  source: SourceSpec;
  fields: FieldDef[];
  time: string;
  key: string;
  batch: { maxRows: number; maxMs: number };
  window: WindowPlan | undefined;
  alerts: AlertRulePlan[];
  output: string;
}

/** A parsed reading: field name → value (timestamps as ms since the epoch). */
export type Reading = Record<string, number | string | boolean | null>;
