/**
 * Count, mean and M2 (sum of squared deviations) of a column, computed per shard with
 * Welford's update and merged across shards with Chan et al.'s parallel formula, so the
 * z-score rule uses the exact mean and population standard deviation of the whole input.
 *
 * ```ts
 * const all = mergeMoments(momentsOf([1, 2]), momentsOf([3, 4]));
 * stdOf(all); // population std of 1..4
 * ```
 */

export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

export const NO_MOMENTS: Moments = Object.freeze({ n: 0, mean: 0, m2: 0 });

export function momentsOf(values: ArrayLike<number>): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, m2 };
}

/** Chan, Golub & LeVeque: the moments of the union of two disjoint sets. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  return { n, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n };
}

/** Population standard deviation (ddof 0, as scipy.stats.zscore); 0 for fewer than 2 values. */
export function stdOf(m: Moments): number {
  return m.n < 2 ? 0 : Math.sqrt(Math.max(0, m.m2) / m.n);
}
