/**
 * The NATS JetStream task bus (cluster mode).
 *
 * - Tasks: a work-queue stream with one durable pull consumer `workers` shared by every worker;
 *   `dispatch` publishes with `msgID = task.id`, so the server drops duplicates.
 * - Dead letters: a task past `max_deliver` stays in the stream and the server only publishes a
 *   max-deliveries advisory. Every bus instance listens to it in one queue group; the one that
 *   gets it copies the task into the dead-letter stream and deletes it from the tasks stream.
 * - Results and dead letters: streams read by durable consumers `coordinator`, so they survive a
 *   coordinator restart (see {@link DurableHandlers}).
 * - Control: core NATS publish/subscribe. Jobs and worker heartbeats: KV buckets.
 *
 * ```ts
 * const bus = await NatsBus.connect(resolveBusOptions({ nats: 'nats://127.0.0.1:4222' }));
 * ```
 */
import { JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, headers } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { QuiverError } from '../errors.js';
import { logger } from '../log.js';
import type { Logger } from '../log.js';
import type { TaskDescriptor, TaskResult } from '../task.js';
import { BusHeaders, busNames } from './names.js';
import type { BusNames } from './names.js';
import { NatsKv } from './nats-kv.js';
import { DurableHandlers } from './nats-durable.js';
import { deleteJetStream, setupJetStream } from './nats-setup.js';
import type { ResolvedBusOptions } from './options.js';
import { busFailed, checkReceiveArgs, closedError, decodeTask, jsonCopy } from './support.js';
import type { ControlMessage, DeadLetter, DeliveredTask, KvStore, Subscription, TaskBus } from './types.js';

/** The JetStream client refuses pull requests that expire sooner than this. */
export const MIN_PULL_EXPIRES_MS = 1_000;
/** Message deletes purgeJob keeps in flight. */
const PURGE_CONCURRENCY = 64;
/** JetStream API error: deleting a message failed (e.g. it is already gone). */
const MSG_DELETE_FAILED = 10057;

/** Body of `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` (the fields we use). */
interface MaxDeliveriesAdvisory {
  stream_seq: number;
  deliveries: number;
}

