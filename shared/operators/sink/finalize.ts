/**
 * The sink's finalize step (one task after every load task): in ONE transaction, holding an
 * advisory lock on the target, it
 *  1. returns at once if `quiver_loads` already records this job and stage for the target (a
 *     retried or redelivered finalize is a no-op: nothing is loaded twice);
 *  2. checks the staging table holds exactly the rows the load tasks reported;
 *  3. prepares the target by mode (replace: drop and create; create: create, or use an existing
 *     empty table with the same columns; append: create if missing, else check its columns);
 *  4. INSERT ... SELECT the staged rows into the target (timestamps and dates converted exactly);
 *  5. records the load in `quiver_loads` and drops the staging table.
 * Readers never see a half-loaded target; a failure anywhere rolls everything back.
 */
import type pg from 'pg';
import { QuiverError } from '../../errors.js';
import { resolveSecret } from '../../connectors/secrets.js';
import { closePg, connectPg } from '../../connectors/sql/pg-client.js';
import { pgQuoteIdent } from '../../connectors/sql/postgres.js';
import type { KernelInput, KernelResult } from '../types.js';
import { sinkDbError } from './db-error.js';
import { createColumnsSql, fromStagingSql, tableName } from './pg-types.js';
import type { TableName } from './pg-types.js';
import type { SinkFinalizeParams } from './spec.js';
import { ensureLoadsTable, loadedRows, loadsTable, tableColumns, targetProblem } from './target.js';

async function exists(client: pg.Client, sql: string): Promise<boolean> {
  const res = await client.query<[string | null]>({ text: 'select to_regclass($1)::text', values: [sql], rowMode: 'array' });
  return res.rows[0]?.[0] !== null && res.rows[0]?.[0] !== undefined;
}

async function countRows(client: pg.Client, sql: string): Promise<number> {
  const res = await client.query<[string]>({ text: `select count(*)::text from ${sql}`, rowMode: 'array' });
  return Number(res.rows[0]?.[0] ?? 0);
}

/** Makes the target ready for the insert (inside the transaction); throws when it cannot take the data. */
async function prepareTarget(client: pg.Client, name: TableName, p: SinkFinalizeParams): Promise<void> {
  if (p.mode === 'replace') await client.query(`drop table if exists ${name.sql}`);
  const problem = await targetProblem(client, name, p.schema, p.mode);
  if (problem !== null) throw QuiverError.nonRetryable('INPUT_INVALID', `${p.urlPath.replace(/\.url$/, '.table')}: ${problem}`);
  if ((await tableColumns(client, name)) === null) await client.query(`create table ${name.sql} (${createColumnsSql(p.schema.fields)})`);
}

/** Inserts the staged rows; returns how many. */
async function insertStaged(client: pg.Client, name: TableName, staging: string, p: SinkFinalizeParams): Promise<number> {
  const columns = await tableColumns(client, name);
  const formatted = new Map((columns ?? []).map((c) => [c.name, c.formatted]));
  const names = p.schema.fields.map((f) => pgQuoteIdent(f.name)).join(', ');
  const values = p.schema.fields.map((f) => fromStagingSql(f, formatted.get(f.name)!)).join(', ');
  const res = await client.query(`insert into ${name.sql} (${names}) select ${values} from ${staging}`);
  return res.rowCount ?? 0;
}

export async function sinkFinalize({ task }: KernelInput, p: SinkFinalizeParams): Promise<KernelResult> {
  const name = tableName(p.table);
  const staging = `${name.schemaPrefix}${pgQuoteIdent(p.staging)}`;
  const url = resolveSecret(p.url, p.urlPath);
  let client: pg.Client;
  try {
    client = await connectPg(url, `quiver-sink ${task.id}`);
  } catch (err) {
    throw sinkDbError(err, `connecting to finalize the load of ${name.display}`, p.urlPath, p.url);
  }
  try {
    await ensureLoadsTable(client, name);
    await client.query('begin');
    try {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`quiver-sink:${name.display}`]);
      const before = await loadedRows(client, name, p.jobId, p.stageId);
      if (before !== null) {
        await client.query(`drop table if exists ${staging}`);
        await client.query('commit');
        return { objects: [], stats: { rowsIn: p.stagedRows, rowsOut: before, quarantined: 0, alreadyLoaded: true } };
      }
      const staged = (await exists(client, staging)) ? await countRows(client, staging) : 0;
      if (staged !== p.stagedRows) {
        throw QuiverError.nonRetryable(
          'INPUT_INVALID',
          `staging table ${p.staging} holds ${staged} rows but the load tasks staged ${p.stagedRows}; something else wrote to it or dropped it: run the job again`,
        );
      }
      await prepareTarget(client, name, p);
      const inserted = staged === 0 ? 0 : await insertStaged(client, name, staging, p);
      await client.query(`insert into ${loadsTable(name)} (job_id, stage_id, target, mode, rows) values ($1, $2, $3, $4, $5)`, [p.jobId, p.stageId, name.display, p.mode, inserted]);
      await client.query(`drop table if exists ${staging}`);
      await client.query('commit');
      return { objects: [], stats: { rowsIn: p.stagedRows, rowsOut: inserted, quarantined: 0, alreadyLoaded: false } };
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  } catch (err) {
    throw sinkDbError(err, `moving the staged rows into ${name.display}`, p.urlPath, p.url);
  } finally {
    await closePg(client);
  }
}
