/**
 * End to end through the CLI: a coordinator and two worker processes on a real nats-server and
 * a real S3 server, on 200k generated rows, each run checked against a local-mode run of the
 * same job: (a) identical output rows; (b) the same after a worker is SIGKILLed mid-job; (c) the
 * same after the coordinator is killed and restarted mid-job; (d) a shard whose kernel always
 * throws fails the job in bounded time with an error naming task and shard, leaving no task
 * queued; (e) cancel stops all work.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { JobResult } from '../../shared/job.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { busNames } from '../../shared/bus/names.js';
import { startNats } from '../helpers/nats.js';
import { randomBucket, startS3 } from '../helpers/s3server.js';
import { tempDir } from '../helpers/tmp.js';
import type { Checksum, Daemon } from './cluster.js';
import { csvChecksum, daemon, freePort, lastJson, quiver, until, untilJobEnd, untilWorkersRunning } from './cluster.js';

const ROWS = 200_000;

function spec(csv: string, name: string, extra = ''): string {
  return `name: ${name}
defaults: { shardRows: 5000, maxAttempts: 3 }
stages:
  - id: ingest
    op: ingest
    source: { uri: ${JSON.stringify(csv)} }
  - id: features
    op: derive
    input: ingest
    columns:
      country: upper(trim(country))
      spend_per_month: round(total_spend / tenure_months, 4)
      active: sessions_30d > 0
  - id: adults
    op: filter
    input: features
    where: age is null or (age >= 18 and age <= 110)
  - id: clean
    op: write
    input: adults
    format: csv
  - id: by_country
    op: aggregate
    input: adults
    by: [country, plan]
    aggs:
      - { fn: count, as: users }
      - { fn: sum, column: total_spend, as: spend }
      - { fn: mean, column: age, as: mean_age }
      - { fn: count_distinct, column: city, as: cities }
  - id: by_country_out
    op: write
    input: by_country
    format: csv
${extra}`;
}

async function checksums(store: ObjectStore, r: JobResult): Promise<Record<string, Checksum>> {
  const out: Record<string, Checksum> = {};
  for (const o of r.outputs) out[o.stage] = await csvChecksum(store, o.uri);
  return out;
}

describe('cluster e2e: coordinator + 2 workers over NATS JetStream and S3', { timeout: 600_000 }, () => {
  let cleanup: Array<() => Promise<void>> = [];
  let tmp: string;
  let specPath: string;
  let local: JobResult;
  let localSums: Record<string, Checksum>;
  let store: ObjectStore;
  let natsUrl: string;
  let namespace: string;
  let env: NodeJS.ProcessEnv;
  let coordinatorArgs: string[];
  let coordinator: Daemon;
  let workers: Daemon[] = [];
  let api: string;
  const token = 'e2e-token-' + Math.random().toString(36).slice(2);

  const startWorker = (id: string, extraEnv: NodeJS.ProcessEnv = {}): Daemon => {
    const w = daemon(['worker', '--nats', natsUrl, '--namespace', namespace, '--threads', '2', '--ack-wait', '3000', '--grace', '2000', '--worker-id', id], { ...env, ...extraEnv });
    workers.push(w);
    return w;
  };
  const startCoordinator = async (): Promise<Daemon> => {
    coordinator = daemon(coordinatorArgs, env);
    await coordinator.waitFor('listening on');
    return coordinator;
  };
  const client = (...args: string[]) => quiver([...args, '--coordinator', api, '--token', token, '--json'], env);

  before(async () => {
    const dir = await tempDir('quiver-e2e');
    tmp = dir.path;
    cleanup.push(dir.cleanup);
    const nats = await startNats();
    cleanup.push(nats.stop);
    natsUrl = nats.url;
    const s3 = await startS3();
    cleanup.push(s3.stop);
    const bucket = randomBucket('qe2e');
    namespace = `qe2e${Math.random().toString(36).slice(2, 8)}`;
    env = { QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey, QUIVER_FAULT_TASK_DELAY_MS: '60' };
    store = createStore({ s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey } });

    const csv = join(tmp, 'users.csv');
    const gen = await quiver(['gen', 'users', '--rows', String(ROWS), '--seed', '7', '--out', csv, '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    specPath = join(tmp, 'etl.yaml');
    await writeFile(specPath, spec(csv, 'e2e-etl'));

    const run = await quiver(['run', specPath, '--store', join(tmp, 'local'), '--threads', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    local = lastJson(run);
    assert.equal(local.status, 'succeeded');
    assert.equal(local.records.in, ROWS);
    localSums = await checksums(store, local);
    assert.ok(localSums.clean!.rows > ROWS * 0.9, 'most rows survive the filter');

    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    coordinatorArgs = ['coordinator', '--nats', natsUrl, '--namespace', namespace, '--store', `s3://${bucket}/e2e`, '--s3-endpoint', s3.endpoint, '--port', String(port), '--token', token, '--ack-wait', '3000'];
    await startCoordinator();
    startWorker('w1');
    startWorker('w2');
    await untilWorkersRunning(client, 2);
  });

  after(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await coordinator?.kill('SIGKILL');
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
    workers = [];
  });

  const assertSameAsLocal = async (r: JobResult, what: string): Promise<void> => {
    assert.equal(r.status, 'succeeded', `${what}: ${JSON.stringify(r.errors)}`);
    assert.deepEqual(r.records, local.records, `${what}: record counts`);
    assert.deepEqual(await checksums(store, r), localSums, `${what}: output rows (count + order-independent checksum)`);
  };

  test('(a) the cluster produces exactly the local-mode rows', async () => {
    const run = await client('submit', specPath, '--wait');
    assert.equal(run.code, 0, run.stderr);
    await assertSameAsLocal(lastJson(run), 'cluster run');
  });

  test('(b) a worker SIGKILLed mid-job loses and duplicates nothing', async () => {
    const sub = await client('submit', specPath);
    const { jobId } = lastJson<{ jobId: string }>(sub);
    await until('some tasks done', async () => {
      const s = lastJson(await client('status', jobId));
      return s.stages.some((st) => st.tasks.succeeded >= 3) ? true : undefined;
    });
    await workers[0]!.kill('SIGKILL');
    const final = await untilJobEnd(client, jobId, 240_000);
    await assertSameAsLocal(final, 'after worker kill');
    workers[0] = startWorker('w1b');
  });

  test('(c) a coordinator killed and restarted mid-job finishes the job', async () => {
    const sub = await client('submit', specPath);
    const { jobId } = lastJson<{ jobId: string }>(sub);
    await until('ingest half done', async () => {
      const s = lastJson(await client('status', jobId));
      return s.stages[1]!.tasks.succeeded >= 5 ? true : undefined;
    });
    await coordinator.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await startCoordinator();
    const final = await until('job end after restart', async () => {
      const s = lastJson(await client('status', jobId));
      return ['succeeded', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
    }, 240_000, 500);
    await assertSameAsLocal(final, 'after coordinator restart');
  });

  test('(d) a shard whose kernel always throws fails the job in bounded time, naming task and shard', async () => {
    const faulty = join(tmp, 'faulty.yaml');
    await writeFile(faulty, spec(join(tmp, 'users.csv'), 'e2e-faulty').replace('id: features', 'id: boom').replace('input: features', 'input: boom'));
    for (const w of workers) await w.kill('SIGTERM');
    workers = [];
    startWorker('f1', { QUIVER_FAULT_KERNEL_THROW: 'boom:7' });
    startWorker('f2', { QUIVER_FAULT_KERNEL_THROW: 'boom:7' });
    const started = Date.now();
    const run = await client('submit', faulty, '--wait');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.code, 1, 'a failed job exits 1');
    const r = lastJson(run);
    assert.equal(r.status, 'failed');
    assert.ok(seconds < 120, `failed within bounded time (${seconds}s)`);
    const msg = r.errors[0]?.message ?? '';
    assert.match(msg, /task e2e-faulty-\S+\.boom\.0\.7 /, msg);
    assert.match(msg, /shard \S+part-00007\.arrow/, msg);
    assert.match(msg, /after 3 attempt/, msg);
    // Nothing of the job is left queued on the bus.
    const nc = await connect({ servers: natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(busNames(namespace).streams.tasks, { subjects_filter: `${busNames(namespace).taskSubject(r.jobId)}` });
      assert.equal(info.state.messages, 0, 'no task of the failed job left in the stream');
    } finally {
      await nc.close();
    }
    for (const w of workers) await w.kill('SIGTERM');
    workers = [];
    startWorker('w3');
    startWorker('w4');
  });

  test('(e) cancel stops all work', async () => {
    const slow = join(tmp, 'slow.yaml');
    await writeFile(slow, spec(join(tmp, 'users.csv'), 'e2e-cancel'));
    const sub = await client('submit', slow);
    const { jobId } = lastJson<{ jobId: string }>(sub);
    await until('some tasks done', async () => {
      const s = lastJson(await client('status', jobId));
      return s.stages[0]!.tasks.succeeded >= 4 ? true : undefined;
    });
    const c = await client('cancel', jobId);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(lastJson(c).status, 'cancelled');
    // Workers go idle, and nothing more is written for the job.
    await until('idle workers', async () => {
      const ws = lastJson<Array<{ busy: number; state: string }>>(await client('workers'));
      return ws.filter((w) => w.state === 'running').every((w) => w.busy === 0) ? true : undefined;
    }, 30_000, 300);
    const prefix = lastJson(await client('status', jobId)).jobId;
    const count = async () => (await store.list(`${coordinatorArgs[coordinatorArgs.indexOf('--store') + 1]}/jobs/${prefix}/`)).length;
    const before = await count();
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await count(), before, 'no outputs written after cancel');
    const s = lastJson(await client('status', jobId));
    assert.equal(s.status, 'cancelled');
    assert.ok(s.stages.some((st) => st.status === 'cancelled'));
  });
});
