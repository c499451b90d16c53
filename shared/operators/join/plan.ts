/**
 * How a join stage splits into tasks.
 *
 * Hash join: phase 0 has one partition task per left shard, then one per right shard, writing
 * pieces under `<stage>/partitions/`; phase 1 has one join task per partition, reading that
 * partition's left pieces (in shard order), then its right pieces (in shard order).
 * Broadcast join: one phase, one join task per left shard, reading that shard and every right
 * shard (one task with no left shard when the left side has none, so the right side is still
 * counted).
 *
 * ```ts
 * planFirstPhase(ctx, plan); // phase 0 of either strategy
 * planJoinPhase(plan, done); // phase 1 of a hash join, from phase 0's pieces
 * ```
 */
import type { Dataset } from '../../dataset.js';
import type { InputRef } from '../../task.js';
import type { PhaseOutcome, PhasePlan, PlanContext } from '../types.js';
import type { JoinParams } from './kernel.js';
import { pieceOfUri } from './partition.js';
import type { PartitionParams } from './partition.js';
import { joinInputs } from './spec.js';
import type { JoinPlan } from './spec.js';

/** The phase whose tasks are join tasks: 1 for a hash join, 0 for a broadcast join. */
export function joinPhase(plan: JoinPlan): number {
  return plan.strategy === 'hash' ? 1 : 0;
}

function broadcastPlan(plan: JoinPlan, left: Dataset, right: Dataset): PhasePlan {
  const rightInputs: InputRef[] = right.shards.map((s) => ({ uri: s.uri }));
  const params = (leftCount: number, index: number): JoinParams => ({ plan, leftCount, reportRight: index === 0 });
  if (left.shards.length === 0) return { tasks: [{ inputs: rightInputs, params: params(0, 0) }] };
  return { tasks: left.shards.map((s, i) => ({ inputs: [{ uri: s.uri }, ...rightInputs], params: params(1, i) })) };
}

export function planFirstPhase(ctx: PlanContext, plan: JoinPlan): PhasePlan {
  const { left, right } = joinInputs(ctx);
  if (plan.strategy === 'broadcast') return broadcastPlan(plan, left, right);
  const outputPrefix = `${ctx.stagePrefix}partitions/`;
  const task = (side: 'left' | 'right') => (s: { uri: string }, shard: number) => ({
    inputs: [{ uri: s.uri }],
    params: { plan, side, shard } satisfies PartitionParams,
    outputPrefix,
  });
  return { tasks: [...left.shards.map(task('left')), ...right.shards.map(task('right'))] };
}

/** Phase 1 of a hash join: task p joins partition p's pieces. */
export function planJoinPhase(plan: JoinPlan, done: readonly PhaseOutcome[]): PhasePlan | null {
  const partitioned = done.find((p) => p.phase === 0);
  if (plan.strategy !== 'hash' || partitioned === undefined || done.some((p) => p.phase >= 1)) return null;
  const pieces = { left: Array.from({ length: plan.partitions }, (): InputRef[] => []), right: Array.from({ length: plan.partitions }, (): InputRef[] => []) };
  // Tasks in index order: left shards then right shards, each in shard order.
  for (const task of partitioned.tasks) {
    for (const shard of task.shards) {
      const piece = pieceOfUri(shard.uri);
      if (piece !== undefined && piece.partition < plan.partitions) pieces[piece.side][piece.partition]!.push({ uri: shard.uri });
    }
  }
  return {
    tasks: pieces.left.map((left, p) => ({
      inputs: [...left, ...pieces.right[p]!],
      params: { plan, leftCount: left.length, reportRight: true } satisfies JoinParams,
    })),
  };
}
