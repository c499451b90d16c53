/**
 * `npm run bench -- recs [--users 1000000] [--items 10000] [--rank 64] [--iterations 5]
 * [--skip-cluster] [--skip-python]`: implicit ALS and top-10 scoring for every user, on the same
 * `quiver gen interactions` data (cached under data/bench/), in the same run:
 *
 *  - numpy + scipy (benchmarks/recs/numpy_recs.py: vectorized CG ALS, sgemm + argpartition
 *    scoring), which also measures numpy's float32 matmul peak on this machine;
 *  - quiver local (`quiver run`, 2 threads);
 *  - quiver on NATS + S3 with 2 worker processes (nats-server and an S3 server on the same cores).
 *
 * Reports ALS seconds per iteration, scoring users/s and GFLOP/s (2 · users · items · rank ÷
 * scoring seconds: the work a full product would do), that as a share of numpy's peak, and the
 * held-out recall/NDCG@10 of each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as stringifyYaml } from 'yaml';
import { generateInteractions, heldOutPath } from '../coordinator/gen/interactions.js';
import type { JobResult } from '../shared/job.js';
import type { RecSummary } from '../shared/operators/recommend.js';
import { loadSpec } from '../shared/spec/load.js';
import { createStore } from '../shared/store/index.js';
import type { ObjectStore } from '../shared/store/types.js';
import { startNats } from '../tests/helpers/nats.js';
import { randomBucket, startS3 } from '../tests/helpers/s3server.js';
import { tempDir } from '../tests/helpers/tmp.js';
import type { Row } from './harness.js';
import { machine, printTable, PYTHON, runCluster } from './harness.js';

export interface RecsBenchOptions {
  users: number;
  items: number;
  rank: number;
  iterations: number;
  skipCluster: boolean;
  skipPython: boolean;
}

interface EngineRun {
  engine: string;
  alsSecondsPerIteration: number;
  scoringSeconds: number;
  usersPerSecond: number;
  gflops: number;
  recall: number;
  ndcg: number;
  loadBefore: number;
  raw: unknown;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const K = 10;
const REG = 0.1;
const ALPHA = 40;

async function dataFiles(users: number, items: number): Promise<{ train: string; heldOut: string }> {
  const train = resolve(`data/bench/interactions-${users}x${items}.csv`);
  const heldOut = heldOutPath(train);
  if (!existsSync(train) || !existsSync(heldOut)) {
    await mkdir(resolve('data/bench'), { recursive: true });
    await generateInteractions({ users, items, seed: 7, out: train, heldOutOut: heldOut });
  }
  return { train, heldOut };
}

function specOf(o: RecsBenchOptions, train: string, heldOut: string): Record<string, unknown> {
  return {
    name: 'recs-bench',
    stages: [
      { id: 'train', op: 'ingest', source: { uri: train } },
      { id: 'heldout', op: 'ingest', source: { uri: heldOut } },
      { id: 'recs', op: 'recommend', input: ['train', 'heldout'], user: 'user_id', item: 'item_id', weight: 'plays', rank: o.rank, reg: REG, alpha: ALPHA, iterations: o.iterations, k: K, similarItems: 10 },
    ],
  };
}

function load1(): number {
  const load = loadavg()[0] ?? NaN;
  if (load > 1.5) console.error(`warning: load average ${load.toFixed(1)} before this run: other processes share the cores, so its times are inflated`);
  return load;
}

async function recReport(store: ObjectStore, result: JobResult): Promise<RecSummary> {
  const stage = result.stages.find((s) => s.op === 'recommend')!;
  return JSON.parse(new TextDecoder().decode(await store.get(stage.report!.json))) as RecSummary;
}

function fromQuiver(engine: string, s: RecSummary, loadBefore: number, raw: unknown): EngineRun {
  return {
    engine,
    alsSecondsPerIteration: s.alsSecondsPerIteration ?? NaN,
    scoringSeconds: s.scoring.seconds ?? NaN,
    usersPerSecond: s.scoring.usersPerSecond ?? NaN,
    gflops: s.scoring.gflopsPerSecond ?? NaN,
    recall: s.metrics?.model.recall ?? NaN,
    ndcg: s.metrics?.model.ndcg ?? NaN,
    loadBefore,
    raw,
  };
}

export async function benchRecs(o: RecsBenchOptions): Promise<Row[]> {
  const { train, heldOut } = await dataFiles(o.users, o.items);
  const tmp = await tempDir('quiver-bench-recs');
  const runs: EngineRun[] = [];
  let peak = NaN;
  try {
    if (!o.skipPython) {
      console.error('numpy: running');
      const loadBefore = load1();
      const out = join(tmp.path, 'numpy.json');
      const r = spawnSync(PYTHON, [resolve('benchmarks/recs/numpy_recs.py'), train, heldOut, out, '--rank', String(o.rank), '--iterations', String(o.iterations), '--k', String(K), '--reg', String(REG), '--alpha', String(ALPHA)], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status === 0) {
        const p = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
        peak = p.peak_gflops!;
        runs.push({ engine: 'numpy + scipy', alsSecondsPerIteration: p.als_seconds_per_iteration!, scoringSeconds: p.scoring_seconds!, usersPerSecond: p.users_per_second!, gflops: p.scoring_gflops!, recall: p.recall!, ndcg: p.ndcg!, loadBefore, raw: p });
      } else console.error(`numpy not measured (exit ${String(r.status ?? r.signal)}; needs python3-numpy, python3-scipy, python3-pandas from apt)`);
    }
    const specPath = join(tmp.path, 'recs.yaml');
    await writeFile(specPath, stringifyYaml(specOf(o, train, heldOut)));
    console.error('quiver local: running');
    {
      const loadBefore = load1();
      const store = join(tmp.path, 'store');
      const r = spawnSync(process.execPath, [CLI, 'run', specPath, '--json', '--store', store, '--threads', '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20 });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !last.startsWith('{')) throw new Error(`quiver run failed (exit ${String(r.status)}): ${last.slice(0, 2000)}`);
      const result = JSON.parse(last) as JobResult;
      runs.push(fromQuiver('quiver local, 2 threads', await recReport(createStore(), result), loadBefore, result));
    }
    if (!o.skipCluster) {
      console.error('quiver NATS + S3: running');
      const loadBefore = load1();
      const nats = await startNats();
      const s3 = await startS3();
      const s3opts = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
      const env = { natsUrl: nats.url, s3: s3opts, store: createStore({ s3: s3opts }) };
      const root = `s3://${randomBucket('qbrecs')}/recs`;
      try {
        const { result } = await runCluster(env, await loadSpec(specPath), 2, root);
        runs.push(fromQuiver('quiver NATS + S3, 2 workers x 2 threads', await recReport(env.store, result), loadBefore, result));
      } finally {
        await env.store.deletePrefix(`${root}/`).catch(() => undefined);
        await s3.stop();
        await nats.stop();
      }
    }
  } finally {
    await tmp.cleanup();
  }
  const base = runs.find((r) => r.engine.startsWith('numpy'));
  const rows: Row[] = runs.map((r) => ({
    scenario: r.engine,
    'ALS s/iteration': r.alsSecondsPerIteration,
    'x numpy ALS time': base === undefined ? '' : r.alsSecondsPerIteration / base.alsSecondsPerIteration,
    'scoring s': r.scoringSeconds,
    'users/s': r.usersPerSecond,
    'x numpy users/s': base === undefined ? '' : r.usersPerSecond / base.usersPerSecond,
    'GFLOP/s': r.gflops,
    '% of numpy peak': Number.isNaN(peak) ? '' : (100 * r.gflops) / peak,
    [`recall@${K}`]: r.recall,
    [`NDCG@${K}`]: r.ndcg,
    'load before': r.loadBefore,
  }));
  printTable(`recs: ${o.users.toLocaleString('en-US')} users × ${o.items.toLocaleString('en-US')} items, rank ${o.rank}, top ${K}, ${o.iterations} ALS iterations (numpy float32 matmul peak ${peak.toFixed(1)} GFLOP/s)`, rows);
  const outDir = resolve('benchmarks/out');
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `recs-${o.users}x${o.items}.json`);
  await writeFile(file, JSON.stringify({ machine: machine(), options: o, peak, runs }, null, 2));
  console.log(`wrote ${file}`);
  return rows;
}
