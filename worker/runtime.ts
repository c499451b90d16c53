/**
 * The worker runtime: pulls only as many tasks as its Piscina pool has free threads, fetches
 * each task's inputs from the store, runs the operator's kernel in the pool (buffers
 * transferred, not copied), writes the outputs at deterministic keys, reports the result, then
 * acks; naks retryable failures with backoff and terms the rest. Heartbeats into the workers
 * bucket; drains on close() within a grace time.
 *
 * ```ts
 * const worker = new QuiverWorker({ bus, stores: storeFactory(), threads: 2 });
 * await worker.start();
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
import { availableParallelism, hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { DeliveredTask, Subscription, TaskBus, WorkerHeartbeat } from '../shared/bus/types.js';
import { QuiverError, toErrorData } from '../shared/errors.js';
import { logger } from '../shared/log.js';
import type { ObjectStore, StoreConfig } from '../shared/store/types.js';
import { joinUri } from '../shared/store/uri.js';
import type { ShardRef } from '../shared/dataset.js';
import type { TaskDescriptor, TaskResult } from '../shared/task.js';
import { injectedDelayMs } from './faults.js';
import { InputCache } from './input-cache.js';
import type { PoolResult, PoolTask } from './pool-entry.js';

export type WorkerState = 'created' | 'running' | 'draining' | 'stopped' | 'failed';

export interface WorkerOptions {
  /** Threads in the Piscina pool, and so the most tasks in flight. Default: available parallelism. */
  threads?: number;
  /** Default: `<host>-<pid>-<random>`. */
  workerId?: string;
  /** Heartbeat period. Default 2000 ms. */
  heartbeatMs?: number;
  /** How often a running task extends its ack deadline. Default 5000 ms. */
  workingMs?: number;
  /** How long close() waits for in-flight tasks before aborting and nak-ing them. Default 30000 ms. */
  graceMs?: number;
  /** Longest wait of one receive call. Default 1000 ms. */
  pollMs?: number;
  /** Memory for broadcast inputs kept by content hash (InputRef.sha256). Default 512 MiB; 0 turns it off. */
  inputCacheBytes?: number;
}

const DEFAULTS: Readonly<Required<Omit<WorkerOptions, 'workerId'>>> = Object.freeze({
  threads: Math.max(1, availableParallelism()),
  heartbeatMs: 2000,
  workingMs: 5000,
  graceMs: 30_000,
  pollMs: 1000,
  inputCacheBytes: 512 * 2 ** 20,
});

/** Resolves the store to use for a task's StoreConfig (credentials come from the worker's own config). */
export type StoreResolver = (config: StoreConfig) => ObjectStore;

interface InFlight {
  delivered: DeliveredTask;
  abort: AbortController;
  done: Promise<void>;
}

