/**
 * Opening a stream's source from its spec: connects to the MQTT broker or NATS servers
 * (secrets resolved here, in the process that uses them) and says what to subscribe to.
 *
 * ```ts
 * const src = await openSource(plan.source, plan.name);
 * const sub = await src.connection.subscribe(src.filter, onMessage, src.options);
 * ```
 */
import { randomBytes } from 'node:crypto';
import { resolveSecret } from '../connectors/secrets.js';
import { connectBroker } from './broker.js';
import type { BrokerConnection, BrokerOptions, SubscribeOptions } from './broker.js';
import type { SourceSpec } from './types.js';

export interface OpenedSource {
  connection: BrokerConnection;
  /** Topic filter or subject to subscribe to. */
  filter: string;
  options: SubscribeOptions;
  /** `mqtt://127.0.0.1:1883 topic sensors/#`, safe to print. */
  description: string;
}

/** Broker options for a source spec; secrets are read now. */
export function brokerOptionsOf(spec: SourceSpec, streamName: string): BrokerOptions {
  if (spec.kind === 'mqtt') {
    const o: BrokerOptions = { kind: 'mqtt', url: spec.url, clientId: spec.clientId ?? `quiver-stream-${streamName}-${randomBytes(4).toString('hex')}` };
    if (spec.username !== undefined) o.username = spec.username;
    if (spec.password !== undefined) o.password = resolveSecret(spec.password, 'source.password');
    return o;
  }
  const o: BrokerOptions = { kind: 'nats', servers: spec.servers, name: `quiver-stream-${streamName}` };
  if (spec.token !== undefined) o.token = resolveSecret(spec.token, 'source.token');
  if (spec.user !== undefined) o.user = spec.user;
  if (spec.pass !== undefined) o.pass = resolveSecret(spec.pass, 'source.pass');
  return o;
}

/** What to subscribe to and how. */
export function subscriptionOf(spec: SourceSpec): { filter: string; options: SubscribeOptions } {
  if (spec.kind === 'mqtt') return { filter: spec.topic, options: { qos: spec.qos ?? 1 } };
  return { filter: spec.subject, options: spec.queue === undefined ? {} : { queue: spec.queue } };
}

export async function openSource(spec: SourceSpec, streamName: string): Promise<OpenedSource> {
  const connection = await connectBroker(brokerOptionsOf(spec, streamName));
  const { filter, options } = subscriptionOf(spec);
  return { connection, filter, options, description: `${connection.server} ${spec.kind === 'mqtt' ? 'topic' : 'subject'} ${filter}` };
}
