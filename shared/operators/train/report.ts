/**
 * Coordinator side of `train`'s results: ranks each model entry's candidates by the selection
 * metric (mean over splits; ties keep the earlier candidate, as sklearn's `rank_test_score`
 * gives both the same rank and `best_index_` the first), and assembles the TrainingReport,
 * with pooled out-of-fold ROC curves and confusion matrices read from the cv phase's files.
 */
import { auc, confusionMatrix, rocCurve, summarize } from '../../ml/metrics/index.js';
import type { Summary } from '../../ml/metrics/index.js';
import type { Label } from '../../ml/linear/types.js';
import type { LearningTask } from '../../ml/models/types.js';
import { thinCurve } from '../../ml/report/index.js';
import type { CandidateReport, FoldScore, TrainingReport } from '../../ml/report/types.js';
import type { ObjectStore } from '../../store/types.js';
import type { TaskOutput } from '../../task.js';
import { predictedClasses } from './scores.js';
import { METRICS } from './spec.js';
import type { TrainPlan } from './spec.js';

export interface CandidateRef {
  /** Global candidate index (over all model entries). */
  index: number;
  model: string;
  kind: string;
  local: number;
  params: Record<string, unknown>;
}

export function candidatesOf(plan: TrainPlan): CandidateRef[] {
  const out: CandidateRef[] = [];
  for (const m of plan.models) m.candidates.forEach((params, local) => out.push({ index: out.length, model: m.name, kind: m.kind, local, params }));
  return out;
}

interface CvStats {
  candidate: number;
  split: number;
  repeat: number;
  fold: number;
  trainRows: number;
  testRows: number;
  metrics: Record<string, number>;
  seconds: number;
  steps?: Record<string, number>;
}

export function foldScores(tasks: readonly TaskOutput[], candidate: number): FoldScore[] {
  return tasks
    .map((t) => t.stats as unknown as CvStats)
    .filter((s) => s.candidate === candidate)
    .sort((a, b) => a.split - b.split)
    .map((s) => ({ fold: s.fold, repeat: s.repeat, trainRows: s.trainRows, testRows: s.testRows, metrics: s.metrics, seconds: s.seconds, ...(s.steps === undefined ? {} : { steps: s.steps }) }));
}

