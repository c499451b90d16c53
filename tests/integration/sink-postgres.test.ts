/**
 * The `sink` operator against a real PostgreSQL: a 200k-row round trip (postgres source → sink →
 * count and checksums in the database), exact values of every type, idempotence (the stage run
 * twice for one job, a load task retried, the finalize repeated: no duplicates), the modes, the
 * quarantine, and a source → sink job through the CLI in local mode.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import type { QuiverError } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import { sinkOperator } from '../../shared/operators/sink.js';
import { stagingName } from '../../shared/operators/sink/pg-types.js';
import type { PhaseOutcome, PhasePlan } from '../../shared/operators/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { lastJson, quiver } from '../e2e/cluster.js';
import { PG_SKIP_REASON, postgresOrSkip } from '../helpers/postgres.js';
import { planContext, readRows, runPhase, runStage, writeShards } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const pg = await postgresOrSkip();
const ROWS = 200_000;

describe('postgres sink', { skip: pg === undefined ? PG_SKIP_REASON : false }, () => {
  let dir: TempDir;
  let source: string;
  let input: Dataset;
  const envName = `QUIVER_TEST_PG_SINK_URL_${process.pid}`;
  const targets: string[] = [];
  const newTarget = (prefix: string): string => {
    const name = pg!.table(prefix);
    targets.push(name);
    return name;
  };

  before(async () => {
    dir = await tempDir('quiver-pg-sink');
    process.env[envName] = pg!.url;
    source = pg!.table('sink_src');
    await pg!.query(`create table "${source}" as
      select i::bigint as id, (i % 97)::int as grp, (i / 4.0)::float8 as v, case when i % 10 = 0 then null else E'n\\t' || (i % 1000) end as name,
             (i % 3 = 0) as flag, timestamp '2020-01-01' + i * interval '1 minute' + (i % 1000) * interval '1 millisecond' as ts, date '2000-01-01' + (i % 5000) as d
        from generate_series(1, ${ROWS}) i`);
    const read = await runStage(ingestOperator, { id: 'src', op: 'ingest', source: { kind: 'postgres', url: { env: envName }, table: source, partitionColumn: 'id', partitions: 8 }, shardRows: 20_000 }, [], join(dir.path, 'src'));
    input = read.output;
  });
  after(async () => {
    delete process.env[envName];
    // This run's bookkeeping rows (its tables are dropped by cleanup; quiver_loads may be shared).
    await pg?.query(`delete from quiver_loads where target = any($1)`, [targets]).catch(() => undefined);
    await pg?.cleanup();
    await dir?.cleanup();
  });

  async function checksum(table: string): Promise<Record<string, string>> {
    const [r] = await pg!.query<Record<string, string>>(`select count(*)::text as n, sum(id)::text as id, sum(grp)::text as grp, sum(v * 4)::bigint::text as v4,
        count(name)::text as names, sum(length(name))::text as namelen, sum(case when flag then 1 else 0 end)::text as flags,
        sum((extract(epoch from ts) * 1000)::bigint)::text as ts, sum(d - date '1970-01-01')::text as days from "${table}"`);
    return r!;
  }

  function sinkStage(table: string, mode?: string): StageSpec {
    return { id: 'load', op: 'sink', input: 'src', target: { kind: 'postgres', url: { env: envName }, table, ...(mode === undefined ? {} : { mode }) } };
  }

  /** Runs the sink stage for `jobId` (phase by phase, like the coordinator). */
  async function runSink(stage: StageSpec, jobId: string, data: Dataset = input): Promise<{ phases: PhaseOutcome[]; output: Dataset }> {
    const ctx = { ...planContext(stage, [data], join(dir.path, jobId)), jobId };
    const phases: PhaseOutcome[] = [];
    let plan: PhasePlan | null = await sinkOperator.plan(ctx);
    while (plan !== null) {
      phases.push((await runPhase(sinkOperator, ctx, plan, phases.length)).outcome);
      plan = await sinkOperator.next!(ctx, phases);
    }
    return { phases, output: await sinkOperator.output(ctx, phases) };
  }

  const loads = async (table: string): Promise<{ job_id: string; rows: string; mode: string }[]> =>
    pg!.query(`select job_id, rows::text as rows, mode from quiver_loads where target = $1 order by loaded_at`, [table]);

  test('round trip: 200k rows from the source land in a new table with the same count and checksums', async () => {
    const target = newTarget('sink_rt');
    const run = await runSink(sinkStage(target), `rt-${process.pid}`);
    assert.equal(run.phases.length, 2);
    assert.equal(run.phases[0]!.tasks.length, input.shards.length);
    assert.equal(run.phases[1]!.tasks[0]!.stats.rowsOut, ROWS);
    assert.equal(run.output.rows, ROWS);
    assert.deepEqual(await checksum(target), await checksum(source));
    const cols = await pg!.query<{ column_name: string; data_type: string }>(`select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position`, [target]);
    assert.deepEqual(cols.map((c) => `${c.column_name}:${c.data_type}`), ['id:bigint', 'grp:bigint', 'v:double precision', 'name:text', 'flag:boolean', 'ts:timestamp with time zone', 'd:date']);
    assert.deepEqual(await loads(target), [{ job_id: `rt-${process.pid}`, rows: String(ROWS), mode: 'create' }]);
    const staging = await pg!.query(`select relname from pg_class where relname = $1`, [stagingName(`rt-${process.pid}`, 'load', target)]);
    assert.equal(staging.length, 0, 'the staging table is dropped');
  });

  test('idempotent per job: the stage run twice, a load task retried, the finalize repeated → no duplicates', async () => {
    const target = newTarget('sink_idem');
    const jobId = `idem-${process.pid}`;
    const stage = sinkStage(target);
    const ctx = { ...planContext(stage, [input], join(dir.path, jobId)), jobId };
    const plan0 = await sinkOperator.plan(ctx);
    const p0 = await runPhase(sinkOperator, ctx, plan0, 0);
    // Task 3 runs again (a redelivery after its ack was lost): it replaces its staged rows.
    const again = await runPhase(sinkOperator, ctx, { tasks: plan0.tasks.slice(0, 4) }, 0, [3]);
    assert.equal(again.outcome.tasks[3]!.stats.staged, input.shards[3]!.rows);
    const plan1 = (await sinkOperator.next!(ctx, [p0.outcome]))!;
    const f1 = await runPhase(sinkOperator, ctx, plan1, 1);
    assert.equal(f1.outcome.tasks[0]!.stats.rowsOut, ROWS);
    assert.equal(f1.outcome.tasks[0]!.stats.alreadyLoaded, false);
    // The finalize repeated: a no-op reporting what the first one loaded.
    const f2 = await runPhase(sinkOperator, ctx, plan1, 1);
    assert.deepEqual([f2.outcome.tasks[0]!.stats.rowsOut, f2.outcome.tasks[0]!.stats.alreadyLoaded], [ROWS, true]);
    // The whole stage again for the same job (plan passes: the job is recorded as loaded).
    const rerun = await runSink(stage, jobId);
    assert.ok(rerun.phases[0]!.tasks.every((t) => t.stats.alreadyLoaded === true));
    assert.equal(rerun.phases[1]!.tasks[0]!.stats.alreadyLoaded, true);
    assert.deepEqual(await checksum(target), await checksum(source));
    assert.equal((await loads(target)).length, 1);
    const leftover = await pg!.query(`select 1 from pg_class where relname = $1`, [(plan0.tasks[0]!.params as { staging: string }).staging]);
    assert.equal(leftover.length, 0, 'a late load task after the finalize recreates no staging table');
  });

  test('modes: create refuses a non-empty or different table; append adds per job; replace overwrites', async () => {
    const target = newTarget('sink_modes');
    await runSink(sinkStage(target), `m1-${process.pid}`);
    await assert.rejects(runSink(sinkStage(target), `m2-${process.pid}`), (e: QuiverError) => {
      assert.equal(e.code, 'SPEC_INVALID');
      assert.equal(e.message, `stages[1].target.table: table ${target} exists and holds rows; mode create only loads a new or empty table: use append to add rows or replace to overwrite`);
      return true;
    });
    await runSink(sinkStage(target, 'append'), `m3-${process.pid}`);
    assert.equal((await checksum(target)).n, String(2 * ROWS));
    await runSink(sinkStage(target, 'replace'), `m4-${process.pid}`);
    assert.deepEqual(await checksum(target), await checksum(source));
    assert.deepEqual((await loads(target)).map((l) => `${l.mode}:${l.rows}`), [`create:${ROWS}`, `append:${ROWS}`, `replace:${ROWS}`]);

    const other = newTarget('sink_other');
    await pg!.query(`create table "${other}" (id bigint, grp text, extra int not null)`);
    await assert.rejects(runSink(sinkStage(other), `m5-${process.pid}`), /stages\[1\]\.target\.table: table sink_other_\w+ exists and does not match the data: column "grp" is text, which cannot hold int values \(use bigint\); column "v" \(float\) is missing/);
    await assert.rejects(runSink(sinkStage(other, 'append'), `m6-${process.pid}`), /column "extra" is NOT NULL without a default, and the data has no such column/);
    const empty = newTarget('sink_empty');
    await pg!.query(`create table "${empty}" (d date, ts timestamp, flag boolean, name varchar(20), v real, grp int, id bigint primary key)`);
    const r = await runSink(sinkStage(empty), `m7-${process.pid}`);
    assert.equal(r.output.rows, ROWS);
    assert.deepEqual(await checksum(empty), await checksum(source), 'an existing empty table with compatible columns is loaded by name');
  });

  test('exact values of every type; NUL text and out-of-range times are quarantined', async () => {
    const schema: SchemaDef = { fields: [
      { name: 'i', type: 'int', nullable: true }, { name: 'f', type: 'float', nullable: true }, { name: 'b', type: 'bool', nullable: true },
      { name: 's', type: 'string', nullable: true }, { name: 't', type: 'timestamp', nullable: true }, { name: 'd', type: 'date', nullable: true },
    ] };
    const data = await writeShards(join(dir.path, 'types'), schema, [[
      { i: 9007199254740991, f: 0.1, b: true, s: 'tab\there\nnew "q" \\ é 日本', t: Date.UTC(2024, 1, 29, 13, 14, 15, 678), d: Date.UTC(2024, 1, 29) },
      { i: -5, f: Number.NaN, b: false, s: '', t: Date.UTC(1969, 11, 31, 23, 59, 59, 999), d: Date.UTC(1900, 0, 1) },
      { i: null, f: Infinity, b: null, s: null, t: Date.UTC(9999, 11, 31, 23, 59, 59, 999), d: null },
      { i: 1, f: 1, b: true, s: 'nul\0char', t: 0, d: 0 },
      { i: 2, f: 2, b: true, s: 'ok', t: -300_000_000_000_000, d: 0 },
    ]]);
    const target = newTarget('sink_types');
    const run = await runSink({ ...sinkStage(target), input: 'in' }, `types-${process.pid}`, data);
    assert.deepEqual([run.phases[0]!.tasks[0]!.stats.rowsIn, run.phases[0]!.tasks[0]!.stats.rowsOut, run.phases[0]!.tasks[0]!.stats.quarantined], [5, 3, 2]);
    const q = decodeQuarantine(await readFile(run.phases[0]!.tasks[0]!.quarantine[0]!.uri));
    assert.deepEqual(q.map((r) => [r.line, r.reason]), [
      [4, 'column "s": text holds a NUL character, which PostgreSQL text cannot store'],
      [5, "column \"t\": timestamp -300000000000000 ms is outside PostgreSQL's range (4714-11-24 BC to 294276 AD)"],
    ]);
    assert.equal(run.output.rows, 3);
    assert.deepEqual((await readRows(run.output)).map((r) => r.i), [9007199254740991, -5, null]);
    const rows = await pg!.query(`select i::text, f::text, b::text, s, to_char(t, 'YYYY-MM-DD HH24:MI:SS.MS') as t, d::text from "${target}" order by i nulls last`);
    assert.deepEqual(rows, [
      { i: '-5', f: 'NaN', b: 'false', s: '', t: '1969-12-31 23:59:59.999', d: '1900-01-01' },
      { i: '9007199254740991', f: '0.1', b: 'true', s: 'tab\there\nnew "q" \\ é 日本', t: '2024-02-29 13:14:15.678', d: '2024-02-29' },
      { i: null, f: 'Infinity', b: null, s: null, t: '9999-12-31 23:59:59.999', d: null },
    ]);
  });

  test('through the CLI in local mode: postgres source → sink, url from env', async () => {
    const target = newTarget('sink_cli');
    const spec = join(dir.path, 'sink.yaml');
    await writeFile(spec, `name: pg-to-pg\nstages:\n  - id: src\n    op: ingest\n    source: { kind: postgres, url: { env: ${envName} }, table: ${source}, partitionColumn: id, partitions: 4 }\n    shardRows: 50000\n` +
      `  - id: load\n    op: sink\n    input: src\n    target: { kind: postgres, url: { env: ${envName} }, table: ${target} }\n`);
    const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'cli-store')], { [envName]: pg!.url });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const res = lastJson(r);
    assert.equal(res.status, 'succeeded');
    assert.deepEqual([res.records.in, res.records.out, res.records.quarantined], [ROWS, ROWS, 0]);
    assert.deepEqual(await checksum(target), await checksum(source));
    assert.deepEqual((await loads(target)).map((l) => [l.job_id, l.rows]), [[res.jobId, String(ROWS)]]);
  });
});
