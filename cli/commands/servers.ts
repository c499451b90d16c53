import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startApi } from '../../coordinator/http-api.js';
import { Scheduler } from '../../coordinator/scheduler.js';
import { createBus } from '../../shared/bus/index.js';
import type { TaskBus } from '../../shared/bus/types.js';
import { QuiverError } from '../../shared/errors.js';
import { logger } from '../../shared/log.js';
import { createStore, resolveS3Options } from '../../shared/store/index.js';
import type { ObjectStore, StoreConfig } from '../../shared/store/types.js';
import { QuiverWorker } from '../../worker/runtime.js';
import { act } from '../action.js';
import { natsOptions, s3From, s3Options, TOKEN_FILE } from '../options.js';

/** Resolves on SIGINT/SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

function busFrom(argv: { nats: string; namespace: string; ackWait: number; maxDeliver: number }, name: string): Promise<TaskBus> {
  if (!Number.isInteger(argv.ackWait) || argv.ackWait < 1000) throw new QuiverError('OPTION_INVALID', `--ack-wait must be at least 1000 ms, got ${argv.ackWait}`);
  if (!Number.isInteger(argv.maxDeliver) || argv.maxDeliver < 1) throw new QuiverError('OPTION_INVALID', `--max-deliver must be a positive integer, got ${argv.maxDeliver}`);
  return createBus({ nats: argv.nats, namespace: argv.namespace, ackWaitMs: argv.ackWait, maxDeliver: argv.maxDeliver, name });
}

export function registerServerCommands<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'coordinator',
      'Run the coordinator: plans and tracks jobs, serves the HTTP API, resumes unfinished jobs on start',
      (c) =>
        s3Options(natsOptions(c))
          .option('store', { type: 'string', demandOption: 'give --store s3://bucket/prefix (or a shared folder) or set QUIVER_STORE', describe: 'Root of job data: s3://bucket/prefix or a folder all workers share (env QUIVER_STORE)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'API listen address' })
          .option('port', { type: 'number', default: 7070, describe: 'API port (0: any free port)' })
          .option('token', { type: 'string', describe: `API bearer token (env QUIVER_TOKEN; default: a random one written to ${TOKEN_FILE})` }),
      async (argv) => act(argv, async () => {
        const log = logger('coordinator.main');
        const s3 = s3From(argv);
        const store: ObjectStore = createStore({ s3 });
        const storeConfig: StoreConfig = { root: argv.store };
        if (argv.store.startsWith('s3://')) {
          storeConfig.s3 = {};
          if (s3.endpoint !== undefined) storeConfig.s3.endpoint = s3.endpoint;
          if (s3.region !== undefined) storeConfig.s3.region = s3.region;
          if (s3.pathStyle !== undefined) storeConfig.s3.pathStyle = s3.pathStyle;
        }
        let token: string | undefined = argv.token;
        if (token === undefined || token === '') {
          token = randomBytes(18).toString('base64url');
          mkdirSync(dirname(TOKEN_FILE), { recursive: true });
          writeFileSync(TOKEN_FILE, `${token}\n`, { mode: 0o600 });
        }
        const bus = await busFrom(argv, 'quiver-coordinator');
        const coordinator = new Coordinator(bus, store, { mode: 'cluster', store: storeConfig, maxDeliver: argv.maxDeliver });
        await coordinator.start();
        const scheduler = new Scheduler(coordinator, bus.jobs);
        await scheduler.start();
        const { app, url } = await startApi(coordinator, bus, { token, host: argv.host, port: argv.port, scheduler });
        process.stdout.write(`quiver coordinator listening on ${url} (store ${argv.store}, nats ${argv.nats})\n`);
        if (argv.token === undefined) process.stdout.write(`API token written to ${TOKEN_FILE}\n`);
        const signal = await untilSignal();
        log.info({ signal }, 'coordinator stopping; unfinished jobs resume on the next start');
        app.server.closeAllConnections(); // event streams end; clients reconnect to the next coordinator
        await app.close();
        scheduler.close();
        await coordinator.close();
        await bus.close();
      }),
    )
    .command(
      'worker',
      'Run a worker: pulls tasks as threads free up, runs kernels in a Piscina pool, drains on SIGTERM',
      (c) =>
        s3Options(natsOptions(c))
          .option('threads', { type: 'number', describe: 'Pool threads = most tasks in flight (default: all cores)' })
          .option('grace', { type: 'number', default: 30_000, describe: 'Ms to let in-flight tasks finish on SIGTERM before they are handed back' })
          .option('worker-id', { type: 'string', describe: 'Worker id (default: <host>-<pid>-<random>)' }),
      async (argv) => act(argv, async () => {
        const bus = await busFrom(argv, 'quiver-worker');
        const base = s3From(argv);
        const stores = new Map<string, ObjectStore>();
        // Endpoints come from the task (the coordinator's store); credentials from this worker's own config.
        const resolver = (cfg: StoreConfig): ObjectStore => {
          const key = JSON.stringify(cfg.s3 ?? {});
          let store = stores.get(key);
          if (store === undefined) {
            store = createStore({ s3: resolveS3Options({ ...base, ...cfg.s3 }) });
            stores.set(key, store);
          }
          return store;
        };
        // Signs of life three times per ack-wait, so a running task is never redelivered.
        const opts: ConstructorParameters<typeof QuiverWorker>[2] = { graceMs: argv.grace, workingMs: Math.max(100, Math.min(5000, Math.floor(argv.ackWait / 3))) };
        if (argv.threads !== undefined) opts.threads = argv.threads;
        if (argv.workerId !== undefined) opts.workerId = argv.workerId;
        const worker = new QuiverWorker(bus, resolver, opts);
        await worker.start();
        process.stdout.write(`quiver worker ${worker.id} running with ${worker.threads} thread(s) (nats ${argv.nats})\n`);
        const stop = await Promise.race([untilSignal(), waitFailed(worker)]);
        // Drain gets the grace time; a bus that is gone (NATS stopped, streams deleted) must not
        // keep the process alive past it, retrying forever: then the exit is forced.
        forceExitAfter(argv.grace + FORCE_EXIT_MARGIN_MS, 'worker');
        if (stop === 'failed') throw new QuiverError('BUS_FAILED', 'worker lost its task bus; see the log above');
        await worker.close();
        await bus.close();
      }),
    );
}

/** How long past the grace time a stopping worker may take to hand back tasks and disconnect. */
const FORCE_EXIT_MARGIN_MS = 10_000;

/** Exits the process (code 1) if it is still running `ms` from now. */
function forceExitAfter(ms: number, what: string): void {
  setTimeout(() => {
    logger('cli').error({ ms }, `${what} did not stop within ${ms} ms of the signal (the bus or store may be unreachable): exiting`);
    process.exit(1);
  }, ms).unref();
}

async function waitFailed(worker: QuiverWorker): Promise<'failed'> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000).unref());
    if (worker.state === 'failed') return 'failed';
  }
}
