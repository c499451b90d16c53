/**
 * Shared pieces of the benchmarks: an in-process cluster (coordinator + workers on a bus and a
 * store), timing, and the result table printed and appended to a JSON log.
 */
import { cpus, totalmem } from 'node:os';
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
