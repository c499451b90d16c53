/**
 * Gradient quantization (LightGBM's "quantized training"): each row's gradient g and hessian h
 * are scaled to [−Q, Q] and [0, Q] and rounded stochastically (unbiased: E[round(x)] = x), then
 * packed into one float64 integer `gq·S + hq`. Histogram bins sum packed values with a single
 * add per row; because every sum is an integer below 2⁵³ it is exact, decodes back into
 * (Σgq, Σhq) as `floor(P / S)` and `P − Gq·S`, and sibling subtraction is exact too. Q is the
 * largest power of two (≤ 2¹⁵) that keeps n rows' sums within 2⁵³: 512 at 100k rows, 64 at 1M,
 * 4 (LightGBM's default) near 10M. Leaf values are computed from the unquantized g and h.
 *
 * ```ts
 * const q = quantizeLevels(n);
 * const { sg, sh } = quantize(g, h, n, q, noise, iteration, packed);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { mulberry32 } from '../../prng.js';

export interface Levels {
  /** Gradients round to integers in [−Q−1, Q], hessians in [0, Q]. */
  Q: number;
  /** Packing base (a power of two): above any sum of hq over n rows. */
  S: number;
}

/** Smallest quantization accepted (LightGBM's default of 4 levels): bounds the rows per fit. */
const MIN_LEVEL_BITS = 2;
const MAX_LEVEL_BITS = 15;

export function quantizeLevels(n: number): Levels {
  for (let k = MAX_LEVEL_BITS; k >= MIN_LEVEL_BITS; k--) {
    const Q = 2 ** k;
    const bound = (Q + 1) * n + 1;
    const S = 2 ** Math.ceil(Math.log2(bound));
    if (bound * S <= 2 ** 53) return { Q, S };
  }
  throw QuiverError.nonRetryable('INPUT_INVALID', `gbt: ${n} training rows are more than one fit can sum exactly; subsample the rows (about 10 million at most)`);
}

/** Uniform [0, 1) noise for stochastic rounding: a fixed table read from a seeded offset per tree. */
export class RoundingNoise {
  static readonly SIZE = 1 << 16;
  readonly table = new Float64Array(RoundingNoise.SIZE);
  private readonly rand: () => number;

  constructor(seed: number) {
    const r = mulberry32(seed ^ 0x5bd1e995);
    for (let i = 0; i < RoundingNoise.SIZE; i++) this.table[i] = r();
    this.rand = mulberry32(seed ^ 0x27d4eb2f);
  }

  offset(): number {
    return Math.floor(this.rand() * RoundingNoise.SIZE);
  }
}

/**
 * Packs g and h of n rows into `packed`; returns the scales (g ≈ gq·sg, h ≈ hq·sh).
 * Every h must be ≥ 0.
 */
export function quantize(
  g: Float64Array, h: Float64Array, n: number, levels: Levels, noise: RoundingNoise, packed: Float64Array,
): { sg: number; sh: number } {
  const { Q, S } = levels;
  let maxG = 0;
  let maxH = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(g[i]!);
    if (a > maxG) maxG = a;
    if (h[i]! > maxH) maxH = h[i]!;
  }
  const invG = maxG > 0 ? Q / maxG : 0;
  const invH = maxH > 0 ? Q / maxH : 0;
  const U = noise.table;
  const mask = RoundingNoise.SIZE - 1;
  const og = noise.offset();
  const oh = noise.offset();
  for (let i = 0; i < n; i++) {
    const gq = Math.floor(g[i]! * invG + U[(og + i) & mask]!);
    const hq = Math.floor(h[i]! * invH + U[(oh + i) & mask]!);
    packed[i] = gq * S + hq;
  }
  return { sg: maxG > 0 ? maxG / Q : 1, sh: maxH > 0 ? maxH / Q : 1 };
}
