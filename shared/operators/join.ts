/**
 * `join`: merges two inputs by key, as a distributed hash join or a broadcast join.
 *
 * ```yaml
 * - id: customers
 *   op: join
 *   input: [crm_users, loyalty]   # [left, right]
 *   on: customer_id               # or [a, b], or { left: id, right: customer_id }
 *   how: left                     # inner (default) | left | anti
 *   strategy: auto                # auto (default) | hash | broadcast
 *   partitions: 16                # hash join tasks (default: one per 64 MiB of input)
 *   suffix: _right                # for right columns whose name a left column has
 *   duplicates: error             # right keys on several rows: error (default) | allow | first
 * ```
 *
 * Output: every left column, then the right side's non-key columns (nullable for a left
 * join; none for an anti join). Key types must match exactly (checked at plan time, with a
 * `derive` cast suggested). Null keys never match. Hash join: phase 0 partitions both sides
 * by key hash, phase 1 joins each partition (see ./join/plan.ts). Broadcast: one task per left
 * shard, each reading the whole right side. Rows come out in left order within each output
 * shard; see docs/joins.md.
 */
import { datasetOf } from '../dataset.js';
import { joinKernel } from './join/kernel.js';
import { partitionKernel } from './join/partition.js';
import { joinPhase, planFirstPhase, planJoinPhase } from './join/plan.js';
import { JOIN_SCHEMA, outputSchema, resolveJoinPlan } from './join/spec.js';
import { duplicateKeysError, joinQuality, mergeJoinStats } from './join/stats.js';
import type { MergedJoinStats } from './join/stats.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';
import type { JoinPlan } from './join/spec.js';

function statsOf(plan: JoinPlan, done: readonly PhaseOutcome[]): MergedJoinStats | null {
  const phase = done.find((p) => p.phase === joinPhase(plan));
  return phase === undefined ? null : mergeJoinStats(phase.tasks);
}

/** Throws the duplicate-key failure once the join tasks are done. */
function checkDuplicates(ctx: PlanContext, plan: JoinPlan, done: readonly PhaseOutcome[]): void {
  const stats = statsOf(plan, done);
  const err = stats === null ? null : duplicateKeysError(ctx, plan, stats);
  if (err !== null) throw err;
}

export const joinOperator: Operator = {
  name: 'join',
  summary: 'Merges two inputs by key (inner, left, anti) as a distributed hash join or a broadcast join',
  arity: { min: 2, max: 2 },
  schema: JOIN_SCHEMA,

  async plan(ctx): Promise<PhasePlan> {
    return planFirstPhase(ctx, resolveJoinPlan(ctx));
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const plan = resolveJoinPlan(ctx);
    const next = planJoinPhase(plan, done);
    if (next === null) checkDuplicates(ctx, plan, done);
    return next;
  },

  async output(ctx, done) {
    const plan = resolveJoinPlan(ctx);
    checkDuplicates(ctx, plan, done);
    const phase = done.find((p) => p.phase === joinPhase(plan));
    return datasetOf(phase === undefined ? [] : phase.tasks.flatMap((t) => t.shards), outputSchema(plan));
  },

  quality(ctx, done, output) {
    const plan = resolveJoinPlan(ctx);
    const stats = statsOf(plan, done);
    return stats === null ? null : joinQuality(ctx, plan, stats, output.rows);
  },

  kernel(input: KernelInput): KernelResult {
    const plan = (input.task.params as { plan: JoinPlan }).plan;
    return plan.strategy === 'hash' && input.task.phase === 0 ? partitionKernel(input) : joinKernel(input);
  },
};
