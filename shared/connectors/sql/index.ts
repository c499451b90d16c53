/**
 * Database source connectors: `postgres` (PostgreSQL) and `mysql` (MySQL and MariaDB), one
 * generic planner and reader (plan.ts, read.ts) over a small per-database driver seam
 * (driver.ts). See docs/sources/databases.md.
 *
 * ```yaml
 * source: { kind: postgres, url: { env: CRM_URL }, query: "select * from users", partitionColumn: id, partitions: 8 }
 * ```
 */
export { postgresConnector } from './postgres.js';
export { mysqlConnector } from './mysql.js';
export type { SqlKind, SqlReadParams, SqlSourceSpec } from './spec.js';
