/**
 * `aggregate`: group-by aggregation as a real two-phase distributed job.
 *
 * ```yaml
 * - id: per_country
 *   op: aggregate
 *   input: orders
 *   by: [country, status]
 *   aggs:
 *     - { fn: count, as: orders }
 *     - { fn: sum, column: amount, as: revenue }
 *     - { fn: count_distinct, column: user_id, as: buyers }
 *   partitions: 8
 * ```
 *
 * Phase 0: one task per input shard writes partial states hash-partitioned into R objects.
 * Phase 1: R tasks; task r merges partition r's partials (in shard order) into final rows,
 * sorted by key within the partition. Output bytes depend only on the input and R, never on
 * the number of workers; the groups and values do not depend on R either. SQL semantics:
 * sum/mean/min/max/count(column) ignore nulls, a null key is a group, a global aggregate over
 * no rows gives one row. See ./aggregate/kernels.ts for what the record counts mean.
 */
import { datasetOf } from '../dataset.js';
import { singleInput, stageSchema } from './rowwise.js';
import { aggregatePhase0, aggregatePhase1, partitionOfUri } from './aggregate/kernels.js';
import { AGGREGATE_PROPERTIES, outputSchema, resolvePlan } from './aggregate/spec.js';
import type { AggPlan } from './aggregate/spec.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

function planOf(ctx: PlanContext): AggPlan {
  const input = singleInput(ctx);
  return resolvePlan(ctx, input.schema, input.shards.length);
}

export const aggregateOperator: Operator = {
  name: 'aggregate',
  summary: 'Group-by aggregation (sum, count, mean, min, max, count_distinct) in two distributed phases',
  arity: { min: 1, max: 1 },
  schema: stageSchema('aggregate', 'Groups rows by key columns and computes aggregates per group, exactly, in a map phase and a reduce phase.', AGGREGATE_PROPERTIES, ['aggs']),

  async plan(ctx): Promise<PhasePlan> {
    const plan = planOf(ctx);
    const outputPrefix = `${ctx.stagePrefix}partials/`;
    return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }], params: plan, outputPrefix })) };
  },

  async next(ctx, done: PhaseOutcome[]): Promise<PhasePlan | null> {
    const mapPhase = done.find((p) => p.phase === 0);
    if (mapPhase === undefined || done.some((p) => p.phase >= 1)) return null;
    const plan = planOf(ctx);
    const inputs: { uri: string }[][] = Array.from({ length: plan.partitions }, () => []);
    // Tasks in index order, so each reduce task merges partials in shard order.
    for (const task of mapPhase.tasks) {
      for (const shard of task.shards) {
        const r = partitionOfUri(shard.uri);
        if (r !== undefined && r < plan.partitions) inputs[r]!.push({ uri: shard.uri });
      }
    }
    return { tasks: inputs.map((uris) => ({ inputs: uris, params: plan })) };
  },

  async output(ctx, done) {
    const final = done.find((p) => p.phase === 1);
    return datasetOf(final === undefined ? [] : final.tasks.flatMap((t) => t.shards), outputSchema(planOf(ctx)));
  },

  kernel(input: KernelInput): KernelResult {
    return input.task.phase === 0 ? aggregatePhase0(input) : aggregatePhase1(input);
  },
};
