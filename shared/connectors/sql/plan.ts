/**
 * Planning a database source (in the coordinator): resolve the URL, learn the result's columns
 * and types from `select * from (<query>) q limit 0`, apply the declared `schema`, and split the
 * read into partitions on `partitionColumn` (see partitions.ts); one task per partition. Task
 * params carry the URL's reference, never its value: the worker resolves it again.
 */
import type { ColumnType, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import type { PlanContext, TaskPlan } from '../../operators/types.js';
import { describeSecret, resolveSecret } from '../secrets.js';
import type { SourcePlan } from '../types.js';
import { errorText } from './driver.js';
import type { SqlColumn, SqlDriver, SqlSession } from './driver.js';
import { hashPartitions, rangePartitions } from './partitions.js';
import type { Partition } from './partitions.js';
import { resolveSqlSource } from './spec.js';
import type { SqlReadParams, SqlSourceOptions } from './spec.js';

const log = logger('connector.sql');

/** A plan-time database error as a QuiverError naming the spec field to fix. */
function planError(driver: SqlDriver, err: unknown, path: string, opts: SqlSourceOptions, step: string): QuiverError {
  if (err instanceof QuiverError) return err;
  const c = driver.classify(err);
  const from = describeSecret(opts.url);
  const details = { code: c.code };
  if (c.auth) return QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.url: ${driver.product} refused the credentials (url from ${from}): ${errorText(err)}; check the user and password`, { cause: err, details });
  if (c.statement) {
    const field = opts.what === 'query' ? 'query' : 'table';
    return QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.${field}: ${driver.product} rejected it while ${step}: ${errorText(err)}`, { cause: err, details });
  }
  return new QuiverError('INPUT_INVALID', `${path}.source.url: ${driver.product} failed while ${step} (url from ${from}): ${errorText(err)}; check that the server is up and reachable from the coordinator`, {
    cause: err,
    details,
    retryable: c.retryable,
  });
}

function schemaOf(columns: readonly SqlColumn[], opts: SqlSourceOptions, path: string): SchemaDef {
  if (columns.length === 0) throw QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.${opts.what === 'query' ? 'query' : 'table'}: the result has no columns; select at least one`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.query: the result has two columns named "${c.name}"; give them distinct aliases (select a.id as a_id, b.id as b_id ...)`);
    seen.add(c.name);
  }
  const unknown = Object.keys(opts.declared).filter((n) => !seen.has(n));
  if (unknown.length > 0) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.schema: ${unknown.map((n) => `"${n}"`).join(', ')} not in the result; its columns are: ${columns.map((c) => c.name).join(', ') || '(none)'}`);
  }
  return { fields: columns.map((c) => ({ name: c.name, type: opts.declared[c.name] ?? c.type, nullable: true })) };
}

async function partitionsOf(session: SqlSession, driver: SqlDriver, opts: SqlSourceOptions, columns: readonly SqlColumn[], path: string): Promise<{ parts: Partition[]; keyIndex: number }> {
  const column = opts.partitionColumn;
  if (column === undefined) return { parts: [{ where: null, values: [], label: 'all rows' }], keyIndex: -1 };
  const keyIndex = columns.findIndex((c) => c.name === column);
  if (keyIndex < 0) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.partitionColumn: "${column}" is not a column of the result; use one of: ${columns.map((c) => c.name).join(', ')}`);
  }
  const type: ColumnType = columns[keyIndex]!.type;
  let parts: Partition[] | null = null;
  if (type === 'int' || type === 'float' || type === 'date' || type === 'timestamp') {
    const col = `q.${driver.quoteIdent(column)}`;
    const row = await session.first(`select min(${col}), max(${col}) from (${opts.query}) q`, []);
    parts = rangePartitions(driver, column, type, row?.[0] ?? null, row?.[1] ?? null, opts.partitions);
    if (parts === null) log.warn({ column, min: row?.[0], max: row?.[1] }, 'partition column values cannot be ranged; partitioning by hash instead');
  }
  return { parts: parts ?? hashPartitions(driver, column, opts.partitions), keyIndex };
}

/** Plans a database source's tasks (or, with `schemaOnly`, only its schema). */
export async function planSql(ctx: PlanContext, driver: SqlDriver, schemaOnly: boolean): Promise<SourcePlan> {
  const opts = resolveSqlSource(ctx.stage, ctx.path, ctx.shardRows, driver.quoteTable);
  const urlPath = `${ctx.path}.source.url`;
  const url = resolveSecret(opts.url, urlPath);
  let session: SqlSession;
  try {
    session = await driver.connect(url, `quiver-plan ${ctx.jobId}.${ctx.stage.id}`);
  } catch (err) {
    throw planError(driver, err, ctx.path, opts, 'connecting');
  }
  try {
    let columns: SqlColumn[];
    try {
      columns = await session.describe(opts.query);
    } catch (err) {
      throw planError(driver, err, ctx.path, opts, 'describing the result columns');
    }
    const schema = schemaOf(columns, opts, ctx.path);
    for (const c of columns) {
      if (c.note !== undefined && opts.declared[c.name] === undefined) log.warn({ stage: ctx.stage.id, column: c.name, dbType: c.dbType }, c.note);
    }
    if (schemaOnly) return { schema, tasks: [] };
    let split: { parts: Partition[]; keyIndex: number };
    try {
      split = await partitionsOf(session, driver, opts, columns, ctx.path);
    } catch (err) {
      throw planError(driver, err, ctx.path, opts, `finding the range of partitionColumn ${opts.partitionColumn ?? ''}`);
    }
    const base = `select * from (${opts.query}) q`;
    const tasks: TaskPlan[] = split.parts.map((p, i) => {
      const params: SqlReadParams = {
        kind: driver.kind,
        url: opts.url,
        urlPath,
        sql: p.where === null ? base : `${base} where ${p.where}`,
        values: p.values,
        what: opts.what,
        partition: i,
        partitions: split.parts.length,
        label: p.label,
        keyIndex: split.keyIndex,
        schema,
        fetchRows: opts.fetchRows,
        shardRows: opts.shardRows,
      };
      return { inputs: [], params };
    });
    log.info({ stage: ctx.stage.id, kind: driver.kind, what: opts.what, partitions: tasks.length, column: opts.partitionColumn }, 'planned database read');
    return { schema, tasks };
  } finally {
    await session.close();
  }
}
