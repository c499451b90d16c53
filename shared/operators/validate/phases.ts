/**
 * The validate stage's phases, planned by the coordinator from what the earlier phases
 * reported (task stats carry their `step`):
 *
 *   local rules only:      check
 *   unique / outlier:      scan → [keys + refine] → [refine]* → check
 *
 * `replay` rebuilds, deterministically from the finished phases, the merged z-score moments,
 * the state of the exact quartile search and where the duplicate files are; `nextPhase`
 * plans what is still missing.
 *
 * ```ts
 * const plan = nextPhase(ctx, validatePlan, done); // null when the check phase is done
 * ```
 */
import type { Dataset } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import type { TaskOutput } from '../../task.js';
import type { PhaseOutcome, PhasePlan, PlanContext, TaskPlan } from '../types.js';
import type { GlobalRule, GlobalStats } from './checks.js';
import type { CheckParams, RefineParams, ScanParams } from './kernels.js';
import { mergeMoments, NO_MOMENTS, stdOf } from './moments.js';
import type { Moments } from './moments.js';
import { answerCount, applyAnswer, initialState, mergeAnswers, pendingQueries, quartiles, rootQuery } from './quantiles.js';
import type { Answer, QuantileState } from './quantiles.js';
import { hasGlobalRules, hasUnique, iqrRules } from './rules.js';
import type { ValidatePlan } from './rules.js';
import { partitionOfKeys, shardOfDups } from './unique.js';
import type { KeysParams } from './unique.js';

type Step = 'scan' | 'keys' | 'refine' | 'check';

function stepOf(t: TaskOutput): Step | undefined {
  return t.stats.step as Step | undefined;
}

function tasksOf(phase: PhaseOutcome, step: Step): TaskOutput[] {
  return phase.tasks.filter((t) => stepOf(t) === step);
}

export interface Replay {
  moments: Map<number, Moments>;
  quantiles: QuantileState[];
  /** The phase whose tasks found duplicates, if it ran. */
  keysPhase: PhaseOutcome | undefined;
  checkPhase: PhaseOutcome | undefined;
  /** Refine rounds run so far. */
  rounds: number;
}

function answersOf(tasks: readonly TaskOutput[], at: number): Answer[] {
  return tasks.map((t) => {
    const a = (t.stats.answers as (Answer | null)[] | undefined)?.[at];
    if (a === undefined || a === null) throw QuiverError.nonRetryable('INTERNAL', `a validate task reported no answer ${at}`);
    return a;
  });
}

export function replay(plan: ValidatePlan, done: readonly PhaseOutcome[]): Replay {
  const out: Replay = { moments: new Map(), quantiles: [], keysPhase: undefined, checkPhase: undefined, rounds: 0 };
  const scan = done[0] === undefined ? [] : tasksOf(done[0], 'scan');
  plan.rules.forEach((rule, r) => {
    if (rule.kind !== 'outlier') return;
    out.moments.set(r, scan.reduce((m, t) => mergeMoments(m, (t.stats.moments as (Moments | null)[])[r] ?? NO_MOMENTS), NO_MOMENTS));
  });
  for (const r of iqrRules(plan)) {
    if (scan.length === 0) {
      out.quantiles.push(initialState(r, 0));
      continue;
    }
    const merged = mergeAnswers(answersOf(scan, r));
    const state = initialState(r, answerCount(merged));
    applyAnswer(state, rootQuery(r), merged);
    out.quantiles.push(state);
  }
  for (const phase of done) {
    if (tasksOf(phase, 'check').length > 0) out.checkPhase = phase;
    if (tasksOf(phase, 'keys').length > 0) out.keysPhase = phase;
    const refine = tasksOf(phase, 'refine');
    if (refine.length === 0) continue;
    out.rounds++;
    pendingQueries(out.quantiles).forEach((q, j) => {
      const merged = mergeAnswers(answersOf(refine, j));
      for (const s of out.quantiles) applyAnswer(s, q, merged);
    });
  }
  return out;
}

