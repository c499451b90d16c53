/**
 * Core NATS side of the broker seam (./broker.ts), on `@nats-io/transport-node`. Core NATS
 * delivers at most once: messages published while no subscription is active, or dropped
 * when a slow subscriber overflows its pending limit, are gone.
 *
 * ```ts
 * const conn = await connectNats({ kind: 'nats', servers: 'nats://127.0.0.1:4222' });
 * ```
 */
import { connect } from '@nats-io/transport-node';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { logger } from '../log.js';
import { brokerFailed, redactUrl } from './broker-types.js';
import type { BrokerConnection, BrokerSubscription, SubscribeOptions } from './broker-types.js';

const log = logger('stream.nats');

class NatsConn implements BrokerConnection {
  readonly kind = 'nats' as const;

  constructor(
    private readonly nc: NatsConnection,
    readonly server: string,
  ) {}

  async subscribe(filter: string, onMessage: (payload: Uint8Array, origin: string) => void, options: SubscribeOptions = {}): Promise<BrokerSubscription> {
    const sub = this.nc.subscribe(filter, {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      callback: (err, msg) => {
        if (err !== null) log.warn({ err: err.message, subject: filter }, 'nats subscription error');
        else onMessage(msg.data, msg.subject);
      },
    });
    // The subscription is active on the server once a round trip has passed.
    await this.nc.flush();
    return { stop: () => sub.drain() };
  }

  async publish(target: string, data: Uint8Array): Promise<void> {
    this.nc.publish(target, data);
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

export async function connectNats(options: { servers: string | string[]; token?: string; user?: string; pass?: string; name?: string }): Promise<BrokerConnection> {
  const list = Array.isArray(options.servers) ? options.servers : [options.servers];
  const server = list.map(redactUrl).join(',');
  const opts: ConnectionOptions = { servers: list, timeout: 10_000, name: options.name ?? 'quiver-stream', maxReconnectAttempts: -1 };
  if (options.token !== undefined) opts.token = options.token;
  if (options.user !== undefined) opts.user = options.user;
  if (options.pass !== undefined) opts.pass = options.pass;
  try {
    return new NatsConn(await connect(opts), server);
  } catch (err) {
    throw brokerFailed('connecting to NATS', server, err, 'is nats-server running and the URL right (nats://host:4222)?');
  }
}
