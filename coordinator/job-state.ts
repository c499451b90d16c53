/**
 * Pure functions over a job's persisted state: creating it from a spec, building task
 * descriptors, and summarizing it into the JobResult users see.
 */
import { randomBytes } from 'node:crypto';
import type { Dataset } from '../shared/dataset.js';
import type { JobResult, JobState, OutputResult, StageResult, StageState, TaskRecord } from '../shared/job.js';
import type { JobSpec } from '../shared/spec/types.js';
import { stageInputs } from '../shared/spec/types.js';
import type { StoreConfig } from '../shared/store/types.js';
import { joinUri } from '../shared/store/uri.js';
import type { ShardRef } from '../shared/dataset.js';
import type { TaskDescriptor } from '../shared/task.js';
import { taskId } from '../shared/task.js';
import { datasetRefs } from './datasets.js';
import { getOperatorIfKnown } from '../shared/operators/registry.js';

export const DEFAULT_SHARD_ROWS = 65_536;
export const DEFAULT_MAX_ATTEMPTS = 4;

/** `users-etl-20261123-091502-3fa2`: sortable, unique, and safe as a NATS subject token. */
export function newJobId(name: string, now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function newJobState(spec: JobSpec, opts: { jobId?: string; mode: 'local' | 'cluster'; store: StoreConfig; now?: number }): JobState {
  const now = opts.now ?? Date.now();
  return {
    jobId: opts.jobId ?? newJobId(spec.name, new Date(now)),
    name: spec.name,
    spec,
    mode: opts.mode,
    status: 'queued',
    store: opts.store,
    shardRows: spec.defaults?.shardRows ?? DEFAULT_SHARD_ROWS,
    maxAttempts: spec.defaults?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    stages: spec.stages.map((s): StageState => ({ id: s.id, op: s.op, status: 'pending', phases: [] })),
    submittedAt: now,
    revision: 0,
  };
}

export function stagePrefix(state: JobState, stageId: string): string {
  return joinUri(state.store.root, 'jobs', state.jobId, stageId) + '/';
}

export function descriptorFor(state: JobState, stage: StageState, phase: number, rec: TaskRecord): TaskDescriptor {
  return {
    id: taskId(state.jobId, stage.id, phase, rec.index),
    jobId: state.jobId,
    stageId: stage.id,
    phase,
    index: rec.index,
    op: stage.op,
    inputs: rec.inputs,
    outputPrefix: rec.outputPrefix,
    params: rec.params,
    store: state.store,
    maxAttempts: state.maxAttempts,
  };
}

function num(stats: Record<string, unknown> | undefined, key: string): number {
  const v = stats?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The operator's summary of a succeeded stage, as `{ summary }` (nothing when it has none or it fails). */
function summaryOf(state: JobState, stage: StageState): { summary?: Record<string, unknown> } {
  const op = getOperatorIfKnown(stage.op);
  const spec = state.spec.stages.find((s) => s.id === stage.id);
  if (op?.resultSummary === undefined || spec === undefined) return {};
  const done = stage.phases.map((p, phase) => ({ phase, tasks: p.tasks.map((t) => t.output ?? { shards: [], quarantine: [], stats: {} }) }));
  const inputs = stageInputs(spec)
    .map((id) => state.stages.find((s) => s.id === id)?.output)
    .filter((d): d is Dataset => d !== undefined);
  try {
    const summary = op.resultSummary(spec, inputs, done, stage.phaseSeconds ?? []);
    return summary === null ? {} : { summary };
  } catch {
    return {};
  }
}

function stageResult(state: JobState, stage: StageState): StageResult {
  const all = stage.phases.flatMap((p) => p.tasks);
  const first = stage.phases[0]?.tasks ?? [];
  const report = getOperatorIfKnown(stage.op)?.stageReport?.(stagePrefix(state, stage.id));
  const seconds = stage.startedAt === undefined ? 0 : ((stage.finishedAt ?? Date.now()) - stage.startedAt) / 1000;
  return {
    id: stage.id,
    op: stage.op,
    status: stage.status,
    tasks: {
      total: all.length,
      succeeded: all.filter((t) => t.status === 'succeeded').length,
      failed: all.filter((t) => t.status === 'failed').length,
      retries: all.reduce((n, t) => n + t.retries, 0),
      phases: stage.phases.length,
    },
    seconds,
    phaseSeconds: Array.from({ length: stage.phases.length }, (_, k) => stage.phaseSeconds?.[k] ?? 0),
    rowsIn: first.reduce((n, t) => n + num(t.output?.stats, 'rowsIn'), 0),
    rowsOut: stage.output?.rows ?? 0,
    quarantined: all.reduce((n, t) => n + num(t.output?.stats, 'quarantined'), 0),
    ...(stage.status === 'succeeded' && report !== undefined ? { report } : {}),
    ...(stage.status === 'succeeded' ? summaryOf(state, stage) : {}),
  };
}

/** The longest common directory of a list of URIs (ending with `/`). */
export function commonDir(uris: string[]): string {
  if (uris.length === 0) return '';
  let prefix = uris[0]!;
  for (const u of uris) {
    while (!u.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  const cut = prefix.lastIndexOf('/');
  return cut >= 0 ? prefix.slice(0, cut + 1) : prefix;
}

function outputOf(stage: string, refs: ShardRef[]): OutputResult {
  return {
    stage,
    uri: commonDir(refs.map((r) => r.uri)),
    rows: refs.reduce((n, r) => n + r.rows, 0),
    bytes: refs.reduce((n, r) => n + r.bytes, 0),
    files: refs.length,
  };
}

/** Stages whose output no other stage reads: the job's outputs. */
export function sinkStages(spec: JobSpec): string[] {
  const read = new Set(spec.stages.flatMap(stageInputs));
  return spec.stages.filter((s) => !read.has(s.id)).map((s) => s.id);
}

/**
 * Stages whose output is their single input's output, shard for shard (e.g. `profile`): they
 * report on data, they do not produce any. Known once both have run.
 */
export function passThroughStages(state: JobState): Set<string> {
  const byId = new Map(state.stages.map((s) => [s.id, s]));
  const out = new Set<string>();
  for (const spec of state.spec.stages) {
    const inputs = stageInputs(spec);
    const mine = byId.get(spec.id)?.output?.shards;
    const theirs = inputs.length === 1 ? byId.get(inputs[0]!)?.output?.shards : undefined;
    if (mine === undefined || theirs === undefined || mine.length === 0 || mine.length !== theirs.length) continue;
    if (mine.every((sh, i) => sh.uri === theirs[i]!.uri)) out.add(spec.id);
  }
  return out;
}

/**
 * The job's outputs: stages that no stage reads except pass-through ones, pass-through stages
 * excluded (an ingest → profile job outputs the ingested data once, not twice).
 */
export function outputStages(state: JobState): Set<string> {
  const pass = passThroughStages(state);
  const read = new Set(state.spec.stages.filter((s) => !pass.has(s.id)).flatMap(stageInputs));
  return new Set(state.spec.stages.filter((s) => !read.has(s.id) && !pass.has(s.id)).map((s) => s.id));
}

export function jobResult(state: JobState): JobResult {
  const stages = state.stages.map((st) => stageResult(state, st));
  const sinks = outputStages(state);
  const sources = new Set(state.spec.stages.filter((s) => stageInputs(s).length === 0).map((s) => s.id));
  const outputs: OutputResult[] = [];
  const quarantine: OutputResult[] = [];
  let filtered = 0;
  let deduplicated = 0;
  for (const st of state.stages) {
    const tasks = st.phases.flatMap((p) => p.tasks);
    filtered += tasks.reduce((n, t) => n + num(t.output?.stats, 'filtered'), 0);
    deduplicated += tasks.reduce((n, t) => n + num(t.output?.stats, 'deduplicated'), 0);
    if (sinks.has(st.id) && st.output !== undefined) outputs.push(outputOf(st.id, (st.output as Dataset).shards));
    const q = tasks.flatMap((t) => t.output?.quarantine ?? []);
    if (q.length > 0) quarantine.push(outputOf(st.id, q));
  }
  const errors = state.error === undefined ? [] : [state.error];
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  const result: JobResult = {
    jobId: state.jobId,
    name: state.name,
    mode: state.mode,
    status: state.status,
    submittedAt: iso(state.submittedAt)!,
    seconds: state.startedAt === undefined ? 0 : ((state.finishedAt ?? Date.now()) - state.startedAt) / 1000,
    stages,
    records: {
      in: stages.filter((s) => sources.has(s.id)).reduce((n, s) => n + s.rowsIn, 0),
      out: outputs.reduce((n, o) => n + o.rows, 0),
      quarantined: stages.reduce((n, s) => n + s.quarantined, 0),
      filtered,
      deduplicated,
    },
    outputs,
    quarantine,
    datasets: state.status === 'succeeded' ? datasetRefs(state) : [],
    errors,
  };
  if (state.startedAt !== undefined) result.startedAt = iso(state.startedAt)!;
  if (state.finishedAt !== undefined) result.finishedAt = iso(state.finishedAt)!;
  if (state.quality !== undefined) result.quality = state.quality;
  return result;
}
