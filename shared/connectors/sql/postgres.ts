/**
 * The `postgres` source connector: the rows of a PostgreSQL query or table, read in parallel
 * partitions, each through a server-side cursor (pg-cursor) in batches of `fetchRows`.
 *
 * ```yaml
 * - id: users
 *   op: ingest
 *   source: { kind: postgres, url: { env: CRM_URL }, table: public.users, partitionColumn: id, partitions: 8 }
 * ```
 *
 * See plan.ts (partitions, schema) and read.ts (the worker half) for what the tasks do.
 */
import Cursor from 'pg-cursor';
import type pg from 'pg';
import type { SourceConnector } from '../types.js';
import type { SqlColumn, SqlDriver, SqlSession, TextRow } from './driver.js';
import { classifyPg, closePg, connectPg, RAW_TYPES } from './pg-client.js';
import { planSql } from './plan.js';
import { readSql } from './read.js';
import { sqlSourceSchema, tableParts } from './spec.js';
import { pgColumnType } from './types-map.js';

/** `"name"` with embedded quotes doubled. */
export function pgQuoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

class PgSession implements SqlSession {
  constructor(private readonly client: pg.Client) {}

  async describe(query: string): Promise<SqlColumn[]> {
    const res = await this.client.query({ text: `select * from (${query}) q limit 0`, rowMode: 'array', types: RAW_TYPES });
    return res.fields.map((f) => ({ name: f.name, ...pgColumnType(f.dataTypeID) }));
  }

  async first(sql: string, values: readonly string[]): Promise<TextRow | undefined> {
    const res = await this.client.query<TextRow>({ text: sql, values: [...values], rowMode: 'array', types: RAW_TYPES });
    return res.rows[0];
  }

  async stream(sql: string, values: readonly string[], fetchRows: number, onBatch: (rows: TextRow[]) => void): Promise<void> {
    const cursor = this.client.query(new Cursor<TextRow>(sql, [...values], { rowMode: 'array', types: RAW_TYPES }));
    for (;;) {
      // On an error the cursor is left alone: closing it waits for a server that may be gone;
      // the session's close() ends the whole connection instead.
      const rows = await cursor.read(fetchRows);
      if (rows.length === 0) break;
      onBatch(rows);
    }
    await cursor.close();
  }

  close(): Promise<void> {
    return closePg(this.client);
  }
}

export const postgresDriver: SqlDriver = {
  kind: 'postgres',
  product: 'PostgreSQL',
  quoteIdent: pgQuoteIdent,
  quoteTable: (name, path) => tableParts(name, path).map(pgQuoteIdent).join('.'),
  placeholder: (n) => `$${n}`,
  hashCondition: (column, buckets, bucket) => `coalesce(abs(hashtext(${column}::text)::bigint) % ${buckets}, 0) = ${bucket}`,
  async connect(url, appName) {
    return new PgSession(await connectPg(url, appName));
  },
  classify: classifyPg,
};

export const postgresConnector: SourceConnector = {
  kind: 'postgres',
  summary: 'a PostgreSQL query or table, read in parallel key-range or hash partitions through server-side cursors',
  schema: sqlSourceSchema('postgres', 'PostgreSQL'),
  plan: (ctx, schemaOnly) => planSql(ctx, postgresDriver, schemaOnly),
  read: (input) => readSql(postgresDriver, input),
};