function summaries(folds: FoldScore[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  const names = new Set(folds.flatMap((f) => Object.keys(f.metrics)));
  for (const name of names) {
    const values = folds.map((f) => f.metrics[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length > 0) out[name] = summarize(values);
  }
  return out;
}

/** Best candidate (global index) of each model entry. */
export function bestCandidates(plan: TrainPlan, cvTasks: readonly TaskOutput[]): Map<string, CandidateRef> {
  const { greaterIsBetter } = METRICS[plan.metric]!;
  const best = new Map<string, { ref: CandidateRef; score: number }>();
  for (const ref of candidatesOf(plan)) {
    const score = summaries(foldScores(cvTasks, ref.index))[plan.metric]?.mean ?? Number.NaN;
    const cur = best.get(ref.model);
    const better = cur === undefined || (Number.isNaN(cur.score) && !Number.isNaN(score)) || (greaterIsBetter ? score > cur.score : score < cur.score);
    if (better) best.set(ref.model, { ref, score });
  }
  return new Map([...best].map(([k, v]) => [k, v.ref]));
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits a pooled oof buffer made of per-split [labels, scores] blocks. */
function unpack(blocks: Float64Array[], w: number): { y: Float64Array; scores: Float64Array } {
  const y: Float64Array[] = [];
  const s: Float64Array[] = [];
  for (const b of blocks) {
    const m = b.length / (1 + w);
    y.push(b.subarray(0, m));
    s.push(b.subarray(m));
  }
  return { y: concat(y), scores: concat(s) };
}

export interface ReportInput {
  plan: TrainPlan;
  task: LearningTask;
  classes: Label[] | null;
  rows: number;
  features: string[];
  cvTasks: readonly TaskOutput[];
  /** URIs of each (candidate, split) out-of-fold file: oofUri(candidate, split). */
  oofUri: (candidate: number, split: number) => string;
  splits: number;
  finals: { model: string; candidate: CandidateRef; seconds: number; steps?: Record<string, number>; importances: number[] | null }[];
  jobId: string;
  stage: string;
  timings: Record<string, number>;
  datasetVersion: string | null;
  pipelineVersion: string | null;
}

export async function buildTrainingReport(store: ObjectStore, r: ReportInput): Promise<TrainingReport> {
  const best = bestCandidates(r.plan, r.cvTasks);
  const bestIdx = new Set([...best.values()].map((c) => c.index));
  const w = r.task === 'multiclass' ? r.classes!.length : 1;
  const { greaterIsBetter } = METRICS[r.plan.metric]!;
  const candidates: CandidateReport[] = [];
  const all = candidatesOf(r.plan);
  for (const ref of all) {
    const folds = foldScores(r.cvTasks, ref.index);
    const summary = summaries(folds);
    const c: CandidateReport = { id: `${ref.model}#${ref.local}`, model: ref.model, kind: ref.kind, params: ref.params, folds, summary, rank: 0 };
    if (bestIdx.has(ref.index) && r.task !== 'regression') {
      const blocks: Float64Array[] = [];
      for (let s = 0; s < r.splits; s++) {
        const b = await store.get(r.oofUri(ref.index, s));
        blocks.push(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      }
      const { y, scores } = unpack(blocks, w);
      if (r.task === 'binary' && y.length > 0 && y.some((v) => v === 1) && y.some((v) => v === 0)) {
        const roc = rocCurve(y, scores);
        const thin = thinCurve(Array.from(roc.fpr), Array.from(roc.tpr));
        c.roc = { fpr: thin.fpr, tpr: thin.tpr, auc: auc(roc.fpr, roc.tpr), foldMean: summary.roc_auc?.mean ?? Number.NaN };
      }
      const pred = predictedClasses(r.task, scores, w);
      const cm = confusionMatrix(y, pred, { labels: Array.from({ length: w === 1 ? 2 : w }, (_, i) => i) });
      c.confusion = { labels: r.classes!.map(String), matrix: cm.matrix.map((row) => Array.from(row)), ...(r.task === 'binary' ? { threshold: 0.5 } : {}) };
    }
    candidates.push(c);
  }
  for (const m of r.plan.models) {
    const mine = candidates.filter((c) => c.model === m.name);
    const key = (c: CandidateReport): number => c.summary[r.plan.metric]?.mean ?? Number.NaN;
    const sorted = [...mine].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (Number.isNaN(x)) return 1;
      if (Number.isNaN(y)) return -1;
      return greaterIsBetter ? y - x : x - y;
    });
    sorted.forEach((c, i) => (c.rank = i > 0 && key(sorted[i - 1]!) === key(c) ? sorted[i - 1]!.rank : i + 1));
  }
  return {
    kind: 'quiver-training-report',
    jobId: r.jobId,
    stage: r.stage,
    createdAt: new Date().toISOString(),
    task: r.task,
    label: r.plan.label.name,
    ...(r.classes === null ? {} : { classes: r.classes.map(String) }),
    rows: r.rows,
    features: r.features,
    cv: { kind: r.plan.cv.kind, folds: r.plan.cv.folds, repeats: r.plan.cv.repeats, shuffle: r.plan.cv.shuffle, seed: r.plan.cv.seed },
    fitFeatures: r.plan.fitPipeline,
    selection: { metric: r.plan.metric, greaterIsBetter },
    candidates,
    final: r.finals.map((f) => ({
      model: f.model,
      kind: f.candidate.kind,
      candidate: `${f.candidate.model}#${f.candidate.local}`,
      params: f.candidate.params,
      seconds: f.seconds,
      ...(f.steps === undefined ? {} : { steps: f.steps }),
      importances: (f.importances ?? []).map((value, i) => ({ feature: r.features[i] ?? `f${i}`, value })).sort((a, b) => b.value - a.value),
    })),
    timings: r.timings,
    datasetVersion: r.datasetVersion,
    pipelineVersion: r.pipelineVersion,
  };
}

