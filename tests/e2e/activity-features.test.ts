/**
 * Per-entity aggregates from a second data set, as a user runs them: `quiver gen users` +
 * `quiver gen transactions` → examples/churn-activity.yaml (its data paths pointed at a temp
 * folder) through the built CLI in local mode. The joined feature table is checked, user by
 * user, against totals computed here straight from the two CSV files (users with and without
 * transactions), and the train stage must succeed with every user row accounted for.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readColumn } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable } from '../../shared/arrow/ipc.js';
import type { JobResult } from '../../shared/job.js';
import type { TrainingReport } from '../../shared/ml/report/types.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

const USERS = 3000;
const TXS = 20_000;
const SEED = '11';
const DAY_MS = 86_400_000;
const AS_OF_DAY = Date.UTC(2025, 6, 1) / DAY_MS;
const EXAMPLE = fileURLToPath(new URL('../../../examples/churn-activity.yaml', import.meta.url));

interface Expected {
  count: number;
  cents: number;
  first: number;
  last: number;
}

let dir: TempDir;
let result: JobResult;
/** user_id → its feature row, from the `features` stage's shards. */
const features = new Map<number, Record<string, Value>>();
/** user_id → totals computed from transactions.csv. */
const expected = new Map<number, Expected>();
/** The users file's user_id column, duplicates included. */
let userIds: number[] = [];

before(async () => {
  dir = await tempDir('quiver-activity');
  const users = join(dir.path, 'users.csv');
  const txs = join(dir.path, 'transactions.csv');
  for (const args of [
    ['gen', 'users', '--rows', String(USERS), '--seed', SEED, '--out', users],
    ['gen', 'transactions', '--users', String(USERS), '--rows', String(TXS), '--seed', SEED, '--out', txs],
  ]) {
    const r = await quiver([...args, '--json']);
    assert.equal(r.code, 0, r.stderr);
  }
  const spec = (await readFile(EXAMPLE, 'utf8')).replace('uri: data/users.csv', `uri: ${JSON.stringify(users)}`).replace('uri: data/transactions.csv', `uri: ${JSON.stringify(txs)}`);
  assert.ok(spec.includes(users) && spec.includes(txs), 'the example reads data/users.csv and data/transactions.csv');
  const specPath = join(dir.path, 'churn-activity.yaml');
  await writeFile(specPath, spec);
  const run = await quiver(['run', specPath, '--store', join(dir.path, 'store'), '--threads', '2', '--json'], {}, 300_000);
  assert.equal(run.code, 0, run.stderr.slice(-4000));
  result = lastJson(run);

  const folder = join(dir.path, 'store', 'jobs', result.jobId, 'features');
  for (const f of (await readdir(folder)).filter((n) => n.endsWith('.arrow')).sort()) {
    const t = decodeTable(await readFile(join(folder, f)));
    const cols = Object.fromEntries(t.schema.fields.map((field) => [field.name, readColumn(t, field.name)]));
    for (let i = 0; i < t.numRows; i++) {
      const row = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]!]));
      features.set(row.user_id as number, row);
    }
  }

  const txLines = (await readFile(txs, 'utf8')).trimEnd().split('\n');
  assert.equal(txLines[0], 'tx_id,user_id,ts,amount,category');
  for (const line of txLines.slice(1)) {
    const [, id, ts, amount] = line.split(',');
    const ms = Date.parse(ts!);
    const cents = Math.round(Number(amount) * 100);
    const e = expected.get(Number(id));
    if (e === undefined) expected.set(Number(id), { count: 1, cents, first: ms, last: ms });
    else {
      e.count++;
      e.cents += cents;
      e.first = Math.min(e.first, ms);
      e.last = Math.max(e.last, ms);
    }
  }
  userIds = (await readFile(users, 'utf8')).trimEnd().split('\n').slice(1).map((l) => Number(l.slice(0, l.indexOf(','))));
});
after(() => dir?.cleanup());

