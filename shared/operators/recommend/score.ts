/**
 * The `recommend` stage's last phase, worker kernels:
 *
 *  score    a task per user partition: top-K items of every user (seen and denied items left
 *           out) as rows (user, rank, item, score), plus the ranking metrics' partial sums
 *           against the held-out interactions, for the model and for the popularity baseline
 *  similar  one task: the most similar items of every item (cosine of the item factors)
 *
 * The item factors are broadcast inputs (fetched once per worker, by content hash), and once
 * ordered for the top-K bound they are kept per thread (keyed by their hashes, or URIs): every
 * score task of a thread after the first reuses them.
 */
import { performance } from 'node:perf_hooks';
import { ColumnBuilder, tableFromBuilders } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import type { FieldDef } from '../../dataset.js';
import { scratchF32 } from '../../ml/kernels/scratch.js';
import { similarItems } from '../../ml/recs/factors.js';
import { popularLists, rankingPartial } from '../../ml/recs/ranking.js';
import type { RankingPartial } from '../../ml/recs/ranking.js';
import { prepareItems, topK } from '../../ml/recs/topk.js';
import type { PreparedItems } from '../../ml/recs/topk.js';
import { partName } from '../rowwise.js';
import type { KernelInput, KernelResult } from '../types.js';
import { readCsr, readFactors } from './als-step.js';
import { concatKeys, unpack, unpackKeys } from './packed.js';
import type { Keys } from './packed.js';
import type { RecPlan } from './spec.js';

export interface ScoreParams {
  plan: RecPlan;
  part: number;
  itemParts: number;
  itemRows: number;
}

export const SIMILAR_NAME = 'similar-items.arrow';

export function recFields(plan: RecPlan): FieldDef[] {
  return [
    { name: plan.user.name, type: plan.user.type, nullable: false },
    { name: 'rank', type: 'int', nullable: false },
    { name: plan.item.name, type: plan.item.type, nullable: false },
    { name: 'score', type: 'float', nullable: false },
  ];
}

export function similarFields(plan: RecPlan): FieldDef[] {
  return [
    { name: plan.item.name, type: plan.item.type, nullable: false },
    { name: 'rank', type: 'int', nullable: false },
    { name: `similar_${plan.item.name}`, type: plan.item.type, nullable: false },
    { name: 'similarity', type: 'float', nullable: false },
  ];
}

/** Factor objects, concatenated in partition order (thread scratch memory). */
function concatFactors(inputs: Uint8Array[], from: number, n: number, rows: number, rank: number, what: (k: number) => string, name: string): Float32Array {
  const out = scratchF32(name, rows * rank);
  let at = 0;
  for (let q = 0; q < n; q++) {
    const f = readFactors(inputs[from + q]!, what(from + q));
    out.set(f.F, at);
    at += f.F.length;
  }
  return out;
}

let prepared: { key: string; items: PreparedItems } | null = null;

function itemsOf(input: KernelInput, from: number, p: ScoreParams, what: (k: number) => string): PreparedItems {
  const key = input.task.inputs.slice(from, from + p.itemParts).map((r) => r.sha256 ?? r.uri).join('\n');
  if (prepared?.key === key) return prepared.items;
  const Y = concatFactors(input.inputs, from, p.itemParts, p.itemRows, p.plan.rank, what, 'recs.items');
  prepared = { key, items: prepareItems(Y, p.itemRows, p.plan.rank) };
  return prepared.items;
}

function keysOf(input: KernelInput, from: number, n: number, what: (k: number) => string): Keys {
  return concatKeys(Array.from({ length: n }, (_, q) => unpackKeys(input.inputs[from + q]!, what(from + q)).keys));
}

/** Item excluded by the deny list, or missing from the allow list. */
function exclusions(plan: RecPlan, itemKeys: Keys): Uint8Array | null {
  if (plan.denyItems.length === 0 && plan.allowItems === null) return null;
  const deny = new Set(plan.denyItems);
  const allow = plan.allowItems === null ? null : new Set(plan.allowItems);
  return Uint8Array.from({ length: itemKeys.length }, (_, i) => {
    const k = String(itemKeys[i]);
    return deny.has(k) || (allow !== null && !allow.has(k)) ? 1 : 0;
  });
}

