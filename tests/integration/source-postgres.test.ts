/**
 * The `postgres` source against a real PostgreSQL: partitioned reads of 200k generated rows
 * (key ranges on int, date and timestamp columns; hash buckets on text) checked row for row by
 * count and order-independent checksums against the database's own; type mapping; quarantine;
 * spec errors; a connection terminated mid-read (pg_terminate_backend), retried to the exact
 * rows or failing with a clear retryable error; and a job through the CLI in local mode.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isRetryable } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { lastJson, quiver } from '../e2e/cluster.js';
import { checksumOf, PG_SKIP_REASON, postgresOrSkip, runWithRetries, terminateReads } from '../helpers/postgres.js';
import { readRows, runStage } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const pg = await postgresOrSkip();
const ROWS = 200_000;

describe('postgres source', { skip: pg === undefined ? PG_SKIP_REASON : false }, () => {
  let dir: TempDir;
  let big: string;
  const envName = `QUIVER_TEST_PG_URL_${process.pid}`;

  before(async () => {
    dir = await tempDir('quiver-pg-source');
    process.env[envName] = pg!.url;
    big = pg!.table('src_big');
    await pg!.query(`create table "${big}" as
      select i::bigint as id, (i % 97)::int as grp, (i / 4.0)::float8 as v,
             case when i % 10 = 0 then null else 'name-' || (i % 1000) end as name,
             (i % 3 = 0) as flag,
             timestamp '2020-01-01' + i * interval '1 minute' + (i % 1000) * interval '1 millisecond' as ts,
             date '2000-01-01' + (i % 5000) as d
        from generate_series(1, ${ROWS}) i`);
    await pg!.query(`alter table "${big}" add primary key (id)`);
  });
  after(async () => {
    delete process.env[envName];
    await pg?.cleanup();
    await dir?.cleanup();
  });

  /** The database's own count and checksums over `where`. */
  async function dbChecksum(where = 'true'): Promise<Record<string, string>> {
    const [r] = await pg!.query<Record<string, string>>(`select count(*)::text as n, sum(id)::text as id, sum(grp)::text as grp, sum(v * 4)::bigint::text as v4,
        count(name)::text as names, coalesce(sum(length(name)), 0)::text as namelen, sum(case when flag then 1 else 0 end)::text as flags,
        sum((extract(epoch from ts) * 1000)::bigint)::text as ts, sum(d - date '1970-01-01')::text as days, sum(id * grp)::text as idgrp
      from "${big}" where ${where}`);
    return r!;
  }

  function stage(source: Record<string, unknown>, shardRows = 10_000): StageSpec {
    return { id: 'src', op: 'ingest', source: { kind: 'postgres', url: { env: envName }, ...source }, shardRows };
  }

  test('a table read in 8 key-range partitions: exact count and checksums, bounded shards, no secret in params', async () => {
    const run = await runStage(ingestOperator, stage({ table: big, partitionColumn: 'id', partitions: 8, fetchRows: 5000 }), [], join(dir.path, 'range'));
    const tasks = run.phases[0]!.tasks;
    assert.equal(tasks.length, 8);
    assert.equal(run.output.rows, ROWS);
    assert.deepEqual(checksumOf(await readRows(run.output)), await dbChecksum());
    // 25,000 rows per partition → shards of 10,000, 10,000 and 5,000 rows.
    assert.equal(run.output.shards.length, 24);
    assert.ok(run.output.shards.every((s) => s.rows <= 10_000));
    assert.match(run.output.shards[4]!.uri, /part-00001-0001\.arrow$/);
    assert.deepEqual(
      run.output.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`),
      ['id:int:false', 'grp:int:false', 'v:float:false', 'name:string:true', 'flag:bool:false', 'ts:timestamp:false', 'd:date:false'],
    );
    const params = JSON.stringify((await ingestOperator.plan(run.ctx)).tasks.map((t) => t.params));
    assert.ok(!params.includes('postgres://'), 'task params hold the env reference, not the URL');
    assert.ok(params.includes(envName));
    assert.deepEqual(tasks.map((t) => t.stats.rowsIn), Array(8).fill(25_000));
  });

  test('partitions by hash on text, by timestamp and by date range give the same rows as the database', async () => {
    const query = `select * from "${big}" where grp < 50`;
    const expected = await dbChecksum('grp < 50');
    for (const [column, partitions] of [['name', 5], ['ts', 6], ['d', 7]] as const) {
      const run = await runStage(ingestOperator, stage({ query, partitionColumn: column, partitions }), [], join(dir.path, `by-${column}`));
      assert.equal(run.phases[0]!.tasks.length, partitions, column);
      assert.deepEqual(checksumOf(await readRows(run.output)), expected, `partitioned by ${column}`);
    }
  });

  test('no partition column: one task; fewer distinct keys than partitions: fewer tasks', async () => {
    const one = await runStage(ingestOperator, stage({ query: `select * from "${big}" where id <= 1000;` }), [], join(dir.path, 'one'));
    assert.equal(one.phases[0]!.tasks.length, 1);
    assert.equal(one.output.rows, 1000);
    const few = await runStage(ingestOperator, stage({ query: `select * from "${big}" where id <= 3`, partitionColumn: 'id', partitions: 8 }), [], join(dir.path, 'few'));
    assert.equal(few.phases[0]!.tasks.length, 3);
    assert.deepEqual((await readRows(few.output)).map((r) => r.id).sort(), [1, 2, 3]);
  });

  test('database types map to quiver types with exact values', async () => {
    const query = `select 1::int2 as i2, 2::int4 as i4, 9007199254740991::int8 as i8, 1.5::float4 as f4, 0.1::float8 as f8, 12.25::numeric(6,2) as num,
      true as b, 'héllo'::text as t, 'v'::varchar(3) as vc, '{"a":1}'::jsonb as j, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u,
      date '2024-02-29' as d, timestamp '2024-02-29 13:14:15.678' as ts, timestamptz '2024-02-29 13:14:15.678+02' as tz,
      '\\x01ff'::bytea as by, array[1,2] as arr, null::int as n`;
    const run = await runStage(ingestOperator, stage({ query }), [], join(dir.path, 'types'));
    assert.deepEqual(run.output.schema.fields.map((f) => `${f.name}:${f.type}`), [
      'i2:int', 'i4:int', 'i8:int', 'f4:float', 'f8:float', 'num:float', 'b:bool', 't:string', 'vc:string', 'j:string', 'u:string',
      'd:date', 'ts:timestamp', 'tz:timestamp', 'by:string', 'arr:string', 'n:int',
    ]);
    const [row] = await readRows(run.output);
    assert.deepEqual(row, {
      i2: 1, i4: 2, i8: 9007199254740991, f4: 1.5, f8: 0.1, num: 12.25, b: true, t: 'héllo', vc: 'v', j: '{"a": 1}',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', d: Date.UTC(2024, 1, 29), ts: Date.UTC(2024, 1, 29, 13, 14, 15, 678),
      tz: Date.UTC(2024, 1, 29, 11, 14, 15, 678), by: '\\x01ff', arr: '{1,2}', n: null,
    } satisfies Row);
  });

  test('values that do not fit their type are quarantined with reason and key; the rest are kept', async () => {
    const t = pg!.table('src_bad');
    await pg!.query(`create table "${t}" as select i as id, case when i % 100 = 0 then 'x' || i else i::text end as code,
      case when i = 501 then 9007199254740993 else i end::bigint as big, case when i = 7 then 'infinity'::timestamp else timestamp '2024-01-01' end as ts
      from generate_series(1, 1000) i`);
    const run = await runStage(ingestOperator, stage({ table: t, partitionColumn: 'id', partitions: 3, schema: { code: 'int' } }), [], join(dir.path, 'bad'));
    const stats = run.phases[0]!.tasks.map((x) => x.stats);
    const sum = (k: string): number => stats.reduce((n, s) => n + Number(s[k]), 0);
    assert.deepEqual([sum('rowsIn'), sum('rowsOut'), sum('quarantined')], [1000, 988, 12]);
    assert.equal(run.output.rows, 988);
    const records = (await Promise.all(run.phases[0]!.tasks.flatMap((x) => x.quarantine).map(async (q) => decodeQuarantine(await readFile(q.uri))))).flat();
    const reasons = records.map((r) => r.reason).sort();
    assert.equal(reasons.length, 12);
    assert.ok(reasons.includes('column "big" (int): "9007199254740993" is beyond ±2^53, where quiver ints stop being exact; declare the column string in source.schema to keep it; key id=501'), reasons.join('\n'));
    assert.ok(reasons.includes('column "code" (int): "x300" is not an integer; key id=300'));
    assert.ok(reasons.includes('column "ts" (timestamp): "infinity" is an infinite time, which quiver cannot hold; key id=7'));
    const r501 = records.find((r) => r.reason.endsWith('key id=501'))!;
    assert.match(r501.source, new RegExp(`^postgres table ${t} partition 2/3 \\(id >= 334 and id < 667\\)$`));
    assert.ok(r501.line >= 1 && r501.line <= 333);
    assert.equal(JSON.parse(r501.raw).big, '9007199254740993');
  });

  test('spec mistakes fail at plan time naming the field', async () => {
    const planErr = async (source: Record<string, unknown>): Promise<QuiverError> => {
      try {
        await runStage(ingestOperator, stage(source), [], join(dir.path, 'err'));
      } catch (err) {
        return err as QuiverError;
      }
      throw new Error('expected a plan error');
    };
    let e = await planErr({ table: big, partitionColumn: 'nope' });
    assert.equal(e.code, 'SPEC_INVALID');
    assert.match(e.message, /^stages\[1\]\.source\.partitionColumn: "nope" is not a column of the result; use one of: id, grp, v, name, flag, ts, d$/);
    e = await planErr({ query: 'select * from quiver_no_such_table' });
    assert.equal(e.code, 'SPEC_INVALID');
    assert.match(e.message, /^stages\[1\]\.source\.query: PostgreSQL rejected it while describing the result columns: relation "quiver_no_such_table" does not exist$/);
    e = await planErr({ table: big, schema: { idd: 'int' } });
    assert.match(e.message, /^stages\[1\]\.source\.schema: "idd" not in the result; its columns are: id, grp/);
    e = await planErr({ query: 'select 1 as a, 2 as a' });
    assert.match(e.message, /two columns named "a"/);
    e = await planErr({ table: big, url: { env: 'QUIVER_TEST_NO_SUCH_VAR' } });
    assert.match(e.message, /^stages\[1\]\.source\.url: environment variable QUIVER_TEST_NO_SUCH_VAR is not set/);
    e = await planErr({ table: big, url: 'postgres://postgres@127.0.0.1:1/test' });
    assert.equal(e.code, 'INPUT_INVALID');
    assert.match(e.message, /^stages\[1\]\.source\.url: PostgreSQL failed while connecting \(url from inline\): .*ECONNREFUSED/);
  });

  // Row 150000 sleeps 1.5 s, so the read of its partition is surely terminated mid-read.
  const slowQuery = (marker: string): string => `select * from "${big}" /* ${marker} */ where id <> 150000 or (select true from pg_sleep(1.5))`;

  test('a connection terminated mid-read fails the task retryably; the retry reads exactly the right rows', async () => {
    const marker = `drop-once-${process.pid}`;
    const killer = terminateReads(marker, { afterMs: 600, times: 1 });
    const res = await runWithRetries(ingestOperator, stage({ query: slowQuery(marker), partitionColumn: 'id', partitions: 4, fetchRows: 2000 }), join(dir.path, 'drop-once'), 3);
    assert.equal(await killer.stop(), 1);
    assert.equal(res.failures.length, 1);
    assert.equal(res.failures[0]!.code, 'SOURCE_FAILED');
    assert.ok(isRetryable(res.failures[0]));
    assert.match(res.failures[0]!.message, /^PostgreSQL connection failed while reading partition \d\/4 \(id .*\) of query after \d+ rows: terminating connection due to administrator command; the task is retried from the start$/);
    assert.equal(res.output.rows, ROWS);
    assert.deepEqual(checksumOf(await readRows(res.output)), await dbChecksum());
  });

  test('a read whose connection keeps dropping fails with a clear retryable error after its attempts', async () => {
    const marker = `drop-always-${process.pid}`;
    const killer = terminateReads(marker, { afterMs: 300 });
    await assert.rejects(
      runWithRetries(ingestOperator, stage({ query: slowQuery(marker), partitionColumn: 'id', partitions: 4 }), join(dir.path, 'drop-always'), 2),
      (err: QuiverError) => {
        assert.equal(err.code, 'SOURCE_FAILED');
        assert.equal(err.retryable, true);
        assert.match(err.message, /^PostgreSQL connection failed while reading partition 3\/4 \(id >= 100001 and id < 150001\) of query/);
        return true;
      },
    );
    assert.ok((await killer.stop()) >= 2);
  });

  test('through the CLI in local mode (url from env): the job retries a dropped read and ends with the exact rows', async () => {
    const marker = `drop-cli-${process.pid}`;
    const spec = join(dir.path, 'pg.yaml');
    const store = join(dir.path, 'store');
    await writeFile(spec, `name: pg-cli\nstages:\n  - id: src\n    op: ingest\n    source:\n      kind: postgres\n      url: { env: ${envName} }\n      query: ${JSON.stringify(slowQuery(marker))}\n      partitionColumn: id\n      partitions: 4\n    shardRows: 50000\n`);
    const killer = terminateReads(marker, { afterMs: 600, times: 1 });
    const ok = await quiver(['run', spec, '--json', '--store', store], { [envName]: pg!.url });
    assert.equal(await killer.stop(), 1);
    assert.equal(ok.code, 0, ok.stderr.slice(-3000));
    const res = lastJson(ok);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.records.in, ROWS);
    assert.equal(res.records.out, ROWS);
    assert.equal(res.stages[0]!.tasks.retries, 1);

    const always = terminateReads(marker, { afterMs: 300 });
    const failed = await quiver(['run', spec, '--json', '--store', store], { [envName]: pg!.url });
    await always.stop();
    assert.equal(failed.code, 1);
    const f = lastJson(failed);
    assert.equal(f.status, 'failed');
    assert.equal(f.errors[0]?.code, 'SOURCE_FAILED');
    assert.match(f.errors[0]?.message ?? '', /failed after \d attempt\(s\): PostgreSQL connection failed while reading partition 3\/4 .*terminating connection due to administrator command/);
  });
});
