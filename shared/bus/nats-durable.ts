/**
 * Hands the messages of a durable JetStream consumer (the coordinator's results or dead letters)
 * to subscribed handlers, one message at a time, in stream order. A message is acked once every
 * handler resolved and nak'd with a growing delay when one throws, so it comes again. Messages
 * pulled but not handled yet are kept alive with `working()` and nak'd at once when the last
 * handler unsubscribes, so a restarted coordinator gets them without waiting for the ack deadline.
 */
import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../log.js';
import { handlerRetryMs } from './support.js';
import { COORDINATOR_ACK_WAIT_MS, COORDINATOR_MAX_ACK_PENDING } from './nats-setup.js';
import type { Subscription } from './types.js';

/** How often queued, not yet handled messages get their ack deadline extended. */
const KEEP_ALIVE_MS = COORDINATOR_ACK_WAIT_MS / 3;
/** Delay before retrying to start consuming after a failure. */
const RESTART_MS = 1_000;

export class DurableHandlers<T> {
  private readonly handlers = new Set<(value: T) => Promise<void>>();
  private readonly queue: JsMsg[] = [];
  private messages: ConsumerMessages | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private restart: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  /** Serializes start and stop. */
  private transition: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly decode: (msg: JsMsg) => T,
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  /**
   * The subscription's close() stops further calls; when it was the last handler, consuming
   * stops and queued messages are nak'd. It does not wait for a call in progress (a handler may
   * close its own subscription); that call still acks or naks its message.
   */
  subscribe(handler: (value: T) => Promise<void>): Subscription {
    const own = (value: T): Promise<void> => handler(value);
    this.handlers.add(own);
    if (this.handlers.size === 1) void this.chain(() => this.start());
    return {
      close: async () => {
        if (this.handlers.delete(own) && this.handlers.size === 0) await this.chain(() => this.stop());
      },
    };
  }

  /** Stops consuming for good: naks what is queued and waits for the handler call in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    await this.chain(() => this.stop());
    await this.current;
  }

  private chain(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(step).catch((err: unknown) => this.log.error({ err }, `${this.what} consumer transition failed`));
    return this.transition;
  }

  private async start(): Promise<void> {
    if (this.closed || this.handlers.size === 0 || this.messages !== undefined) return;
    let consumer: Consumer;
    try {
      consumer = await this.js.consumers.get(this.stream, this.consumer);
      this.messages = await consumer.consume({
        max_messages: COORDINATOR_MAX_ACK_PENDING,
        callback: (msg) => {
          this.queue.push(msg);
          this.pump();
        },
      });
    } catch (err) {
      this.log.warn({ err, stream: this.stream, retryInMs: RESTART_MS }, `cannot consume ${this.what}s yet; retrying`);
      this.restart = setTimeout(() => {
        this.restart = undefined;
        void this.chain(() => this.start());
      }, RESTART_MS);
      this.restart.unref();
      return;
    }
    const messages = this.messages;
    void messages.closed().then((err) => {
      if (err !== undefined && err !== null) this.log.error({ err, stream: this.stream }, `${this.what} consumer stopped`);
    });
    this.keepAlive = setInterval(() => {
      for (const m of this.queue) m.working();
    }, KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  private async stop(): Promise<void> {
    if (this.handlers.size > 0 && !this.closed) return;
    clearTimeout(this.restart);
    clearInterval(this.keepAlive);
    this.restart = this.keepAlive = undefined;
    const messages = this.messages;
    this.messages = undefined;
    if (messages !== undefined) await messages.close();
    for (const m of this.queue.splice(0)) m.nak();
  }

  private pump(): void {
    if (this.current !== undefined) return;
    this.current = this.run().finally(() => {
      this.current = undefined;
      if (this.queue.length > 0 && this.handlers.size > 0) this.pump();
    });
  }

  private async run(): Promise<void> {
    for (let msg = this.queue.shift(); msg !== undefined; msg = this.queue.shift()) {
      if (this.handlers.size === 0) {
        this.queue.unshift(msg);
        return;
      }
      let value: T;
      try {
        value = this.decode(msg);
      } catch (err) {
        this.log.error({ err, stream: this.stream, seq: msg.seq }, `dropping an undecodable ${this.what}`);
        msg.term();
        continue;
      }
      const failed = (await Promise.allSettled([...this.handlers].map((h) => h(value)))).find((r) => r.status === 'rejected');
      if (failed !== undefined) {
        const err: unknown = failed.reason;
        const delay = handlerRetryMs(msg.info.deliveryCount);
        this.log.warn({ err, deliveries: msg.info.deliveryCount, retryInMs: delay }, `${this.what} handler failed; it will get the ${this.what} again`);
        msg.nak(delay);
        continue;
      }
      // Confirmed, so that a coordinator started right after this one does not get it again.
      await msg.ackAck().catch((err: unknown) => this.log.warn({ err, seq: msg.seq }, `${this.what} ack not confirmed; it may come again`));
    }
  }
}
