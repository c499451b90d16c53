/**
 * `recommend`: implicit-feedback ALS trained on the cluster, then the top K items of every user
 * (./recommend/spec.ts has the YAML). Phases, each a set of tasks:
 *
 *   0        partition  a task per input shard (interactions, then held-out interactions)
 *   1        index      a task per user partition and per item partition: sorted distinct ids
 *   2        build      a task per partition: CSR blocks, starting item factors, popularity
 *   3 + 2t   user step  a task per user partition (iteration t + 1)
 *   4 + 2t   item step  a task per item partition; it reports its part of the loss
 *   last     score      a task per user partition: top-K rows and ranking metrics; plus one
 *                       similar-items task
 *
 * Factors live in the store between steps (`factors/`), as do the Gram matrices each step sums
 * from the other side (`gram/`). The stage's output is the recommendations
 * (user, rank, item, score); `report.json` / `report.html` hold the loss per iteration, the
 * timings and the held-out metrics of the model and of the popularity baseline, which the
 * job result's stage summary repeats.
 */
import { datasetOf } from '../dataset.js';
import { logger } from '../log.js';
import { joinUri } from '../store/uri.js';
import { totalLoss } from '../ml/recs/als.js';
import { mergeRanking, rankingMetrics } from '../ml/recs/ranking.js';
import type { RankingMetrics, RankingPartial } from '../ml/recs/ranking.js';
import { stepKernel } from './recommend/als-step.js';
import type { StepParams } from './recommend/als-step.js';
import { buildKernel, csrName, factorsName, gramName, indexKernel, indexName, partitionKernel, pieceName, popularityName } from './recommend/prepare.js';
import type { BuildParams, IndexParams, PartitionParams } from './recommend/prepare.js';
import { renderRecReport } from './recommend/report.js';
import { recFields, scoreKernel, SIMILAR_NAME, similarKernel } from './recommend/score.js';
import type { ScoreParams, SimilarParams } from './recommend/score.js';
import { RECOMMEND_PROPERTIES, resolveRecommend } from './recommend/spec.js';
import type { RecPlan } from './recommend/spec.js';
import { stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext, TaskPlan } from './types.js';

const log = logger('op.recommend');

type Mode = 'partition' | 'index' | 'build' | 'step' | 'score' | 'similar';

interface Counts {
  trainShards: number;
  heldOutShards: number;
  userCounts: number[];
  itemCounts: number[];
}

function counts(ctx: PlanContext, plan: RecPlan, done: readonly PhaseOutcome[]): Counts {
  const index = done.find((p) => p.phase === 1);
  const side = (s: 'u' | 'i', n: number): number[] => {
    const out = new Array<number>(n).fill(0);
    for (const t of index?.tasks ?? []) if (t.stats.side === s) out[t.stats.part as number] = t.stats.count as number;
    return out;
  };
  return {
    trainShards: ctx.inputs[0]!.shards.length,
    heldOutShards: plan.heldOut ? ctx.inputs[1]!.shards.length : 0,
    userCounts: side('u', plan.userPartitions),
    itemCounts: side('i', plan.itemPartitions),
  };
}

const offsets = (c: number[]): number[] => c.map((_, i) => c.slice(0, i).reduce((a, b) => a + b, 0));
const sum = (c: number[]): number => c.reduce((a, b) => a + b, 0);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function uris(ctx: PlanContext, names: string[]): TaskPlan['inputs'] {
  return names.map((n) => ({ uri: joinUri(ctx.stagePrefix, n) }));
}

/**
 * Inputs that every task of a phase reads (the other side's factors and Gram matrices, the item
 * ids and popularity): each carries its content hash, so a worker fetches it once and serves its
 * later tasks from memory.
 */
function broadcast(ctx: PlanContext, done: readonly PhaseOutcome[], names: string[]): TaskPlan['inputs'] {
  const hashes = new Map<string, string>();
  for (const ph of done) for (const t of ph.tasks) for (const s of t.shards) if (s.sha256 !== undefined) hashes.set(s.uri, s.sha256);
  return uris(ctx, names).map((ref) => {
    const sha256 = hashes.get(ref.uri);
    return sha256 === undefined ? ref : { ...ref, sha256 };
  });
}

