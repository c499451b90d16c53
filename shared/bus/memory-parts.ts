/**
 * Pieces of the in-memory bus: a durable handler queue (results and dead letters wait for a
 * handler, are retried when it throws) and a JSON key-value bucket with optional expiry.
 */
import { QuiverError } from '../errors.js';
import type { Logger } from '../log.js';
import { assertKeyPrefix, assertKvKey } from './names.js';
import { handlerRetryMs } from './support.js';
import type { KvStore, Subscription } from './types.js';

interface Item<T> {
  value: T;
  attempts: number;
}

/**
 * Values wait here until at least one handler is subscribed; each is handed to every handler in
 * turn, one value at a time, and dropped once all of them resolve. When a handler throws, the value
 * comes back after {@link handlerRetryMs} (other values go on meanwhile), like a NATS nak.
 */
export class HandlerQueue<T> {
  private readonly items: Item<T>[] = [];
  private readonly handlers = new Set<(value: T) => Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private current: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    this.items.push({ value, attempts: 0 });
    this.pump();
  }

  /** The subscription's close() stops further calls at once; it does not wait for a call in progress (a handler may close its own subscription). */
  subscribe(handler: (value: T) => Promise<void>): Subscription {
    const own = (value: T): Promise<void> => handler(value);
    this.handlers.add(own);
    this.pump();
    return {
      close: () => {
        this.handlers.delete(own);
        return Promise.resolve();
      },
    };
  }

  /** Stops handing values over, cancels retries, and waits for the handler call in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.current;
  }

  private pump(): void {
    if (this.current !== undefined || this.closed) return;
    this.current = this.run().finally(() => {
      this.current = undefined;
      if (this.items.length > 0 && this.handlers.size > 0) this.pump();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed && this.handlers.size > 0) {
      const item = this.items.shift();
      if (item === undefined) return;
      item.attempts++;
      const failed = (await Promise.allSettled([...this.handlers].map((h) => h(item.value)))).find((r) => r.status === 'rejected');
      if (failed !== undefined) {
        const err: unknown = failed.reason;
        const delay = handlerRetryMs(item.attempts);
        this.log.warn({ err, attempts: item.attempts, retryInMs: delay }, `${this.what} handler failed; it will get the ${this.what} again`);
        this.retryLater(item, delay);
      }
    }
  }

  private retryLater(item: Item<T>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      this.items.unshift(item);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }
}

interface KvEntry {
  json: string;
  /** ms since epoch; Infinity when the bucket has no TTL. */
  expiresAt: number;
}

/** A KV bucket holding JSON values; with `ttlMs`, an entry disappears that long after its last put. */
export class MemoryKv implements KvStore {
  private readonly map = new Map<string, KvEntry>();

  constructor(
    private readonly bucket: string,
    private readonly ttlMs: number | undefined,
    private readonly isClosed: () => boolean,
  ) {}

  get<T>(key: string): Promise<T | null> {
    return this.op(() => {
      assertKvKey(key, this.bucket);
      const e = this.live(key);
      return e === undefined ? null : (JSON.parse(e.json) as T);
    });
  }

  put(key: string, value: unknown): Promise<void> {
    return this.op(() => {
      assertKvKey(key, this.bucket);
      const json = JSON.stringify(value);
      if (json === undefined) throw QuiverError.nonRetryable('OPTION_INVALID', `${this.bucket} value for ${key} is not JSON-serializable`);
      this.map.delete(key); // re-insert so that insertion order is expiry order
      this.map.set(key, { json, expiresAt: this.ttlMs === undefined ? Infinity : Date.now() + this.ttlMs });
    });
  }

  delete(key: string): Promise<void> {
    return this.op(() => {
      assertKvKey(key, this.bucket);
      this.map.delete(key);
    });
  }

  keys(prefix?: string): Promise<string[]> {
    if (prefix !== undefined && prefix !== '') assertKeyPrefix(prefix, this.bucket);
    return this.op(() => [...this.map.keys()].filter((k) => (prefix === undefined || k.startsWith(prefix)) && this.live(k) !== undefined).sort());
  }

  private live(key: string): KvEntry | undefined {
    const e = this.map.get(key);
    if (e !== undefined && e.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private op<R>(fn: () => R): Promise<R> {
    try {
      if (this.isClosed()) throw QuiverError.nonRetryable('BUS_FAILED', `${this.bucket}: the bus is closed`);
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}
