/**
 * Text analysis shared by hashing and tfidf, matching scikit-learn's default word analyzer:
 * lowercase, tokens by the pattern `(?u)\b\w\w+\b` (runs of two or more letters, digits or
 * underscores: Python's `\w` is Unicode letters and numbers, here `[\p{L}\p{N}_]`), then word
 * n-grams joined by a space. Plus MurmurHash3 (x86, 32-bit) over UTF-8, as
 * `sklearn.utils.murmurhash3_32(token, seed=0)` computes it.
 *
 * ```ts
 * analyze('The cat sat', [1, 2]); // ['the', 'cat', 'sat', 'the cat', 'cat sat']
 * murmurhash3_32('cat');          // signed 32-bit hash
 * ```
 */

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** sklearn's `build_analyzer()` for analyzer='word' with default options and `ngram_range`. */
export function analyze(doc: string, ngram: readonly [number, number]): string[] {
  const tokens = doc.toLowerCase().match(TOKEN) ?? [];
  const [lo, hi] = ngram;
  if (hi === 1) return tokens;
  const out: string[] = lo === 1 ? [...tokens] : [];
  const n = tokens.length;
  for (let k = Math.max(lo, 2); k <= Math.min(hi, n); k++) {
    for (let i = 0; i + k <= n; i++) out.push(tokens.slice(i, i + k).join(' '));
  }
  return out;
}

const encoder = new TextEncoder();
let buf = new Uint8Array(256);

/** MurmurHash3_x86_32 of the UTF-8 bytes of `s`, as a signed 32-bit integer. */
export function murmurhash3_32(s: string, seed = 0): number {
  if (s.length * 3 > buf.length) buf = new Uint8Array(s.length * 3 + 16);
  const len = encoder.encodeInto(s, buf).written;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= buf[blocks + 2]! << 16;
    if (tail >= 2) k ^= buf[blocks + 1]! << 8;
    k ^= buf[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Column index and sign of a token, as sklearn's FeatureHasher derives them from the hash. */
export function hashSlot(h: number, n: number): { index: number; sign: number } {
  const index = h === -2147483648 ? (2147483647 - (n - 1)) % n : Math.abs(h) % n;
  return { index, sign: h >= 0 ? 1 : -1 };
}
