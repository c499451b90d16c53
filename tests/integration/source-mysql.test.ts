/**
 * The `mysql` source against a real MariaDB/MySQL: partitioned reads of 200k generated rows
 * (key ranges and hash buckets) checked by count and order-independent checksums against the
 * database's own; type mapping; quarantine; spec errors; a connection killed mid-read (KILL),
 * retried to the exact rows or failing with a clear retryable error.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { QuiverError } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { killReads, MYSQL_SKIP_REASON, mysqlOrSkip } from '../helpers/mysql.js';
import { checksumOf, runWithRetries } from '../helpers/postgres.js';
import { readRows, runStage } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const my = await mysqlOrSkip();
const ROWS = 200_000;

describe('mysql source', { skip: my === undefined ? MYSQL_SKIP_REASON : false }, () => {
  let dir: TempDir;
  let big: string;
  const envName = `QUIVER_TEST_MYSQL_URL_${process.pid}`;

  before(async () => {
    dir = await tempDir('quiver-mysql-source');
    process.env[envName] = my!.url;
    await my!.query("set time_zone = '+00:00'");
    big = my!.table('src_big');
    await my!.query(`create table \`${big}\` (id bigint primary key, grp int not null, v double not null, name varchar(20), flag tinyint(1) not null, ts datetime(3) not null, d date not null)`);
    // MariaDB's sequence engine; on MySQL use a recursive CTE instead.
    await my!.query(`insert into \`${big}\` select seq, seq % 97, seq / 4, if(seq % 10 = 0, null, concat('name-', seq % 1000)), seq % 3 = 0,
      timestamp '2020-01-01 00:00:00' + interval seq minute + interval (seq % 1000) * 1000 microsecond, date '2000-01-01' + interval (seq % 5000) day
      from seq_1_to_${ROWS}`);
  });
  after(async () => {
    delete process.env[envName];
    await my?.cleanup();
    await dir?.cleanup();
  });

  async function dbChecksum(where = 'true'): Promise<Record<string, string>> {
    const [r] = await my!.query<Record<string, string>>(`select cast(count(*) as char) as n, cast(sum(id) as char) as id, cast(sum(grp) as char) as grp,
        cast(cast(sum(v * 4) as signed) as char) as v4, cast(count(name) as char) as names, cast(coalesce(sum(char_length(name)), 0) as char) as namelen,
        cast(sum(flag) as char) as flags, cast(cast(sum(unix_timestamp(ts) * 1000) as decimal(30, 0)) as char) as ts,
        cast(sum(datediff(d, '1970-01-01')) as char) as days, cast(sum(id * grp) as char) as idgrp
      from \`${big}\` where ${where}`);
    return r!;
  }

  function stage(source: Record<string, unknown>, shardRows = 10_000): StageSpec {
    return { id: 'src', op: 'ingest', source: { kind: 'mysql', url: { env: envName }, ...source }, shardRows };
  }

  test('a table read in 8 key-range partitions: exact count and checksums', async () => {
    const run = await runStage(ingestOperator, stage({ table: big, partitionColumn: 'id', partitions: 8, fetchRows: 5000 }), [], join(dir.path, 'range'));
    assert.equal(run.phases[0]!.tasks.length, 8);
    assert.equal(run.output.rows, ROWS);
    assert.equal(run.output.shards.length, 24);
    assert.deepEqual(checksumOf(await readRows(run.output)), await dbChecksum());
    assert.deepEqual(
      run.output.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`),
      ['id:int:false', 'grp:int:false', 'v:float:false', 'name:string:true', 'flag:bool:false', 'ts:timestamp:false', 'd:date:false'],
    );
  });

  test('partitions by hash on text and by datetime range give the same rows as the database', async () => {
    const query = `select * from \`${big}\` where grp < 50`;
    const expected = await dbChecksum('grp < 50');
    for (const [column, partitions] of [['name', 5], ['ts', 6], ['d', 3]] as const) {
      const run = await runStage(ingestOperator, stage({ query, partitionColumn: column, partitions }), [], join(dir.path, `by-${column}`));
      assert.equal(run.phases[0]!.tasks.length, partitions, column);
      assert.deepEqual(checksumOf(await readRows(run.output)), expected, `partitioned by ${column}`);
    }
  });

  test('database types map to quiver types; values that do not fit are quarantined', async () => {
    const t = my!.table('src_types');
    await my!.query(`create table \`${t}\` (id int primary key, b tinyint(1), bt bit(1), b8 bit(8), si smallint, u bigint unsigned, dec2 decimal(8,2), f float, dbl double,
      s varchar(10), bl blob, j json, e enum('x','y'), y year, d date, dt datetime(3), ts timestamp(3) null)`);
    await my!.query(`insert into \`${t}\` values
      (1, 1, b'1', b'00000101', -3, 42, 12.25, 1.5, 0.1, 'héllo', x'01ff', '{"a":1}', 'y', 2024, '2024-02-29', '2024-02-29 13:14:15.678', '2024-02-29 13:14:15.678'),
      (2, 0, b'0', null, null, 18446744073709551615, null, null, null, null, null, null, null, null, null, null, null)`);
    const run = await runStage(ingestOperator, stage({ table: t, partitionColumn: 'id', partitions: 2 }), [], join(dir.path, 'types'));
    assert.deepEqual(run.output.schema.fields.map((f) => `${f.name}:${f.type}`), [
      'id:int', 'b:bool', 'bt:bool', 'b8:int', 'si:int', 'u:int', 'dec2:float', 'f:float', 'dbl:float', 's:string', 'bl:string', 'j:string', 'e:string',
      'y:int', 'd:date', 'dt:timestamp', 'ts:timestamp',
    ]);
    const rows = await readRows(run.output);
    assert.deepEqual(rows, [{
      id: 1, b: true, bt: true, b8: 5, si: -3, u: 42, dec2: 12.25, f: 1.5, dbl: 0.1, s: 'héllo', bl: '\\x01ff', j: '{"a":1}', e: 'y', y: 2024,
      d: Date.UTC(2024, 1, 29), dt: Date.UTC(2024, 1, 29, 13, 14, 15, 678), ts: Date.UTC(2024, 1, 29, 13, 14, 15, 678),
    }]);
    const stats = run.phases[0]!.tasks.map((x) => x.stats);
    assert.deepEqual(stats.map((s) => [s.rowsIn, s.rowsOut, s.quarantined]), [[1, 1, 0], [1, 0, 1]]);
    const [rec] = decodeQuarantine(await readFile(run.phases[0]!.tasks[1]!.quarantine[0]!.uri));
    assert.equal(rec!.reason, 'column "u" (int): "18446744073709551615" is beyond ±2^53, where quiver ints stop being exact; declare the column string in source.schema to keep it; key id=2');
    assert.equal(rec!.source, `mysql table ${t} partition 2/2 (id >= 2)`);
    assert.equal(rec!.line, 1);
    // Declared as string, the same value is kept exactly.
    const asText = await runStage(ingestOperator, stage({ query: `select id, u from \`${t}\``, schema: { u: 'string' } }), [], join(dir.path, 'types-text'));
    assert.deepEqual((await readRows(asText.output)).map((r) => r.u).sort(), ['18446744073709551615', '42']);
  });

  test('spec mistakes fail at plan time naming the field', async () => {
    await assert.rejects(runStage(ingestOperator, stage({ query: 'select * from quiver_no_such_table' }), [], join(dir.path, 'err')), (e: QuiverError) => {
      assert.equal(e.code, 'SPEC_INVALID');
      assert.match(e.message, /^stages\[1\]\.source\.query: MySQL\/MariaDB rejected it while describing the result columns: Table 'test\.quiver_no_such_table' doesn't exist$/);
      return true;
    });
    await assert.rejects(runStage(ingestOperator, stage({ table: big, partitionColumn: 'nope' }), [], join(dir.path, 'err')), /^QuiverError: stages\[1\]\.source\.partitionColumn: "nope" is not a column/);
  });

  // Row 150000 sleeps 1.5 s, so the read of its partition is surely killed mid-read.
  const slowQuery = (marker: string): string => `select * from \`${big}\` where '${marker}' <> '' and (id <> 150000 or sleep(1.5) = 0)`;

  test('a connection killed mid-read fails the task retryably; the retry reads exactly the right rows', async () => {
    const marker = `drop-once-${process.pid}`;
    const killer = killReads(marker, { afterMs: 600, times: 1 });
    const res = await runWithRetries(ingestOperator, stage({ query: slowQuery(marker), partitionColumn: 'id', partitions: 4, fetchRows: 2000 }), join(dir.path, 'drop-once'), 3);
    assert.equal(await killer.stop(), 1);
    assert.equal(res.failures.length, 1);
    assert.equal(res.failures[0]!.code, 'SOURCE_FAILED');
    assert.equal(res.failures[0]!.retryable, true);
    assert.match(res.failures[0]!.message, /^MySQL\/MariaDB connection failed while reading partition 3\/4 \(id >= 100001 and id < 150001\) of query after \d+ rows: .+; the task is retried from the start$/);
    assert.equal(res.output.rows, ROWS);
    assert.deepEqual(checksumOf(await readRows(res.output)), await dbChecksum());
  });

  test('a read whose connection keeps being killed fails with a clear retryable error after its attempts', async () => {
    const marker = `drop-always-${process.pid}`;
    const killer = killReads(marker, { afterMs: 300 });
    await assert.rejects(runWithRetries(ingestOperator, stage({ query: slowQuery(marker), partitionColumn: 'id', partitions: 4 }), join(dir.path, 'drop-always'), 2), (err: QuiverError) => {
      assert.equal(err.code, 'SOURCE_FAILED');
      assert.equal(err.retryable, true);
      assert.match(err.message, /^MySQL\/MariaDB connection failed while reading partition 3\/4/);
      return true;
    });
    assert.ok((await killer.stop()) >= 2);
  });
});
