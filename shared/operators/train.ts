/**
 * `train`: cross-validated model training with a feature pipeline fitted on the cluster
 * (./train/spec.ts has the YAML). Phases, each a set of tasks:
 *
 *   0  labels  a task per shard: labels + class counts, rows without a label quarantined
 *   1  folds   one task: sklearn-exact fold ids over all rows → one mask file per shard
 *   2… fit     a task per shard and pipeline pass: partial statistics per CV split (its
 *              training rows only) and over all rows; the coordinator merges them exactly
 *   cv         a task per (candidate × split): fit, score the held-out rows, fold metrics;
 *              plus the final fit of every model entry with one candidate (it needs no CV
 *              result), so no thread idles at a barrier; the costliest tasks go first
 *   final      a task per model entry with several candidates: its best one fitted on all
 *              rows (the phase is skipped when every entry had one candidate)
 *   score      a task per shard: the output (key, label, fold, each final model's score)
 *
 * When the stage ends the coordinator writes `report.json` + `report.html` under the stage
 * prefix and, with `register`, adds each final model to the model registry with its fitted
 * pipeline, metrics and the dataset version it was trained on.
 */
import { datasetOf } from '../dataset.js';
import { datasetVersion } from '../dataset-version.js';
import { logger } from '../log.js';
import type { FittedPipeline } from '../ml/features/index.js';
import type { Label } from '../ml/linear/types.js';
import type { LearningTask, ModelState } from '../ml/models/types.js';
import { renderTrainingReport } from '../ml/report/index.js';
import type { TrainingReport } from '../ml/report/types.js';
import { ModelRegistry } from '../registry/index.js';
import { joinUri } from '../store/uri.js';
import { emptyState, fitPassKernel, mergePass, partName as fitPartName, pipelinesOf, pipelineUri, readState, stateUri, writeJson } from './pipeline/fit.js';
import type { FitPassParams, FitState } from './pipeline/fit.js';
import { singleInput, stageSchema, storeRootOf } from './rowwise.js';
import { foldsKernel, labelsKernel, labelsName, maskName } from './train/labels.js';
import { shardColumns } from './train/shard-cache.js';
import type { FoldsParams } from './train/labels.js';
import { sortClasses, splitsOf } from './train/masks.js';
import type { Split } from './train/masks.js';
import { cvKernel, finalKernel, modelName, oofName, scoreFields, scoreKernel } from './train/models.js';
import type { CvParams, FinalParams, ScoreParams } from './train/models.js';
import { bestCandidates, buildTrainingReport, candidatesOf } from './train/report.js';
import { resolveClasses, resolveTrain, TRAIN_PROPERTIES } from './train/spec.js';
import type { TrainPlan } from './train/spec.js';
import type { TaskOutput } from '../task.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

const log = logger('op.train');

type Mode = 'labels' | 'folds' | 'fit' | 'cv' | 'final' | 'score';

interface TaskParams {
  mode: Mode;
  [k: string]: unknown;
}

/** What the phases so far established. */
interface Replay {
  plan: TrainPlan;
  passes: number;
  rows: number[];
  usable: number;
  classes: Label[] | null;
  task: LearningTask | null;
  splits: Split[] | null;
  splitTrainRows: number[];
  byMode: Partial<Record<Mode, PhaseOutcome>>;
  /** Tasks of the cv phase that fitted a (candidate × split), and every final fit so far. */
  cvTasks: TaskOutput[];
  finalTasks: TaskOutput[];
  fitDone: number;
}

function replay(ctx: PlanContext, done: readonly PhaseOutcome[]): Replay {
  const { plan, pipeline } = resolveTrain(ctx);
  const r: Replay = { plan, passes: pipeline.passes.length, rows: [], usable: 0, classes: null, task: null, splits: null, splitTrainRows: [], byMode: {}, cvTasks: [], finalTasks: [], fitDone: 0 };
  for (const ph of [...done].sort((a, b) => a.phase - b.phase)) {
    const mode = modeOf(r, ph);
    r.byMode[mode] = ph;
    if (mode === 'cv' || mode === 'final') {
      for (const t of ph.tasks) (t.stats.trainPhase === 'cv' ? r.cvTasks : r.finalTasks).push(t);
    }
    if (mode === 'labels') {
      r.rows = ph.tasks.map((t) => t.stats.rows as number);
      r.usable = ph.tasks.reduce((n, t) => n + (t.stats.usable as number), 0);
      if (plan.task !== 'regression') {
        const counts = new Map<string, number>();
        for (const t of ph.tasks) for (const [k, v] of Object.entries(t.stats.classCounts as Record<string, number>)) counts.set(k, (counts.get(k) ?? 0) + v);
        r.classes = sortClasses([...counts.keys()].map((k) => (k.startsWith('n:') ? Number(k.slice(2)) : k.slice(2))));
        r.task = resolveClasses(ctx, plan, r.classes.map(String));
        if (ctx.stage.metric === undefined && r.task === 'multiclass') plan.metric = 'accuracy';
      } else r.task = 'regression';
    } else if (mode === 'folds') {
      const s = ph.tasks[0]!.stats as { repeats: number; folds: number; usable: number; testRows: number[][] };
      r.splits = splitsOf(s.repeats, s.folds);
      r.splitTrainRows = r.splits.map((sp) => s.usable - s.testRows[sp.repeat]![sp.fold]!);
    } else if (mode === 'fit') r.fitDone++;
  }
  return r;
}

