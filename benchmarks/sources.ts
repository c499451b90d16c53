/**
 * `npm run bench -- sources [--rows N]`: rows/s and MB/s of ingest per file format at N rows
 * (default 1M), from the same generated users table: CSV, CSV.gz, NDJSON, JSON array, and
 * folders of Arrow IPC and Parquet parts. Side by side in one run: pandas on the same files
 * (read_csv, read_json; Debian's python3-pandas has no Arrow/Parquet engine), quiver local mode
 * (2 threads) and quiver on NATS + S3 with 2 worker processes of 2 threads.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateUsers } from '../coordinator/gen/users.js';
import { createBus } from '../shared/bus/index.js';
import type { JobSpec } from '../shared/spec/types.js';
import { createStore } from '../shared/store/index.js';
import { startNats } from '../tests/helpers/nats.js';
import { randomBucket, startS3 } from '../tests/helpers/s3server.js';
import { tempDir } from '../tests/helpers/tmp.js';
import type { Row } from './harness.js';
import { printTable, python, runCluster, runJob } from './harness.js';

interface FormatCase {
  name: string;
  /** File or folder (ending with '/') to ingest. */
  path: string;
  format: string;
  /** pandas statement reading `p` into `df`, or null when pandas cannot read it here. */
  pandas: string | null;
}

function sizeOf(path: string): number {
  if (!path.endsWith('/')) return statSync(path).size;
  return readdirSync(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);
}

/** Makes the input files once (cached under data/bench/). */
async function prepare(rows: number): Promise<FormatCase[]> {
  const dir = resolve('data/bench');
  await mkdir(dir, { recursive: true });
  const csv = join(dir, `users-${rows}.csv`);
  if (!existsSync(csv)) await generateUsers({ rows, seed: 7, out: csv });
  const gz = `${csv}.gz`;
  if (!existsSync(gz)) await pipeline(createReadStream(csv), createGzip({ level: 6 }), createWriteStream(gz));
  const ndjson = join(dir, `users-${rows}.ndjson`);
  const json = join(dir, `users-${rows}.json`);
  if (!existsSync(ndjson) || !existsSync(json)) {
    const made = python(
      `import pandas, time\ndf = pandas.read_csv(${JSON.stringify(csv)}, dtype=str, keep_default_na=False)\n` +
        `df = df.replace('', None)\ndf.to_json(${JSON.stringify(ndjson)}, orient='records', lines=True)\ndf.to_json(${JSON.stringify(json)}, orient='records')\nprint(0, len(df))`,
      'NDJSON/JSON conversion (pandas)',
    );
    if (made === undefined) throw new Error('install python3-pandas from apt: the benchmark converts the CSV to NDJSON and JSON with it');
  }
  const cases: FormatCase[] = [
    { name: 'CSV', path: csv, format: 'csv', pandas: 'pandas.read_csv(p)' },
    { name: 'CSV.gz', path: gz, format: 'csv', pandas: 'pandas.read_csv(p)' },
    { name: 'NDJSON', path: ndjson, format: 'ndjson', pandas: 'pandas.read_json(p, lines=True)' },
    { name: 'JSON array', path: json, format: 'json', pandas: 'pandas.read_json(p)' },
  ];
  for (const fmt of ['arrow', 'parquet'] as const) {
    const folder = join(dir, `users-${rows}-${fmt}`);
    if (!existsSync(folder)) {
      const spec: JobSpec = {
        name: `bench-make-${fmt}`,
        stages: [
          { id: 'raw', op: 'ingest', source: { uri: csv, format: 'csv' } },
          { id: 'out', op: 'write', input: 'raw', format: fmt, uri: folder },
        ],
      };
      const made = await tempDir('quiver-bench-make');
      try {
        await runJob(await createBus({}), createStore(), { root: made.path }, spec, 2, 'local');
      } finally {
        await made.cleanup();
      }
    }
    cases.push({ name: `${fmt === 'arrow' ? 'Arrow IPC' : 'Parquet'} (${readdirSync(folder).length} parts)`, path: `${folder}/`, format: fmt, pandas: null });
  }
  return cases;
}

export async function benchSources(args: { rows: number }): Promise<Row[]> {
  const cases = await prepare(args.rows);
  const rows: Row[] = [];
  const nats = await startNats();
  const s3 = await startS3();
  const dir = await tempDir('quiver-bench-sources');
  const env = { natsUrl: nats.url, s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey }, store: createStore({ s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey } }) };
  try {
    for (const c of cases) {
      const mb = sizeOf(c.path) / 2 ** 20;
      const add = (scenario: string, seconds: number, n: number, base?: number): void => {
        rows.push({ format: c.name, scenario, rows: n, MB: mb, seconds, 'rows/s': n / seconds, 'MB/s': mb / seconds, 'x pandas time': base === undefined ? '' : seconds / base });
      };
      let base: number | undefined;
      if (c.pandas !== null) {
        const pd = python(`import time, pandas\np=${JSON.stringify(c.path)}\nt=time.perf_counter()\ndf=${c.pandas}\nprint(time.perf_counter()-t, len(df))`, `pandas on ${c.name}`);
        if (pd !== undefined) {
          base = pd.seconds;
          add(`${c.pandas.split("(")[0]} (1 core)`, pd.seconds, pd.rows, base);
        }
      }
      const spec: JobSpec = { name: 'bench-sources', stages: [{ id: 'raw', op: 'ingest', source: { uri: c.path, format: c.format } }] };
      const local = await runJob(await createBus({}), createStore(), { root: dir.path }, spec, 2, 'local');
      add('quiver local, 2 threads', local.seconds, local.result.records.out, base);
      const root = `s3://${randomBucket('qbsrc')}/sources`;
      const cluster = await runCluster(env, spec, 2, root);
      add('quiver NATS + S3, 2 workers x 2 threads', cluster.seconds, cluster.result.records.out, base);
      await env.store.deletePrefix(`${root}/`);
      console.error(`${c.name}: done`);
    }
  } finally {
    await s3.stop();
    await nats.stop();
    await dir.cleanup();
  }
  printTable(`sources: ${args.rows.toLocaleString('en-US')} rows per format → Arrow shards`, rows);
  return rows;
}
