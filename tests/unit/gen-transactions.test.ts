/**
 * `generateTransactions`: header, exact row count, determinism by seed, user ids that are the
 * matching users file's, activity inside each user's signup .. last-login window, and users
 * without any transaction.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inferCsvSchema } from '../../shared/formats/index.js';
import { generateTransactions, TRANSACTION_COLUMNS } from '../../coordinator/gen/transactions.js';
import { generateUsers } from '../../coordinator/gen/users.js';
import { QuiverError } from '../../shared/errors.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const USERS = 2000;
const ROWS = 15_000;
let dir: TempDir;
let csv: Uint8Array;
let lines: string[];
/** user_id → [signup_date, last_login] from the users file. */
const windows = new Map<number, [string, string]>();
const progress: number[] = [];

before(async () => {
  dir = await tempDir('quiver-gen-tx');
  await generateUsers({ rows: USERS, seed: 42, out: join(dir.path, 'users.csv') });
  const result = await generateTransactions({ users: USERS, rows: ROWS, seed: 42, out: join(dir.path, 'tx.csv'), onProgress: (done) => progress.push(done) });
  csv = await readFile(join(dir.path, 'tx.csv'));
  lines = new TextDecoder().decode(csv).trimEnd().split('\n');
  assert.equal(result.rows, ROWS);
  assert.equal(result.bytes, csv.length);
  for (const line of (await readFile(join(dir.path, 'users.csv'), 'utf8')).trimEnd().split('\n').slice(1)) {
    const f = line.split(',');
    windows.set(Number(f[0]), [f[2]!, f[3]!]);
  }
  assert.equal(result.users, windows.size, 'distinct users of the replayed file');
});
after(() => dir.cleanup());

test('writes a header and exactly the requested rows, with types ingest infers', () => {
  assert.equal(lines[0], TRANSACTION_COLUMNS.join(','));
  assert.equal(lines.length, ROWS + 1);
  assert.equal(progress.at(-1), ROWS);
  const info = inferCsvSchema(csv, { complete: true, sampleRows: ROWS });
  assert.deepEqual(Object.fromEntries(info.schema.fields.map((f) => [f.name, f.type])), { tx_id: 'int', user_id: 'int', ts: 'timestamp', amount: 'float', category: 'string' });
  assert.deepEqual(lines.slice(1, 4).map((l) => Number(l.split(',')[0])), [1, 2, 3]);
});

test('same seed → same bytes; another seed → other bytes; .ndjson.gz holds the same rows', async () => {
  await generateTransactions({ users: USERS, rows: ROWS, seed: 42, out: join(dir.path, 'again.csv') });
  assert.deepEqual(await readFile(join(dir.path, 'again.csv')), csv);
  await generateTransactions({ users: USERS, rows: ROWS, seed: 43, out: join(dir.path, 'other.csv') });
  assert.notDeepEqual(await readFile(join(dir.path, 'other.csv')), csv);
  await generateTransactions({ users: USERS, rows: ROWS, seed: 42, out: join(dir.path, 'tx.ndjson.gz') });
  const json = gunzipSync(await readFile(join(dir.path, 'tx.ndjson.gz'))).toString('utf8').trimEnd().split('\n');
  assert.equal(json.length, ROWS);
  const first = JSON.parse(json[0]!) as Record<string, unknown>;
  const [txId, userId, ts, amount, category] = lines[1]!.split(',');
  assert.deepEqual(first, { tx_id: Number(txId), user_id: Number(userId), ts, amount: Number(amount), category });
});

test('user ids are the users file\'s, inside each user\'s activity window; some users have none', () => {
  const seen = new Map<number, number>();
  let previous = { user: 0, ts: '' };
  for (const line of lines.slice(1)) {
    const [, id, ts, amount, category] = line.split(',');
    const user = Number(id);
    const w = windows.get(user);
    assert.ok(w !== undefined, `user ${user} is in the users file`);
    assert.ok(ts! >= w[0], `user ${user}: ${ts} before signup ${w[0]}`);
    if (w[1] !== '') assert.ok(ts!.slice(0, 10) <= w[1].slice(0, 10), `user ${user}: ${ts} after last login ${w[1]}`);
    assert.ok(ts! < '2025-07-01', ts);
    assert.ok(user > previous.user || (user === previous.user && ts! >= previous.ts), 'ordered by user, then time');
    assert.equal(Number(amount) < 0, category === 'refund', line);
    previous = { user, ts: ts! };
    seen.set(user, (seen.get(user) ?? 0) + 1);
  }
  const none = windows.size - seen.size;
  assert.ok(none / windows.size > 0.1 && none / windows.size < 0.5, `${none} of ${windows.size} users without transactions`);
  const ids = [...windows.keys()];
  assert.equal(Math.min(...ids), 100_001);
  assert.equal(Math.max(...ids), 100_000 + windows.size);
});

test('rejects bad options with OPTION_INVALID', async () => {
  const out = join(dir.path, 'bad.csv');
  for (const opts of [{ users: 0, rows: 1 }, { users: 10, rows: -1 }, { users: 10, rows: 1.5 }, { users: 10, rows: 1, seed: Number.NaN }]) {
    await assert.rejects(generateTransactions({ seed: 1, out, ...opts }), (e: unknown) => e instanceof QuiverError && e.code === 'OPTION_INVALID');
  }
  await assert.rejects(generateTransactions({ users: 10, rows: 1, seed: 1, out: join(dir.path, 'tx.parquet') }), (e: unknown) => e instanceof QuiverError && e.code === 'OPTION_INVALID');
});
