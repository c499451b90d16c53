/**
 * Task-bus options: the public {@link BusOptions} (every field optional, documented default),
 * merged once over frozen defaults and validated, naming the bad field.
 */
import { QuiverError } from '../errors.js';
import { DEFAULT_NAMESPACE, assertNamespace } from './names.js';

export interface BusOptions {
  /** NATS server URL(s), comma-separated (`nats://127.0.0.1:4222`). Absent → in-memory bus (local mode). */
  nats?: string;
  /** Prefix of every subject, stream and bucket, so several clusters can share a server. Default `quiver`. */
  namespace?: string;
  /** A delivered task not acked, nacked or extended with `working()` within this time is redelivered. Default 30 000 ms. */
  ackWaitMs?: number;
  /** Deliveries after which a task is dead-lettered. Default 4. */
  maxDeliver?: number;
  /** A worker heartbeat not refreshed within this time disappears from the `workers` bucket. Default 15 000 ms. */
  heartbeatTtlMs?: number;
  /** Connection name shown by the NATS server (`nats server report connections`). Default `quiver`. */
  name?: string;
}

export interface ResolvedBusOptions {
  readonly nats: string | undefined;
  readonly namespace: string;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly heartbeatTtlMs: number;
  readonly name: string;
}

export const BUS_DEFAULTS: ResolvedBusOptions = Object.freeze({
  nats: undefined,
  namespace: DEFAULT_NAMESPACE,
  ackWaitMs: 30_000,
  maxDeliver: 4,
  heartbeatTtlMs: 15_000,
  name: 'quiver',
});

const KNOWN = new Set<string>(Object.keys(BUS_DEFAULTS));

function invalid(field: string, why: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', `bus option ${field}: ${why}`);
}

function checkInt(field: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
}

/** Merges `options` over {@link BUS_DEFAULTS} and validates every field. Throws QuiverError OPTION_INVALID. */
export function resolveBusOptions(options: BusOptions = {}): ResolvedBusOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'expected an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalid(key, `unknown option; known options are ${[...KNOWN].join(', ')}`);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BusOptions;
  const o: ResolvedBusOptions = { ...BUS_DEFAULTS, ...defined };
  if (o.nats !== undefined && (typeof o.nats !== 'string' || o.nats.trim() === '')) {
    throw invalid('nats', `expected a server URL such as nats://127.0.0.1:4222, got ${JSON.stringify(o.nats)}`);
  }
  assertNamespace(o.namespace, 'bus option namespace');
  checkInt('ackWaitMs', o.ackWaitMs, 100, 24 * 3600_000);
  checkInt('maxDeliver', o.maxDeliver, 1, 1000);
  checkInt('heartbeatTtlMs', o.heartbeatTtlMs, 100, 24 * 3600_000);
  if (typeof o.name !== 'string' || o.name === '') throw invalid('name', `expected a non-empty string, got ${JSON.stringify(o.name)}`);
  return Object.freeze(o);
}