function indexPlan(ctx: PlanContext, plan: RecPlan, c: Counts): PhasePlan {
  const side = (s: 'u' | 'i', n: number): TaskPlan[] =>
    range(n).map((part) => ({ inputs: uris(ctx, range(c.trainShards).map((sh) => pieceName(s, part, sh))), params: { mode: 'index', side: s, part } satisfies IndexParams & { mode: Mode } }));
  return { tasks: [...side('u', plan.userPartitions), ...side('i', plan.itemPartitions)] };
}

function buildPlan(ctx: PlanContext, plan: RecPlan, c: Counts): PhasePlan {
  const users = range(plan.userPartitions).map((part): TaskPlan => {
    const params: BuildParams = { plan, side: 'u', part, trainPieces: c.trainShards, heldOutPieces: c.heldOutShards, otherOffsets: offsets(c.itemCounts), otherRows: sum(c.itemCounts) };
    const names = [indexName('u', part), ...range(plan.itemPartitions).map((q) => indexName('i', q)), ...range(c.trainShards).map((s) => pieceName('u', part, s)), ...range(c.heldOutShards).map((s) => pieceName('h', part, s))];
    return { inputs: uris(ctx, names), params: { mode: 'build', ...params } };
  });
  const items = range(plan.itemPartitions).map((part): TaskPlan => {
    const params: BuildParams = { plan, side: 'i', part, trainPieces: c.trainShards, heldOutPieces: 0, otherOffsets: offsets(c.userCounts), otherRows: sum(c.userCounts) };
    const names = [indexName('i', part), ...range(plan.userPartitions).map((p) => indexName('u', p)), ...range(c.trainShards).map((s) => pieceName('i', part, s))];
    return { inputs: uris(ctx, names), params: { mode: 'build', ...params } };
  });
  return { tasks: [...users, ...items] };
}

/** Phase of the user step (side u) or item step (side i) of 1-based iteration t. */
const stepPhase = (side: 'u' | 'i', t: number): number => 3 + 2 * (t - 1) + (side === 'u' ? 0 : 1);

function stepPlan(ctx: PlanContext, done: readonly PhaseOutcome[], plan: RecPlan, side: 'u' | 'i', t: number): PhasePlan {
  const other = side === 'u' ? 'i' : 'u';
  const otherParts = side === 'u' ? plan.itemPartitions : plan.userPartitions;
  // The item step of iteration t reads the users of iteration t; the user step the items of t − 1.
  const otherIteration = side === 'u' ? t - 1 : t;
  const n = side === 'u' ? plan.userPartitions : plan.itemPartitions;
  return {
    tasks: range(n).map((part) => {
      const own = side === 'u' && t === 1 ? indexName('u', part) : factorsName(side, part, t - 1);
      const shared = [...range(otherParts).map((q) => factorsName(other, q, otherIteration)), ...range(otherParts).map((q) => gramName(other, q, otherIteration))];
      const params: StepParams = { plan, side, part, iteration: t, otherParts };
      return { inputs: [...uris(ctx, [csrName(side, part)]), ...broadcast(ctx, done, shared), ...uris(ctx, [own])], params: { mode: 'step', ...params } };
    }),
  };
}