/** Item indices by interaction count, most first (ties: lower index first). */
function byPopularity(input: KernelInput, from: number, n: number, items: number, what: (k: number) => string): Int32Array {
  const counts = new Int32Array(items);
  let at = 0;
  for (let q = 0; q < n; q++) {
    const c = unpack(input.inputs[from + q]!, what(from + q)).arrays[0] as Int32Array;
    counts.set(c, at);
    at += c.length;
  }
  return Int32Array.from({ length: items }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
}

function partialJson(p: RankingPartial): Record<string, unknown> {
  return { ...p, recommended: Buffer.from(p.recommended).toString('base64') };
}

/**
 * Inputs: [own factors, item factors…, own seen CSR, own index, item indexes…, item
 * popularity…, own held-out CSR (when evaluating)].
 */
export function scoreKernel(input: KernelInput, p: ScoreParams): KernelResult {
  const t0 = performance.now();
  const { plan } = p;
  const Q = p.itemParts;
  const what = (k: number): string => input.task.inputs[k]?.uri ?? `input ${k}`;
  const own = unpack<{ rows: number; rank: number }>(input.inputs[0]!, what(0));
  const U = own.arrays[0] as Float32Array;
  const users = own.meta.rows;
  const items = itemsOf(input, 1, p, what);
  const seen = readCsr(input.inputs[1 + Q]!, what(1 + Q));
  const userKeys = unpackKeys(input.inputs[2 + Q]!, what(2 + Q)).keys;
  const itemKeys = keysOf(input, 3 + Q, Q, what);
  const excluded = exclusions(plan, itemKeys);
  const t1 = performance.now();
  const res = topK(items, U, users, { k: plan.k, seen: plan.excludeSeen ? seen : null, excluded });
  const t2 = performance.now();
  const fields = recFields(plan);
  const builders = fields.map((f) => new ColumnBuilder(f.type, users * plan.k));
  let rows = 0;
  for (let u = 0; u < users; u++) {
    for (let j = 0; j < plan.k; j++) {
      const item = res.items[u * plan.k + j]!;
      if (item < 0) break;
      builders[0]!.append(userKeys[u]!);
      builders[1]!.append(j + 1);
      builders[2]!.append(itemKeys[item]!);
      builders[3]!.append(res.scores[u * plan.k + j]!);
      rows++;
    }
  }
  const stats: Record<string, unknown> = {
    rowsIn: 0, rowsOut: rows, quarantined: 0, recPhase: 'score', part: p.part, users, tilesScored: res.tilesScored, tilesTotal: res.tilesTotal,
    prepareSeconds: (t1 - t0) / 1000, topKSeconds: (t2 - t1) / 1000,
  };
  if (plan.heldOut) {
    const held = readCsr(input.inputs[3 + 2 * Q + Q]!, what(3 + 3 * Q));
    const popular = popularLists(byPopularity(input, 3 + 2 * Q, Q, p.itemRows, what), users, plan.k, plan.excludeSeen ? seen : null, excluded);
    stats.ranking = partialJson(rankingPartial(res.items, plan.k, held, p.itemRows));
    stats.popularity = partialJson(rankingPartial(popular, plan.k, held, p.itemRows));
  }
  stats.seconds = (performance.now() - t0) / 1000;
  const table = tableFromBuilders({ fields }, builders);
  return { objects: [{ name: partName(p.part), bytes: encodeTable(table), rows }], stats: stats as KernelResult['stats'] };
}

export interface SimilarParams {
  plan: RecPlan;
  itemParts: number;
  itemRows: number;
}

/** Inputs: [item factors…, item indexes…]. */
export function similarKernel(input: KernelInput, p: SimilarParams): KernelResult {
  const { plan } = p;
  const what = (k: number): string => input.task.inputs[k]?.uri ?? `input ${k}`;
  const Y = concatFactors(input.inputs, 0, p.itemParts, p.itemRows, plan.rank, what, 'recs.items.similar');
  const keys = keysOf(input, p.itemParts, p.itemParts, what);
  const k = Math.min(plan.similarItems, Math.max(1, p.itemRows - 1));
  const res = similarItems(Y, p.itemRows, plan.rank, k);
  const fields = similarFields(plan);
  const builders = fields.map((f) => new ColumnBuilder(f.type, p.itemRows * k));
  let rows = 0;
  for (let i = 0; i < p.itemRows; i++) {
    for (let j = 0; j < k; j++) {
      const other = res.items[i * k + j]!;
      if (other < 0) break;
      builders[0]!.append(keys[i]!);
      builders[1]!.append(j + 1);
      builders[2]!.append(keys[other]!);
      builders[3]!.append(res.scores[i * k + j]!);
      rows++;
    }
  }
  return { objects: [{ name: SIMILAR_NAME, bytes: encodeTable(tableFromBuilders({ fields }, builders)), rows }], stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, recPhase: 'similar', rows } };
}
