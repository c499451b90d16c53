/**
 * What the sink asks the target database: does the table exist and with which columns, does it
 * hold rows, has this job already loaded it (`quiver_loads`), and whether the table may take
 * the data in the stage's mode. Used at plan time (early, friendly errors) and again inside the
 * finalize transaction (authoritative).
 *
 * ```ts
 * const problem = await targetProblem(client, name, schema, 'create');   // null when fine
 * ```
 */
import type pg from 'pg';
import type { SchemaDef } from '../../dataset.js';
import { pgQuoteIdent } from '../../connectors/sql/postgres.js';
import { incompatibilities, LOADS_TABLE } from './pg-types.js';
import type { PgColumn, TableName } from './pg-types.js';
import type { SinkMode } from './spec.js';

/** The table's columns, or null when it does not exist. */
export async function tableColumns(client: pg.Client, table: TableName): Promise<PgColumn[] | null> {
  const res = await client.query<[string, string, string, string, string]>({
    text: `select a.attname, t.typname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, a.atthasdef::text
             from pg_attribute a join pg_type t on t.oid = a.atttypid
            where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    values: [table.sql],
    rowMode: 'array',
  });
  if (res.rows.length === 0) {
    const exists = await client.query<[string | null]>({ text: 'select to_regclass($1)::text', values: [table.sql], rowMode: 'array' });
    if (exists.rows[0]?.[0] === null) return null;
  }
  return res.rows.map(([name, typname, formatted, notNull, hasDefault]) => ({ name, typname, formatted, notNull: notNull === 'true', hasDefault: hasDefault === 'true' }));
}

export async function hasRows(client: pg.Client, table: TableName): Promise<boolean> {
  const res = await client.query<[string]>({ text: `select exists (select 1 from ${table.sql})::text`, rowMode: 'array' });
  return res.rows[0]?.[0] === 'true';
}

/** The bookkeeping table next to the target: `"schema".quiver_loads`. */
export function loadsTable(table: TableName): string {
  return `${table.schemaPrefix}${pgQuoteIdent(LOADS_TABLE)}`;
}

/** Creates the bookkeeping table if missing (serialized, as concurrent CREATE IF NOT EXISTS can collide). */
export async function ensureLoadsTable(client: pg.Client, table: TableName): Promise<void> {
  await client.query('begin');
  try {
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [`quiver-loads:${table.schemaPrefix}`]);
    await client.query(`create table if not exists ${loadsTable(table)} (
      job_id text not null, stage_id text not null, target text not null, mode text not null,
      rows bigint not null, loaded_at timestamptz not null default now(), primary key (job_id, stage_id, target))`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/** Rows this job's stage already loaded into the target, or null when it has not. */
export async function loadedRows(client: pg.Client, table: TableName, jobId: string, stageId: string): Promise<number | null> {
  const exists = await client.query<[string | null]>({ text: 'select to_regclass($1)::text', values: [loadsTable(table)], rowMode: 'array' });
  if (exists.rows[0]?.[0] === null) return null;
  const res = await client.query<[string]>({
    text: `select rows::text from ${loadsTable(table)} where job_id = $1 and stage_id = $2 and target = $3`,
    values: [jobId, stageId, table.display],
    rowMode: 'array',
  });
  const v = res.rows[0]?.[0];
  return v === undefined ? null : Number(v);
}

/** Why the target cannot take the data in `mode` (a sentence saying what to do), or null. */
export async function targetProblem(client: pg.Client, table: TableName, schema: SchemaDef, mode: SinkMode): Promise<string | null> {
  if (mode === 'replace') return null;
  const columns = await tableColumns(client, table);
  if (columns === null) return null;
  const problems = incompatibilities(schema.fields, columns, mode === 'create');
  if (problems.length > 0) {
    const fix = mode === 'create' ? 'use mode replace to recreate it, or append into a compatible table' : 'change the table or the data, or use mode replace';
    return `table ${table.display} exists and does not match the data: ${problems.join('; ')}; ${fix}`;
  }
  if (mode === 'create' && (await hasRows(client, table))) {
    return `table ${table.display} exists and holds rows; mode create only loads a new or empty table: use append to add rows or replace to overwrite`;
  }
  return null;
}