/** The model phases are told apart by what their tasks did: the final phase may be skipped. */
function modeOf(r: Pick<Replay, 'passes'>, ph: PhaseOutcome): Mode {
  if (ph.phase === 0) return 'labels';
  if (ph.phase === 1) return 'folds';
  if (ph.phase < 2 + r.passes) return 'fit';
  const kinds = new Set(ph.tasks.map((t) => t.stats.trainPhase));
  if (kinds.has('cv')) return 'cv';
  return kinds.has('score') ? 'score' : 'final';
}

/** Relative cost of fitting one row with a model kind, to start the longest tasks first. */
const KIND_COST: Record<string, number> = { mlp: 8, gbt: 4 };

function kindCost(kind: string): number {
  return KIND_COST[kind] ?? 1;
}

/** Longest processing time first: with tasks of very different lengths, the phase ends sooner. */
function longestFirst<T extends { cost: number }>(tasks: T[]): Omit<T, 'cost'>[] {
  return tasks
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.cost - a.t.cost || a.i - b.i)
    .map(({ t: { cost: _, ...rest } }) => rest);
}

function perSplit(r: Replay): boolean {
  return r.plan.fitPipeline === 'per-fold';
}

function maskUris(ctx: PlanContext, n: number): string[] {
  return Array.from({ length: n }, (_, i) => joinUri(ctx.stagePrefix, maskName(i)));
}

function fitPlan(ctx: PlanContext, r: Replay, pass: number): PhasePlan {
  const input = singleInput(ctx);
  const params: FitPassParams = {
    steps: r.plan.pipeline,
    schema: r.plan.schema,
    features: r.plan.features.map((f) => f.name),
    path: `${ctx.path}.pipeline`,
    pass,
    splits: perSplit(r) ? r.splits : null,
    mask: true,
  };
  const masks = maskUris(ctx, input.shards.length);
  return {
    tasks: input.shards.map((s, i) => ({
      inputs: [{ uri: s.uri }, { uri: masks[i]! }, ...(pass > 0 ? [{ uri: stateUri(ctx.stagePrefix, pass - 1) }] : [])],
      params: { mode: 'fit', ...params },
    })),
  };
}

/** After the last pass (or with no pass at all): one FittedPipeline per split, and the full one. */
async function writePipelines(ctx: PlanContext, r: Replay): Promise<{ full: FittedPipeline }> {
  const { pipeline: resolved } = resolveTrain(ctx);
  const nSplits = perSplit(r) ? r.splits!.length : 0;
  const state: FitState = r.passes === 0 ? { ...emptyState(nSplits), fullRows: r.usable } : await readState(ctx.store, stateUri(ctx.stagePrefix, r.passes - 1));
  const built = pipelinesOf(resolved, state, r.splitTrainRows);
  await writeJson(ctx.store, pipelineUri(ctx.stagePrefix, 'full'), built.full);
  await Promise.all(built.splits.map((p, s) => writeJson(ctx.store, pipelineUri(ctx.stagePrefix, s), p)));
  return { full: built.full };
}

function splitPipeline(ctx: PlanContext, r: Replay, s: number): string {
  return perSplit(r) ? pipelineUri(ctx.stagePrefix, s) : pipelineUri(ctx.stagePrefix, 'full');
}

type PlannedTask = PhasePlan['tasks'][number] & { cost: number };

function finalTasks(ctx: PlanContext, r: Replay, entries: { name: string; kind: string; params: Record<string, unknown> }[]): PlannedTask[] {
  const input = singleInput(ctx);
  const shards = input.shards.map((s) => ({ uri: s.uri }));
  const masks = maskUris(ctx, input.shards.length).map((uri) => ({ uri }));
  return entries.map((m) => {
    const params: FinalParams = { plan: r.plan, task: r.task!, classes: r.classes, shards: shards.length, model: m.name, params: m.params };
    return { inputs: [{ uri: pipelineUri(ctx.stagePrefix, 'full') }, ...shards, ...masks], params: { mode: 'final', ...params }, cost: kindCost(m.kind) * r.usable };
  });
}

