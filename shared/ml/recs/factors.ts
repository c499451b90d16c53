/**
 * Starting factors and item-to-item similarity.
 *
 * A row's starting factors depend only on the seed and the row's key (user or item id), not on
 * how rows are partitioned, so the same data and seed train the same model on any cluster
 * shape. Values are uniform in [0, 0.01), as the `implicit` library starts.
 *
 * ```ts
 * const Y = initialFactors(itemKeys, 64, 7);
 * const similar = similarItems(Y, nItems, 64, 10); // top 10 by cosine, the item itself excluded
 * ```
 */
import { mulberry32 } from '../../prng.js';
import type { Csr } from './csr.js';
import { prepareItems, topK } from './topk.js';
import type { TopKResult } from './topk.js';

const INIT_SCALE = 0.01;

/** 32-bit FNV-1a of a key's text, mixed with the seed. */
export function keyHash(key: string | number | bigint, seed: number): number {
  const text = String(key);
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** keys.length × rank starting factors. */
export function initialFactors(keys: ArrayLike<string | number | bigint>, rank: number, seed: number): Float32Array {
  const out = new Float32Array(keys.length * rank);
  for (let i = 0; i < keys.length; i++) {
    const rand = mulberry32(keyHash(keys[i]!, seed));
    for (let a = 0; a < rank; a++) out[i * rank + a] = rand() * INIT_SCALE;
  }
  return out;
}

/** Top-k other items by cosine similarity of their factors (items × rank). */
export function similarItems(Y: Float32Array, items: number, rank: number, k: number): TopKResult {
  const unit = new Float32Array(items * rank);
  for (let i = 0; i < items; i++) {
    let s = 0;
    for (let a = 0; a < rank; a++) s += Y[i * rank + a]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let a = 0; a < rank; a++) unit[i * rank + a] = Y[i * rank + a]! * inv;
  }
  // Each item has "seen" itself: never its own neighbour.
  const self: Csr = { rows: items, ptr: Int32Array.from({ length: items + 1 }, (_, i) => i), idx: Int32Array.from({ length: items }, (_, i) => i), val: new Float32Array(items).fill(1) };
  return topK(prepareItems(unit, items, rank), unit, items, { k, seen: self, excluded: null });
}
