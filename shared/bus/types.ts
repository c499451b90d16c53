/**
 * The task-bus seam: dispatch task descriptors, deliver them to workers with backpressure and
 * bounded redelivery, carry results back durably, broadcast control messages, and hold job
 * state and worker heartbeats in key-value buckets. Two implementations: NATS JetStream
 * (cluster) and in-memory (local mode). Only descriptors travel here, never rows.
 */
import type { TaskDescriptor, TaskResult } from '../task.js';

export interface DeliveredTask {
  readonly task: TaskDescriptor;
  /** 1-based delivery count of this message. */
  readonly deliveryCount: number;
  /** Extends the ack deadline; call periodically while the task runs. */
  working(): void;
  /** The task is done (its result is already published). */
  ack(): Promise<void>;
  /** Redeliver after `delayMs` milliseconds (retryable failure). */
  nak(delayMs: number): void;
  /** Never redeliver (non-retryable failure, or a cancelled job's task). */
  term(reason: string): void;
}

/** A task that hit its delivery limit without a final result (its workers kept dying). */
export interface DeadLetter {
  task: TaskDescriptor;
  deliveries: number;
}

export type ControlMessage =
  | { type: 'cancel'; jobId: string }
  | { type: 'shutdown' };

export interface Subscription {
  close(): Promise<void>;
}

export interface KvStore {
  get<T>(key: string): Promise<T | null>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Keys, sorted. With `prefix` (whole dot-separated tokens, ending with `.`, e.g. `res.job-1.`),
   * only the keys under it: NATS filters on the server.
   */
  keys(prefix?: string): Promise<string[]>;
}

export interface WorkerHeartbeat {
  workerId: string;
  host: string;
  pid: number;
  threads: number;
  busy: number;
  state: 'starting' | 'running' | 'draining' | 'stopped';
  tasksDone: number;
  /** ms since epoch */
  at: number;
}

export interface TaskBus {
  readonly kind: 'memory' | 'nats';
  /** Coordinator: enqueue a task. Deduplicated by `task.id` within the dedup window. */
  dispatch(task: TaskDescriptor): Promise<void>;
  /**
   * Worker: up to `max` tasks, waiting at most `waitMs` for the first. Never returns more than
   * `max`: a worker asks only for as many as it has free threads.
   */
  receive(max: number, waitMs: number): Promise<DeliveredTask[]>;
  /** Worker: report a result durably (it survives a coordinator restart). */
  publishResult(result: TaskResult): Promise<void>;
  /** Coordinator: consume results; a result is acknowledged once the handler resolves. */
  onResult(handler: (result: TaskResult) => Promise<void>): Subscription;
  /** Coordinator: tasks that exhausted their deliveries without a final result; removed from the queue. */
  onDeadLetter(handler: (dead: DeadLetter) => Promise<void>): Subscription;
  /** Broadcast a control message to every worker (not durable). */
  publishControl(msg: ControlMessage): Promise<void>;
  onControl(handler: (msg: ControlMessage) => void): Subscription;
  /** Removes a job's queued tasks (cancel). */
  purgeJob(jobId: string): Promise<void>;
  /** Job state, keyed by job id. */
  readonly jobs: KvStore;
  /** Worker heartbeats, keyed by worker id; entries expire when a worker stops beating. */
  readonly workers: KvStore;
  /**
   * The model and feature-view registry index (see shared/registry): lasting in the NATS bus
   * (bucket `<namespace>_registry`); the memory bus keeps it only while open, so local mode
   * indexes the registry in the object store instead (`registryIndex`).
   */
  readonly registry: KvStore;
  close(): Promise<void>;
}
