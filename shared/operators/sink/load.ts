/**
 * The sink's load step (phase 0, one task per input shard): COPY the shard's rows into the
 * job's staging table, in one transaction that first deletes the rows an earlier attempt of the
 * same task left there, so a retried task replaces its rows instead of adding to them. A task
 * of a job that has already been loaded (a late redelivery) writes nothing.
 *
 * Outputs: none when every row was staged; otherwise `part-<task>.arrow` (the rows staged, so
 * the stage's dataset lists exactly what went into the table) and `quarantine-<task>.ndjson`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import type { Table } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { decodeTable, encodeTable } from '../../arrow/ipc.js';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { readColumnValues } from '../../expr/index.js';
import { encodeQuarantine } from '../../formats/quarantine.js';
import { resolveSecret } from '../../connectors/secrets.js';
import { closePg, connectPg } from '../../connectors/sql/pg-client.js';
import { pgQuoteIdent } from '../../connectors/sql/postgres.js';
import { checkShardColumns } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { CopyEncoder } from './copy.js';
import { sinkDbError } from './db-error.js';
import { stagingColumnsSql, tableName, TASK_COLUMN } from './pg-types.js';
import { loadedRows } from './target.js';
import type { SinkLoadParams } from './spec.js';

const pad = (n: number): string => String(n).padStart(5, '0');

/** The rows of `table` at `kept`, as a shard of the stage's schema. */
function keptShard(table: Table, schema: SchemaDef, kept: readonly number[]): Uint8Array {
  const shardSchema: SchemaDef = { fields: schema.fields.map((f) => ({ ...f, nullable: true })) };
  const builders = schema.fields.map((f) => {
    const values: Value[] = readColumnValues(table, f.name);
    const b = new ColumnBuilder(f.type, kept.length);
    for (const r of kept) b.append(values[r] ?? null);
    return b;
  });
  return encodeTable(tableFromBuilders(shardSchema, builders));
}

async function createStaging(client: pg.Client, staging: string, schema: SchemaDef): Promise<void> {
  await client.query('begin');
  try {
    // Tasks start together: serialize CREATE TABLE IF NOT EXISTS, which can collide otherwise.
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`quiver-staging:${staging}`]);
    await client.query(`create table if not exists ${staging} (${stagingColumnsSql(schema.fields)})`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

async function copyIntoStaging(client: pg.Client, staging: string, schema: SchemaDef, task: number, encoder: CopyEncoder): Promise<void> {
  const columns = [TASK_COLUMN, ...schema.fields.map((f) => f.name)].map(pgQuoteIdent).join(', ');
  await client.query('begin');
  try {
    await client.query(`delete from ${staging} where ${pgQuoteIdent(TASK_COLUMN)} = $1`, [task]);
    await pipeline(Readable.from(encoder.chunks()), client.query(copyFrom(`copy ${staging} (${columns}) from stdin`)));
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

export async function sinkLoad({ task, inputs }: KernelInput, p: SinkLoadParams): Promise<KernelResult> {
  const bytes = inputs[0];
  const uri = task.inputs[0]?.uri ?? '';
  if (bytes === undefined) throw QuiverError.nonRetryable('INTERNAL', `sink task ${task.id} has no input bytes`);
  const table = decodeTable(bytes, `shard ${uri}`);
  checkShardColumns(table, p.schema.fields, { task, inputs });
  const encoder = new CopyEncoder(table, p.schema, { task: task.index, batchRows: p.batchRows, source: uri });
  const name = tableName(p.table);
  const staging = `${name.schemaPrefix}${pgQuoteIdent(p.staging)}`;
  const url = resolveSecret(p.url, p.urlPath);
  let client: pg.Client;
  try {
    client = await connectPg(url, `quiver-sink ${task.id}`);
  } catch (err) {
    throw sinkDbError(err, `connecting to load shard ${uri}`, p.urlPath, p.url);
  }
  let alreadyLoaded = false;
  try {
    alreadyLoaded = (await loadedRows(client, name, p.jobId, p.stageId)) !== null;
    if (alreadyLoaded) {
      for (const chunk of encoder.chunks()) void chunk; // counts the rows the first run staged
    } else {
      await createStaging(client, staging, p.schema);
      await copyIntoStaging(client, staging, p.schema, task.index, encoder);
    }
  } catch (err) {
    throw sinkDbError(err, `loading shard ${uri} into staging table ${p.staging}`, p.urlPath, p.url);
  } finally {
    await closePg(client);
  }
  const objects: KernelObject[] = [];
  if (encoder.quarantine.length > 0) {
    objects.push({ name: `part-${pad(task.index)}.arrow`, bytes: keptShard(table, p.schema, encoder.kept), rows: encoder.rowsOut });
    objects.push({ name: `quarantine-${pad(task.index)}.ndjson`, bytes: encodeQuarantine(encoder.quarantine), rows: encoder.quarantine.length, kind: 'quarantine' });
  }
  return { objects, stats: { rowsIn: encoder.rowsIn, rowsOut: encoder.rowsOut, quarantined: encoder.quarantine.length, staged: encoder.rowsOut, alreadyLoaded } };
}
