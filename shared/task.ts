/**
 * Task descriptors (what the coordinator dispatches: object URIs and parameters, never rows)
 * and task results (what a worker reports back). Both are small JSON documents.
 */
import type { ErrorData } from './errors.js';
import type { ShardRef } from './dataset.js';
import type { StoreConfig } from './store/types.js';

/** One input object of a task, optionally a byte range [start, end). */
export interface InputRef {
  uri: string;
  start?: number;
  end?: number;
  /**
   * SHA-256 (hex) of the object, set on broadcast inputs many tasks read: a worker then fetches
   * the object once and serves later tasks from memory (worker/input-cache.ts).
   */
  sha256?: string;
}

export interface TaskDescriptor {
  /** Deterministic: `<jobId>.<stageId>.<phase>.<index>`; also the NATS dedup id. */
  id: string;
  jobId: string;
  stageId: string;
  phase: number;
  index: number;
  /** Operator name; the worker runs that operator's kernel. */
  op: string;
  inputs: InputRef[];
  /** URI prefix (ends with `/`) under which the task writes its outputs, at deterministic names. */
  outputPrefix: string;
  /** Operator parameters for this task (JSON). */
  params: unknown;
  store: StoreConfig;
  /** Deliveries after which a failing task is dead-lettered. */
  maxAttempts: number;
}

/** What a kernel computed besides its output objects: row counts, partial statistics... */
export type TaskStats = Record<string, unknown>;

export interface TaskOutput {
  /** Data shards written, in the kernel's order. */
  shards: ShardRef[];
  /** Quarantine objects written (rejected rows with reasons). */
  quarantine: ShardRef[];
  stats: TaskStats;
}

export interface TaskResult {
  taskId: string;
  jobId: string;
  stageId: string;
  phase: number;
  index: number;
  workerId: string;
  /** Delivery number of the attempt that produced this result (1-based). */
  attempt: number;
  ok: boolean;
  output?: TaskOutput;
  error?: ErrorData;
  /** True when the task will not be delivered again (success, term, or attempts exhausted). */
  final: boolean;
  seconds: number;
}

export function taskId(jobId: string, stageId: string, phase: number, index: number): string {
  return `${jobId}.${stageId}.${phase}.${index}`;
}
