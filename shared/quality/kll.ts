/**
 * KLL quantile sketch (Karnin, Lang, Liberty 2016), after the authors' reference code: a stack
 * of compactors; level h holds items of weight 2^h; a full level sorts itself and promotes
 * every other item (odd or even positions, by a coin flip) to the level above. With k = 256
 * the rank error of a quantile is about 1% of n (measured in tests/unit/quality-sketch.test.ts).
 * Up to {@link KLL_EXACT_ITEMS} values the sketch holds every value (no compaction) and its
 * quantiles are exact (`exact`). Mergeable: shards sketch independently, the coordinator merges.
 * The coin flips come from a seeded PRNG, so the same input always gives the same sketch.
 *
 * ```ts
 * const s = new Kll();
 * for (const v of values) s.add(v);
 * const merged = Kll.fromJSON(a.toJSON()); merged.merge(b);
 * merged.quantile(0.5);
 * ```
 */
import { QuiverError } from '../errors.js';
import { mulberry32 } from '../prng.js';

export const KLL_K = 256;
/** Values held as they are (exact quantiles) before the first compaction. */
export const KLL_EXACT_ITEMS = 2048;
const C = 2 / 3;

/** The stored form: items per level (level h items weigh 2^h) and the count of values added. */
export interface KllState {
  k: number;
  n: number;
  levels: number[][];
}

export class Kll {
  private levels: number[][] = [[]];
  private size = 0;
  private maxSize = 0;
  /** Values added (the total weight). */
  n = 0;
  private readonly random: () => number;

  constructor(
    readonly k = KLL_K,
    seed = 0x5eed,
  ) {
    this.random = mulberry32(seed);
    this.maxSize = this.capacity(0);
  }

  /** True while the sketch holds every value added (no compaction yet). */
  get exact(): boolean {
    return this.levels.length === 1;
  }

  private capacity(h: number): number {
    const depth = this.levels.length - h - 1;
    return Math.ceil(C ** depth * this.k) + 1;
  }

  private grow(): void {
    this.levels.push([]);
    this.maxSize = 0;
    for (let h = 0; h < this.levels.length; h++) this.maxSize += this.capacity(h);
  }

  add(x: number): void {
    this.levels[0]!.push(x);
    this.size++;
    this.n++;
    if (this.size >= this.limit()) this.compress();
  }

  /** Items held before compacting: more while nothing was compacted yet (exact mode). */
  private limit(): number {
    return this.levels.length === 1 ? Math.max(this.maxSize, KLL_EXACT_ITEMS) : this.maxSize;
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h]!;
      if (level.length < this.capacity(h)) continue;
      if (h + 1 >= this.levels.length) this.grow();
      level.sort((a, b) => a - b);
      const keepOdd = this.random() < 0.5;
      // An odd item out (the smallest) stays at this level.
      const spare = level.length % 2 === 1 ? level.shift()! : undefined;
      const up = this.levels[h + 1]!;
      for (let i = keepOdd ? 1 : 0; i < level.length; i += 2) up.push(level[i]!);
      this.levels[h] = spare === undefined ? [] : [spare];
      this.size = this.levels.reduce((s, l) => s + l.length, 0);
      if (this.size < this.maxSize) break;
    }
  }

  merge(other: Kll): void {
    while (this.levels.length < other.levels.length) this.grow();
    other.levels.forEach((l, h) => {
      for (const x of l) this.levels[h]!.push(x);
    });
    this.n += other.n;
    this.size = this.levels.reduce((s, l) => s + l.length, 0);
    while (this.size >= this.limit()) this.compress();
  }

  /** Items sorted by value with their weights. */
  private weighted(): { values: number[]; weights: number[] } {
    const pairs: [number, number][] = [];
    this.levels.forEach((l, h) => {
      for (const x of l) pairs.push([x, 2 ** h]);
    });
    pairs.sort((a, b) => a[0] - b[0]);
    return { values: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]) };
  }

  /**
   * The p-quantile (nearest rank, no interpolation): the smallest value v such that at least
   * ceil(p·n) of the values are ≤ v. Null when the sketch is empty.
   */
  quantile(p: number): number | null {
    return this.quantiles([p])[0] ?? null;
  }

  quantiles(ps: readonly number[]): (number | null)[] {
    if (this.n === 0) return ps.map(() => null);
    const { values, weights } = this.weighted();
    const total = weights.reduce((s, w) => s + w, 0);
    return ps.map((p) => {
      const target = Math.max(1, Math.ceil(p * total - 1e-9));
      let cum = 0;
      for (let i = 0; i < values.length; i++) {
        cum += weights[i]!;
        if (cum >= target) return values[i]!;
      }
      return values[values.length - 1]!;
    });
  }

  toJSON(): KllState {
    return { k: this.k, n: this.n, levels: this.levels.map((l) => [...l]) };
  }

  static fromJSON(s: KllState, seed?: number): Kll {
    if (!Array.isArray(s.levels) || s.levels.length === 0 || typeof s.n !== 'number') {
      throw new QuiverError('INTERNAL', 'a stored KLL sketch is malformed; re-run the job with one quiver version');
    }
    const kll = new Kll(s.k, seed);
    while (kll.levels.length < s.levels.length) kll.grow();
    kll.levels = s.levels.map((l) => [...l]);
    kll.n = s.n;
    kll.size = kll.levels.reduce((sum, l) => sum + l.length, 0);
    return kll;
  }
}
