/**
 * The job spec, as users write it in YAML or JSON. The JSON Schema that validates it is built
 * from each operator's own schema (shared/spec/schema.ts); docs/job-spec.md documents it.
 */

export interface JobDefaults {
  /** Target rows per Arrow shard. Default 65536. */
  shardRows?: number;
  /** Deliveries of a failing task before the job fails. Default 4. */
  maxAttempts?: number;
}

/** One stage: `id`, `op`, the ids of its input stages, and the operator's own fields. */
export interface StageSpec {
  id: string;
  op: string;
  input?: string | string[];
  [param: string]: unknown;
}

/** When a coordinator runs the job by itself (see coordinator/scheduler.ts). */
export interface ScheduleSpec {
  /** Cron pattern: 5 fields (minute precision) or 6 (seconds first). */
  cron: string;
  /** IANA time zone of the pattern. Default UTC. */
  timezone?: string;
  /** Extra runs after a failed run. Default 2. */
  retries?: number;
  /** Seconds between a failed run and its retry. Default 60. */
  retryDelay?: number;
}

export interface JobSpec {
  name: string;
  description?: string;
  defaults?: JobDefaults;
  schedule?: ScheduleSpec;
  stages: StageSpec[];
}

export function stageInputs(stage: StageSpec): string[] {
  if (stage.input === undefined) return [];
  return Array.isArray(stage.input) ? stage.input : [stage.input];
}