export class NatsBus implements TaskBus {
  readonly kind = 'nats' as const;
  readonly jobs: KvStore;
  readonly workers: KvStore;
  readonly registry: KvStore;
  private readonly log = logger('bus.nats');
  private readonly results: DurableHandlers<TaskResult>;
  private readonly dead: DurableHandlers<DeadLetter>;
  private readonly subs = new Set<NatsSubscription>();
  /** receive() calls and dead-letter moves in progress; close() waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  private tasks: Consumer | undefined;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly names: BusNames,
    jobs: NatsKv,
    workers: NatsKv,
    registry: NatsKv,
  ) {
    this.jobs = jobs;
    this.workers = workers;
    this.registry = registry;
    this.results = new DurableHandlers(js, names.streams.results, names.consumers.coordinator, (m) => m.json<TaskResult>(), 'result', this.log);
    this.dead = new DurableHandlers(js, names.streams.dead, names.consumers.coordinator, (m) => m.json<DeadLetter>(), 'dead letter', this.log);
    this.subs.add(
      nc.subscribe(names.maxDeliveriesAdvisory, {
        queue: names.queueGroups.deadLetter,
        callback: (err, msg) => {
          if (err === null) void this.track(this.moveToDead(msg));
        },
      }),
    );
  }

  /** Connects, checks JetStream, sets up streams, consumers and buckets. Throws BUS_FAILED with a fix. */
  static async connect(opts: ResolvedBusOptions): Promise<NatsBus> {
    const url = opts.nats ?? 'nats://127.0.0.1:4222';
    const names = busNames(opts.namespace);
    const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url.split(',').map((s) => s.trim()), name: opts.name, maxReconnectAttempts: -1, timeout: 5_000 });
    } catch (err) {
      throw QuiverError.retryable(
        'BUS_FAILED',
        `cannot connect to NATS at ${url}: ${reason(err)}. ` +
          'Is nats-server running there with JetStream enabled (nats-server -js)? Otherwise point the nats option at the right URL.',
        { cause: err },
      );
    }
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw QuiverError.retryable(
        'BUS_FAILED',
        `NATS at ${url} is reachable but JetStream is not available (${reason(err)}). Start nats-server with JetStream enabled: nats-server -js -sd <store dir>.`,
        { cause: err },
      );
    }
    try {
      const js = jetstream(nc);
      const buckets = await setupJetStream(js, jsm, names, opts);
      const kv = (bucket: KV, name: string): NatsKv => new NatsKv(bucket, name);
      return new NatsBus(nc, js, jsm, names, kv(buckets.jobs, names.buckets.jobs), kv(buckets.workers, names.buckets.workers), kv(buckets.registry, names.buckets.registry));
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw QuiverError.retryable('BUS_FAILED', `JetStream setup of namespace "${names.namespace}" at ${url} failed: ${reason(err)}`, { cause: err });
    }
  }

  async dispatch(task: TaskDescriptor): Promise<void> {
    this.assertOpen();
    const subject = this.names.taskSubject(task.jobId);
    const h = headers();
    h.set(BusHeaders.jobId, task.jobId);
    h.set(BusHeaders.taskId, task.id);
    try {
      await this.js.publish(subject, JSON.stringify(task), { msgID: task.id, headers: h });
    } catch (err) {
      throw busFailed(`dispatch of task ${task.id}`, err);
    }
  }

  /**
   * The JetStream client refuses pull requests shorter than {@link MIN_PULL_EXPIRES_MS}, so on an
   * empty queue a `waitMs` below 1 s still waits up to 1 s. close() waits for receives in progress.
   */
  receive(max: number, waitMs: number): Promise<DeliveredTask[]> {
    try {
      this.assertOpen();
      checkReceiveArgs(max, waitMs);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.track(this.pull(max, waitMs));
  }

  /** One message as soon as there is one (a pull request of 1), then at most `max - 1` more of those already waiting. */
  private async pull(max: number, waitMs: number): Promise<DeliveredTask[]> {
    const msgs: JsMsg[] = [];
    try {
      this.tasks ??= await this.js.consumers.get(this.names.streams.tasks, this.names.consumers.workers);
      const first = await this.tasks.next({ expires: Math.max(MIN_PULL_EXPIRES_MS, waitMs) });
      if (first === null) return [];
      msgs.push(first);
      const more = Math.min(max - 1, first.info.pending);
      if (more > 0) {
        for await (const m of await this.tasks.fetch({ max_messages: more, expires: MIN_PULL_EXPIRES_MS })) msgs.push(m);
      }
    } catch (err) {
      // Messages already pulled go back at once rather than after the ack deadline.
      for (const m of msgs) m.nak();
      throw busFailed('receive', err);
    }
    const out: DeliveredTask[] = [];
    for (const m of msgs) {
      try {
        out.push(delivered(m, decodeTask(m.string()), this.log));
      } catch (err) {
        this.log.error({ err, seq: m.seq, subject: m.subject }, 'terminating an undecodable task message');
        m.term();
      }
    }
    return out;
  }

  async publishResult(result: TaskResult): Promise<void> {
    this.assertOpen();
    const subject = this.names.resultSubject(result.jobId);
    const h = headers();
    h.set(BusHeaders.jobId, result.jobId);
    h.set(BusHeaders.taskId, result.taskId);
    try {
      await this.js.publish(subject, JSON.stringify(result), { headers: h });
    } catch (err) {
      throw busFailed(`publishing the result of task ${result.taskId}`, err);
    }
  }

  onResult(handler: (result: TaskResult) => Promise<void>): Subscription {
    this.assertOpen();
    return this.results.subscribe(handler);
  }

  onDeadLetter(handler: (dead: DeadLetter) => Promise<void>): Subscription {
    this.assertOpen();
    return this.dead.subscribe(handler);
  }

  async publishControl(msg: ControlMessage): Promise<void> {
    this.assertOpen();
    try {
      this.nc.publish(this.names.subjects.control, JSON.stringify(jsonCopy(msg, 'control message')));
      await this.nc.flush();
    } catch (err) {
      throw busFailed(`control message ${msg.type}`, err);
    }
  }

  onControl(handler: (msg: ControlMessage) => void): Subscription {
    this.assertOpen();
    const sub = this.nc.subscribe(this.names.subjects.control, {
      callback: (err, m) => {
        if (err !== null) return;
        try {
          handler(m.json<ControlMessage>());
        } catch (e) {
          this.log.error({ err: e }, 'control handler threw');
        }
      },
    });
    this.subs.add(sub);
    return {
      close: () => {
        this.subs.delete(sub);
        sub.unsubscribe();
        return Promise.resolve();
      },
    };
  }

  /**
   * Deletes the job's messages one by one. Not a purge with a subject filter: nats-server before
   * 2.9.12 (Debian ships 2.9.10) moves the shared consumer past every message on such a purge,
   * stranding other jobs' tasks (nats-io/nats-server#3838).
   */
  async purgeJob(jobId: string): Promise<void> {
    this.assertOpen();
    const subject = this.names.taskSubject(jobId);
    const stream = this.names.streams.tasks;
    const deletes: Promise<unknown>[] = [];
    let purged = 0;
    try {
      for (let seq = 0; ; ) {
        const m = await this.jsm.direct.getMessage(stream, { seq, next_by_subj: subject });
        if (m === null) break;
        deletes.push(
          this.jsm.streams.deleteMessage(stream, m.seq, false).catch((err: unknown) => {
            // Acked or dead-lettered meanwhile: already gone.
            if (!(err instanceof JetStreamApiError && err.code === MSG_DELETE_FAILED)) throw err;
          }),
        );
        if (deletes.length >= PURGE_CONCURRENCY) await Promise.all(deletes.splice(0));
        purged++;
        seq = m.seq + 1;
      }
      await Promise.all(deletes);
    } catch (err) {
      await Promise.allSettled(deletes);
      throw busFailed(`purging the tasks of job ${jobId}`, err);
    }
    this.log.info({ jobId, purged }, 'purged queued tasks of job');
  }

  /** Stops handlers (nak'ing what they had not handled), waits for receives in progress, then drains the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    this.subs.clear();
    await Promise.all([this.results.close(), this.dead.close()]);
    await Promise.allSettled([...this.pending]);
    if (!this.nc.isClosed()) await this.nc.drain().catch((err: unknown) => this.log.warn({ err }, 'drain failed'));
  }

  /** Deletes this namespace's streams and KV buckets (all queued tasks, results and state), then closes. */
  async destroy(): Promise<void> {
    this.assertOpen();
    try {
      await Promise.all([this.results.close(), this.dead.close()]);
      await deleteJetStream(this.jsm, this.names);
    } finally {
      await this.close();
    }
  }

  /** Copies an exhausted task into the dead-letter stream, then removes it from the tasks stream. */
  private async moveToDead(msg: Msg): Promise<void> {
    let advisory: MaxDeliveriesAdvisory;
    try {
      advisory = msg.json<MaxDeliveriesAdvisory>();
      const stored = await this.jsm.streams.getMessage(this.names.streams.tasks, { seq: advisory.stream_seq });
      if (stored === null) return; // acked late, purged, or already moved
      const task = decodeTask(stored.string());
      const h = headers();
      h.set(BusHeaders.jobId, task.jobId);
      h.set(BusHeaders.taskId, task.id);
      const dead: DeadLetter = { task, deliveries: advisory.deliveries };
      await this.js.publish(this.names.deadSubject(task.jobId), JSON.stringify(dead), { msgID: `${task.id}#${advisory.stream_seq}`, headers: h });
      await this.jsm.streams.deleteMessage(this.names.streams.tasks, advisory.stream_seq, false);
      this.log.warn({ task: task.id, deliveries: advisory.deliveries }, 'task exhausted its deliveries');
    } catch (err) {
      this.log.error({ err, advisory: msg.string() }, 'could not dead-letter an exhausted task; it stays in the tasks stream');
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError('NATS');
  }
}

function delivered(m: JsMsg, task: TaskDescriptor, log: Logger): DeliveredTask {
  return {
    task,
    deliveryCount: m.info.deliveryCount,
    working: () => m.working(),
    ack: async () => {
      try {
        await m.ackAck();
      } catch (err) {
        throw busFailed(`ack of task ${task.id} (it may be delivered again)`, err);
      }
    },
    nak: (delayMs: number) => m.nak(delayMs > 0 ? delayMs : undefined),
    term: (reason: string) => {
      // Without the reason: nats-server before 2.10 ignores `+TERM <reason>` (the task would come again).
      log.debug({ task: task.id, reason }, 'task terminated');
      m.term();
    },
  };
}
