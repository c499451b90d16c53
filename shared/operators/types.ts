/**
 * The operator seam. One module per operator holds both halves:
 *  - the coordinator half (`plan`, `next`, `output`): how a stage splits into tasks, phase by
 *    phase, and how the tasks' outputs and partial results merge into the stage's dataset;
 *  - the worker half (`kernel`): a function over the task's input bytes that runs inside a
 *    Piscina thread and returns named output objects plus small stats. The worker's main thread
 *    fetches inputs from the store and writes outputs to `<outputPrefix><name>`; kernels never
 *    touch the store or the bus.
 * shared/operators/registry.ts is the only place that names them all.
 */
import type { Dataset, SchemaDef } from '../dataset.js';
import type { KvStore } from '../bus/types.js';
import type { ObjectStore } from '../store/types.js';
import type { StageSpec } from '../spec/types.js';
import type { QualitySection } from '../quality/types.js';
import type { InputRef, TaskDescriptor, TaskOutput, TaskStats } from '../task.js';

export interface PlanContext {
  jobId: string;
  stage: StageSpec;
  /** Path of the stage in the spec, for error messages: `stages[2]`. */
  path: string;
  /** Output datasets of the stage's input stages, in the order of `stage.input`. */
  inputs: Dataset[];
  /** The coordinator's store (to list files, read a header or a sample at plan time). */
  store: ObjectStore;
  /** URI prefix for this stage's outputs: `<root>/jobs/<job>/<stage>/` (ends with `/`). */
  stagePrefix: string;
  shardRows: number;
  /**
   * The model registry's and feature store's index (KV): NATS KV on a cluster, objects under
   * `<root>/registry/index/` in local mode. Absent in operator unit tests.
   */
  registryIndex?: KvStore;
}

export interface TaskPlan {
  inputs: InputRef[];
  params: unknown;
  /** Defaults to the stage prefix. */
  outputPrefix?: string;
}

export interface PhasePlan {
  tasks: TaskPlan[];
}

/** Outputs of one finished phase, indexed by task index. */
export interface PhaseOutcome {
  phase: number;
  tasks: TaskOutput[];
}

export interface KernelInput {
  task: TaskDescriptor;
  /** Bytes of each `task.inputs[i]`, fetched by the worker's main thread. */
  inputs: Uint8Array[];
}

export interface KernelObject {
  /** Name under the task's output prefix, e.g. `part-00042.arrow`. Deterministic. */
  name: string;
  bytes: Uint8Array;
  rows: number;
  /** `data` (default): an Arrow shard of the stage's output. `quarantine`: rejected rows (NDJSON, one reason per row). */
  kind?: 'data' | 'quarantine';
}

/**
 * Every kernel reports `rowsIn`, `rowsOut` and `quarantined` (numbers) in its stats; the
 * coordinator sums them into the job's record counts (in = out + quarantined + filtered...).
 * Operators may add their own fields (partial statistics, filtered counts...).
 */
export interface KernelStats extends TaskStats {
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
}

export interface KernelResult {
  objects: KernelObject[];
  stats: KernelStats;
}

export interface Operator {
  readonly name: string;
  /** One line for `quiver ops` and the docs. */
  readonly summary: string;
  /** JSON Schema (draft 2020-12) of the stage object for this op (id/op/input included). */
  readonly schema: Record<string, unknown>;
  /**
   * Dot paths of stage fields that hold file paths or URIs (e.g. `source.uri`): the CLI makes
   * relative local paths absolute against its working directory before a job is submitted.
   */
  readonly pathFields?: readonly string[];
  /** Number of input stages it takes. */
  readonly arity: { min: number; max: number };
  /** Plans phase 0. Throws QuiverError SPEC_INVALID (naming `ctx.path`) on a semantic error. */
  plan(ctx: PlanContext): Promise<PhasePlan>;
  /** Plans the next phase after `done` (all phases so far), or null when the stage is finished. */
  next?(ctx: PlanContext, done: PhaseOutcome[]): Promise<PhasePlan | null>;
  /** The stage's output dataset, from all phases' outcomes. */
  output(ctx: PlanContext, done: PhaseOutcome[]): Promise<Dataset>;
  /**
   * The stage's section of the job's data-quality report (column profiles, rules passed and
   * failed, what cleansing did), from its merged task stats; null or absent when it has none.
   */
  quality?(ctx: PlanContext, done: PhaseOutcome[], output: Dataset): QualitySection | null | Promise<QualitySection | null>;
  /** Where the stage writes a report of its own (JSON + HTML) under its prefix, if it does. */
  stageReport?(stagePrefix: string): { json: string; html: string };
  /**
   * The stage's headline numbers for the job result, from its phases' task stats and each
   * phase's wall seconds (the coordinator's clock); called once the stage succeeded.
   */
  resultSummary?(stage: StageSpec, inputs: Dataset[], done: PhaseOutcome[], phaseSeconds: number[]): Record<string, unknown> | null;
  /** Worker half. Runs in a Piscina thread; pure over its inputs. */
  kernel(input: KernelInput): KernelResult | Promise<KernelResult>;
}

export type { SchemaDef };
