/**
 * Types of the broker seam (see ./broker.ts) and helpers both brokers share.
 *
 * ```ts
 * import type { BrokerConnection } from './broker-types.js';
 * ```
 */
import { QuiverError } from '../errors.js';

export type BrokerKind = 'mqtt' | 'nats';

export interface SubscribeOptions {
  /** MQTT subscription QoS (default 1). */
  qos?: 0 | 1 | 2;
  /** NATS queue group. */
  queue?: string;
}

export interface PublishOptions {
  /** MQTT publish QoS (default 1). */
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface BrokerSubscription {
  /** Unsubscribes; messages already delivered by the broker are handled before it resolves. */
  stop(): Promise<void>;
}

export interface BrokerConnection {
  readonly kind: BrokerKind;
  /** The server, without credentials, for messages and logs. */
  readonly server: string;
  subscribe(filter: string, onMessage: (payload: Uint8Array, origin: string) => void, options?: SubscribeOptions): Promise<BrokerSubscription>;
  /** Publishes; with MQTT QoS ≥ 1 resolves when the broker acknowledged it. */
  publish(target: string, data: Uint8Array, options?: PublishOptions): Promise<void>;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type BrokerOptions =
  | { kind: 'mqtt'; url: string; clientId?: string; username?: string; password?: string }
  | { kind: 'nats'; servers: string | string[]; token?: string; user?: string; pass?: string; name?: string };

/** A URL with any user:password removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

export function brokerFailed(what: string, server: string, err: unknown, hint: string): QuiverError {
  return QuiverError.retryable('BUS_FAILED', `${what} ${server} failed: ${(err as Error)?.message ?? String(err)}; ${hint}`, { cause: err });
}
