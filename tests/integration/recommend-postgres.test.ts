/**
 * Recommendations published to a real PostgreSQL table: `quiver gen interactions` → ingest →
 * recommend → sink (postgres), run by the CLI. The table holds k rows per user, ranks 1..k, no
 * item the user had seen in training, and a load record for the job.
 * Without PostgreSQL: fails when CI=true, skips otherwise.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lastJson, quiver } from '../e2e/cluster.js';
import { PG_SKIP_REASON, postgresOrSkip } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const pg = await postgresOrSkip();
const USERS = 1500;
const K = 4;

describe('recommend → postgres sink', { skip: pg === undefined ? PG_SKIP_REASON : false }, () => {
  let dir: TempDir;
  let table: string;
  const envName = `QUIVER_TEST_PG_RECS_URL_${process.pid}`;

  before(async () => {
    dir = await tempDir('quiver-recs-pg');
    table = pg!.table('recs');
  });
  after(async () => {
    await pg?.query(`delete from quiver_loads where target = $1`, [table]).catch(() => undefined);
    await pg?.cleanup();
    await dir?.cleanup();
  });

  test('every user gets k unseen items in the table, loaded once', async () => {
    const views = join(dir.path, 'views.csv');
    const gen = await quiver(['gen', 'interactions', '--users', String(USERS), '--items', '300', '--seed', '3', '--out', views, '--json']);
    assert.equal(gen.code, 0, gen.stderr);
    const spec = join(dir.path, 'recs.yaml');
    await writeFile(spec, `name: recs-pg
stages:
  - id: views
    op: ingest
    source: { uri: ${JSON.stringify(views)} }
  - id: heldout
    op: ingest
    source: { uri: ${JSON.stringify(join(dir.path, 'views-heldout.csv'))} }
  - id: recs
    op: recommend
    input: [views, heldout]
    user: user_id
    item: item_id
    weight: plays
    rank: 8
    iterations: 3
    k: ${K}
  - id: publish
    op: sink
    input: recs
    target: { kind: postgres, url: { env: ${envName} }, table: ${table} }
`);
    const r = await quiver(['run', spec, '--json', '--store', join(dir.path, 'store')], { [envName]: pg!.url });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const res = lastJson(r);
    assert.equal(res.status, 'succeeded');
    const [counts] = await pg!.query<{ rows: string; users: string; bad_ranks: string }>(
      `select count(*)::text as rows, count(distinct user_id)::text as users,
              count(*) filter (where rank < 1 or rank > ${K})::text as bad_ranks from "${table}"`,
    );
    assert.deepEqual(counts, { rows: String(USERS * K), users: String(USERS), bad_ranks: '0' });
    // No recommended item was seen in training.
    const seen = new Set((await readFile(views, 'utf8')).split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(',').slice(0, 2).join(',')));
    const rows = await pg!.query<{ user_id: string; item_id: string }>(`select user_id::text, item_id::text from "${table}"`);
    assert.equal(rows.filter((x) => seen.has(`${x.user_id},${x.item_id}`)).length, 0);
    const loads = await pg!.query<{ job_id: string; rows: string }>(`select job_id, rows::text from quiver_loads where target = $1`, [table]);
    assert.deepEqual(loads.map((l) => [l.job_id, l.rows]), [[res.jobId, String(USERS * K)]]);
  });
});
