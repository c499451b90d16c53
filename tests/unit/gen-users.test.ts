import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readColumn } from '../../shared/arrow/columns.js';
import { inferCsvSchema, readCsv } from '../../shared/formats/index.js';
import { generateUsers, USER_COLUMNS } from '../../coordinator/gen/users.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const ROWS = 20_000;
let dir: TempDir;
let csv: Uint8Array;
let progress: number[] = [];

before(async () => {
  dir = await tempDir('quiver-gen');
  progress = [];
  const result = await generateUsers({ rows: ROWS, seed: 42, out: join(dir.path, 'users.csv'), onProgress: (done) => progress.push(done) });
  csv = await readFile(join(dir.path, 'users.csv'));
  assert.equal(result.rows, ROWS);
  assert.equal(result.bytes, csv.length);
  assert.ok(result.seconds > 0 && result.seconds < 10, `took ${result.seconds}s`);
});
after(() => dir.cleanup());

function table() {
  const info = inferCsvSchema(csv, { complete: true, sampleRows: ROWS });
  const r = readCsv(csv, { schema: info.schema, columns: info.columns, header: true });
  assert.equal(r.quarantine.length, 0, JSON.stringify(r.quarantine.slice(0, 2)));
  return { info, t: r.tables[0]! };
}

test('writes the requested rows under a header of every column, reporting progress', () => {
  const text = new TextDecoder().decode(csv);
  const lines = text.split('\n');
  assert.equal(lines[0], USER_COLUMNS.join(','));
  assert.equal(lines.length, ROWS + 2, 'header + rows + the empty string after the final newline');
  assert.equal(progress.at(-1), ROWS);
  assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]!));
});

test('columns parse as the types a churn model expects', () => {
  const { info, t } = table();
  assert.equal(t.numRows, ROWS);
  const types = Object.fromEntries(info.schema.fields.map((f) => [f.name, f.type]));
  assert.deepEqual(types, {
    user_id: 'int', email: 'string', signup_date: 'date', last_login: 'timestamp', country: 'string', city: 'string', age: 'int', gender: 'string',
    plan: 'string', device: 'string', monthly_spend: 'float', total_spend: 'float', tenure_months: 'int', sessions_30d: 'int', avg_session_min: 'float',
    support_tickets: 'int', is_promo: 'bool', nps: 'int', churned: 'int',
  });
});

test('same seed → same bytes; another seed → other bytes', async () => {
  await generateUsers({ rows: ROWS, seed: 42, out: join(dir.path, 'again.csv') });
  assert.deepEqual(await readFile(join(dir.path, 'again.csv')), csv);
  await generateUsers({ rows: ROWS, seed: 43, out: join(dir.path, 'other.csv') });
  assert.notDeepEqual(await readFile(join(dir.path, 'other.csv')), csv);
});

test('dirt is present: missing values, malformed emails, messy countries, impossible ages, duplicates', () => {
  const { t } = table();
  const col = (name: string) => readColumn(t, name);
  const missing = (name: string): number => col(name).filter((v) => v === null).length / ROWS;
  for (const name of ['age', 'city', 'gender', 'monthly_spend', 'sessions_30d', 'last_login']) {
    const m = missing(name);
    assert.ok(m >= 0.01 && m <= 0.06, `${name} missing ${m}`);
  }
  assert.ok(missing('nps') > 0.4, 'nps is often missing');
  assert.equal(missing('user_id'), 0);
  assert.equal(missing('churned'), 0);
  const emails = col('email').filter((e): e is string => typeof e === 'string');
  const bad = emails.filter((e) => !/^[a-z0-9.]+@[a-z0-9]+\.[a-z.]+$/.test(e)).length / ROWS;
  assert.ok(bad > 0.003 && bad < 0.03, `malformed emails ${bad}`);
  const countries = col('country').filter((c): c is string => typeof c === 'string');
  assert.ok(countries.some((c) => c !== c.trim()) && countries.some((c) => /^[A-Z][a-z]$/.test(c)), 'spaces and mixed case');
  assert.ok(countries.filter((c) => c === 'US').length / ROWS > 0.25, 'US dominates');
  const ages = col('age').filter((a): a is number => typeof a === 'number');
  assert.ok(ages.some((a) => a < 0) && ages.some((a) => a > 150), 'impossible ages');
  const lines = new TextDecoder().decode(csv).split('\n').slice(1, -1);
  const dups = lines.length - new Set(lines).size;
  assert.ok(dups > 0 && dups < ROWS * 0.005, `duplicates ${dups}`);
  const ids = col('user_id');
  assert.equal(new Set(ids).size, ROWS - dups, 'user ids are unique apart from duplicated rows');
  const spend = col('monthly_spend');
  const total = col('total_spend');
  let below = 0;
  let both = 0;
  spend.forEach((m, i) => {
    const tot = total[i];
    if (typeof m === 'number' && typeof tot === 'number' && m > 0) {
      both++;
      if (tot < m) below++;
    }
  });
  assert.ok(below > 0 && below / both < 0.05, 'total_spend is mostly ≥ monthly_spend');
});

test('churn is learnable: it falls with tenure and sessions and rises with support tickets', () => {
  const { t } = table();
  const churned = readColumn(t, 'churned') as number[];
  const rate = (name: string, pick: (v: number) => boolean): number => {
    const col = readColumn(t, name);
    let n = 0;
    let c = 0;
    col.forEach((v, i) => {
      if (typeof v === 'number' && pick(v)) {
        n++;
        c += churned[i]!;
      }
    });
    return c / n;
  };
  const overall = churned.reduce((s, v) => s + v, 0) / ROWS;
  assert.ok(overall > 0.1 && overall < 0.5, `churn rate ${overall}`);
  const newUsers = rate('tenure_months', (v) => v < 12);
  const oldUsers = rate('tenure_months', (v) => v >= 36);
  assert.ok(newUsers > 1.5 * oldUsers, `tenure < 12: ${newUsers}, ≥ 36: ${oldUsers}`);
  assert.ok(rate('support_tickets', (v) => v >= 2) > 1.3 * rate('support_tickets', (v) => v === 0));
  assert.ok(rate('sessions_30d', (v) => v < 8) > 1.3 * rate('sessions_30d', (v) => v >= 20));
});

test('NDJSON with gzip: one JSON object per line with every column', async () => {
  const out = join(dir.path, 'users.ndjson.gz');
  const r = await generateUsers({ rows: 500, seed: 1, out });
  assert.equal(r.rows, 500);
  const lines = new TextDecoder().decode(gunzipSync(await readFile(out))).trimEnd().split('\n');
  assert.equal(lines.length, 500);
  for (const line of lines) assert.deepEqual(Object.keys(JSON.parse(line) as object), USER_COLUMNS);
});

test('options are checked: unknown extension, negative rows', async () => {
  await assert.rejects(generateUsers({ rows: 1, seed: 1, out: join(dir.path, 'u.xlsx') }), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /\.csv, \.ndjson/.test(e.message));
  await assert.rejects(generateUsers({ rows: -1, seed: 1, out: join(dir.path, 'u.csv') }), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID');
});
