/**
 * The model phases of `train`, all worker kernels:
 *  - cv: one task per (candidate × split): fit on the split's training rows, score its test rows,
 *    report the fold's metrics and write the out-of-fold scores (`cv/c<k>-s<s>.bin`: Float64
 *    [labels…, scores…]) for the pooled ROC curve and confusion matrix;
 *  - final: one task per model entry: its best candidate fitted on every usable row, written as
 *    `models/<name>.json`;
 *  - score: one task per shard: the stage's output rows (key, label, fold, each final model's
 *    score) — every usable input row comes out here once.
 */
import { performance } from 'node:perf_hooks';
import { logger } from '../../log.js';
import { ColumnBuilder, readColumn, tableFromBuilders } from '../../arrow/columns.js';
import { decodeTable, encodeTable } from '../../arrow/ipc.js';
import type { FieldDef } from '../../dataset.js';
import { featureColumns, parsePipeline, sliceFrame } from '../../ml/features/index.js';
import type { FittedPipeline } from '../../ml/features/index.js';
import type { Label } from '../../ml/linear/types.js';
import { getEstimator } from '../../ml/models/registry.js';
import type { LearningTask, ModelState } from '../../ml/models/types.js';
import { partName } from '../rowwise.js';
import type { KernelInput, KernelResult } from '../types.js';
import { EXCLUDED, repeatSlice } from './masks.js';
import type { Split } from './masks.js';
import { assembleSplit } from './matrix.js';
import { shardColumns } from './shard-cache.js';
import { foldMetrics, predictedClasses } from './scores.js';
import type { TrainPlan } from './spec.js';

const log = logger('op.train');
const dec = new TextDecoder();
const enc = new TextEncoder();

export interface ModelTaskParams {
  plan: TrainPlan;
  task: LearningTask;
  classes: Label[] | null;
  /** Number of shards: inputs are [pipeline, ...shards, ...masks, ...models]. */
  shards: number;
}

export interface CvParams extends ModelTaskParams {
  candidate: number;
  model: string;
  params: Record<string, unknown>;
  split: Split;
  splitIndex: number;
}

export interface FinalParams extends ModelTaskParams {
  model: string;
  params: Record<string, unknown>;
}

export function oofName(candidate: number, split: number): string {
  return `cv/c${candidate}-s${split}.bin`;
}

export function modelName(model: string): string {
  return `models/${model}.json`;
}

function layout(input: KernelInput, shards: number): { pipeline: FittedPipeline; shards: Uint8Array[]; masks: Uint8Array[]; uris: string[] } {
  return {
    pipeline: parsePipeline(JSON.parse(dec.decode(input.inputs[0]!))),
    shards: input.inputs.slice(1, 1 + shards),
    masks: input.inputs.slice(1 + shards, 1 + 2 * shards),
    uris: input.task.inputs.slice(1, 1 + shards).map((r) => r.uri),
  };
}

function width(task: LearningTask, classes: Label[] | null): number {
  return task === 'multiclass' ? classes!.length : 1;
}

/** Seconds between consecutive marks, by step name: where a model task's time went. */
function stepSeconds(marks: number[], names: string[], task: string): Record<string, number> {
  const steps = Object.fromEntries(names.map((n, i) => [n, (marks[i + 1]! - marks[i]!) / 1000]));
  log.debug({ task, steps }, 'model task done');
  return steps;
}

export async function cvKernel(input: KernelInput, p: CvParams): Promise<KernelResult> {
  const t0 = performance.now();
  const { pipeline, shards, masks, uris } = layout(input, p.shards);
  const data = assembleSplit(p.plan, pipeline, p.classes, shards, masks, p.split, uris);
  const t1 = performance.now();
  const est = getEstimator(p.plan.models.find((m) => m.name === p.model)!.kind);
  const fit = { X: data.train, y: data.yTrain, task: p.task, seed: p.plan.seed, featureNames: pipeline.features, ...(p.classes === null ? {} : { classes: p.classes }) };
  const model = await est.fit(fit, p.params);
  const t2 = performance.now();
  const scores = await est.predict(model, data.test!);
  const t3 = performance.now();
  const k = width(p.task, p.classes);
  const metrics = data.test!.rows === 0 ? {} : foldMetrics(p.task, data.yTest!, scores, k);
  const t4 = performance.now();
  const oof = new Float64Array(data.yTest!.length + scores.length);
  oof.set(data.yTest!, 0);
  oof.set(scores, data.yTest!.length);
  const t5 = performance.now();
  return {
    objects: [{ name: oofName(p.candidate, p.splitIndex), bytes: new Uint8Array(oof.buffer), rows: 0 }],
    stats: {
      rowsIn: 0, rowsOut: 0, quarantined: 0, trainPhase: 'cv',
      candidate: p.candidate, split: p.splitIndex, repeat: p.split.repeat, fold: p.split.fold,
      trainRows: data.train.rows, testRows: data.test!.rows, metrics, seconds: (t5 - t0) / 1000,
      steps: stepSeconds([t0, t1, t2, t3, t4, t5], ['assemble', 'fit', 'predict', 'metrics', 'write'], `cv ${p.model} candidate ${p.candidate} split ${p.splitIndex}`),
    },
  };
}

