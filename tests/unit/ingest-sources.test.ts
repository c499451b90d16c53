import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../../shared/store/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { expandSources, extensionOf, globToRegExp } from '../../shared/connectors/files/sources.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('quiver-sources');
  await mkdir(join(dir.path, 'logs/2025/07'), { recursive: true });
  for (const f of ['a.csv', 'b.csv', 'c.tsv', 'd.jsonl.gz', '.hidden.csv', 'logs/x.ndjson', 'logs/2025/07/y.ndjson', 'logs/2025/07/z.txt']) {
    await writeFile(join(dir.path, f), 'x\n');
  }
});
after(() => dir.cleanup());

test('globToRegExp: *, **, ?, classes and alternatives', () => {
  const m = (glob: string, uri: string): boolean => globToRegExp(glob).test(uri);
  assert.ok(m('s3://b/data/*.csv', 's3://b/data/a.csv'));
  assert.ok(!m('s3://b/data/*.csv', 's3://b/data/sub/a.csv'), '* stays in one segment');
  assert.ok(m('s3://b/logs/**/*.jsonl', 's3://b/logs/2025/07/x.jsonl'));
  assert.ok(m('s3://b/logs/**/*.jsonl', 's3://b/logs/x.jsonl'), '**/ matches zero folders');
  assert.ok(m('s3://b/part-?.csv', 's3://b/part-1.csv') && !m('s3://b/part-?.csv', 's3://b/part-10.csv'));
  assert.ok(m('s3://b/part-[0-4].csv', 's3://b/part-3.csv') && !m('s3://b/part-[!0-4].csv', 's3://b/part-3.csv'));
  assert.ok(m('s3://b/x.{csv,tsv}', 's3://b/x.tsv') && !m('s3://b/x.{csv,tsv}', 's3://b/x.json'));
  assert.ok(!m('s3://b/a.csv', 's3://b/aXcsv'), 'dots are literal');
});

test('extensionOf reads through .gz', () => {
  assert.deepEqual(extensionOf('s3://b/k/users.CSV.gz'), { ext: 'csv', gzip: true });
  assert.deepEqual(extensionOf('/x/y'), { ext: '', gzip: false });
});

test('local: globs (sorted), folders with or without a slash, explicit files; hidden files and unknown extensions skipped', async () => {
  const store = new LocalStore();
  const opts = { format: 'auto' as const, path: 'stages[0]' };
  const names = async (patterns: string[]): Promise<string[]> => (await expandSources(store, patterns, opts)).map((f) => f.uri.slice(dir.path.length + 1));
  assert.deepEqual(await names([join(dir.path, '*.csv')]), ['a.csv', 'b.csv']);
  assert.deepEqual(await names([join(dir.path, 'logs/**/*.ndjson')]), ['logs/2025/07/y.ndjson', 'logs/x.ndjson']);
  assert.deepEqual(await names([join(dir.path, 'logs/')]), ['logs/2025/07/y.ndjson', 'logs/x.ndjson']);
  assert.deepEqual(await names([join(dir.path, 'logs')]), ['logs/2025/07/y.ndjson', 'logs/x.ndjson']);
  assert.deepEqual(await names([join(dir.path, 'b.csv'), join(dir.path, '*.csv')]), ['b.csv', 'a.csv'], 'pattern order, no duplicates');
  const files = await expandSources(store, [join(dir.path, 'c.tsv'), join(dir.path, 'd.jsonl.gz')], opts);
  assert.deepEqual(
    files.map((f) => [f.format, f.gzip, f.delimiter]),
    [
      ['csv', false, '\t'],
      ['ndjson', true, ','],
    ],
  );
});

/** Just enough of a store for listing s3:// keys. */
class ListingStore implements Partial<ObjectStore> {
  constructor(private readonly keys: string[]) {}
  async list(prefix: string): Promise<ObjectInfo[]> {
    return this.keys.filter((k) => k.startsWith(prefix)).map((uri) => ({ uri, size: 10 }));
  }
  async head(uri: string): Promise<ObjectInfo | null> {
    return this.keys.includes(uri) ? { uri, size: 10 } : null;
  }
}

test('s3: globs list the static prefix and match full URIs; prefixes list data files', async () => {
  const store = new ListingStore([
    's3://lake/raw/2025-07-01/users.csv',
    's3://lake/raw/2025-07-02/users.csv.gz',
    's3://lake/raw/2025-07-02/_SUCCESS',
    's3://lake/raw/2025-07-02/events.jsonl',
    's3://lake/rawish/users.csv',
  ]) as unknown as ObjectStore;
  const opts = { format: 'auto' as const, path: 'stages[0]' };
  const uris = async (p: string): Promise<string[]> => (await expandSources(store, [p], opts)).map((f) => f.uri);
  assert.deepEqual(await uris('s3://lake/raw/*/users.csv*'), ['s3://lake/raw/2025-07-01/users.csv', 's3://lake/raw/2025-07-02/users.csv.gz']);
  assert.deepEqual(await uris('s3://lake/raw/'), ['s3://lake/raw/2025-07-01/users.csv', 's3://lake/raw/2025-07-02/users.csv.gz', 's3://lake/raw/2025-07-02/events.jsonl']);
  await assert.rejects(uris('s3://lake/raw/*.parquet'), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && e.message.includes('s3://lake/raw/*.parquet'));
});
