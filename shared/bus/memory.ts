/**
 * The in-memory task bus (local mode). Same semantics as the NATS bus: FIFO delivery with
 * redeliveries first, ack deadline with redelivery, `working()` extends it, `nak(delay)`,
 * `term`, dead letters after `maxDeliver` deliveries, dedup by task id, durable results and
 * dead letters that wait for a handler and come again when it throws, control broadcast, and
 * KV buckets (worker heartbeats expire; the registry index lives only as long as the bus). Its
 * timers (ack deadlines, nak delays, waiting receives, handler retries) keep the process alive
 * while the bus is open, as a NATS connection would; `close()` clears every one of them.
 *
 * ```ts
 * const bus = new MemoryBus({ ackWaitMs: 5_000 });
 * await bus.dispatch(task);
 * const [d] = await bus.receive(1, 1_000);
 * await d?.ack();
 * await bus.close();
 * ```
 */
import { logger } from '../log.js';
import type { TaskDescriptor, TaskResult } from '../task.js';
import { HandlerQueue, MemoryKv } from './memory-parts.js';
import { assertSubjectToken, busNames } from './names.js';
import type { BusNames } from './names.js';
import type { BusOptions, ResolvedBusOptions } from './options.js';
import { resolveBusOptions } from './options.js';
import { checkReceiveArgs, closedError, jsonCopy } from './support.js';
import type { ControlMessage, DeadLetter, DeliveredTask, KvStore, Subscription, TaskBus } from './types.js';

/** How long a dispatched task id is remembered for deduplication (the NATS stream's duplicate window). */
export const DEDUP_WINDOW_MS = 120_000;

export type MemoryBusOptions = Omit<BusOptions, 'nats' | 'name'>;

interface Entry {
  readonly task: TaskDescriptor;
  deliveries: number;
  /** Id of the current delivery; handles of older deliveries can only ack. */
  delivery: number;
  state: 'queued' | 'inflight' | 'delayed' | 'gone';
  /** Ack deadline while in flight, nak delay while delayed. */
  timer: NodeJS.Timeout | undefined;
}

interface Waiter {
  max: number;
  resolve(tasks: DeliveredTask[]): void;
  timer: NodeJS.Timeout;
}