function scorePlan(ctx: PlanContext, done: readonly PhaseOutcome[], plan: RecPlan, c: Counts): PhasePlan {
  const T = plan.iterations;
  const Q = plan.itemPartitions;
  const itemRows = sum(c.itemCounts);
  const tasks: TaskPlan[] = range(plan.userPartitions).map((part) => {
    const inputs = [
      ...uris(ctx, [factorsName('u', part, T)]), ...broadcast(ctx, done, range(Q).map((q) => factorsName('i', q, T))), ...uris(ctx, [csrName('u', part), indexName('u', part)]),
      ...broadcast(ctx, done, [...range(Q).map((q) => indexName('i', q)), ...range(Q).map((q) => popularityName(q))]), ...uris(ctx, plan.heldOut ? [csrName('h', part)] : []),
    ];
    const params: ScoreParams = { plan, part, itemParts: Q, itemRows };
    return { inputs, params: { mode: 'score', ...params } };
  });
  if (plan.similarItems > 0) {
    const params: SimilarParams = { plan, itemParts: Q, itemRows };
    tasks.push({ inputs: uris(ctx, [...range(Q).map((q) => factorsName('i', q, T)), ...range(Q).map((q) => indexName('i', q))]), params: { mode: 'similar', ...params } });
  }
  return { tasks };
}

export interface RecSummary {
  users: number;
  items: number;
  interactions: number;
  quarantined: number;
  /** Per iteration: loss (the objective), loss ÷ Σ confidence over all pairs, wall seconds. */
  iterations: { iteration: number; loss: number; normalizedLoss: number; seconds: number | null }[];
  alsSecondsPerIteration: number | null;
  scoring: { users: number; seconds: number | null; usersPerSecond: number | null; flops: number; gflopsPerSecond: number | null; tilesScoredFraction: number; topKTaskSeconds: number };
  metrics: { model: RankingMetrics; popularity: RankingMetrics } | null;
  heldOut: { pairs: number; unknownUsers: number; unknownItems: number } | null;
}

function rankingOf(tasks: PhaseOutcome['tasks'], key: 'ranking' | 'popularity'): RankingMetrics {
  const parts = tasks.map((t) => t.stats[key] as Record<string, unknown>).filter((x) => x !== undefined).map((x) => ({ ...(x as unknown as RankingPartial), recommended: Uint8Array.from(Buffer.from(x.recommended as string, 'base64')) }));
  return rankingMetrics(mergeRanking(parts));
}

/** The stage's numbers from its phases' task stats and (when known) each phase's wall seconds. */
export function recSummary(plan: RecPlan, done: readonly PhaseOutcome[], phaseSeconds: (phase: number) => number | null): RecSummary {
  const at = (phase: number): PhaseOutcome['tasks'] => done.find((p) => p.phase === phase)?.tasks ?? [];
  const build = at(2);
  const users = build.filter((t) => t.stats.side === 'u').reduce((n, t) => n + (t.stats.rows as number), 0);
  const items = build.filter((t) => t.stats.side === 'i').reduce((n, t) => n + (t.stats.rows as number), 0);
  const userBuild = build.filter((t) => t.stats.side === 'u');
  const nnz = userBuild.reduce((n, t) => n + (t.stats.nnz as number), 0);
  const sumConfidence = userBuild.reduce((n, t) => n + (t.stats.sumConfidence as number), 0);
  const iterations: RecSummary['iterations'] = [];
  for (let t = 1; t <= plan.iterations; t++) {
    const u = at(stepPhase('u', t));
    const i = at(stepPhase('i', t));
    if (i.length === 0) break;
    const loss = totalLoss({
      loss: i.reduce((n, x) => n + (x.stats.loss as number), 0),
      sqNormUsers: u.reduce((n, x) => n + (x.stats.sqNorm as number), 0),
      sqNormItems: i.reduce((n, x) => n + (x.stats.sqNorm as number), 0),
      reg: plan.reg, users, items, nnz, sumConfidence,
    });
    const su = phaseSeconds(stepPhase('u', t));
    const si = phaseSeconds(stepPhase('i', t));
    iterations.push({ iteration: t, loss: loss.loss, normalizedLoss: loss.normalized, seconds: su === null || si === null ? null : su + si });
  }
  const timed = iterations.filter((x) => x.seconds !== null);
  const scorePhase = stepPhase('i', plan.iterations) + 1;
  const score = at(scorePhase).filter((t) => t.stats.recPhase === 'score');
  const scoreSeconds = phaseSeconds(scorePhase);
  const scored = score.reduce((n, t) => n + (t.stats.users as number), 0);
  const flops = 2 * scored * items * plan.rank;
  const tiles = score.reduce((n, t) => n + (t.stats.tilesScored as number), 0);
  const tilesTotal = score.reduce((n, t) => n + (t.stats.tilesTotal as number), 0);
  const held = userBuild.some((t) => t.stats.heldOutPairs !== undefined);
  return {
    users,
    items,
    interactions: nnz,
    quarantined: at(0).reduce((n, t) => n + (t.stats.quarantined as number), 0),
    iterations,
    alsSecondsPerIteration: timed.length === 0 ? null : timed.reduce((n, x) => n + x.seconds!, 0) / timed.length,
    scoring: {
      users: scored,
      seconds: scoreSeconds,
      usersPerSecond: scoreSeconds === null || scoreSeconds === 0 ? null : scored / scoreSeconds,
      flops,
      gflopsPerSecond: scoreSeconds === null || scoreSeconds === 0 ? null : flops / scoreSeconds / 1e9,
      tilesScoredFraction: tilesTotal === 0 ? 0 : tiles / tilesTotal,
      topKTaskSeconds: score.reduce((n, t) => n + (t.stats.topKSeconds as number), 0),
    },
    metrics: plan.heldOut && score.length > 0 ? { model: rankingOf(score, 'ranking'), popularity: rankingOf(score, 'popularity') } : null,
    heldOut: held ? {
      pairs: userBuild.reduce((n, t) => n + (t.stats.heldOutPairs as number), 0),
      unknownUsers: userBuild.reduce((n, t) => n + (t.stats.heldOutUnknownUsers as number), 0),
      unknownItems: userBuild.reduce((n, t) => n + (t.stats.heldOutUnknownItems as number), 0),
    } : null,
  };
}

