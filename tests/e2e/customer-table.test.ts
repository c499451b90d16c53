/**
 * The example, end to end through the CLI: CRM users from PostgreSQL (read in parallel
 * partitions), transactions from a CSV, and loyalty data from a paginated REST API are cleansed,
 * deduplicated, validated, joined by customer_id into one customer table, profiled, and loaded
 * into a PostgreSQL table. Once in local mode, once on a cluster (coordinator + 2 worker
 * processes over NATS JetStream and S3) with one worker SIGKILLed mid-job: both tables must hold
 * exactly the expected rows (count, sums, and an ordered md5 of every row), and every record
 * that went in is counted out.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobResult } from '../../shared/job.js';
import { startApiFixture } from '../helpers/api-fixture.js';
import type { ApiFixture } from '../helpers/api-fixture.js';
import { startNats } from '../helpers/nats.js';
import { postgresOrSkip } from '../helpers/postgres.js';
import type { TestPostgres } from '../helpers/postgres.js';
import { randomBucket, startS3 } from '../helpers/s3server.js';
import { tempDir } from '../helpers/tmp.js';
import type { Daemon } from './cluster.js';
import { daemon, freePort, lastJson, quiver, until, untilJobEnd } from './cluster.js';

const USERS = 3000;
const DUPLICATES = 30; // CRM rows 1..30 inserted twice
const TX = 12_000;
const RAGGED_TX = 5;
const LOYALTY = 2500;
const badEmail = (id: number): boolean => id % 97 === 0;
const badCountry = (id: number): boolean => id % 211 === 0;
const COUNTRY_SPELLINGS = ['Germany', ' de', 'Deutschland', 'US', 'usa', 'U.S.', 'France', 'fr '];
const txCustomer = (i: number): number => ((i * 7919) % 3500) + 1;
const txAmount = (i: number): number => ((i * 37) % 10_000) / 100;

function spec(name: string, crm: string, tx: string, apiUrl: string, target: string): string {
  return `name: ${name}
defaults: { shardRows: 700, maxAttempts: 4 }
stages:
  - id: crm
    op: ingest
    source: { kind: postgres, url: { env: E2E_PG_URL }, table: ${crm}, partitionColumn: customer_id, partitions: 4 }
  - id: crm_clean
    op: cleanse
    input: crm
    steps:
      - { trim: [email, country] }
      - { case: { email: lower } }
      - { map: { column: country, values: { germany: DE, de: DE, deutschland: DE, us: US, usa: US, "u.s.": US, france: FR, fr: FR }, match: ignore-case } }
  - id: crm_unique
    op: dedupe
    input: crm_clean
  - id: crm_valid
    op: validate
    input: crm_unique
    rules:
      - { column: customer_id, required: true, unique: true }
      - { column: email, format: email }
      - { column: country, allowed: [DE, US, FR] }
  - id: tx
    op: ingest
    source: { uri: ${JSON.stringify(tx)} }
  - id: spend
    op: aggregate
    input: tx
    by: [customer_id]
    aggs:
      - { fn: sum, column: amount, as: total_spend }
      - { fn: count, as: tx_count }
  - id: loyalty_raw
    op: ingest
    source:
      kind: rest
      url: ${apiUrl}/v1/page
      auth: { token: { env: E2E_API_TOKEN } }
      records: data.items
      pagination: { style: page, pageSize: 250, totalPath: meta.total }
  - id: loyalty
    op: select
    input: loyalty_raw
    columns: [customer_id, tier, points]
  - id: with_spend
    op: join
    input: [crm_valid, spend]
    on: customer_id
    how: left
    strategy: hash
    partitions: 4
  - id: customers
    op: join
    input: [with_spend, loyalty]
    on: customer_id
    how: left
    strategy: broadcast
  - id: profile
    op: profile
    input: customers
  - id: load
    op: sink
    input: customers
    target: { kind: postgres, url: { env: E2E_PG_URL }, table: ${target}, mode: create }
`;
}

describe('customer table from PostgreSQL + CSV + REST, local and on a cluster', { timeout: 600_000 }, async () => {
  const pg: TestPostgres | undefined = await postgresOrSkip();
  let tmp: string;
  let api: ApiFixture;
  let env: NodeJS.ProcessEnv;
  let crm: string;
  let txCsv: string;
  const cleanup: Array<() => Promise<void>> = [];
  const expected = { rows: 0, spend: 0, withTier: 0, withSpend: 0 };

  before(async () => {
    if (pg === undefined) return;
    const dir = await tempDir('quiver-customers');
    tmp = dir.path;
    cleanup.push(dir.cleanup);
    api = await startApiFixture({ records: LOYALTY });
    cleanup.push(() => api.close());
    env = { E2E_PG_URL: pg.url, E2E_API_TOKEN: api.token };

    crm = pg.table('e2e_crm');
    await pg.query(`create table ${crm} (customer_id int, name text, email text, country text, signup date)`);
    const values: string[] = [];
    const row = (id: number): string => {
      const email = badEmail(id) ? `customer${id}-at-example.com` : ` Customer${id}@Example.COM `;
      const country = badCountry(id) ? 'Atlantis' : COUNTRY_SPELLINGS[id % COUNTRY_SPELLINGS.length]!;
      return `(${id}, 'Name ${id}', '${email}', '${country}', date '2020-01-01' + ${id % 1000})`;
    };
    for (let id = 1; id <= USERS; id++) values.push(row(id));
    for (let id = 1; id <= DUPLICATES; id++) values.push(row(id));
    await pg.query(`insert into ${crm} values ${values.join(',')}`);

    txCsv = join(tmp, 'transactions.csv');
    const lines = ['tx_id,customer_id,amount'];
    for (let i = 0; i < TX; i++) lines.push(`${i},${txCustomer(i)},${txAmount(i).toFixed(2)}`);
    for (let i = 0; i < RAGGED_TX; i++) lines.splice(100 + i * 1000, 0, `bad,${i}`);
    await writeFile(txCsv, `${lines.join('\n')}\n`);

    // What the table must hold: valid CRM customers, each with its spend and loyalty tier.
    const spend = new Map<number, number>();
    for (let i = 0; i < TX; i++) spend.set(txCustomer(i), (spend.get(txCustomer(i)) ?? 0) + txAmount(i));
    for (let id = 1; id <= USERS; id++) {
      if (badEmail(id) || badCountry(id)) continue;
      expected.rows++;
      if (spend.has(id)) {
        expected.withSpend++;
        expected.spend += spend.get(id)!;
      }
      if (id <= LOYALTY) expected.withTier++;
    }
  });

  after(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    await pg?.cleanup();
  });

  const checkTable = async (table: string): Promise<string> => {
    const [stats] = await pg!.query<{ n: string; spend: number; with_tier: string; with_spend: string; dup: string; bad_country: string }>(
      `select count(*) n, sum(total_spend) spend, count(tier) with_tier, count(total_spend) with_spend,
              count(*) - count(distinct customer_id) dup, count(*) filter (where country not in ('DE','US','FR')) bad_country from ${table}`,
    );
    assert.equal(Number(stats!.n), expected.rows, 'one row per valid customer');
    assert.equal(Number(stats!.dup), 0, 'no customer twice');
    assert.equal(Number(stats!.bad_country), 0, 'countries are canonical');
    assert.equal(Number(stats!.with_tier), expected.withTier);
    assert.equal(Number(stats!.with_spend), expected.withSpend);
    assert.ok(Math.abs(stats!.spend - expected.spend) < 1e-6 * expected.spend, `total spend ${stats!.spend} vs ${expected.spend}`);
    const [sample] = await pg!.query<{ email: string; country: string }>(`select email, country from ${table} where customer_id = 8`);
    assert.deepEqual(sample, { email: 'customer8@example.com', country: 'DE' }, 'trimmed, lower-cased, mapped');
    const [digest] = await pg!.query<{ md5: string }>(`select md5(string_agg(t::text, '|' order by customer_id)) md5 from ${table} t`);
    return digest!.md5;
  };

  const checkCounts = (r: JobResult): void => {
    assert.equal(r.status, 'succeeded', JSON.stringify(r.errors));
    const stage = (id: string) => r.stages.find((s) => s.id === id)!;
    assert.equal(stage('crm').rowsIn, USERS + DUPLICATES);
    assert.equal(stage('tx').rowsIn, TX + RAGGED_TX);
    assert.equal(stage('tx').quarantined, RAGGED_TX);
    assert.equal(stage('loyalty_raw').rowsOut, LOYALTY);
    assert.equal(r.records.deduplicated, DUPLICATES);
    const rejected = USERS - expected.rows;
    assert.equal(stage('crm_valid').quarantined, rejected);
    assert.equal(r.records.quarantined, RAGGED_TX + rejected);
    assert.equal(stage('load').rowsOut, expected.rows);
    assert.ok(r.quality?.html.endsWith('report.html'), 'a quality report');
    assert.equal(r.datasets.length, r.stages.length, 'every stage output has a version');
  };

  let localDigest = '';

  test('local mode', { skip: pg === undefined ? 'PostgreSQL is not reachable' : false }, async () => {
    const target = pg!.table('e2e_customers_local');
    const specPath = join(tmp, 'local.yaml');
    await writeFile(specPath, spec('customers-local', crm, txCsv, api.url, target));
    const run = await quiver(['run', specPath, '--store', join(tmp, 'store'), '--threads', '2', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    checkCounts(lastJson(run));
    localDigest = await checkTable(target);
  });

  test('cluster: coordinator + 2 workers over NATS and S3, one worker killed mid-job', { skip: pg === undefined ? 'PostgreSQL is not reachable' : false }, async () => {
    const nats = await startNats();
    cleanup.push(nats.stop);
    const s3 = await startS3();
    cleanup.push(s3.stop);
    const namespace = `qcust${Math.random().toString(36).slice(2, 8)}`;
    const token = `t-${Math.random().toString(36).slice(2)}`;
    const denv = { ...env, QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey, QUIVER_FAULT_TASK_DELAY_MS: '40' };
    const port = await freePort();
    const daemons: Daemon[] = [];
    cleanup.push(async () => {
      for (const d of daemons) await d.kill('SIGKILL');
    });
    const coordinator = daemon(['coordinator', '--nats', nats.url, '--namespace', namespace, '--store', `s3://${randomBucket('qcust')}/c`, '--s3-endpoint', s3.endpoint, '--port', String(port), '--token', token, '--ack-wait', '3000'], denv);
    daemons.push(coordinator);
    await coordinator.waitFor('listening on');
    const worker = (id: string): Daemon => {
      const w = daemon(['worker', '--nats', nats.url, '--namespace', namespace, '--threads', '2', '--ack-wait', '3000', '--grace', '1000', '--worker-id', id], denv);
      daemons.push(w);
      return w;
    };
    const w1 = worker('c1');
    worker('c2');
    const client = (...args: string[]) => quiver([...args, '--coordinator', `http://127.0.0.1:${port}`, '--token', token, '--json'], denv);
    await until('two workers', async () => {
      const r = await client('workers');
      return r.code === 0 && lastJson<unknown[]>(r).length >= 2 ? true : undefined;
    });

    const target = pg!.table('e2e_customers_cluster');
    const specPath = join(tmp, 'cluster.yaml');
    await writeFile(specPath, spec('customers-cluster', crm, txCsv, api.url, target));
    const { jobId } = lastJson<{ jobId: string }>(await client('submit', specPath));
    await until('the validate stage under way', async () => {
      const s = lastJson(await client('status', jobId));
      return s.stages.some((st) => st.id === 'crm_valid' && st.tasks.succeeded >= 1) || s.status !== 'running' ? true : undefined;
    }, 180_000, 100);
    await w1.kill('SIGKILL');
    worker('c3');
    const final = await untilJobEnd(client, jobId, 300_000);
    checkCounts(final);
    assert.equal(await checkTable(target), localDigest, 'the cluster table holds exactly the local-mode rows');
  });
});