/** The statistics the check phase uses, from a finished replay. */
export function globalStats(plan: ValidatePlan, r: Replay): GlobalStats {
  return {
    rules: plan.rules.map((rule, k): GlobalRule | null => {
      if (rule.kind !== 'outlier') return null;
      const m = r.moments.get(k) ?? NO_MOMENTS;
      // Statistics travel as JSON, which has no Infinity: past the double range, nothing fails.
      if (rule.method === 'zscore') {
        const std = stdOf(m);
        return Number.isFinite(m.mean) && Number.isFinite(std) ? { method: 'zscore', n: m.n, mean: m.mean, std } : { method: 'zscore', n: m.n, mean: 0, std: 0 };
      }
      const q = quartiles(r.quantiles.find((s) => s.rule === k)!);
      if (q === null) return null;
      const iqr = q.q3 - q.q1;
      const clamp = (x: number): number => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, x));
      return { method: 'iqr', n: m.n, q1: q.q1, q3: q.q3, lo: clamp(q.q1 - rule.k * iqr), hi: clamp(q.q3 + rule.k * iqr) };
    }),
  };
}

function perShard(input: Dataset, params: (shard: number) => unknown, outputPrefix?: string): TaskPlan[] {
  return input.shards.map((s, i) => ({ inputs: [{ uri: s.uri }], params: params(i), ...(outputPrefix === undefined ? {} : { outputPrefix }) }));
}

function checkTasks(ctx: PlanContext, plan: ValidatePlan, input: Dataset, global: GlobalStats, keysPhase: PhaseOutcome | undefined): TaskPlan[] {
  const dups = new Map<number, string[]>();
  for (const t of keysPhase?.tasks ?? []) {
    for (const s of t.shards) {
      const shard = shardOfDups(s.uri);
      if (shard !== undefined) dups.set(shard, [...(dups.get(shard) ?? []), s.uri]);
    }
  }
  const params: CheckParams = { step: 'check', plan, global };
  return input.shards.map((s, i) => ({ inputs: [{ uri: s.uri }, ...(dups.get(i) ?? []).map((uri) => ({ uri }))], params, outputPrefix: ctx.stagePrefix }));
}

function keysTasks(ctx: PlanContext, plan: ValidatePlan, input: Dataset, scan: PhaseOutcome): TaskPlan[] {
  const byPartition: { uri: string; shard: number }[][] = Array.from({ length: plan.partitions }, () => []);
  // Scan tasks in shard order, so each keys task reads its files in shard order.
  scan.tasks.forEach((t, shard) => {
    for (const s of t.shards) {
      const p = partitionOfKeys(s.uri);
      if (p !== undefined && p < plan.partitions) byPartition[p]!.push({ uri: s.uri, shard });
    }
  });
  return byPartition.map((files, partition) => {
    const params: KeysParams = { step: 'keys', partition, sources: files.map((f) => ({ shard: f.shard, uri: input.shards[f.shard]!.uri })) };
    return { inputs: files.map((f) => ({ uri: f.uri })), params, outputPrefix: `${ctx.stagePrefix}keys/` };
  });
}

/** Phase 0. */
export function firstPhase(ctx: PlanContext, plan: ValidatePlan, input: Dataset): PhasePlan {
  if (!hasGlobalRules(plan)) return { tasks: checkTasks(ctx, plan, input, { rules: plan.rules.map(() => null) }, undefined) };
  const params: ScanParams = { step: 'scan', plan };
  return { tasks: perShard(input, () => params, `${ctx.stagePrefix}scan/`) };
}

/** The phase after `done`, or null when the check phase has run. */
export function nextPhase(ctx: PlanContext, plan: ValidatePlan, input: Dataset, done: readonly PhaseOutcome[]): PhasePlan | null {
  if (input.shards.length === 0 || !hasGlobalRules(plan)) return null;
  const r = replay(plan, done);
  if (r.checkPhase !== undefined) return null;
  const tasks: TaskPlan[] = [];
  if (hasUnique(plan) && r.keysPhase === undefined) tasks.push(...keysTasks(ctx, plan, input, done[0]!));
  const queries = pendingQueries(r.quantiles);
  if (queries.length > 0) {
    const params: RefineParams = { step: 'refine', plan, queries };
    tasks.push(...perShard(input, () => params));
  }
  if (tasks.length > 0) return { tasks };
  return { tasks: checkTasks(ctx, plan, input, globalStats(plan, r), r.keysPhase) };
}
