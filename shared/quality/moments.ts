/**
 * Count, mean and sum of squared deviations (M2) of a set of numbers: accumulated with
 * Welford's update inside a shard and merged across shards with Chan et al.'s pairwise
 * formula, which is exact in real arithmetic (and numerically stable in floating point).
 *
 * ```ts
 * const a = momentsOf([1, 2, 3]);
 * const all = mergeMoments(a, momentsOf([4, 5]));
 * stdOf(all); // sample standard deviation of 1..5
 * ```
 */

export interface Moments {
  n: number;
  mean: number;
  /** Σ (x - mean)². */
  m2: number;
}

export const EMPTY_MOMENTS: Readonly<Moments> = Object.freeze({ n: 0, mean: 0, m2: 0 });

/** Welford's update: adds one value in place. */
export function addMoment(m: Moments, x: number): void {
  m.n++;
  const d = x - m.mean;
  m.mean += d / m.n;
  m.m2 += d * (x - m.mean);
}

export function momentsOf(values: Iterable<number>): Moments {
  const m: Moments = { ...EMPTY_MOMENTS };
  for (const x of values) addMoment(m, x);
  return m;
}

/** Chan et al.: the moments of the union of two disjoint sets. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  return { n, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n };
}

/** Sample standard deviation (n - 1 in the denominator, as pandas' describe); null below 2 values. */
export function stdOf(m: Moments): number | null {
  return m.n < 2 ? null : Math.sqrt(Math.max(0, m.m2) / (m.n - 1));
}
