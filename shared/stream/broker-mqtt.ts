/**
 * MQTT side of the broker seam (./broker.ts), on the `mqtt` package. Subscriptions acknowledge
 * QoS 1/2 messages once the handler has run (mqtt.js sends PUBACK after the 'message'
 * event), so a message is in the runner's hands before the broker forgets it.
 *
 * ```ts
 * const conn = await connectMqtt({ kind: 'mqtt', url: 'mqtt://127.0.0.1:1883' });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { logger } from '../log.js';
import { brokerFailed, redactUrl } from './broker-types.js';
import type { BrokerConnection, BrokerSubscription, PublishOptions, SubscribeOptions } from './broker-types.js';

const log = logger('stream.mqtt');

/** True when `topic` matches the MQTT filter (`+` one level, `#` the rest). */
export function mqttTopicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && topic.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && topic.startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

class MqttConnection implements BrokerConnection {
  readonly kind = 'mqtt' as const;
  private readonly handlers = new Map<string, (payload: Uint8Array, origin: string) => void>();

  constructor(
    private readonly client: MqttClient,
    readonly server: string,
  ) {
    client.on('message', (topic, payload) => {
      for (const [filter, handler] of this.handlers) if (mqttTopicMatches(filter, topic)) handler(payload, topic);
    });
    client.on('error', (err) => log.warn({ err: err.message, server }, 'mqtt client error'));
    client.on('reconnect', () => log.warn({ server }, 'mqtt reconnecting'));
  }

  async subscribe(filter: string, onMessage: (payload: Uint8Array, origin: string) => void, options: SubscribeOptions = {}): Promise<BrokerSubscription> {
    this.handlers.set(filter, onMessage);
    let granted;
    try {
      granted = await this.client.subscribeAsync(filter, { qos: options.qos ?? 1 });
    } catch (err) {
      this.handlers.delete(filter);
      throw brokerFailed(`subscribing to ${filter} on`, this.server, err, 'check the topic filter and the broker ACL');
    }
    if (granted.some((g) => g.qos === 128)) {
      this.handlers.delete(filter);
      throw brokerFailed(`subscribing to ${filter} on`, this.server, new Error('the broker refused the subscription'), 'check the broker ACL for this client');
    }
    return {
      stop: async () => {
        try {
          if (this.client.connected) await this.client.unsubscribeAsync(filter);
        } finally {
          this.handlers.delete(filter);
        }
      },
    };
  }

  async publish(target: string, data: Uint8Array, options: PublishOptions = {}): Promise<void> {
    await this.client.publishAsync(target, Buffer.from(data.buffer, data.byteOffset, data.byteLength), { qos: options.qos ?? 1, retain: options.retain ?? false });
  }

  async flush(): Promise<void> {
    // QoS ≥ 1 publishes resolve on PUBACK; QoS 0 ones are written when publish resolves.
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

export async function connectMqtt(options: { url: string; clientId?: string; username?: string; password?: string }): Promise<BrokerConnection> {
  const server = redactUrl(options.url);
  const opts: IClientOptions = {
    clientId: options.clientId ?? `quiver-${randomBytes(6).toString('hex')}`,
    clean: true,
    connectTimeout: 10_000,
    reconnectPeriod: 1_000,
  };
  if (options.username !== undefined) opts.username = options.username;
  if (options.password !== undefined) opts.password = options.password;
  try {
    return new MqttConnection(await connectAsync(options.url, opts, false), server);
  } catch (err) {
    throw brokerFailed('connecting to MQTT broker', server, err, 'is the broker running and the URL right (mqtt://host:1883)?');
  }
}
