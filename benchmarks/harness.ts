/**
 * Shared pieces of the benchmarks: an in-process cluster (coordinator + workers on a bus and a
 * store), timing, and the result table printed and appended to a JSON log.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createBus } from '../shared/bus/index.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { jobResult } from '../coordinator/job-state.js';
import type { TaskBus } from '../shared/bus/types.js';
import type { JobResult } from '../shared/job.js';
import type { JobSpec } from '../shared/spec/types.js';
import type { ObjectStore, StoreConfig } from '../shared/store/types.js';
import { QuiverWorker } from '../worker/runtime.js';

export interface Row {
  scenario: string;
  [metric: string]: string | number;
}

export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

/** Runs one job on an in-process coordinator with `workers` in-process workers. */
export async function runJob(bus: TaskBus, store: ObjectStore, storeConfig: StoreConfig, spec: JobSpec, threads: number, mode: 'local' | 'cluster'): Promise<{ result: JobResult; seconds: number }> {
  const worker = new QuiverWorker(bus, () => store, { threads, pollMs: 200 });
  const coordinator = new Coordinator(bus, store, { mode, store: storeConfig });
  await worker.start();
  await coordinator.start();
  try {
    const t0 = performance.now();
    const state = await coordinator.submit(spec);
    const final = await coordinator.wait(state.jobId);
    const seconds = (performance.now() - t0) / 1000;
    const result = jobResult(final);
    if (result.status !== 'succeeded') throw new Error(`benchmark job failed: ${JSON.stringify(result.errors)}`);
    return { result, seconds };
  } finally {
    await coordinator.close();
    await worker.close();
  }
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Debian's python3 (with python3-pandas etc. from apt), else whatever python3 is on PATH. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Runs a Python snippet that prints `<seconds> <rows>` on its last line; undefined (with a note
 * on stderr) when Python or a module is missing.
 */
export function python(code: string, what: string): { seconds: number; rows: number } | undefined {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    console.error(`${what} not measured (${PYTHON}: ${r.stderr.trim().split('\n').pop() ?? 'failed'})`);
    return undefined;
  }
  const [seconds, rows] = r.stdout.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: seconds!, rows: rows! };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`; resolves once it has exited. */
function stopProcess(p: ChildProcess, graceMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

export interface ClusterEnv {
  natsUrl: string;
  s3: { endpoint: string; accessKey: string; secretKey: string };
  store: ObjectStore;
}

/**
 * Runs one job on NATS + S3 with `workers` worker processes (`quiver worker`, 2 threads each)
 * and an in-process coordinator; returns the result and the wall time from submit to result.
 */
export async function runCluster(env: ClusterEnv, spec: JobSpec, workers: number, root: string): Promise<{ result: JobResult; seconds: number }> {
  const ns = `qb${Math.random().toString(36).slice(2, 8)}`;
  const bus = await createBus({ nats: env.natsUrl, namespace: ns });
  const procEnv = { ...process.env, QUIVER_S3_ACCESS_KEY: env.s3.accessKey, QUIVER_S3_SECRET_KEY: env.s3.secretKey };
  const procs = Array.from({ length: workers }, () => spawn(process.execPath, [CLI, 'worker', '--nats', env.natsUrl, '--namespace', ns, '--threads', '2'], { env: procEnv, stdio: 'ignore' }));
  try {
    const deadline = Date.now() + 20_000;
    while ((await bus.workers.keys()).length < workers) {
      if (Date.now() > deadline) throw new Error('workers did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const coordinator = new Coordinator(bus, env.store, { mode: 'cluster', store: { root, s3: { endpoint: env.s3.endpoint } } });
    await coordinator.start();
    const t0 = performance.now();
    const state = await coordinator.submit(spec);
    const result = jobResult(await coordinator.wait(state.jobId));
    const seconds = (performance.now() - t0) / 1000;
    await coordinator.close();
    if (result.status !== 'succeeded') throw new Error(`benchmark job failed: ${JSON.stringify(result.errors)}`);
    return { result, seconds };
  } finally {
    // Workers first, while their bus still exists: each drains and exits, or is killed.
    await Promise.all(procs.map((p) => stopProcess(p, 15_000)));
    const destroy = (bus as { destroy?: () => Promise<void> }).destroy;
    if (destroy !== undefined) await destroy.call(bus);
    await bus.close();
  }
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}\n`);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  console.log(`| ${keys.join(' | ')} |`);
  console.log(`|${keys.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${keys.map((k) => (typeof r[k] === 'number' ? fmt(r[k]) : (r[k] ?? ''))).join(' | ')} |`);
}

function fmt(x: number): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(3);
}
