/**
 * Ranking quality of top-K lists against held-out interactions, summed per shard and merged
 * exactly (sums, counts, and a bitmap of the items recommended). Over users with at least one
 * held-out item, with binary relevance (an item is relevant when held out for that user):
 *
 *  - precision@K = hits / K
 *  - recall@K = hits / |relevant|
 *  - NDCG@K = Σ_{hit at rank j} 1/log2(j + 2) ÷ Σ_{j < min(K, |relevant|)} 1/log2(j + 2)
 *  - MAP@K: the mean of AP@K = Σ_{hit at rank j} precision@(j + 1) ÷ min(K, |relevant|)
 *  - coverage: distinct items recommended (to any user, evaluated or not) ÷ catalog items.
 *
 * ```ts
 * const part = rankingPartial(itemsOut, k, heldOut, nItems); // per shard
 * const m = rankingMetrics(mergeRanking([a, b]));              // { precision, recall, ndcg, map, coverage, users }
 * ```
 */
import type { Csr } from './csr.js';

export interface RankingPartial {
  k: number;
  items: number;
  /** Users with held-out items. */
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  /** One bit per catalog item: recommended to some user of the shard. */
  recommended: Uint8Array;
}

export interface RankingMetrics {
  k: number;
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
}

/**
 * Sums over the rows of `lists` (users × k item indices, −1 = empty slot) against `heldOut`
 * (row u: user u's held-out items, ascending).
 */
export function rankingPartial(lists: Int32Array, k: number, heldOut: Csr, items: number): RankingPartial {
  const users = lists.length / k;
  const out: RankingPartial = { k, items, users: 0, precision: 0, recall: 0, ndcg: 0, map: 0, recommended: new Uint8Array(Math.ceil(items / 8)) };
  const discount = Float64Array.from({ length: k }, (_, j) => 1 / Math.log2(j + 2));
  for (let u = 0; u < users; u++) {
    for (let j = 0; j < k; j++) {
      const item = lists[u * k + j]!;
      if (item >= 0) out.recommended[item >> 3] = out.recommended[item >> 3]! | (1 << (item & 7));
    }
    const lo = heldOut.ptr[u]!;
    const hi = heldOut.ptr[u + 1]!;
    const relevant = hi - lo;
    if (relevant === 0) continue;
    out.users++;
    let hits = 0;
    let dcg = 0;
    let ap = 0;
    for (let j = 0; j < k; j++) {
      const item = lists[u * k + j]!;
      if (item < 0 || !contains(heldOut.idx, lo, hi, item)) continue;
      hits++;
      dcg += discount[j]!;
      ap += hits / (j + 1);
    }
    let idcg = 0;
    for (let j = 0; j < Math.min(k, relevant); j++) idcg += discount[j]!;
    out.precision += hits / k;
    out.recall += hits / relevant;
    out.ndcg += dcg / idcg;
    out.map += ap / Math.min(k, relevant);
  }
  return out;
}

function contains(sorted: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

export function mergeRanking(parts: RankingPartial[]): RankingPartial {
  const first = parts[0]!;
  const out: RankingPartial = { k: first.k, items: first.items, users: 0, precision: 0, recall: 0, ndcg: 0, map: 0, recommended: new Uint8Array(first.recommended.length) };
  for (const p of parts) {
    out.users += p.users;
    out.precision += p.precision;
    out.recall += p.recall;
    out.ndcg += p.ndcg;
    out.map += p.map;
    for (let i = 0; i < out.recommended.length; i++) out.recommended[i] = out.recommended[i]! | p.recommended[i]!;
  }
  return out;
}

export function rankingMetrics(p: RankingPartial): RankingMetrics {
  let distinct = 0;
  for (const byte of p.recommended) for (let b = byte; b !== 0; b &= b - 1) distinct++;
  const mean = (s: number): number => (p.users === 0 ? 0 : s / p.users);
  return { k: p.k, users: p.users, precision: mean(p.precision), recall: mean(p.recall), ndcg: mean(p.ndcg), map: mean(p.map), coverage: p.items === 0 ? 0 : distinct / p.items };
}

/**
 * The popularity baseline: per user, the k most popular items (`byPopularity`: item indices, most
 * interactions first) the user has not seen and that are not excluded.
 */
export function popularLists(byPopularity: Int32Array, users: number, k: number, seen: Csr | null, excluded: Uint8Array | null): Int32Array {
  const out = new Int32Array(users * k).fill(-1);
  for (let u = 0; u < users; u++) {
    let j = 0;
    for (let q = 0; q < byPopularity.length && j < k; q++) {
      const item = byPopularity[q]!;
      if (excluded !== null && excluded[item] === 1) continue;
      if (seen !== null && contains(seen.idx, seen.ptr[u]!, seen.ptr[u + 1]!, item)) continue;
      out[u * k + j++] = item;
    }
  }
  return out;
}
