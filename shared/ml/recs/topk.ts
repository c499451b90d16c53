/**
 * Exact top-K items per user by score u·y, skipping what cannot make the list.
 *
 * Items are ordered once by factor norm, largest first, and cut into tiles; a tile's largest norm
 * bounds every score in it by Cauchy–Schwarz (u·y ≤ ‖u‖·‖y‖). Users are scored a block at a
 * time against one tile at a time; once a user's list is full, its K-th score is a threshold,
 * and when ‖u‖ times the next tile's largest norm is below it, no later tile can enter the list
 * (norms only fall): the user is done. Within a tile, a score enters only when it beats the
 * threshold, so the list's insertion sort runs a few times per user, not once per item. Seen
 * items (the user's training interactions) and denied items never enter; with an allow list,
 * only allowed items do.
 *
 * Scores are computed in float32 by a WebAssembly SIMD kernel (shared/ml/kernels/scores.wat), 4
 * users × 64 items at a time; the kernel also reports which of the 4 users has a score in the tile
 * at or above its threshold (the block maximum), so a tile that cannot change a user's list costs
 * no JavaScript at all. Ties are broken by the lower item index, so the result equals a full sort
 * by (score desc, item asc) of the same float32 scores.
 *
 * ```ts
 * const items = prepareItems(Y, nItems, rank);
 * const out = topK(items, U, nUsers, { k: 10, seen: byUser, excluded: null });
 * out.items[u * 10 + j]; out.scores[u * 10 + j]; // −1 / −Infinity where fewer than k qualify
 * ```
 */
import { QuiverError } from '../../errors.js';
import { kernelHeap, KernelHeap, scoreKernels } from '../kernels/heap.js';
import type { Csr } from './csr.js';

/** Items per tile (the kernel's). */
export const TILE = 64;
/** Users scored together against a tile (the kernel's; each factor of the tile is read once per block). */
const USER_BLOCK = 4;
/** Slack on the Cauchy–Schwarz bound: a float32 dot of rank r may exceed the exact one by ~r·2⁻²⁴ of ‖u‖‖y‖. */
const BOUND_SLACK = 1e-4;

export interface PreparedItems {
  items: number;
  rank: number;
  /** Item index at each position (by norm, descending). */
  order: Int32Array;
  /** The factors in that order, tile by tile transposed: tile t, factor a, item j at (t·rank + a)·TILE + j (zero padded). */
  tiles: Float32Array;
  /** Per tile of TILE positions: its largest norm. */
  tileMax: Float64Array;
}

/** Orders the item factors (items × rank) by norm for {@link topK}. */
export function prepareItems(Y: Float32Array, items: number, rank: number): PreparedItems {
  if (Y.length !== items * rank) throw QuiverError.nonRetryable('INTERNAL', `prepareItems: ${Y.length} factors for ${items}×${rank}`);
  const norm = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let s = 0;
    for (let a = 0; a < rank; a++) s += Y[i * rank + a]! * Y[i * rank + a]!;
    norm[i] = Math.sqrt(s);
  }
  const order = Int32Array.from({ length: items }, (_, i) => i).sort((a, b) => norm[b]! - norm[a]! || a - b);
  const tiles = Math.ceil(items / TILE);
  const t32 = new Float32Array(tiles * rank * TILE);
  for (let p = 0; p < items; p++) {
    const o = order[p]! * rank;
    const base = Math.floor(p / TILE) * rank * TILE + (p % TILE);
    for (let a = 0; a < rank; a++) t32[base + a * TILE] = Y[o + a]!;
  }
  const tileMax = new Float64Array(tiles);
  for (let t = 0; t < tiles; t++) tileMax[t] = norm[order[t * TILE]!]!;
  return { items, rank, order, tiles: t32, tileMax };
}

export interface TopKOptions {
  k: number;
  /** Row u: the items user u has seen (never recommended to u). */
  seen: Csr | null;
  /** Per item: 1 = never recommended (deny list, or not on the allow list). */
  excluded: Uint8Array | null;
}

export interface TopKResult {
  /** users × k item indices, best first; −1 where fewer than k items qualify. */
  items: Int32Array;
  /** The matching scores; −Infinity in unused slots. */
  scores: Float32Array;
  /** Tiles scored (out of users/USER_BLOCK blocks × tiles): the work the bound saved. */
  tilesScored: number;
  tilesTotal: number;
}

