/**
 * numpy's legacy `np.random.RandomState`, bit for bit, for the draws quiver needs to reproduce
 * scikit-learn's shuffled splits: MT19937 seeded with `init_genrand(seed)` (numpy's
 * `_legacy_seeding` for an int seed), `randomInterval` (numpy's masked rejection sampler
 * `random_interval`), and `shuffle`/`permutation` (Fisher–Yates from the end, as
 * `RandomState.shuffle` does for a 1-d array).
 *
 * ```ts
 * const rng = new RandomState(42);
 * rng.permutation(5); // Int32Array [1, 4, 2, 0, 3] === np.random.RandomState(42).permutation(5)
 * ```
 */
import { QuiverError } from '../../errors.js';

const N = 624;
const M = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/** The largest seed numpy accepts (`2**32 - 1`). */
export const MAX_SEED = 0xffffffff;

/** Mersenne Twister MT19937 (Matsumoto & Nishimura), 32-bit outputs. */
export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /** Seeds with `init_genrand(seed)`; `seed` must be an integer in 0..2^32-1. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw QuiverError.nonRetryable(
        'OPTION_INVALID',
        `seed: ${String(seed)} is not an integer in 0..${MAX_SEED} (numpy's RandomState range); pass such an integer`,
      );
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.mti = N;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /** The next 32-bit output (`genrand_int32`), as an unsigned number. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** numpy's legacy `RandomState` restricted to the integer draws the splitters use. */
export class RandomState {
  private readonly gen: MT19937;

  constructor(seed: number) {
    this.gen = new MT19937(seed);
  }

  /** A raw 32-bit draw (numpy `next_uint32`). */
  nextUint32(): number {
    return this.gen.nextUint32();
  }

  /**
   * A uniform integer in `[0, max]` by masked rejection: draw 32 bits, AND with the smallest
   * all-ones mask covering `max`, retry while above `max` (numpy `random_interval`).
   */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `randomInterval: max ${String(max)} must be an integer in 0..2^32-1`);
    }
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.gen.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** Shuffles `x` in place exactly as `RandomState.shuffle` shuffles a 1-d numpy array. */
  shuffle<T extends { length: number; [i: number]: number }>(x: T): T {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
    return x;
  }

  /** `RandomState.permutation(n)`: a shuffled `0..n-1`. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