test('the job succeeds and every row is accounted for', () => {
  assert.equal(result.status, 'succeeded', JSON.stringify(result.errors));
  const stage = (id: string) => result.stages.find((s) => s.id === id)!;
  for (const id of ['users', 'transactions']) {
    const s = stage(id);
    assert.equal(s.rowsIn, s.rowsOut + s.quarantined, `${id}: in = out + quarantined`);
  }
  assert.equal(stage('users').rowsIn, USERS);
  assert.equal(stage('transactions').rowsIn, TXS);
  assert.equal(result.records.in, USERS + TXS, 'both ingest stages count in records.in');
  assert.equal(stage('tx_by_user').rowsOut, expected.size, 'one group per user with transactions');
  assert.equal(stage('joined').rowsOut, stage('users').rowsOut, 'a left join onto unique right keys keeps every user row');
  const model = stage('model');
  assert.equal(model.status, 'succeeded');
  assert.equal(model.rowsIn, stage('features').rowsOut);
  assert.equal(model.rowsIn, model.rowsOut + model.quarantined, 'train: in = out + quarantined');
  // The users chain (ingest → join → derive → train) loses no row: in = out + quarantined.
  assert.equal(USERS, model.rowsOut + stage('users').quarantined + model.quarantined);
  assert.equal(result.records.out, model.rowsOut, 'the predictions are the only sink');
});

test('the train stage cross-validates both models and uses the activity features', async () => {
  const report = JSON.parse(await readFile(result.stages.find((s) => s.id === 'model')!.report!.json, 'utf8')) as TrainingReport;
  assert.deepEqual(report.candidates.map((c) => c.id), ['logistic#0', 'gbt#0']);
  for (const c of report.candidates) {
    assert.equal(c.folds.length, 5);
    for (const f of c.folds) assert.ok(f.metrics.roc_auc! > 0.6, `${c.id} roc_auc ${f.metrics.roc_auc}`);
  }
  for (const name of ['has_tx', 'tx_count', 'total_spend_tx', 'days_since_last_tx', 'tx_per_month', 'tx_tenure_days']) {
    assert.ok(report.features.includes(name), `${name} in ${report.features.join(', ')}`);
  }
});

test('joined features equal totals computed from the CSV, for users with and without transactions', () => {
  const distinct = new Set(userIds);
  assert.equal(features.size, distinct.size);
  const withTx = [...distinct].filter((id) => expected.has(id));
  const without = [...distinct].filter((id) => !expected.has(id));
  assert.ok(withTx.length > USERS / 2 && without.length > USERS / 10, `${withTx.length} with, ${without.length} without transactions`);
  assert.ok([...expected.keys()].every((id) => distinct.has(id)), 'every transaction belongs to a generated user');

  for (const id of withTx) {
    const f = features.get(id)!;
    const e = expected.get(id)!;
    const lastDay = Math.floor(e.last / DAY_MS);
    const firstDay = Math.floor(e.first / DAY_MS);
    assert.equal(f.has_tx, true, `user ${id}`);
    assert.equal(f.tx_count, e.count, `user ${id} tx_count`);
    assert.ok(Math.abs((f.total_spend_tx as number) - e.cents / 100) < 1e-6, `user ${id} total_spend_tx ${f.total_spend_tx} vs ${e.cents / 100}`);
    assert.equal(f.last_tx, e.last, `user ${id} last_tx`);
    assert.equal(f.first_tx, e.first, `user ${id} first_tx`);
    assert.equal(f.days_since_last_tx, AS_OF_DAY - lastDay, `user ${id} days_since_last_tx`);
    assert.equal(f.tx_tenure_days, AS_OF_DAY - firstDay, `user ${id} tx_tenure_days`);
    const perMonth = e.count / (Math.max(AS_OF_DAY - firstDay, 1) / 30.4375);
    assert.ok(Math.abs((f.tx_per_month as number) - perMonth) < 1e-9, `user ${id} tx_per_month ${f.tx_per_month} vs ${perMonth}`);
  }
  for (const id of without) {
    const f = features.get(id)!;
    assert.equal(f.has_tx, false, `user ${id}`);
    assert.equal(f.tx_count, 0, `user ${id} tx_count`);
    assert.equal(f.total_spend_tx, 0, `user ${id} total_spend_tx`);
    assert.equal(f.tx_per_month, 0, `user ${id} tx_per_month`);
    for (const name of ['last_tx', 'first_tx', 'days_since_last_tx', 'tx_tenure_days']) assert.equal(f[name], null, `user ${id} ${name} is null (imputed in training)`);
  }
});
