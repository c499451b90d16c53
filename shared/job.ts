/**
 * A job's persisted state (JetStream KV in a cluster, memory in local mode) and the JobResult
 * that `quiver run|submit|status --json` prints. Both are plain JSON.
 */
import type { Dataset } from './dataset.js';
import type { DatasetRef } from './dataset-version.js';
import type { ErrorData } from './errors.js';
import type { JobSpec } from './spec/types.js';
import type { StoreConfig } from './store/types.js';
import type { InputRef, TaskOutput } from './task.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface TaskRecord {
  index: number;
  inputs: InputRef[];
  params: unknown;
  outputPrefix: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** Failed attempts seen so far (each retried by the bus). */
  retries: number;
  output?: TaskOutput;
  error?: ErrorData;
  workerId?: string;
  seconds?: number;
}

export interface PhaseRecord {
  tasks: TaskRecord[];
}

export interface StageState {
  id: string;
  op: string;
  status: StageStatus;
  phases: PhaseRecord[];
  /** Wall seconds of each phase, from its first dispatch until its last task succeeded. */
  phaseSeconds?: number[];
  output?: Dataset;
  startedAt?: number;
  finishedAt?: number;
}

export interface JobState {
  jobId: string;
  name: string;
  spec: JobSpec;
  mode: 'local' | 'cluster';
  status: JobStatus;
  store: StoreConfig;
  shardRows: number;
  maxAttempts: number;
  stages: StageState[];
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  error?: ErrorData;
  /** Bumped on every header write. */
  revision: number;
  /** Set when the job ends: the summary, so listing old jobs needs no task outcomes. */
  result?: JobResult;
  /** Where the data-quality report was written, once a job has succeeded. */
  quality?: QualityReportUris;
}

/** URIs of a job's data-quality report: `<root>/jobs/<jobId>/quality/report.{json,html}`. */
export interface QualityReportUris {
  json: string;
  html: string;
}

export interface StageResult {
  id: string;
  op: string;
  status: StageStatus;
  tasks: { total: number; succeeded: number; failed: number; retries: number; phases: number };
  seconds: number;
  /** Wall seconds of each phase (the rest of `seconds` is the coordinator planning between them). */
  phaseSeconds: number[];
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  /** A report the stage wrote (e.g. `train`'s training report), once it succeeded. */
  report?: { json: string; html: string };
  /** The stage's headline numbers (e.g. `recommend`'s loss per iteration, speed and held-out metrics), once it succeeded. */
  summary?: Record<string, unknown>;
}

export interface OutputResult {
  stage: string;
  uri: string;
  rows: number;
  bytes: number;
  files: number;
}

export interface JobResult {
  jobId: string;
  name: string;
  mode: 'local' | 'cluster';
  status: JobStatus;
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  seconds: number;
  stages: StageResult[];
  /** in = out + quarantined + filtered + deduplicated for a linear pipeline (joins aside). */
  records: { in: number; out: number; quarantined: number; filtered: number; deduplicated: number };
  outputs: OutputResult[];
  quarantine: OutputResult[];
  /** Content versions of the stage outputs (manifests under `<root>/datasets/`), once succeeded. */
  datasets: DatasetRef[];
  errors: ErrorData[];
  /** The data-quality report, when the job succeeded. */
  quality?: QualityReportUris;
}

/** Live events from a running job (HTTP event stream, progress bars). */
export type JobEvent =
  | { type: 'job'; jobId: string; status: JobStatus; at: number }
  | { type: 'stage'; jobId: string; stage: string; status: StageStatus; phase: number; tasks: number; at: number }
  | { type: 'task'; jobId: string; stage: string; phase: number; index: number; ok: boolean; rows: number; done: number; total: number; retry: boolean; at: number }
  | { type: 'result'; jobId: string; result: JobResult; at: number };
