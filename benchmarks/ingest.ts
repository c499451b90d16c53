/**
 * `npm run bench -- ingest [--rows N]`: a generated N-row CSV (default 1M) → Arrow shards in the
 * store. Side by side in one run: pandas.read_csv on the same file (Debian's python3-pandas),
 * local mode (in-memory bus, local folder, 2 threads), and NATS + S3 (s3rver) with 1 and 2
 * worker processes of 2 threads each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateUsers } from '../coordinator/gen/users.js';
import { createBus } from '../shared/bus/index.js';
import type { JobSpec } from '../shared/spec/types.js';
import { createStore } from '../shared/store/index.js';
import { startNats } from '../tests/helpers/nats.js';
import { randomBucket, startS3 } from '../tests/helpers/s3server.js';
import { tempDir } from '../tests/helpers/tmp.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { jobResult } from '../coordinator/job-state.js';
import type { Row } from './harness.js';
import { printTable, runJob } from './harness.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function pandas(file: string): number | undefined {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['-c', `import time, pandas\nt=time.perf_counter()\ndf=pandas.read_csv(${JSON.stringify(file)})\nprint(time.perf_counter()-t, len(df))`], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`pandas not measured (${py}: ${r.stderr.trim().split('\n').pop() ?? 'failed'}); install python3-pandas from apt`);
    return undefined;
  }
  return Number(r.stdout.trim().split(' ')[0]);
}

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

  const pd = pandas(file);
  if (pd !== undefined) add('pandas.read_csv (1 core)', pd);

  const dir = await tempDir('quiver-bench-ingest');
  const nats = await startNats();
  const s3 = await startS3();
  try {
    const local = await runJob(await createBus({}), createStore(), { root: dir.path }, spec, 2, 'local');
    add('quiver local (memory bus, folder, 2 threads)', local.seconds, { shards: local.result.outputs[0]?.files ?? 0 });

    const s3opts = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
    const store = createStore({ s3: s3opts });
    const env = { ...process.env, QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey };
    for (const workers of [1, 2]) {
      const ns = `qbi${Math.random().toString(36).slice(2, 8)}`;
      const bus = await createBus({ nats: nats.url, namespace: ns });
      const procs = Array.from({ length: workers }, () => spawn(process.execPath, [CLI, 'worker', '--nats', nats.url, '--namespace', ns, '--threads', '2'], { env, stdio: 'ignore' }));
      try {
        const deadline = Date.now() + 20_000;
        while ((await bus.workers.keys()).length < workers) {
          if (Date.now() > deadline) throw new Error('workers did not start');
          await new Promise((r) => setTimeout(r, 100));
        }
        const root = `s3://${randomBucket('qbench')}/ingest`;
        const coordinator = new Coordinator(bus, store, { mode: 'cluster', store: { root, s3: { endpoint: s3.endpoint } } });
        await coordinator.start();
        const t0 = performance.now();
        const state = await coordinator.submit(spec);
        const final = jobResult(await coordinator.wait(state.jobId));
        const seconds = (performance.now() - t0) / 1000;
        await coordinator.close();
        if (final.status !== 'succeeded') throw new Error(JSON.stringify(final.errors));
        add(`quiver NATS + S3, ${workers} worker process(es) x 2 threads`, seconds, { shards: final.outputs[0]?.files ?? 0 });
        await store.deletePrefix(`${root}/`);
      } finally {
        for (const p of procs) p.kill('SIGTERM');
        const destroy = (bus as { destroy?: () => Promise<void> }).destroy;
        if (destroy !== undefined) await destroy.call(bus);
        await bus.close();
      }
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
