/**
 * Ingest from s3:// sources (a glob over plain and gzipped CSV) into a store on S3, through local
 * mode, against a real S3 server: same rows as reading the files from the local disk.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { runLocal } from '../../cli/local-run.js';
import { readColumn } from '../../shared/arrow/columns.js';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { generateUsers } from '../../coordinator/gen/users.js';
import { createStore } from '../../shared/store/index.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { randomBucket, removeBucket, startS3 } from '../helpers/s3server.js';
import type { S3Server } from '../helpers/s3server.js';
import { tempDir } from '../helpers/tmp.js';

let s3: S3Server;
let store: ObjectStore;
let bucket: string;
let dir: { path: string; cleanup(): Promise<void> };

before(async () => {
  s3 = await startS3();
  dir = await tempDir('quiver-ingest-s3');
  bucket = randomBucket('qingest');
  store = createStore({ s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey } });
});

after(async () => {
  await removeBucket(s3, bucket).catch(() => undefined);
  await s3.stop();
  await dir.cleanup();
});

test('a glob of s3:// CSV and CSV.gz files ingests every row exactly once', async () => {
  const a = join(dir.path, 'a.csv');
  const b = join(dir.path, 'b.csv');
  await generateUsers({ rows: 7000, seed: 1, out: a });
  await generateUsers({ rows: 5000, seed: 2, out: b });
  await store.put(`s3://${bucket}/in/part-a.csv`, await readFile(a));
  await store.put(`s3://${bucket}/in/part-b.csv.gz`, gzipSync(await readFile(b)));
  await store.put(`s3://${bucket}/in/notes.txt`, new TextEncoder().encode('not matched by the glob'));

  const s3opts = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
  const spec = (uri: string) => ({
    name: 'ingest-s3',
    defaults: { shardRows: 2000 },
    stages: [
      { id: 'raw', op: 'ingest', source: { uri, format: 'csv' as const } },
      { id: 'by_plan', op: 'aggregate', input: 'raw', by: ['plan'], aggs: [{ fn: 'count', as: 'n' }, { fn: 'sum', column: 'total_spend', as: 'spend' }] },
    ],
  });
  const fromS3 = await runLocal(spec(`s3://${bucket}/in/part-*`), { storeRoot: `s3://${bucket}/store`, s3: s3opts, threads: 2 });
  assert.equal(fromS3.status, 'succeeded', JSON.stringify(fromS3.errors));
  assert.equal(fromS3.records.in, 12_000);
  assert.equal(fromS3.stages[0]!.tasks.total, 4 + 1, '7000 rows in 2000-row ranges, plus one task for the .gz');
  assert.ok(fromS3.outputs[0]!.uri.startsWith(`s3://${bucket}/store/`));

  await writeFile(join(dir.path, 'b.csv.gz'), gzipSync(await readFile(b)));
  const fromDisk = await runLocal(spec(join(dir.path, '{a.csv,b.csv.gz}')), { storeRoot: join(dir.path, 'store'), threads: 2 });
  assert.equal(fromDisk.status, 'succeeded', JSON.stringify(fromDisk.errors));
  assert.deepEqual(fromS3.records, fromDisk.records);
  const rows = async (uri: string) => {
    const out: string[] = [];
    for (const f of await store.list(uri)) {
      const t = decodeTable(await store.get(f.uri));
      const plan = readColumn(t, 'plan');
      const n = readColumn(t, 'n');
      const spend = readColumn(t, 'spend');
      plan.forEach((p, i) => out.push(`${String(p)}:${String(n[i])}:${Number(spend[i]).toFixed(2)}`));
    }
    return out.sort();
  };
  assert.deepEqual(await rows(fromS3.outputs[0]!.uri), await rows(fromDisk.outputs[0]!.uri));
});
