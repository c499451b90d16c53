/**
 * `cleanse`: an ordered list of cleaning steps over every row, executed per shard.
 *
 * ```yaml
 * - id: clean
 *   op: cleanse
 *   input: users
 *   steps:
 *     - { trim: [name, email] }
 *     - { case: { email: lower, country: upper, name: title } }
 *     - { map: { column: country, values: { Deutschland: DE, Germany: DE, USA: US }, match: ignore-case } }
 *     - { coerce: { age: int, signup: date }, onError: quarantine }
 *     - { impute: { column: monthly_spend, strategy: median } }
 *     - { impute: { column: temp, strategy: ffill, by: device_id, order: ts } }
 *     - { clip: { column: age, min: 0, max: 120 } }
 *     - { drop: [internal_note] }
 * ```
 *
 * Phases: without mean/median/mode/ffill imputations, one apply phase (a task per shard).
 * With them, stats phases first: each task answers the coordinator's requests over its shard
 * (partial sums, value counts, histograms, last values per series: ./cleanse/stats.ts), the
 * coordinator merges them into exact values (./cleanse/tracker.ts), and the apply phase uses
 * them. Stats phases write nothing; the apply phase writes `part-<shard>.arrow` and quarantine
 * files. See docs/cleansing.md.
 */
import { datasetOf } from '../dataset.js';
import { singleInput, stageSchema } from './rowwise.js';
import { cleanseKernel } from './cleanse/kernel.js';
import type { CleanseParams } from './cleanse/kernel.js';
import { cleanseQuality } from './cleanse/quality.js';
import { CLEANSE_PROPERTIES, resolveCleanse } from './cleanse/spec.js';
import type { StatAnswer } from './cleanse/stats.js';
import { StatsTracker } from './cleanse/tracker.js';
import type { CleansePlan } from './cleanse/types.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

function planOf(ctx: PlanContext): CleansePlan {
  return resolveCleanse(ctx, singleInput(ctx).schema);
}

/** Replays the stats phases done so far; `applied` is the apply phase's outcome once it ran. */
function replay(ctx: PlanContext, done: readonly PhaseOutcome[]): { tracker: StatsTracker; applied: PhaseOutcome | undefined } {
  const tracker = new StatsTracker(planOf(ctx), singleInput(ctx).shards.length);
  for (const phase of [...done].sort((a, b) => a.phase - b.phase)) {
    const requests = tracker.requests();
    if (requests.length === 0) return { tracker, applied: phase };
    tracker.absorb(requests, phase.tasks.map((t) => (t.stats.answers ?? []) as StatAnswer[]));
  }
  return { tracker, applied: undefined };
}

function phasePlan(ctx: PlanContext, tracker: StatsTracker): PhasePlan {
  const requests = tracker.requests();
  const mode = requests.length === 0 ? 'apply' : 'stats';
  return {
    tasks: singleInput(ctx).shards.map((s, i) => {
      const params: CleanseParams = { plan: tracker.plan, mode, requests, known: tracker.known(i) };
      return { inputs: [{ uri: s.uri }], params };
    }),
  };
}

export const cleanseOperator: Operator = {
  name: 'cleanse',
  summary: 'Cleans values step by step (trim, case, map, coerce, impute, clip, drop); imputation statistics exact across shards',
  arity: { min: 1, max: 1 },
  schema: stageSchema('cleanse', 'Cleans values in ordered steps: trim, case, map spellings, coerce types, impute missing values (mean, median, mode, constant, ffill), clip, drop columns.', CLEANSE_PROPERTIES, ['steps']),

  async plan(ctx): Promise<PhasePlan> {
    return phasePlan(ctx, new StatsTracker(planOf(ctx), singleInput(ctx).shards.length));
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const { tracker, applied } = replay(ctx, done);
    return applied === undefined ? phasePlan(ctx, tracker) : null;
  },

  async output(ctx, done) {
    const { tracker, applied } = replay(ctx, done);
    return datasetOf(applied?.tasks.flatMap((t) => t.shards) ?? [], tracker.plan.output);
  },

  quality(ctx, done) {
    const { tracker, applied } = replay(ctx, done);
    return cleanseQuality(ctx.stage.id, tracker.plan, tracker, applied);
  },

  kernel(input: KernelInput): KernelResult {
    return cleanseKernel(input);
  },
};
