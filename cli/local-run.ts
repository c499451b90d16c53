/**
 * Local mode: the same coordinator, operators and kernels as a cluster, with the in-memory bus
 * and the local store (or any store URI), and an in-process worker with a Piscina pool.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Coordinator } from '../coordinator/coordinator.js';
import { jobResult } from '../coordinator/job-state.js';
import { createBus } from '../shared/bus/index.js';
import type { TaskBus } from '../shared/bus/types.js';
import type { JobEvent, JobResult } from '../shared/job.js';
import type { JobSpec } from '../shared/spec/types.js';
import { createStore } from '../shared/store/index.js';
import type { S3Options } from '../shared/store/types.js';
import { isS3Uri } from '../shared/store/uri.js';
import { QuiverWorker } from '../worker/runtime.js';

export interface LocalRunOptions {
  /** Store root for job data. Default `.quiver/store` under the cwd. */
  storeRoot?: string;
  s3?: S3Options;
  threads?: number;
  jobId?: string;
  onEvent?: (event: JobEvent) => void;
}

/** A coordinator and an in-process worker over the memory bus, until `close()`. */
export interface LocalCluster {
  coordinator: Coordinator;
  bus: TaskBus;
  close(): Promise<void>;
}

export async function startLocal(options: LocalRunOptions & { maxDeliver?: number } = {}): Promise<LocalCluster> {
  const root = options.storeRoot ?? '.quiver/store';
  const storeRoot = isS3Uri(root) ? root : resolve(root);
  const store = createStore(options.s3 === undefined ? {} : { s3: options.s3 });
  const maxDeliver = options.maxDeliver ?? 4;
  const bus = await createBus({ maxDeliver });
  const worker = new QuiverWorker(bus, () => store, { threads: options.threads ?? Math.max(1, availableParallelism()) });
  const storeConfig = options.s3?.endpoint === undefined ? { root: storeRoot } : { root: storeRoot, s3: { endpoint: options.s3.endpoint } };
  const coordinator = new Coordinator(bus, store, { mode: 'local', store: storeConfig, maxDeliver });
  const off = options.onEvent === undefined ? undefined : coordinator.onEvent(options.onEvent);
  await worker.start();
  await coordinator.start();
  return {
    coordinator,
    bus,
    async close() {
      off?.();
      await coordinator.close();
      await worker.close();
      await bus.close();
      await store.close?.();
    },
  };
}

export async function runLocal(spec: JobSpec, options: LocalRunOptions = {}): Promise<JobResult> {
  const local = await startLocal({ ...options, maxDeliver: Math.max(4, spec.defaults?.maxAttempts ?? 4) });
  try {
    const state = await local.coordinator.submit(spec, options.jobId);
    return jobResult(await local.coordinator.wait(state.jobId));
  } finally {
    await local.close();
  }
}