function validate(options: WorkerOptions): Required<Omit<WorkerOptions, 'workerId'>> & { workerId: string } {
  const merged = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<WorkerOptions>;
  for (const key of ['threads', 'heartbeatMs', 'workingMs', 'graceMs', 'pollMs', 'inputCacheBytes'] as const) {
    const v = merged[key];
    if (!Number.isInteger(v) || v < (key === 'graceMs' || key === 'inputCacheBytes' ? 0 : 1)) {
      throw new QuiverError('OPTION_INVALID', `worker option ${key} must be a positive integer, got ${String(v)}`);
    }
  }
  return { ...merged, workerId: options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}` };
}

/** Exponential backoff for retryable failures: 250 ms, 500 ms, 1 s ... capped at 10 s. */
export function backoffMs(deliveryCount: number): number {
  return Math.min(10_000, 250 * 2 ** Math.max(0, deliveryCount - 1));
}

export class QuiverWorker {
  readonly id: string;
  private readonly opts: ReturnType<typeof validate>;
  private readonly log;
  private pool: Piscina | undefined;
  private stateValue: WorkerState = 'created';
  private readonly inFlight = new Map<string, InFlight>();
  private readonly cancelled = new Set<string>();
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private control: Subscription | undefined;
  private tasksDone = 0;
  private wake: (() => void) | undefined;
  private readonly inputCache: InputCache;

  constructor(
    private readonly bus: TaskBus,
    private readonly stores: StoreResolver,
    options: WorkerOptions = {},
  ) {
    this.opts = validate(options);
    this.id = this.opts.workerId;
    this.inputCache = new InputCache(this.opts.inputCacheBytes);
    this.log = logger('worker', { workerId: this.id });
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  get threads(): number {
    return this.opts.threads;
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'created') throw new QuiverError('INTERNAL', `worker ${this.id} already started`);
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./pool-entry.js', import.meta.url)),
      minThreads: this.opts.threads,
      maxThreads: this.opts.threads,
      idleTimeout: 60_000,
    });
    this.control = this.bus.onControl((msg) => {
      if (msg.type === 'cancel') this.cancelJob(msg.jobId);
    });
    this.stateValue = 'running';
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
    this.loop = this.pullLoop().catch((err: unknown) => {
      this.stateValue = 'failed';
      this.log.error({ err }, 'worker pull loop failed');
    });
    this.log.info({ threads: this.opts.threads }, 'worker started');
  }

  /** Drains: stops pulling, lets in-flight tasks finish within the grace time, then aborts and naks the rest. */
  async close(): Promise<void> {
    if (this.stateValue === 'stopped' || this.stateValue === 'created') {
      this.stateValue = 'stopped';
      return;
    }
    this.stateValue = 'draining';
    this.wake?.();
    this.log.info({ inFlight: this.inFlight.size }, 'worker draining');
    await this.beat();
    await this.loop;
    const all = Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
    const timer = sleep(this.opts.graceMs, 'timeout' as const, { ref: false });
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      this.log.warn({ inFlight: this.inFlight.size }, 'grace time over: aborting in-flight tasks, they will be redelivered');
      for (const f of this.inFlight.values()) f.abort.abort(new QuiverError('CANCELLED', 'worker shutting down', { retryable: true }));
      await all;
    }
    clearInterval(this.heartbeat);
    await this.control?.close();
    await this.pool?.close({ force: true });
    this.stateValue = 'stopped';
    await this.beat().catch(() => undefined);
    this.log.info({ tasksDone: this.tasksDone, inputCache: { hits: this.inputCache.hits, misses: this.inputCache.misses } }, 'worker stopped');
  }

  private cancelJob(jobId: string): void {
    this.cancelled.add(jobId);
    for (const f of this.inFlight.values()) {
      if (f.delivered.task.jobId === jobId) f.abort.abort(new QuiverError('CANCELLED', `job ${jobId} was cancelled`));
    }
  }

  private async beat(): Promise<void> {
    const hb: WorkerHeartbeat = {
      workerId: this.id,
      host: hostname(),
      pid: process.pid,
      threads: this.opts.threads,
      busy: this.inFlight.size,
      state: this.stateValue === 'draining' ? 'draining' : this.stateValue === 'stopped' ? 'stopped' : 'running',
      tasksDone: this.tasksDone,
      at: Date.now(),
    };
    try {
      await this.bus.workers.put(this.id, hb);
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed');
    }
  }

  private async pullLoop(): Promise<void> {
    while (this.stateValue === 'running') {
      const free = this.opts.threads - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      let batch: DeliveredTask[];
      try {
        batch = await this.bus.receive(free, this.opts.pollMs);
      } catch (err) {
        this.log.warn({ err }, 'receive failed; retrying');
        await sleep(500);
        continue;
      }
      for (const delivered of batch) this.startTask(delivered);
    }
  }

  private startTask(delivered: DeliveredTask): void {
    const abort = new AbortController();
    const entry: InFlight = { delivered, abort, done: Promise.resolve() };
    this.inFlight.set(delivered.task.id, entry);
    entry.done = this.execute(delivered, abort.signal).finally(() => {
      this.inFlight.delete(delivered.task.id);
      this.wake?.();
    });
  }

  private async execute(delivered: DeliveredTask, signal: AbortSignal): Promise<void> {
    const { task } = delivered;
    if (this.cancelled.has(task.jobId)) {
      delivered.term('job cancelled');
      return;
    }
    const started = performance.now();
    const keepAlive = setInterval(() => delivered.working(), this.opts.workingMs);
    keepAlive.unref();
    try {
      const output = await this.runTask(task, signal);
      this.tasksDone++;
      await this.report(delivered, { ok: true, output, final: true, seconds: (performance.now() - started) / 1000 });
      // The result is stored; if the ack is lost the task is redelivered, rerun with identical
      // outputs, and its second result ignored by the coordinator (first commit wins).
      await delivered.ack().catch((err: unknown) => this.log.warn({ err, task: task.id }, 'ack failed after the result was reported'));
    } catch (err) {
      const error = toErrorData(err, 'KERNEL_FAILED');
      const shuttingDown = signal.aborted && this.stateValue === 'draining' && !this.cancelled.has(task.jobId);
      if (this.cancelled.has(task.jobId)) {
        delivered.term('job cancelled');
        return;
      }
      if (shuttingDown) {
        delivered.nak(0);
        return;
      }
      const final = !error.retryable || delivered.deliveryCount >= task.maxAttempts;
      this.log.warn({ task: task.id, attempt: delivered.deliveryCount, final, error }, 'task failed');
      await this.report(delivered, { ok: false, error, final, seconds: (performance.now() - started) / 1000 }).catch((e: unknown) =>
        this.log.error({ err: e }, 'could not report task failure'),
      );
      if (final) delivered.term(error.message);
      else delivered.nak(backoffMs(delivered.deliveryCount));
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async report(delivered: DeliveredTask, r: Pick<TaskResult, 'ok' | 'output' | 'error' | 'final' | 'seconds'>): Promise<void> {
    const { task } = delivered;
    await this.bus.publishResult({
      taskId: task.id,
      jobId: task.jobId,
      stageId: task.stageId,
      phase: task.phase,
      index: task.index,
      workerId: this.id,
      attempt: delivered.deliveryCount,
      ...r,
    });
  }

  /** Fetch inputs → kernel in the pool → write outputs. Returns the task's output refs. */
  private async runTask(task: TaskDescriptor, signal: AbortSignal): Promise<NonNullable<TaskResult['output']>> {
    const store = this.stores(task.store);
    const delay = injectedDelayMs();
    if (delay > 0) await sleep(delay, undefined, { signal });
    const fetch = (ref: TaskDescriptor['inputs'][number]): Promise<Uint8Array> =>
      ref.start !== undefined ? store.getRange(ref.uri, ref.start, ref.end ?? Number.MAX_SAFE_INTEGER) : store.get(ref.uri);
    const inputs = await Promise.all(
      task.inputs.map((ref) => (ref.sha256 !== undefined && ref.start === undefined && this.opts.inputCacheBytes > 0 ? this.inputCache.get(ref.sha256, () => fetch(ref)) : fetch(ref))),
    );
    const owned = inputs.map(ownBuffer);
    const poolTask: PoolTask = { task, inputs: owned };
    const result = (await this.pool!.run(poolTask, { signal, transferList: owned.map((b) => b.buffer as ArrayBuffer) })) as PoolResult;
    const shards: ShardRef[] = [];
    const quarantine: ShardRef[] = [];
    await Promise.all(
      result.objects.map(async (obj) => {
        const uri = joinUri(task.outputPrefix, obj.name);
        await store.put(uri, obj.bytes);
        (obj.kind === 'quarantine' ? quarantine : shards).push({ uri, rows: obj.rows, bytes: obj.bytes.byteLength, sha256: obj.sha256 });
      }),
    );
    const order = new Map(result.objects.map((o, i) => [joinUri(task.outputPrefix, o.name), i]));
    const byOrder = (a: ShardRef, b: ShardRef): number => order.get(a.uri)! - order.get(b.uri)!;
    return { shards: shards.sort(byOrder), quarantine: quarantine.sort(byOrder), stats: result.stats };
  }
}

/** A Uint8Array that owns its whole ArrayBuffer, so transferring it detaches nothing else (Node's Buffer pool). */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer)
    ? bytes
    : bytes.slice();
}
