/**
 * The z-score rule's moments: count, mean and M2 per shard (Welford), merged exactly across
 * shards (Chan et al.), from shared/quality/moments.ts; the rule divides by the population
 * standard deviation (ddof 0, as scipy.stats.zscore), unlike the quality report's sample std.
 *
 * ```ts
 * const all = mergeMoments(momentsOf([1, 2]), momentsOf([3, 4]));
 * stdOf(all); // population std of 1..4
 * ```
 */
import type { Moments } from '../../quality/moments.js';

export { EMPTY_MOMENTS as NO_MOMENTS, mergeMoments, momentsOf } from '../../quality/moments.js';
export type { Moments };

/** Population standard deviation (ddof 0); 0 for fewer than 2 values. */
export function stdOf(m: Moments): number {
  return m.n < 2 ? 0 : Math.sqrt(Math.max(0, m.m2) / m.n);
}
