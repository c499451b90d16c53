/**
 * `train` on a cluster, as nightly retraining runs it: `quiver gen users` → ingest → derive →
 * train (5-fold stratified CV of logistic regression and gradient-boosted trees, the feature
 * pipeline refit per fold) → write the predictions as CSV, with the final models registered.
 * The same spec runs once locally (the reference) and then on a coordinator with 2 worker
 * processes over a real nats-server and a real S3 server, where (a) a worker is SIGKILLed
 * while the (candidate × fold) tasks run and (b) the coordinator is SIGKILLed and restarted in
 * the middle of the train stage. Each time: every usable row comes out exactly once (order-free
 * checksum equal to the local run's), the per-fold metrics and final models are bit-identical
 * to the local ones, and the registry in NATS KV holds one version per model per job.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobResult } from '../../shared/job.js';
import type { TrainingReport } from '../../shared/ml/report/types.js';
import type { ModelRecord } from '../../shared/registry/types.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { startNats } from '../helpers/nats.js';
import { randomBucket, startS3 } from '../helpers/s3server.js';
import { tempDir } from '../helpers/tmp.js';
import type { Checksum, Daemon } from './cluster.js';
import { csvChecksum, daemon, freePort, lastJson, quiver, until, untilJobEnd, untilWorkersRunning } from './cluster.js';

const ROWS = 24_000;
const FOLDS = 5;
const SHARD_ROWS = 4000;
const SHARDS = ROWS / SHARD_ROWS;
/** The pipeline below needs two fit passes (means for impute, then categories and moments). */
const PASSES = 2;
/** Tasks of the train stage before its cv phase: labels per shard, folds, fit passes per shard. */
const BEFORE_CV = SHARDS + 1 + PASSES * SHARDS;
/** The cv phase: 2 models × FOLDS, plus both final fits (one candidate each); then score per shard. */
const TRAIN_TASKS = BEFORE_CV + 2 * FOLDS + 2 + SHARDS;

function spec(csv: string, name: string): string {
  return `name: ${name}
defaults: { shardRows: ${SHARD_ROWS}, maxAttempts: 4 }
stages:
  - id: raw
    op: ingest
    source: { uri: ${JSON.stringify(csv)} }
  - id: prepared
    op: derive
    input: raw
    columns:
      age_years: "if(age >= 0 and age <= 120, age, null)"
      days_since_login: "days_between(last_login, to_timestamp('2026-11-01'))"
  - id: model
    op: train
    input: prepared
    label: churned
    key: user_id
    features: [age_years, monthly_spend, tenure_months, sessions_30d, support_tickets, nps, days_since_login, country, plan, device]
    pipeline:
      - impute: { columns: [age_years, monthly_spend, sessions_30d, nps, days_since_login], strategy: mean }
      - impute: { columns: [country], strategy: constant, fill: unknown }
      - onehot: { columns: [country, plan, device], unknown: ignore }
      - scale: { columns: [age_years, monthly_spend, tenure_months, sessions_30d, support_tickets, nps, days_since_login], method: standard }
    cv: { kind: stratified-kfold, folds: ${FOLDS}, shuffle: true, seed: 7 }
    models:
      - { kind: logistic, params: { C: 1 } }
      - { kind: gbt, params: { maxIter: 25, learningRate: 0.2, maxLeafNodes: 15 } }
    seed: 7
    register: { name: churn, aliases: [candidate] }
  - id: scores
    op: write
    input: model
    format: csv
`;
}

/** What must not change between the local run and any cluster run, whatever failed on the way. */
interface Fingerprint {
  trainTasks: number;
  trainPhases: number;
  rowsIn: number;
  trainRowsOut: number;
  quarantined: number;
  scores: Checksum;
  /** Candidate → per-fold metric values, in fold order. */
  folds: Record<string, Array<Record<string, number>>>;
  /** Model entry → the final model's file, byte for byte. */
  models: Record<string, string>;
}

