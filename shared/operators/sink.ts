/**
 * `sink`: loads the input dataset into a PostgreSQL table, in parallel and idempotently per job.
 *
 * ```yaml
 * - id: load
 *   op: sink
 *   input: clean
 *   target: { kind: postgres, url: { env: DW_URL }, table: analytics.users, mode: create }
 * ```
 *
 * Phase 0: one task per input shard COPYs its rows into a staging table of the job
 * (`quiver_staging_<hash of job, stage, target>`, next to the target), in one transaction that
 * first deletes what an earlier attempt of the same task staged (sink/load.ts). Phase 1: one
 * task moves the staged rows into the target in one transaction, records the job in
 * `quiver_loads` and drops the staging table; when `quiver_loads` already records the job, it
 * does nothing (sink/finalize.ts). So re-running any task, or the whole finalize, never
 * duplicates rows, and readers never see a half-loaded table.
 *
 * Modes: create (default) makes the table, or uses an existing one only when it has the same
 * columns (compatible types) and no rows; replace drops and recreates it in the loading
 * transaction; append adds rows, creating the table when missing. The target is checked at plan
 * time (early errors) and again inside the finalize transaction.
 *
 * The output dataset lists the rows that went into the table: the input shards themselves, or
 * for a shard with quarantined rows (text with NUL, times outside PostgreSQL's range) a copy
 * holding only the loaded rows. Stats: rowsIn, rowsOut (staged), quarantined.
 */
import { datasetOf } from '../dataset.js';
import type { ShardRef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { resolveSecret } from '../connectors/secrets.js';
import { errorText } from '../connectors/sql/driver.js';
import { closePg, connectPg } from '../connectors/sql/pg-client.js';
import { singleInput, stageSchema } from './rowwise.js';
import { sinkFinalize } from './sink/finalize.js';
import { sinkLoad } from './sink/load.js';
import { stagingName, tableName } from './sink/pg-types.js';
import { checkColumnNames, resolveSink, SINK_PROPERTIES } from './sink/spec.js';
import type { SinkFinalizeParams, SinkLoadParams, SinkOptions, SinkParams } from './sink/spec.js';
import { loadedRows, targetProblem } from './sink/target.js';
import type { Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

export type { SinkMode, SinkStage, SinkTarget } from './sink/spec.js';

function baseParams(ctx: PlanContext, opts: SinkOptions): Omit<SinkLoadParams, 'step' | 'batchRows'> {
  const name = tableName(opts.table);
  return {
    url: opts.url,
    urlPath: opts.urlPath,
    table: opts.table,
    mode: opts.mode,
    staging: stagingName(ctx.jobId, ctx.stage.id, name.display),
    schema: singleInput(ctx).schema,
    jobId: ctx.jobId,
    stageId: ctx.stage.id,
  };
}

function finalizeTask(ctx: PlanContext, opts: SinkOptions, stagedRows: number): PhasePlan {
  const params: SinkFinalizeParams = { ...baseParams(ctx, opts), step: 'finalize', stagedRows };
  return { tasks: [{ inputs: [], params }] };
}

/** Plan-time check of the target (the finalize step checks again, authoritatively). */
async function checkTarget(ctx: PlanContext, opts: SinkOptions): Promise<void> {
  const url = resolveSecret(opts.url, opts.urlPath);
  const name = tableName(opts.table);
  let client;
  try {
    client = await connectPg(url, `quiver-plan ${ctx.jobId}.${ctx.stage.id}`);
  } catch (err) {
    throw new QuiverError('INPUT_INVALID', `${opts.urlPath}: cannot connect to PostgreSQL: ${errorText(err)}; check that the server is up and reachable from the coordinator`, { cause: err, retryable: true });
  }
  try {
    if ((await loadedRows(client, name, ctx.jobId, ctx.stage.id)) !== null) return;
    const problem = await targetProblem(client, name, singleInput(ctx).schema, opts.mode);
    if (problem !== null) throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.target.table: ${problem}`);
  } catch (err) {
    if (err instanceof QuiverError) throw err;
    throw new QuiverError('INPUT_INVALID', `${ctx.path}.target: PostgreSQL failed while checking table ${name.display}: ${errorText(err)}`, { cause: err, retryable: true });
  } finally {
    await closePg(client);
  }
}

/** True once a finalize phase has run. */
function finalized(ctx: PlanContext, done: readonly PhaseOutcome[]): boolean {
  return done.length >= 2 || (done.length === 1 && singleInput(ctx).shards.length === 0);
}

export const sinkOperator: Operator = {
  name: 'sink',
  summary: 'load the input into a PostgreSQL table: parallel COPY into per-job staging, then one transaction; idempotent per job',
  arity: { min: 1, max: 1 },
  schema: stageSchema('sink', 'Loads the input dataset into a database table, idempotently per job.', SINK_PROPERTIES, ['target']),

  async plan(ctx) {
    const opts = resolveSink(ctx.stage, ctx.path);
    const input = singleInput(ctx);
    checkColumnNames(input.schema, ctx.path);
    await checkTarget(ctx, opts);
    if (input.shards.length === 0) return finalizeTask(ctx, opts, 0);
    const params: SinkLoadParams = { ...baseParams(ctx, opts), step: 'load', batchRows: opts.batchRows };
    return { tasks: input.shards.map((s) => ({ inputs: [{ uri: s.uri }], params })) };
  },

  async next(ctx, done) {
    if (finalized(ctx, done)) return null;
    const loads = done.find((p) => p.phase === 0)?.tasks ?? [];
    const staged = loads.reduce((n, t) => n + Number(t.stats.staged ?? 0), 0);
    return finalizeTask(ctx, resolveSink(ctx.stage, ctx.path), staged);
  },

  async output(ctx, done) {
    const input = singleInput(ctx);
    const loads = input.shards.length === 0 ? [] : (done.find((p) => p.phase === 0)?.tasks ?? []);
    const shards: ShardRef[] = loads.flatMap((t, i) => (t.shards.length > 0 ? t.shards : input.shards[i] === undefined ? [] : [input.shards[i]]));
    return datasetOf(shards, input.schema);
  },

  async kernel(input) {
    const p = input.task.params as SinkParams | null;
    if (p?.step === 'load') return sinkLoad(input, p);
    if (p?.step === 'finalize') return sinkFinalize(input, p);
    throw QuiverError.nonRetryable('INTERNAL', `sink task ${input.task.id} has malformed parameters; re-plan the job with a matching quiver version`);
  },
};
