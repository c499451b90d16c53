/**
 * The task bus: `createBus()` gives the NATS JetStream bus when a `nats` URL is set and the
 * in-memory bus (local mode) otherwise. Both implement {@link TaskBus} with the same semantics.
 *
 * ```ts
 * import { createBus } from '../shared/bus/index.js';
 *
 * const bus = await createBus({ nats: process.env.NATS_URL, namespace: 'quiver' });
 * await bus.dispatch(task);                              // coordinator
 * const sub = bus.onResult(async (r) => commit(r));      // coordinator
 * for (const d of await bus.receive(4, 1_000)) {         // worker, 4 free threads
 *   d.working();                                         // ... while it runs
 *   await bus.publishResult(result);
 *   await d.ack();
 * }
 * await sub.close();
 * await bus.close();
 * ```
 */
import { MemoryBus } from './memory.js';
import { NatsBus } from './nats.js';
import { resolveBusOptions } from './options.js';
import type { BusOptions } from './options.js';
import type { TaskBus } from './types.js';

/**
 * Validates `options` (QuiverError OPTION_INVALID naming the bad field) and opens the bus.
 * With `nats` set, a server that cannot be reached or has no JetStream gives a retryable
 * QuiverError BUS_FAILED saying which URL and how to fix it.
 */
export async function createBus(options: BusOptions = {}): Promise<TaskBus> {
  const opts = resolveBusOptions(options);
  if (opts.nats === undefined) return new MemoryBus(opts);
  return NatsBus.connect(opts);
}

export { MemoryBus, DEDUP_WINDOW_MS } from './memory.js';
export { NatsBus, MIN_PULL_EXPIRES_MS } from './nats.js';
export { BUS_DEFAULTS, resolveBusOptions } from './options.js';
export { BusHeaders, DEFAULT_NAMESPACE, busNames, assertSubjectToken, assertKvKey, assertNamespace } from './names.js';
export type { BusOptions, ResolvedBusOptions } from './options.js';
export type { MemoryBusOptions } from './memory.js';
export type { BusNames } from './names.js';
export type { ControlMessage, DeadLetter, DeliveredTask, KvStore, Subscription, TaskBus, WorkerHeartbeat } from './types.js';
