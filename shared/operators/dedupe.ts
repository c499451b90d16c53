/**
 * `dedupe`: drops duplicate rows across all shards, exact (every column) or by key columns.
 *
 * ```yaml
 * - id: customers
 *   op: dedupe
 *   input: raw_customers
 *   by: [customer_id]     # default: all columns (exact duplicate rows)
 *   keep: first           # or last; in dataset order (shard, then row)
 *   partitions: 4         # optional: tasks of the key exchange
 * ```
 *
 * Three phases (./dedupe/kernels.ts): keys hash-partitioned per shard → per partition, which
 * occurrences go → each shard rewritten without them, in its own row order. Duplicates are not
 * quarantined: the rewrite phase counts them as `deduplicated` (the job's records add them up:
 * in = out + quarantined + filtered + deduplicated) and the quality section lists examples.
 * The output depends only on the input and `keep`, never on the partitions or the workers.
 */
import { datasetOf } from '../dataset.js';
import type { QualitySection } from '../quality/types.js';
import { dedupeKernel, EXAMPLES_PER_SHARD } from './dedupe/kernels.js';
import type { DuplicateExample } from './dedupe/kernels.js';
import { DEDUPE_PROPERTIES, parseDropsUri, parseKeysUri, resolveDedupe } from './dedupe/spec.js';
import type { DedupePlan } from './dedupe/spec.js';
import { singleInput, stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

/** Examples listed in the quality section. */
const MAX_EXAMPLES = 10;

function planOf(ctx: PlanContext): DedupePlan {
  const input = singleInput(ctx);
  return resolveDedupe(ctx, input.schema, input.shards.length);
}

const phaseOf = (done: readonly PhaseOutcome[], n: number): PhaseOutcome | undefined => done.find((p) => p.phase === n);

function examplesOf(ctx: PlanContext, plan: DedupePlan, rewrite: PhaseOutcome | undefined): string[] {
  const uris = singleInput(ctx).shards.map((s) => s.uri);
  const where = (shard: number, row: number): string => `${uris[shard] ?? `shard ${shard}`} row ${row + 1}`;
  const all = (rewrite?.tasks ?? []).flatMap((t) => (Array.isArray(t.stats.examples) ? (t.stats.examples as DuplicateExample[]) : []));
  return all.slice(0, MAX_EXAMPLES).map((e) => {
    const key = plan.allColumns ? e.values : Object.fromEntries(plan.by.map((c) => [c, e.values[c] ?? null]));
    return `${where(e.shard, e.row)} ${JSON.stringify(key)} dropped: duplicate of ${where(e.keptShard, e.keptRow)}`;
  });
}

export const dedupeOperator: Operator = {
  name: 'dedupe',
  summary: 'Drops duplicate rows (exact, or by key columns) across all shards, keeping the first or last occurrence',
  arity: { min: 1, max: 1 },
  schema: stageSchema('dedupe', 'Drops duplicate rows across all shards: exact duplicates, or rows with equal key columns; keeps the first or last occurrence in dataset order.', DEDUPE_PROPERTIES, []),

  async plan(ctx): Promise<PhasePlan> {
    const plan = planOf(ctx);
    const outputPrefix = `${ctx.stagePrefix}keys/`;
    return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }], params: plan, outputPrefix })) };
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const plan = planOf(ctx);
    const shards = singleInput(ctx).shards;
    if (phaseOf(done, 2) !== undefined) return null;
    const decide = phaseOf(done, 1);
    if (decide === undefined) {
      const keys = phaseOf(done, 0);
      const inputs: { uri: string }[][] = Array.from({ length: plan.partitions }, () => []);
      // Tasks in index (= shard) order, so each partition lists its keys in dataset order.
      for (const task of keys?.tasks ?? []) {
        for (const s of task.shards) {
          const at = parseKeysUri(s.uri);
          if (at !== undefined && at.partition < plan.partitions) inputs[at.partition]!.push({ uri: s.uri });
        }
      }
      const outputPrefix = `${ctx.stagePrefix}drops/`;
      return { tasks: inputs.map((uris) => ({ inputs: uris, params: plan, outputPrefix })) };
    }
    const drops: { uri: string }[][] = shards.map(() => []);
    for (const task of decide.tasks) {
      for (const s of task.shards) {
        const at = parseDropsUri(s.uri);
        if (at !== undefined) drops[at.shard]?.push({ uri: s.uri });
      }
    }
    return { tasks: shards.map((s, i) => ({ inputs: [{ uri: s.uri }, ...drops[i]!], params: plan })) };
  },

  async output(ctx, done) {
    const rewrite = phaseOf(done, 2);
    return datasetOf(rewrite?.tasks.flatMap((t) => t.shards) ?? [], planOf(ctx).schema);
  },

  quality(ctx, done): QualitySection {
    const plan = planOf(ctx);
    const rewrite = phaseOf(done, 2);
    const sum = (k: string): number => (rewrite?.tasks ?? []).reduce((n, t) => n + Number(t.stats[k] ?? 0), 0);
    const deduplicated = sum('deduplicated');
    const key = plan.allColumns ? 'all columns (exact duplicate rows)' : plan.by.join(', ');
    const notes = examplesOf(ctx, plan, rewrite);
    if (deduplicated > notes.length) notes.push(`… ${deduplicated - notes.length} more (up to ${EXAMPLES_PER_SHARD} examples per shard are kept)`);
    return {
      stage: ctx.stage.id,
      op: 'dedupe',
      title: `Deduplication (${ctx.stage.id})`,
      rowsIn: sum('rowsIn'),
      rowsOut: sum('rowsOut'),
      quarantined: 0,
      deduplicated,
      actions: [{ step: 'dedupe', changed: deduplicated, detail: `rows dropped as duplicates by ${key}; kept the ${plan.keep} occurrence in dataset order` }],
      notes,
    };
  },

  kernel(input: KernelInput): KernelResult {
    return dedupeKernel(input);
  },
};