function cvPlan(ctx: PlanContext, r: Replay): PhasePlan {
  const input = singleInput(ctx);
  const shards = input.shards.map((s) => ({ uri: s.uri }));
  const masks = maskUris(ctx, input.shards.length).map((uri) => ({ uri }));
  const cv = candidatesOf(r.plan).flatMap((c) =>
    r.splits!.map((split, s): PlannedTask => {
      const params: CvParams = { plan: r.plan, task: r.task!, classes: r.classes, shards: shards.length, candidate: c.index, model: c.model, params: c.params, split, splitIndex: s };
      return { inputs: [{ uri: splitPipeline(ctx, r, s) }, ...shards, ...masks], params: { mode: 'cv', ...params }, cost: kindCost(c.kind) * r.splitTrainRows[s]! };
    }),
  );
  const single = r.plan.models.filter((m) => m.candidates.length === 1).map((m) => ({ name: m.name, kind: m.kind, params: m.candidates[0]! }));
  return { tasks: longestFirst([...finalTasks(ctx, r, single), ...cv]) };
}

/** Final fits still to run: the entries whose best candidate the cv phase had to pick. */
function pendingFinals(r: Replay): TrainPlan['models'] {
  const fitted = new Set(r.finalTasks.map((t) => t.stats.model as string));
  return r.plan.models.filter((m) => !fitted.has(m.name));
}

function finalPlan(ctx: PlanContext, r: Replay, entries: TrainPlan['models']): PhasePlan {
  const best = bestCandidates(r.plan, r.cvTasks);
  return { tasks: longestFirst(finalTasks(ctx, r, entries.map((m) => ({ name: m.name, kind: m.kind, params: best.get(m.name)!.params })))) };
}

function scorePlan(ctx: PlanContext, r: Replay): PhasePlan {
  const input = singleInput(ctx);
  const masks = maskUris(ctx, input.shards.length);
  const models = r.plan.models.map((m) => ({ uri: joinUri(ctx.stagePrefix, modelName(m.name)) }));
  const params: ScoreParams = { plan: r.plan, task: r.task!, classes: r.classes };
  return {
    tasks: input.shards.map((s, i) => ({ inputs: [{ uri: s.uri }, { uri: masks[i]! }, { uri: pipelineUri(ctx.stagePrefix, 'full') }, ...models], params: { mode: 'score', ...params } })),
  };
}

function taskSeconds(tasks: readonly TaskOutput[]): number {
  return tasks.reduce((n, t) => n + ((t.stats.seconds as number | undefined) ?? 0), 0);
}

/** Model-task seconds by step (assemble, fit, predict, metrics, write), summed: `<step>Seconds`. */
function stepTimings(tasks: readonly TaskOutput[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) {
    for (const [step, s] of Object.entries((t.stats.steps as Record<string, number> | undefined) ?? {})) out[`${step}Seconds`] = (out[`${step}Seconds`] ?? 0) + s;
  }
  return out;
}

async function finishStage(ctx: PlanContext, r: Replay): Promise<TrainingReport> {
  const full = JSON.parse(new TextDecoder().decode(await ctx.store.get(pipelineUri(ctx.stagePrefix, 'full')))) as FittedPipeline;
  const best = bestCandidates(r.plan, r.cvTasks);
  const order = r.plan.models.map((m) => m.name);
  const byEntry = (t: TaskOutput): number => order.indexOf(t.stats.model as string);
  const finals = [...r.finalTasks].sort((a, b) => byEntry(a) - byEntry(b)).map((t) => {
    const model = t.stats.model as string;
    const steps = t.stats.steps as Record<string, number> | undefined;
    return { model, candidate: best.get(model)!, seconds: t.stats.seconds as number, ...(steps === undefined ? {} : { steps }), importances: (t.stats.importances as number[] | null) ?? null };
  });
  const report = await buildTrainingReport(ctx.store, {
    plan: r.plan,
    task: r.task!,
    classes: r.classes,
    rows: r.usable,
    features: full.features,
    cvTasks: r.cvTasks,
    oofUri: (c, s) => joinUri(ctx.stagePrefix, oofName(c, s)),
    splits: r.splits!.length,
    finals,
    jobId: ctx.jobId,
    stage: ctx.stage.id,
    timings: { cvTaskSeconds: taskSeconds(r.cvTasks), finalTaskSeconds: taskSeconds(r.finalTasks), ...stepTimings([...r.cvTasks, ...r.finalTasks]) },
    datasetVersion: datasetVersion(singleInput(ctx)),
    pipelineVersion: full.version,
  });
  if (r.plan.register !== null && ctx.registryIndex !== undefined) {
    const registry = new ModelRegistry({ store: ctx.store, root: storeRootOf(ctx), index: ctx.registryIndex });
    for (const f of report.final) {
      const model = JSON.parse(new TextDecoder().decode(await ctx.store.get(joinUri(ctx.stagePrefix, modelName(f.model))))) as ModelState;
      const cand = report.candidates.find((c) => c.id === f.candidate)!;
      const name = r.plan.models.length === 1 ? r.plan.register.name : `${r.plan.register.name}-${f.model}`;
      const rec = await registry.register({
        name,
        model,
        pipeline: full,
        params: f.params,
        metrics: cand.summary,
        datasetVersion: report.datasetVersion,
        jobId: ctx.jobId,
        stage: ctx.stage.id,
        report,
        aliases: r.plan.register.aliases,
        task: report.task,
        label: report.label,
        ...(report.classes === undefined ? {} : { classes: report.classes }),
        features: full.features,
      });
      f.registry = { name: rec.name, version: rec.version, id: rec.id, aliases: rec.aliases };
    }
  }
  await writeJson(ctx.store, joinUri(ctx.stagePrefix, 'report.json'), report);
  await ctx.store.put(joinUri(ctx.stagePrefix, 'report.html'), new TextEncoder().encode(renderTrainingReport(report)));
  log.info({ job: ctx.jobId, stage: ctx.stage.id, report: joinUri(ctx.stagePrefix, 'report.html') }, 'training report written');
  return report;
}