/** Top-k of every row of U (users × rank). */
export function topK(it: PreparedItems, U: Float32Array, users: number, opt: TopKOptions): TopKResult {
  const { k } = opt;
  const r = it.rank;
  if (!Number.isInteger(k) || k < 1) throw QuiverError.nonRetryable('OPTION_INVALID', `k: ${k} must be an integer ≥ 1`);
  if (U.length !== users * r) throw QuiverError.nonRetryable('INTERNAL', `topK: ${U.length} user factors for ${users}×${r}`);
  if (opt.seen !== null && opt.seen.rows !== users) throw QuiverError.nonRetryable('INTERNAL', `topK: seen has ${opt.seen.rows} rows for ${users} users`);
  const items = new Int32Array(users * k).fill(-1);
  const scores = new Float32Array(users * k).fill(-Infinity);
  // The kernel's memory: the tiles, a block of users, its scores and thresholds.
  const heap = kernelHeap();
  heap.begin(KernelHeap.f32Bytes(it.tiles.length) + KernelHeap.f32Bytes(USER_BLOCK * r) + KernelHeap.f32Bytes(USER_BLOCK * TILE) + KernelHeap.f32Bytes(USER_BLOCK));
  const kTiles = heap.f32(it.tiles.length);
  kTiles.set(it.tiles);
  const ub = heap.f32(USER_BLOCK * r);
  const out = heap.f32(USER_BLOCK * TILE);
  const thr = heap.f32(USER_BLOCK);
  const kernel = scoreKernels();
  const best = new Float32Array(USER_BLOCK * k);
  const bestItem = new Int32Array(USER_BLOCK * k);
  const count = new Int32Array(USER_BLOCK);
  const unorm = new Float64Array(USER_BLOCK);
  // stamp[item] bit b: user b of the block has seen it (cleared after the block).
  const stamp = new Uint8Array(it.items);
  const nTiles = it.tileMax.length;
  let tilesScored = 0;
  const { seen, excluded } = opt;
  for (let u0 = 0; u0 < users; u0 += USER_BLOCK) {
    const nb = Math.min(USER_BLOCK, users - u0);
    count.fill(0);
    ub.fill(0);
    ub.set(U.subarray(u0 * r, (u0 + nb) * r));
    for (let b = 0; b < USER_BLOCK; b++) thr[b] = b < nb ? -Infinity : Infinity;
    for (let b = 0; b < nb; b++) {
      let s = 0;
      for (let a = 0; a < r; a++) s += U[(u0 + b) * r + a]! ** 2;
      unorm[b] = Math.sqrt(s);
      if (seen !== null) for (let q = seen.ptr[u0 + b]!; q < seen.ptr[u0 + b + 1]!; q++) stamp[seen.idx[q]!] = stamp[seen.idx[q]!]! | (1 << b);
    }
    for (let t = 0; t < nTiles; t++) {
      // A user whose list is full and whose bound cannot reach its threshold is done (later tiles have smaller norms).
      let open = 0;
      for (let b = 0; b < nb; b++) {
        if (thr[b] === Infinity) continue;
        if (count[b] === k && unorm[b]! * it.tileMax[t]! * (1 + BOUND_SLACK) < best[b * k + k - 1]!) thr[b] = Infinity;
        else open++;
      }
      if (open === 0) break;
      tilesScored++;
      const mask = kernel.score4(ub.byteOffset, r, kTiles.byteOffset + t * r * TILE * 4, out.byteOffset, thr.byteOffset);
      if (mask === 0) continue;
      const p0 = t * TILE;
      const p1 = Math.min(it.items, p0 + TILE);
      for (let b = 0; b < nb; b++) {
        if ((mask & (1 << b)) === 0) continue;
        const o = b * k;
        const ts = b * TILE;
        for (let p = p0; p < p1; p++) {
          const s = out[ts + p - p0]!;
          const full = count[b] === k;
          if (full && s < best[o + k - 1]!) continue;
          const item = it.order[p]!;
          if (full && s === best[o + k - 1]! && item > bestItem[o + k - 1]!) continue;
          if ((stamp[item]! & (1 << b)) !== 0 || (excluded !== null && excluded[item] === 1)) continue;
          // Insert (score desc, item asc), dropping the last when full.
          let j = full ? k - 1 : count[b]!;
          while (j > 0 && (best[o + j - 1]! < s || (best[o + j - 1] === s && bestItem[o + j - 1]! > item))) {
            best[o + j] = best[o + j - 1]!;
            bestItem[o + j] = bestItem[o + j - 1]!;
            j--;
          }
          best[o + j] = s;
          bestItem[o + j] = item;
          if (!full) count[b] = count[b]! + 1;
          if (count[b] === k) thr[b] = best[o + k - 1]!;
        }
      }
    }
    for (let b = 0; b < nb; b++) {
      for (let j = 0; j < count[b]!; j++) {
        items[(u0 + b) * k + j] = bestItem[b * k + j]!;
        scores[(u0 + b) * k + j] = best[b * k + j]!;
      }
      if (seen !== null) for (let q = seen.ptr[u0 + b]!; q < seen.ptr[u0 + b + 1]!; q++) stamp[seen.idx[q]!] = 0;
    }
  }
  return { items, scores, tilesScored, tilesTotal: Math.ceil(users / USER_BLOCK) * nTiles };
}
