/**
 * Where the registry keeps its index. The models and feature views themselves are objects in the
 * store; the index (which versions exist, aliases, runs already registered) is a {@link KvStore}:
 * the bus's lasting `<namespace>_registry` bucket on a cluster, the object store itself locally
 * (the memory bus forgets everything when the process ends).
 *
 * ```ts
 * const index = registryIndex(bus, store, storeConfig.root);          // coordinator
 * const { index, close } = await connectRegistryIndex({ nats: 'nats://127.0.0.1:4222' }); // CLI on a cluster
 * ```
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { QuiverError } from '../errors.js';
import { busNames, DEFAULT_NAMESPACE } from '../bus/names.js';
import { NatsKv } from '../bus/nats-kv.js';
import { openRegistryBucket } from '../bus/nats-setup.js';
import type { KvStore, TaskBus } from '../bus/types.js';
import type { ObjectStore } from '../store/types.js';
import { joinUri } from '../store/uri.js';
import { storeKv } from './store-kv.js';

/** `<root>/registry/index/`: the local index's prefix. */
export function localIndexPrefix(root: string): string {
  return `${joinUri(root, 'registry', 'index')}/`;
}

/** The registry index for a process that has a bus: NATS KV on a cluster, the store under `root` otherwise. */
export function registryIndex(bus: TaskBus, store: ObjectStore, root: string): KvStore {
  return bus.kind === 'nats' ? bus.registry : storeKv(store, localIndexPrefix(root));
}

export interface RegistryIndexConnection {
  index: KvStore;
  close(): Promise<void>;
}

export interface ConnectRegistryIndexOptions {
  /** NATS URL(s), comma-separated. */
  nats: string;
  /** Bus namespace; must match the coordinator's. Default `quiver`. */
  namespace?: string;
  /** Connection name the server shows. Default `quiver-registry`. */
  name?: string;
}

/**
 * Opens only the namespace's registry bucket (creating it when missing), without the rest of the
 * bus setup, so a CLI command never reconfigures the cluster's streams or consumers.
 * Throws a retryable BUS_FAILED saying what to fix when the server cannot be reached.
 */
export async function connectRegistryIndex(options: ConnectRegistryIndexOptions): Promise<RegistryIndexConnection> {
  const names = busNames(options.namespace ?? DEFAULT_NAMESPACE);
  const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: options.nats.split(',').map((s) => s.trim()), name: options.name ?? 'quiver-registry', timeout: 5_000 });
  } catch (err) {
    throw QuiverError.retryable('BUS_FAILED', `cannot connect to NATS at ${options.nats}: ${reason(err)}. Is nats-server running there (with -js)? Otherwise fix --nats / QUIVER_NATS, or drop it to use the store's own index.`, { cause: err });
  }
  try {
    await jetstreamManager(nc);
    const kv = await openRegistryBucket(jetstream(nc), names);
    return { index: new NatsKv(kv, names.buckets.registry), close: () => nc.close() };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw QuiverError.retryable('BUS_FAILED', `cannot open the registry bucket ${names.buckets.registry} at ${options.nats}: ${reason(err)}. Start nats-server with JetStream enabled (nats-server -js).`, { cause: err });
  }
}