export class MemoryBus implements TaskBus {
  readonly kind = 'memory' as const;
  readonly jobs: KvStore;
  readonly workers: KvStore;
  readonly registry: KvStore;
  readonly names: BusNames;
  private readonly opts: ResolvedBusOptions;
  private readonly log = logger('bus.memory');
  /** Never delivered, FIFO. */
  private readonly fresh: Entry[] = [];
  /** Due for redelivery, FIFO; served before `fresh` (as JetStream does). */
  private readonly again: Entry[] = [];
  private readonly live = new Set<Entry>();
  private readonly waiters: Waiter[] = [];
  /** task id → when it leaves the dedup window; insertion order is expiry order. */
  private readonly seen = new Map<string, number>();
  private readonly results: HandlerQueue<TaskResult>;
  private readonly dead: HandlerQueue<DeadLetter>;
  private readonly control = new Set<(msg: ControlMessage) => void>();
  private nextDelivery = 1;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.opts = resolveBusOptions(options);
    this.names = busNames(this.opts.namespace);
    const isClosed = (): boolean => this.closed;
    this.jobs = new MemoryKv(this.names.buckets.jobs, undefined, isClosed);
    this.workers = new MemoryKv(this.names.buckets.workers, this.opts.heartbeatTtlMs, isClosed);
    // Same name as the NATS bucket; only used in messages here.
    this.registry = new MemoryKv(this.names.buckets.registry, undefined, isClosed);
    this.results = new HandlerQueue<TaskResult>('result', this.log);
    this.dead = new HandlerQueue<DeadLetter>('dead letter', this.log);
  }

  dispatch(task: TaskDescriptor): Promise<void> {
    return this.guard(() => {
      assertSubjectToken(task.jobId, 'task.jobId');
      const now = Date.now();
      for (const [id, until] of this.seen) {
        if (until > now) break;
        this.seen.delete(id);
      }
      if (this.seen.has(task.id)) return;
      const entry: Entry = { task: jsonCopy(task, 'task'), deliveries: 0, delivery: 0, state: 'queued', timer: undefined };
      this.seen.set(task.id, now + DEDUP_WINDOW_MS);
      this.live.add(entry);
      this.fresh.push(entry);
      this.serveWaiters();
    });
  }

  receive(max: number, waitMs: number): Promise<DeliveredTask[]> {
    return this.guard(() => {
      checkReceiveArgs(max, waitMs);
      const now = this.take(max);
      if (now.length > 0 || waitMs <= 0) return Promise.resolve(now);
      return new Promise<DeliveredTask[]>((resolve) => {
        const waiter: Waiter = {
          max,
          resolve,
          timer: setTimeout(() => {
            const i = this.waiters.indexOf(waiter);
            if (i >= 0) this.waiters.splice(i, 1);
            resolve([]);
          }, waitMs),
        };
        this.waiters.push(waiter);
      });
    });
  }

  publishResult(result: TaskResult): Promise<void> {
    return this.guard(() => {
      assertSubjectToken(result.jobId, 'result.jobId');
      this.results.push(jsonCopy(result, 'result'));
    });
  }

  onResult(handler: (result: TaskResult) => Promise<void>): Subscription {
    this.assertOpen();
    return this.results.subscribe(handler);
  }

  onDeadLetter(handler: (dead: DeadLetter) => Promise<void>): Subscription {
    this.assertOpen();
    return this.dead.subscribe(handler);
  }

  publishControl(msg: ControlMessage): Promise<void> {
    return this.guard(() => {
      const handlers = [...this.control];
      for (const h of handlers) {
        const copy = jsonCopy(msg, 'control message');
        queueMicrotask(() => {
          try {
            h(copy);
          } catch (err) {
            this.log.error({ err, msg: copy }, 'control handler threw');
          }
        });
      }
    });
  }

  onControl(handler: (msg: ControlMessage) => void): Subscription {
    this.assertOpen();
    const own = (msg: ControlMessage): void => handler(msg);
    this.control.add(own);
    return { close: () => Promise.resolve(void this.control.delete(own)) };
  }

  purgeJob(jobId: string): Promise<void> {
    return this.guard(() => {
      assertSubjectToken(jobId, 'jobId');
      for (const e of [...this.live]) if (e.task.jobId === jobId) this.remove(e);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve([]);
    }
    for (const e of [...this.live]) this.remove(e);
    this.control.clear();
    await Promise.all([this.results.close(), this.dead.close()]);
  }

  // ---- the work queue -------------------------------------------------------------------

  private take(max: number): DeliveredTask[] {
    const out: DeliveredTask[] = [];
    while (out.length < max) {
      const entry = this.again.shift() ?? this.fresh.shift();
      if (entry === undefined) break;
      out.push(this.deliver(entry));
    }
    return out;
  }

  private deliver(entry: Entry): DeliveredTask {
    entry.deliveries++;
    const id = this.nextDelivery++;
    entry.delivery = id;
    entry.state = 'inflight';
    entry.timer = this.timer(this.opts.ackWaitMs, () => this.redeliver(entry));
    const current = (): boolean => entry.delivery === id && entry.state === 'inflight';
    return {
      task: jsonCopy(entry.task, 'task'),
      deliveryCount: entry.deliveries,
      working: () => {
        if (current()) entry.timer?.refresh();
      },
      ack: () => {
        // Like JetStream: an ack from an older delivery still completes the task.
        if (entry.state !== 'gone') this.remove(entry);
        return Promise.resolve();
      },
      nak: (delayMs: number) => {
        if (!current()) return;
        clearTimeout(entry.timer);
        if (!(delayMs > 0)) return this.redeliver(entry);
        entry.state = 'delayed';
        entry.timer = this.timer(delayMs, () => this.redeliver(entry));
      },
      term: (reason: string) => {
        if (!current()) return;
        this.log.debug({ task: entry.task.id, reason }, 'task terminated');
        this.remove(entry);
      },
    };
  }

  /** Ack deadline passed or nak: back in the queue, or dead-lettered when out of deliveries. */
  private redeliver(entry: Entry): void {
    if (entry.state === 'gone' || this.closed) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.deliveries >= this.opts.maxDeliver) {
      this.remove(entry);
      this.log.warn({ task: entry.task.id, deliveries: entry.deliveries }, 'task exhausted its deliveries');
      this.dead.push({ task: jsonCopy(entry.task, 'task'), deliveries: entry.deliveries });
      return;
    }
    entry.state = 'queued';
    this.again.push(entry);
    this.serveWaiters();
  }

  private remove(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.state = 'gone';
    this.live.delete(entry);
    for (const list of [this.fresh, this.again]) {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    }
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.again.length + this.fresh.length > 0) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.take(w.max));
    }
  }

  /** Every timer of the bus goes through here or {@link Waiter}; `close()` clears them all. */
  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    return setTimeout(fn, ms);
  }

  private assertOpen(): void {
    if (this.closed) throw closedError('memory');
  }

  private guard<R>(fn: () => R | Promise<R>): Promise<R> {
    try {
      this.assertOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}