async function fingerprint(store: ObjectStore, r: JobResult): Promise<Fingerprint> {
  assert.equal(r.status, 'succeeded', JSON.stringify(r.errors));
  const model = r.stages.find((s) => s.id === 'model')!;
  const out = r.outputs.find((o) => o.stage === 'scores');
  assert.ok(out !== undefined, `a scores output in ${JSON.stringify(r.outputs)}`);
  const prefix = out.uri.replace(/scores\/?$/, 'model/');
  const report = JSON.parse(new TextDecoder().decode(await store.get(`${prefix}report.json`))) as TrainingReport;
  const models: Record<string, string> = {};
  for (const f of report.final) models[f.model] = new TextDecoder().decode(await store.get(`${prefix}models/${f.model}.json`));
  return {
    trainTasks: model.tasks.total,
    trainPhases: model.tasks.phases,
    rowsIn: r.records.in,
    trainRowsOut: model.rowsOut,
    quarantined: r.records.quarantined,
    scores: await csvChecksum(store, out.uri),
    folds: Object.fromEntries(report.candidates.map((c) => [c.id, c.folds.map((f) => f.metrics)])),
    models,
  };
}

describe('train on a cluster: coordinator + 2 workers over NATS JetStream and S3, with faults', { timeout: 900_000 }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  let specPath: string;
  let store: ObjectStore;
  let local: Fingerprint;
  let natsUrl: string;
  let namespace: string;
  let s3Endpoint: string;
  let storeRoot: string;
  let env: NodeJS.ProcessEnv;
  let coordinatorArgs: string[];
  let coordinator: Daemon;
  const workers: Daemon[] = [];
  let api: string;
  const token = `e2e-train-${Math.random().toString(36).slice(2)}`;

  const startWorker = (id: string, extraEnv: NodeJS.ProcessEnv = {}): Daemon => {
    const w = daemon(['worker', '--nats', natsUrl, '--namespace', namespace, '--threads', '2', '--ack-wait', '4000', '--grace', '2000', '--worker-id', id], { ...env, ...extraEnv });
    workers.push(w);
    return w;
  };
  const startCoordinator = async (): Promise<void> => {
    coordinator = daemon(coordinatorArgs, env);
    await coordinator.waitFor('listening on', 30_000);
  };
  const client = (...args: string[]) => quiver([...args, '--coordinator', api, '--token', token, '--json'], env);
  const status = async (jobId: string): Promise<JobResult> => lastJson(await client('status', jobId));
  /** Resolves once `n` tasks of the train stage succeeded (the stage's phases run in order). */
  const trainTasksDone = async (jobId: string, n: number): Promise<true | undefined> => {
    const s = await status(jobId);
    assert.equal(s.status, 'running', `the job ended before ${n} train tasks were done: ${JSON.stringify(s.errors)}`);
    const model = s.stages.find((st) => st.id === 'model');
    return model !== undefined && model.tasks.succeeded >= n ? true : undefined;
  };
  const jobEnd = (jobId: string): Promise<JobResult> => untilJobEnd(client, jobId, 600_000);

  before(async () => {
    const dir = await tempDir('quiver-train-e2e');
    cleanup.push(dir.cleanup);
    const csv = join(dir.path, 'users.csv');
    const gen = await quiver(['gen', 'users', '--rows', String(ROWS), '--seed', '11', '--out', csv, '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    specPath = join(dir.path, 'churn.yaml');
    await writeFile(specPath, spec(csv, 'e2e-churn'));

    const nats = await startNats();
    cleanup.push(nats.stop);
    natsUrl = nats.url;
    const s3 = await startS3();
    cleanup.push(s3.stop);
    s3Endpoint = s3.endpoint;
    env = { QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey, QUIVER_FAULT_TASK_DELAY_MS: '300' };
    store = createStore({ s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey } });

    const run = await quiver(['run', specPath, '--store', join(dir.path, 'local'), '--threads', '2', '--json'], {}, 600_000);
    assert.equal(run.code, 0, run.stderr);
    local = await fingerprint(store, lastJson(run));
    assert.equal(local.rowsIn, ROWS);
    assert.equal(local.trainTasks, TRAIN_TASKS, 'one task per shard and pass, per (model × fold), per final fit');
    assert.equal(local.trainPhases, 2 + PASSES + 2, 'labels, folds, fit passes, cv (with the final fits), score');
    assert.equal(local.trainRowsOut + local.quarantined, ROWS, 'in = out + quarantined');
    assert.equal(local.scores.rows, local.trainRowsOut);
    assert.deepEqual(Object.keys(local.folds), ['logistic#0', 'gbt#0']);
    for (const folds of Object.values(local.folds)) assert.equal(folds.length, FOLDS);

    namespace = `qtrain${Math.random().toString(36).slice(2, 8)}`;
    storeRoot = `s3://${randomBucket('qtrain')}/nightly`;
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    coordinatorArgs = ['coordinator', '--nats', natsUrl, '--namespace', namespace, '--store', storeRoot, '--s3-endpoint', s3Endpoint, '--port', String(port), '--token', token, '--ack-wait', '4000'];
    cleanup.push(async () => {
      await coordinator?.kill('SIGKILL');
      for (const w of workers) await w.kill('SIGKILL');
    });
    await startCoordinator();
    // t1 holds every task it takes for 2.5 s, so when it is killed it is sure to hold some.
    startWorker('t1', { QUIVER_FAULT_TASK_DELAY_MS: '2500' });
    startWorker('t2');
    await untilWorkersRunning(client, 2);
  });

  after(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  test('(a) a worker SIGKILLed during the (candidate × fold) tasks: same rows, same folds, same models', async (t) => {
    const { jobId } = lastJson<{ jobId: string }>(await client('submit', specPath));
    // The first cv task done: t1, which holds each task 2.5 s, is holding some of the other 11.
    await until('cv tasks under way', () => trainTasksDone(jobId, BEFORE_CV + 1), 300_000, 50);
    t.diagnostic(`workers at the kill: ${(await client('workers')).stdout.trim()}`);
    await workers[0]!.kill('SIGKILL');
    startWorker('t3');
    const final = await jobEnd(jobId);
    t.diagnostic(`train stage: ${JSON.stringify(final.stages.find((st) => st.id === 'model')!.tasks)}`);
    assert.deepEqual(await fingerprint(store, final), local);

    const models = lastJson<ModelRecord[]>(await quiver(['models', 'list', '--json', '--nats', natsUrl, '--namespace', namespace, '--store', storeRoot, '--s3-endpoint', s3Endpoint], env));
    assert.deepEqual(models.map((m) => [m.name, m.version, m.aliases, m.jobId]), [
      ['churn-gbt', 1, ['candidate'], jobId],
      ['churn-logistic', 1, ['candidate'], jobId],
    ]);
    const lr = models.find((m) => m.name === 'churn-logistic')!;
    assert.equal(lr.metrics.roc_auc !== undefined, true, 'CV metrics in the record');
  });

  test('(b) the coordinator SIGKILLed and restarted in the middle of the train stage finishes the job', async (t) => {
    const { jobId } = lastJson<{ jobId: string }>(await client('submit', specPath));
    await until('the fit passes under way', () => trainTasksDone(jobId, SHARDS + 1 + 2), 300_000, 100);
    await coordinator.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await startCoordinator();
    const final = await jobEnd(jobId);
    t.diagnostic(`train stage: ${JSON.stringify(final.stages.find((st) => st.id === 'model')!.tasks)}`);
    assert.deepEqual(await fingerprint(store, final), local);

    const models = lastJson<ModelRecord[]>(await quiver(['models', 'list', 'churn-logistic', '--json', '--nats', natsUrl, '--namespace', namespace, '--store', storeRoot, '--s3-endpoint', s3Endpoint], env));
    assert.deepEqual(models.map((m) => [m.version, m.jobId]).filter(([, j]) => j === jobId), [[2, jobId]], 'registered once for this job');
  });
});
