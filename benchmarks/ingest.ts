/**
 * `npm run bench -- ingest [--rows N]`: a generated N-row CSV (default 1M) → Arrow shards in the
 * store. Side by side in one run: pandas.read_csv on the same file (Debian's python3-pandas),
 * local mode (in-memory bus, local folder, 2 threads), and NATS + S3 (s3rver) with 1 and 2
 * worker processes of 2 threads each.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateUsers } from '../coordinator/gen/users.js';
import { createBus } from '../shared/bus/index.js';
import type { JobSpec } from '../shared/spec/types.js';
import { createStore } from '../shared/store/index.js';
import { startNats } from '../tests/helpers/nats.js';
import { randomBucket, startS3 } from '../tests/helpers/s3server.js';
import { tempDir } from '../tests/helpers/tmp.js';
import type { Row } from './harness.js';
import { printTable, python, runCluster, runJob } from './harness.js';

export async function benchIngest(args: { rows: number }): Promise<Row[]> {
  const file = resolve(`data/bench/users-${args.rows}.csv`);
  if (!existsSync(file)) {
    await mkdir(resolve('data/bench'), { recursive: true });
    await generateUsers({ rows: args.rows, seed: 7, out: file });
  }
  const mb = statSync(file).size / 2 ** 20;
  const spec: JobSpec = { name: 'bench-ingest', stages: [{ id: 'raw', op: 'ingest', source: { uri: file, format: 'csv' } }] };
  const rows: Row[] = [];
  const add = (scenario: string, seconds: number, extra: Record<string, string | number> = {}): void => {
    rows.push({ scenario, rows: args.rows, MB: mb, seconds, 'rows/s': args.rows / seconds, 'MB/s': mb / seconds, ...extra });
  };

  const pd = python(`import time, pandas\nt=time.perf_counter()\ndf=pandas.read_csv(${JSON.stringify(file)})\nprint(time.perf_counter()-t, len(df))`, 'pandas.read_csv');
  if (pd !== undefined) add('pandas.read_csv (1 core)', pd.seconds);

  const dir = await tempDir('quiver-bench-ingest');
  const nats = await startNats();
  const s3 = await startS3();
  try {
    const local = await runJob(await createBus({}), createStore(), { root: dir.path }, spec, 2, 'local');
    add('quiver local (memory bus, folder, 2 threads)', local.seconds, { shards: local.result.outputs[0]?.files ?? 0 });
    const s3opts = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
    const env = { natsUrl: nats.url, s3: s3opts, store: createStore({ s3: s3opts }) };
    for (const workers of [1, 2]) {
      const root = `s3://${randomBucket('qbench')}/ingest`;
      const run = await runCluster(env, spec, workers, root);
      add(`quiver NATS + S3, ${workers} worker process(es) x 2 threads`, run.seconds, { shards: run.result.outputs[0]?.files ?? 0 });
      await env.store.deletePrefix(`${root}/`);
    }
  } finally {
    await s3.stop();
    await nats.stop();
    await dir.cleanup();
  }
  const base = rows.find((r) => r.scenario.startsWith('pandas'));
  if (base !== undefined) for (const r of rows) r['x pandas time'] = (r.seconds as number) / (base.seconds as number);
  printTable(`ingest: ${args.rows.toLocaleString('en-US')}-row CSV (${mb.toFixed(1)} MB) → Arrow shards`, rows);
  return rows;
}