export async function finalKernel(input: KernelInput, p: FinalParams): Promise<KernelResult> {
  const t0 = performance.now();
  const { pipeline, shards, masks, uris } = layout(input, p.shards);
  const data = assembleSplit(p.plan, pipeline, p.classes, shards, masks, null, uris);
  const t1 = performance.now();
  const est = getEstimator(p.plan.models.find((m) => m.name === p.model)!.kind);
  const model = await est.fit({ X: data.train, y: data.yTrain, task: p.task, seed: p.plan.seed, featureNames: pipeline.features, ...(p.classes === null ? {} : { classes: p.classes }) }, p.params);
  const t2 = performance.now();
  const importances = est.importances?.(model) ?? null;
  const bytes = enc.encode(JSON.stringify(model));
  const t3 = performance.now();
  return {
    objects: [{ name: modelName(p.model), bytes, rows: 0 }],
    stats: {
      rowsIn: 0, rowsOut: 0, quarantined: 0, trainPhase: 'final', model: p.model, rows: data.train.rows, importances, seconds: (t3 - t0) / 1000,
      steps: stepSeconds([t0, t1, t2, t3], ['assemble', 'fit', 'write'], `final ${p.model}`),
    },
  };
}

/** Output columns of the predictions dataset. */
export function scoreFields(plan: TrainPlan, task: LearningTask): FieldDef[] {
  const out: FieldDef[] = [];
  if (plan.key !== null) out.push({ ...plan.key });
  out.push({ ...plan.label, nullable: false }, { name: 'fold', type: 'int', nullable: true });
  for (const m of plan.models) {
    out.push(task === 'multiclass' ? { name: `${m.name}_pred`, type: plan.label.type, nullable: false } : { name: `${m.name}_score`, type: 'float', nullable: false });
  }
  return out;
}

export interface ScoreParams {
  plan: TrainPlan;
  task: LearningTask;
  classes: Label[] | null;
  /** Inputs: [shard, mask, pipeline, ...model files in plan.models order]. */
}

/** Rows scored at a time: the block's feature matrix stays small and its memory is reused. */
const SCORE_BLOCK = 4096;

/** One shard's predictions: key, label, test fold of repeat 0 (null when never tested), scores. */
export async function scoreKernel(input: KernelInput, p: ScoreParams): Promise<KernelResult> {
  const uri = input.task.inputs[0]?.uri ?? '';
  const table = decodeTable(input.inputs[0]!, `shard ${uri}`);
  const mask = repeatSlice(input.inputs[1]!, table.numRows, 0);
  const pipeline = parsePipeline(JSON.parse(dec.decode(input.inputs[2]!)));
  const frame = shardColumns(uri, input.inputs[0]!, pipeline.input.map((f) => f.name), null).frame;
  const keep: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== EXCLUDED) keep.push(i);
  const fields = scoreFields(p.plan, p.task);
  const builders = fields.map((f) => new ColumnBuilder(f.type, keep.length));
  let c = 0;
  const copy = (name: string): void => {
    const values = readColumn(table, name);
    const b = builders[c++]!;
    for (const r of keep) b.append(values[r] ?? null);
  };
  if (p.plan.key !== null) copy(p.plan.key.name);
  copy(p.plan.label.name);
  const fold = builders[c++]!;
  for (const r of keep) fold.append(mask[r]! < EXCLUDED - 1 ? mask[r]! : null);
  const k = p.task === 'multiclass' ? p.classes!.length : 1;
  const models = p.plan.models.map((entry, m) => ({ est: getEstimator(entry.kind), model: JSON.parse(dec.decode(input.inputs[3 + m]!)) as ModelState }));
  const scores = models.map(() => new Float64Array(keep.length * k));
  const d = pipeline.features.length;
  const block = new Float64Array(SCORE_BLOCK * d);
  let done = 0;
  for (let i0 = 0; i0 < table.numRows; i0 += SCORE_BLOCK) {
    const i1 = Math.min(table.numRows, i0 + SCORE_BLOCK);
    const { columns } = featureColumns(pipeline, sliceFrame(frame, i0, i1), i0);
    let rows = 0;
    for (let i = i0; i < i1; i++) {
      if (mask[i] === EXCLUDED) continue;
      for (let j = 0; j < d; j++) block[rows * d + j] = columns[j]![i - i0]!;
      rows++;
    }
    if (rows === 0) continue;
    for (const [m, { est, model }] of models.entries()) {
      scores[m]!.set(await est.predict(model, { data: block.subarray(0, rows * d), rows, cols: d }), done * k);
    }
    done += rows;
  }
  for (const m of models.keys()) {
    const b = builders[c++]!;
    if (p.task === 'multiclass') {
      for (const x of predictedClasses(p.task, scores[m]!, k)) b.append(p.classes![x]! as string | number);
    } else {
      for (const x of scores[m]!) b.append(x);
    }
  }
  const out = tableFromBuilders({ fields }, builders);
  return {
    objects: [{ name: partName(input.task.index), bytes: encodeTable(out), rows: out.numRows }],
    stats: { rowsIn: 0, rowsOut: out.numRows, quarantined: 0, trainPhase: 'score' },
  };
}
