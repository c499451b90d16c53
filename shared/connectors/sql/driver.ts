/**
 * The seam between the generic database source (plan.ts, read.ts) and one database product
 * (postgres.ts, mysql.ts): how to quote a name, write a placeholder or a hash bucket, open a
 * session, describe a query's columns, and stream its rows as text in batches.
 *
 * Every value crosses this seam as the server's text form (or null), so one set of converters
 * (convert.ts) decides what fits a column type, for every database alike.
 */
import type { MappedType } from './types-map.js';
import type { SqlKind } from './spec.js';

export interface SqlColumn extends MappedType {
  name: string;
}

/** One row: each column's text, or null. */
export type TextRow = (string | null)[];

export interface SqlSession {
  /** The result columns of `sql` (run with `limit 0` around it). */
  describe(query: string): Promise<SqlColumn[]>;
  /** The first row of `sql` as text. */
  first(sql: string, values: readonly string[]): Promise<TextRow | undefined>;
  /**
   * Runs `sql` through a server-side cursor (or a streamed result), handing `onBatch` up to
   * `fetchRows` rows at a time; resolves when the result is exhausted.
   */
  stream(sql: string, values: readonly string[], fetchRows: number, onBatch: (rows: TextRow[]) => void): Promise<void>;
  close(): Promise<void>;
}

/** What a driver error means for the task. */
export interface ErrorClass {
  /** The failure may pass on a later attempt: connection lost, server restarting, deadlock... */
  retryable: boolean;
  /** The database rejected the statement itself (syntax, unknown table or column, permissions). */
  statement: boolean;
  /** The server refused the credentials. */
  auth: boolean;
  /** SQLSTATE or driver code, for logs and error details. */
  code: string | undefined;
}

export interface SqlDriver {
  readonly kind: SqlKind;
  /** `PostgreSQL`, `MySQL/MariaDB`. */
  readonly product: string;
  quoteIdent(name: string): string;
  /** `name` or `schema.name`, each part quoted; errors name `path` (`stages[0].source`). */
  quoteTable(name: string, path: string): string;
  /** The `n`th (1-based) bound-value placeholder. */
  placeholder(n: number): string;
  /** A condition true for rows whose `column` (quoted) hashes to bucket `bucket` of `buckets`; null keys go to bucket 0. */
  hashCondition(column: string, buckets: number, bucket: number): string;
  /** Opens a session; `appName` shows up in the server's activity views. */
  connect(url: string, appName: string): Promise<SqlSession>;
  classify(err: unknown): ErrorClass;
}

/** The message of anything thrown, never including a connection URL (drivers do not put it in). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
