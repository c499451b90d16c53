/**
 * The join through the CLI in local mode: a users CSV joined with a transactions NDJSON (both
 * generated here), written as CSV; row counts and a checksum against a join computed here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { lastJson, quiver } from './cluster.js';

interface User {
  user_id: number;
  name: string;
  country: string | null;
}
interface Tx {
  tx_id: number;
  user_id: number | null;
  amount: number;
}

function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const rnd = prng(2024);
const users: User[] = Array.from({ length: 1500 }, (_, i) => ({
  user_id: i * 3 + 1,
  name: `user ${i}`,
  country: rnd() < 0.1 ? null : ['DE', 'FR', 'US', 'JP'][Math.floor(rnd() * 4)]!,
}));
// Transactions reference users, unknown users (ids not ≡ 1 mod 3) and no user at all.
const txs: Tx[] = Array.from({ length: 6000 }, (_, i) => ({
  tx_id: 100000 + i,
  user_id: rnd() < 0.05 ? null : Math.floor(rnd() * 4800),
  amount: Math.round(rnd() * 100000) / 100,
}));

/** A canonical line of one joined row; '' for null. */
const line = (vals: (string | number | null)[]): string => vals.map((v) => (v === null ? '' : String(v))).join('|');
const checksum = (lines: string[]): string => createHash('sha256').update([...lines].sort().join('\n')).digest('hex');

/** Reads every CSV part the write stage produced under `dir` (values have no quotes or commas). */
async function readCsvParts(dir: string): Promise<{ header: string[]; rows: string[][] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort();
  assert.ok(files.length >= 2, `several output parts, got ${files.join(', ')}`);
  let header: string[] = [];
  const rows: string[][] = [];
  for (const f of files) {
    const lines = (await readFile(join(dir, f), 'utf8')).split('\n').filter((l) => l !== '');
    header = lines[0]!.split(',');
    for (const l of lines.slice(1)) rows.push(l.split(','));
  }
  return { header, rows };
}

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-join-e2e');
  await writeFile(join(dir.path, 'users.csv'), ['user_id,name,country', ...users.map((u) => `${u.user_id},${u.name},${u.country ?? ''}`)].join('\n') + '\n');
  await writeFile(join(dir.path, 'tx.ndjson'), txs.map((t) => JSON.stringify(t)).join('\n') + '\n');
});
after(() => dir.cleanup());

const ingest = (id: string, file: string, schema: string): string => `  - id: ${id}\n    op: ingest\n    source: { uri: ${JSON.stringify(join(dir.path, file))}, schema: ${schema} }\n`;
const sources = (): string => ingest('users', 'users.csv', '{ user_id: int, name: string, country: string }') + ingest('tx', 'tx.ndjson', '{ tx_id: int, user_id: int, amount: float }');

test('local mode: a left hash join and an anti broadcast join of CSV users with NDJSON transactions', async () => {
  const out = join(dir.path, 'out');
  const spec = join(dir.path, 'join.yaml');
  await writeFile(
    spec,
    `name: joins\ndefaults: { shardRows: 700 }\nstages:\n${sources()}` +
      `  - id: enriched\n    op: join\n    input: [tx, users]\n    on: user_id\n    how: left\n    strategy: hash\n    partitions: 3\n` +
      `  - id: idle\n    op: join\n    input: [users, tx]\n    on: user_id\n    how: anti\n` +
      `  - id: save\n    op: write\n    input: enriched\n    format: csv\n    uri: ${JSON.stringify(join(out, 'enriched'))}\n` +
      `  - id: save_idle\n    op: write\n    input: idle\n    format: csv\n    uri: ${JSON.stringify(join(out, 'idle'))}\n`,
  );
  const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'store')]);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const res = lastJson(r);
  assert.equal(res.status, 'succeeded');

  // The reference join.
  const byId = new Map(users.map((u) => [u.user_id, u]));
  const enriched = txs.map((t) => {
    const u = t.user_id === null ? undefined : byId.get(t.user_id);
    return line([t.tx_id, t.user_id, t.amount.toString(), u?.name ?? null, u?.country ?? null]);
  });
  const used = new Set(txs.map((t) => t.user_id));
  const idle = users.filter((u) => !used.has(u.user_id)).map((u) => line([u.user_id, u.name, u.country]));
  const matched = txs.filter((t) => t.user_id !== null && byId.has(t.user_id)).length;
  assert.ok(matched > 1000 && matched < txs.length - 1000, `a mix of matched (${matched}) and unmatched transactions`);
  assert.ok(idle.length > 50, `some users have no transactions (${idle.length})`);

  const stage = (id: string) => res.stages.find((s) => s.id === id)!;
  assert.equal(stage('enriched').rowsIn, txs.length, 'a join counts its left rows in');
  assert.equal(stage('enriched').rowsOut, txs.length, 'a left join with unique right keys keeps every left row');
  assert.equal(stage('enriched').tasks.phases, 2, 'hash join: partition, then join');
  assert.equal(stage('idle').tasks.phases, 1, 'auto picked a broadcast join for the small right side');
  assert.equal(stage('idle').rowsOut, idle.length);
  assert.equal(res.records.in, users.length + txs.length);
  assert.equal(res.records.out, txs.length + idle.length);

  const e = await readCsvParts(join(out, 'enriched'));
  assert.deepEqual(e.header, ['tx_id', 'user_id', 'amount', 'name', 'country']);
  assert.equal(e.rows.length, txs.length);
  const got = e.rows.map((row) => line([row[0]!, row[1]!, Number(row[2]).toString(), row[3]!, row[4]!].map((v) => (v === '' ? null : v))));
  assert.equal(checksum(got), checksum(enriched), 'enriched rows equal the reference join');
  const i = await readCsvParts(join(out, 'idle'));
  assert.deepEqual(i.header, ['user_id', 'name', 'country']);
  assert.equal(checksum(i.rows.map((row) => line(row.map((v) => (v === '' ? null : v))))), checksum(idle), 'idle users equal the reference anti join');
});

test('local mode: duplicate right keys fail the job with counts and example keys', async () => {
  const spec = join(dir.path, 'dups.yaml');
  await writeFile(spec, `name: dups\nstages:\n${sources()}  - id: bad\n    op: join\n    input: [users, tx]\n    on: user_id\n`);
  const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'store')]);
  assert.equal(r.code, 1, r.stderr.slice(-3000));
  const res = lastJson(r);
  assert.equal(res.status, 'failed');
  const counts = new Map<number, number>();
  for (const t of txs) if (t.user_id !== null) counts.set(t.user_id, (counts.get(t.user_id) ?? 0) + 1);
  const dupKeys = [...counts.values()].filter((c) => c > 1);
  const err = res.errors[0]!;
  assert.equal(err.code, 'INPUT_INVALID');
  assert.ok(err.message.includes(`the right input 'tx' holds ${dupKeys.length} key(s) of (user_id) on more than one row (${dupKeys.reduce((n, c) => n + c - 1, 0)} row(s) beyond the first`), err.message);
  assert.match(err.message, /e\.g\. user_id=\d+ \(\d+ rows\)/);
});
