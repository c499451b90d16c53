/**
 * `recommend` on a cluster: `quiver gen interactions` → ingest (views and held-out views) →
 * recommend (implicit ALS as user/item partition tasks, then top-K scoring per user partition) →
 * write CSV. The spec runs once locally (the reference), then on a coordinator with 2 worker
 * processes over a real nats-server and a real S3 server, where a worker holding scoring tasks is
 * SIGKILLed in the middle of the score phase. Every user still comes out exactly once with k
 * recommendations, and the output is byte-for-byte the local run's (order-free checksum), as are
 * the loss per iteration and the held-out metrics.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobResult } from '../../shared/job.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { startNats } from '../helpers/nats.js';
import { randomBucket, startS3 } from '../helpers/s3server.js';
import { tempDir } from '../helpers/tmp.js';
import type { Checksum, Daemon } from './cluster.js';
import { csvChecksum, daemon, freePort, lastJson, quiver, until, untilJobEnd, untilWorkersRunning } from './cluster.js';

const USERS = 3000;
const K = 5;
const ITERATIONS = 3;
/** Phases of the stage before scoring: partition, index, build, then a user and an item step per iteration. */
const SCORE_PHASE = 3 + 2 * ITERATIONS;

function spec(views: string, heldOut: string): string {
  return `name: e2e-recs
defaults: { shardRows: 8000, maxAttempts: 4 }
stages:
  - id: views
    op: ingest
    source: { uri: ${JSON.stringify(views)} }
  - id: heldout
    op: ingest
    source: { uri: ${JSON.stringify(heldOut)} }
  - id: recs
    op: recommend
    input: [views, heldout]
    user: user_id
    item: item_id
    weight: plays
    rank: 16
    iterations: ${ITERATIONS}
    k: ${K}
    similarItems: 0
    partitions: { users: 6, items: 2 }
  - id: out
    op: write
    input: recs
    format: csv
`;
}

interface Fingerprint {
  rows: Checksum;
  losses: number[];
  recall: number;
}

function fingerprint(r: JobResult, rows: Checksum): Fingerprint {
  assert.equal(r.status, 'succeeded', JSON.stringify(r.errors));
  const summary = r.stages.find((s) => s.id === 'recs')!.summary as { iterations: { loss: number }[]; metrics: { model: { recall: number } } };
  return { rows, losses: summary.iterations.map((i) => i.loss), recall: summary.metrics.model.recall };
}

describe('recommend on a cluster: coordinator + 2 workers over NATS JetStream and S3, a worker killed mid-scoring', { timeout: 600_000 }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  let specPath: string;
  let store: ObjectStore;
  let local: Fingerprint;
  let env: NodeJS.ProcessEnv;
  let api: string;
  const workers: Daemon[] = [];
  const token = `e2e-recs-${Math.random().toString(36).slice(2)}`;
  let natsUrl: string;
  let namespace: string;
  const client = (...args: string[]) => quiver([...args, '--coordinator', api, '--token', token, '--json'], env);
  const status = async (jobId: string): Promise<JobResult> => lastJson(await client('status', jobId));
  const startWorker = (id: string, extraEnv: NodeJS.ProcessEnv = {}): Daemon => {
    const w = daemon(['worker', '--nats', natsUrl, '--namespace', namespace, '--threads', '2', '--ack-wait', '4000', '--grace', '2000', '--worker-id', id], { ...env, ...extraEnv });
    workers.push(w);
    return w;
  };

  before(async () => {
    const dir = await tempDir('quiver-recs-e2e');
    cleanup.push(dir.cleanup);
    const views = join(dir.path, 'views.csv');
    const heldOut = join(dir.path, 'views-heldout.csv');
    const gen = await quiver(['gen', 'interactions', '--users', String(USERS), '--items', '400', '--seed', '5', '--out', views, '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    specPath = join(dir.path, 'recs.yaml');
    await writeFile(specPath, spec(views, heldOut));

    const nats = await startNats();
    cleanup.push(nats.stop);
    natsUrl = nats.url;
    const s3 = await startS3();
    cleanup.push(s3.stop);
    env = { QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey, QUIVER_FAULT_TASK_DELAY_MS: '200' };
    store = createStore({ s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey } });

    const localStore = join(dir.path, 'local');
    const run = await quiver(['run', specPath, '--store', localStore, '--threads', '2', '--json'], {}, 300_000);
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run);
    const out = result.outputs.find((o) => o.stage === 'out')!;
    local = fingerprint(result, await csvChecksum(createStore(), out.uri));
    assert.equal(local.rows.rows, USERS * K, 'k rows for every user');
    // Every user exactly once, with ranks 1..k.
    const seen = new Map<string, number[]>();
    for (const f of (await readdir(out.uri)).filter((x) => x.endsWith('.csv'))) {
      for (const line of (await readFile(join(out.uri, f), 'utf8')).split('\n').slice(1).filter((l) => l !== '')) {
        const [user, rank] = line.split(',');
        seen.set(user!, [...(seen.get(user!) ?? []), Number(rank)]);
      }
    }
    assert.equal(seen.size, USERS);
    for (const ranks of seen.values()) assert.deepEqual(ranks.sort((a, b) => a - b), [1, 2, 3, 4, 5]);

    namespace = `qrecs${Math.random().toString(36).slice(2, 8)}`;
    const storeRoot = `s3://${randomBucket('qrecs')}/nightly`;
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const coordinator = daemon(['coordinator', '--nats', natsUrl, '--namespace', namespace, '--store', storeRoot, '--s3-endpoint', s3.endpoint, '--port', String(port), '--token', token, '--ack-wait', '4000'], env);
    cleanup.push(async () => {
      await coordinator.kill('SIGKILL');
      for (const w of workers) await w.kill('SIGKILL');
    });
    await coordinator.waitFor('listening on', 30_000);
    // t1 holds every task it takes for 2.5 s, so when it is killed it holds scoring tasks.
    startWorker('t1', { QUIVER_FAULT_TASK_DELAY_MS: '2500' });
    startWorker('t2');
    await untilWorkersRunning(client, 2);
  });

  after(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  test('a worker SIGKILLed while it scores: every user once, the same recommendations, loss and recall', async (t) => {
    const { jobId } = lastJson<{ jobId: string }>(await client('submit', specPath));
    await until('the score phase under way', async () => {
      const s = await status(jobId);
      assert.equal(s.status, 'running', `the job ended before scoring: ${JSON.stringify(s.errors)}`);
      const recs = s.stages.find((st) => st.id === 'recs');
      return recs !== undefined && recs.tasks.phases > SCORE_PHASE ? true : undefined;
    }, 300_000, 50);
    // Let t1 take its share of the 6 scoring tasks, then kill it while it holds them.
    await new Promise((r) => setTimeout(r, 800));
    const ws = await client('workers');
    t.diagnostic(`workers at the kill: ${ws.stdout.trim()}`);
    const t1 = lastJson<Array<{ workerId: string; busy: number }>>(ws).find((w) => w.workerId === 't1');
    assert.ok(t1 !== undefined && t1.busy > 0, 't1 holds tasks when it is killed');
    await workers[0]!.kill('SIGKILL');
    startWorker('t3');
    const final = await untilJobEnd(client, jobId, 300_000);
    const recs = final.stages.find((st) => st.id === 'recs')!;
    t.diagnostic(`recs stage: ${JSON.stringify(recs.tasks)}`);
    const out = final.outputs.find((o) => o.stage === 'out')!;
    assert.deepEqual(fingerprint(final, await csvChecksum(store, out.uri)), local);
  });
});