/** Wall time of each phase as the coordinator saw it: `clock/<phase>.json` holds when it ended. */
const clockName = (phase: number): string => `clock/${phase}.json`;

async function writeClock(ctx: PlanContext, phase: number): Promise<void> {
  await ctx.store.put(joinUri(ctx.stagePrefix, clockName(phase)), new TextEncoder().encode(JSON.stringify({ phase, endedAt: Date.now() })));
}

/** When each phase ended, by phase (−1: when the stage was planned); null where unknown. */
async function readClocks(ctx: PlanContext, last: number): Promise<Map<number, number | null>> {
  const phases = range(last + 2).map((p) => p - 1);
  const ends = await Promise.all(phases.map(async (p) => {
    try {
      return (JSON.parse(new TextDecoder().decode(await ctx.store.get(joinUri(ctx.stagePrefix, clockName(p))))) as { endedAt: number }).endedAt;
    } catch {
      return null;
    }
  }));
  return new Map(phases.map((p, i) => [p, ends[i]!]));
}

export const recommendOperator: Operator = {
  name: 'recommend',
  summary: 'Implicit ALS on the cluster, then the top K items of every user (seen items excluded), held-out recall/NDCG/MAP against a popularity baseline, similar items',
  arity: { min: 1, max: 2 },
  schema: stageSchema('recommend', 'Trains implicit-feedback ALS (user and item steps as partition tasks) and scores the top K items of every user.', RECOMMEND_PROPERTIES, ['user', 'item']),

  async plan(ctx): Promise<PhasePlan> {
    const plan = resolveRecommend(ctx);
    await writeClock(ctx, -1);
    const train = ctx.inputs[0]!.shards.map((s, shard): TaskPlan => ({ inputs: [{ uri: s.uri }], params: { mode: 'partition', plan, source: 'train', shard } satisfies PartitionParams & { mode: Mode } }));
    const held = plan.heldOut ? ctx.inputs[1]!.shards.map((s, shard): TaskPlan => ({ inputs: [{ uri: s.uri }], params: { mode: 'partition', plan, source: 'heldout', shard } })) : [];
    return { tasks: [...train, ...held] };
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const plan = resolveRecommend(ctx);
    const latest = Math.max(...done.map((p) => p.phase));
    await writeClock(ctx, latest);
    const c = counts(ctx, plan, done);
    const nextPhase = latest + 1;
    if (nextPhase === 1) return indexPlan(ctx, plan, c);
    if (nextPhase === 2) return buildPlan(ctx, plan, c);
    const scorePhase = stepPhase('i', plan.iterations) + 1;
    if (latest >= 4 && latest % 2 === 0) {
      const last = recSummary(plan, done, () => null).iterations.at(-1);
      if (last !== undefined) log.info({ job: ctx.jobId, stage: ctx.stage.id, iteration: last.iteration, loss: last.loss, normalizedLoss: last.normalizedLoss }, 'als iteration done');
    }
    if (nextPhase < scorePhase) {
      const t = Math.floor((nextPhase - 3) / 2) + 1;
      return stepPlan(ctx, done, plan, nextPhase === stepPhase('u', t) ? 'u' : 'i', t);
    }
    if (nextPhase === scorePhase) return scorePlan(ctx, done, plan, c);
    return null;
  },

  async output(ctx, done) {
    const plan = resolveRecommend(ctx);
    const scorePhase = stepPhase('i', plan.iterations) + 1;
    const score = done.find((p) => p.phase === scorePhase);
    if (score === undefined) return datasetOf([], { fields: recFields(plan) });
    const clocks = await readClocks(ctx, scorePhase);
    const wall = (p: number): number | null => {
      const end = clocks.get(p) ?? null;
      const begin = clocks.get(p - 1) ?? null;
      return end === null || begin === null ? null : (end - begin) / 1000;
    };
    const summary = recSummary(plan, done, wall);
    const similar = score.tasks.find((t) => t.stats.recPhase === 'similar');
    const report = {
      kind: 'quiver-recommend-report', jobId: ctx.jobId, stage: ctx.stage.id, createdAt: new Date().toISOString(),
      params: { rank: plan.rank, reg: plan.reg, alpha: plan.alpha, iterations: plan.iterations, cgSteps: plan.cgSteps, seed: plan.seed, k: plan.k, excludeSeen: plan.excludeSeen, partitions: { users: plan.userPartitions, items: plan.itemPartitions } },
      ...summary,
      outputs: { recommendations: joinUri(ctx.stagePrefix, 'part-*.arrow'), similarItems: similar === undefined ? null : joinUri(ctx.stagePrefix, SIMILAR_NAME) },
    };
    await ctx.store.put(joinUri(ctx.stagePrefix, 'report.json'), new TextEncoder().encode(JSON.stringify(report, null, 2)));
    await ctx.store.put(joinUri(ctx.stagePrefix, 'report.html'), new TextEncoder().encode(renderRecReport(report)));
    log.info({ job: ctx.jobId, stage: ctx.stage.id, recall: summary.metrics?.model.recall, report: joinUri(ctx.stagePrefix, 'report.html') }, 'recommend report written');
    return datasetOf(score.tasks.filter((t) => t.stats.recPhase === 'score').flatMap((t) => t.shards), { fields: recFields(plan) });
  },

  resultSummary(stage, inputs, done, phaseSeconds) {
    const plan = resolveRecommend({ stage, inputs, path: `stage ${stage.id}` });
    return recSummary(plan, done, (p) => phaseSeconds[p] ?? null) as unknown as Record<string, unknown>;
  },

  stageReport(stagePrefix) {
    return { json: joinUri(stagePrefix, 'report.json'), html: joinUri(stagePrefix, 'report.html') };
  },

  kernel(input: KernelInput): KernelResult {
    const params = input.task.params as { mode: Mode };
    switch (params.mode) {
      case 'partition':
        return partitionKernel(input, params as unknown as PartitionParams);
      case 'index':
        return indexKernel(input, params as unknown as IndexParams);
      case 'build':
        return buildKernel(input, params as unknown as BuildParams);
      case 'step':
        return stepKernel(input, params as unknown as StepParams);
      case 'score':
        return scoreKernel(input, params as unknown as ScoreParams);
      case 'similar':
        return similarKernel(input, params as unknown as SimilarParams);
    }
  },
};
