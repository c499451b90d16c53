/**
 * One small seam over the two message brokers a stream reads from and publishes alerts to:
 * MQTT (the `mqtt` package) and core NATS (`@nats-io/transport-node`). A connection
 * subscribes with a topic filter / subject, publishes bytes, and closes.
 *
 * ```ts
 * const conn = await connectBroker({ kind: 'nats', servers: 'nats://127.0.0.1:4222' });
 * const sub = await conn.subscribe('sensors.>', (payload, origin) => handle(payload, origin));
 * await conn.publish('alerts.overheat', bytes);
 * await sub.stop();     // no more messages after this resolves
 * await conn.close();
 * ```
 */
import { connectMqtt } from './broker-mqtt.js';
import { connectNats } from './broker-nats.js';
import type { BrokerConnection, BrokerOptions } from './broker-types.js';

export type { BrokerConnection, BrokerKind, BrokerOptions, BrokerSubscription, PublishOptions, SubscribeOptions } from './broker-types.js';
export { redactUrl } from './broker-types.js';

/** Connects, failing fast (BUS_FAILED, retryable) when the server cannot be reached. */
export async function connectBroker(options: BrokerOptions): Promise<BrokerConnection> {
  switch (options.kind) {
    case 'mqtt':
      return connectMqtt(options);
    case 'nats':
      return connectNats(options);
  }
}