export const trainOperator: Operator = {
  name: 'train',
  summary: 'Cross-validates models (logistic, linear, ridge, gbt, mlp) with a feature pipeline refit per fold; final fit, report, registry',
  arity: { min: 1, max: 1 },
  schema: stageSchema('train', 'Trains and cross-validates models: every (candidate × fold) is a task; the feature pipeline is fitted from merged per-shard statistics.', TRAIN_PROPERTIES, ['label', 'models']),

  async plan(ctx): Promise<PhasePlan> {
    const r = replay(ctx, []);
    return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }], params: { mode: 'labels', plan: r.plan } satisfies TaskParams })) };
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const r = replay(ctx, done);
    const latest = done.reduce((a, b) => (b.phase > a.phase ? b : a));
    const mode = modeOf(r, latest);
    if (mode === 'labels') {
      const params: FoldsParams = { plan: r.plan, rows: r.rows };
      const input = singleInput(ctx);
      return { tasks: [{ inputs: input.shards.map((_, i) => ({ uri: joinUri(ctx.stagePrefix, labelsName(i)) })), params: { mode: 'folds', ...params } }] };
    }
    if (mode === 'folds' || mode === 'fit') {
      if (mode === 'fit') {
        const pass = r.fitDone - 1;
        const { pipeline: resolved } = resolveTrain(ctx);
        const previous = pass === 0 ? emptyState(perSplit(r) ? r.splits!.length : 0) : await readState(ctx.store, stateUri(ctx.stagePrefix, pass - 1));
        const parts = singleInput(ctx).shards.map((_, i) => joinUri(ctx.stagePrefix, fitPartName(pass, i)));
        await writeJson(ctx.store, stateUri(ctx.stagePrefix, pass), await mergePass(ctx.store, resolved, pass, previous, parts));
      }
      if (r.fitDone < r.passes) return fitPlan(ctx, r, r.fitDone);
      await writePipelines(ctx, r);
      return cvPlan(ctx, r);
    }
    if (mode === 'cv') {
      const pending = pendingFinals(r);
      return pending.length > 0 ? finalPlan(ctx, r, pending) : scorePlan(ctx, r);
    }
    if (mode === 'final') return scorePlan(ctx, r);
    return null;
  },

  async output(ctx, done) {
    const r = replay(ctx, done);
    const score = r.byMode.score;
    if (score === undefined) return datasetOf([], { fields: [] });
    await finishStage(ctx, r);
    return datasetOf(score.tasks.flatMap((t) => t.shards), { fields: scoreFields(r.plan, r.task!) });
  },

  stageReport(stagePrefix) {
    return { json: joinUri(stagePrefix, 'report.json'), html: joinUri(stagePrefix, 'report.html') };
  },

  kernel(input: KernelInput): KernelResult | Promise<KernelResult> {
    const p = input.task.params as TaskParams;
    switch (p.mode) {
      case 'labels':
        return labelsKernel(input, p.plan as TrainPlan);
      case 'folds':
        return foldsKernel(input, p as unknown as FoldsParams);
      case 'fit':
        return fitPassKernel(input, p as unknown as FitPassParams, (uri, bytes, columns) => shardColumns(uri, bytes, columns, null).frame);
      case 'cv':
        return cvKernel(input, p as unknown as CvParams);
      case 'final':
        return finalKernel(input, p as unknown as FinalParams);
      case 'score':
        return scoreKernel(input, p as unknown as ScoreParams);
    }
  },
};

