/**
 * Synthetic data generators behind `quiver gen`.
 *
 * ```ts
 * import { generateUsers } from './gen/index.js';
 * const { rows, bytes, seconds } = await generateUsers({ rows: 1_000_000, seed: 7, out: 'data/users.csv.gz' });
 * ```
 */
export { formatFromPath, generateUsers, USER_COLUMNS } from './users.js';
export type { GenerateUsersOptions, GenerateUsersResult } from './users.js';
export { Rng, Weighted } from './prng.js';
