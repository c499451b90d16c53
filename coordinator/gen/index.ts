/**
 * Synthetic data generators behind `quiver gen`.
 *
 * ```ts
 * import { generateUsers } from './gen/index.js';
 * const { rows, bytes, seconds } = await generateUsers({ rows: 1_000_000, seed: 7, out: 'data/users.csv.gz' });
 * await generateTransactions({ users: 1_000_000, rows: 5_000_000, seed: 7, out: 'data/transactions.csv' });
 * ```
 */
export { formatFromPath, generateUsers, USER_COLUMNS } from './users.js';
export type { GenerateUsersOptions, GenerateUsersResult } from './users.js';
export { generateTransactions, TRANSACTION_COLUMNS } from './transactions.js';
export type { GenerateTransactionsOptions, GenerateTransactionsResult } from './transactions.js';
export { Rng, Weighted } from './prng.js';
