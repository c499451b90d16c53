/**
 * JetStream setup for the NATS bus: the streams, durable consumers and KV buckets of one
 * namespace, created when missing and updated when their settings changed; and their removal.
 * Durations in stream and consumer configs are nanoseconds (`nanos(ms)`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { ConsumerConfig, JetStreamClient, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { BusNames } from './names.js';
import type { ResolvedBusOptions } from './options.js';

/** Task ids are remembered this long for deduplication (stream `duplicate_window`). */
export const DUPLICATE_WINDOW_MS = 120_000;
/** Results and dead letters are kept this long (acknowledged or not). */
export const RESULT_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Ack deadline of the coordinator's consumers; the bus extends it while a result waits in its queue. */
export const COORDINATOR_ACK_WAIT_MS = 30_000;
/** Results (or dead letters) a coordinator holds unacknowledged at once. */
export const COORDINATOR_MAX_ACK_PENDING = 64;
/** Tasks in flight across all workers. */
export const WORKERS_MAX_ACK_PENDING = 100_000;

/** JetStream API error: a stream of that name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;
/** Setup runs again this often when racing another process creating the same namespace. */
const SETUP_ATTEMPTS = 4;

export interface BusBuckets {
  jobs: KV;
  workers: KV;
  registry: KV;
}

/** Opens (creating when missing) the registry-index bucket; kept forever, one value per key. */
export function openRegistryBucket(js: JetStreamClient, names: BusNames): Promise<KV> {
  return new Kvm(js).create(names.buckets.registry, { history: 1, storage: StorageType.File });
}

function streamConfigs(names: BusNames): StreamConfig[] {
  const common = { storage: StorageType.File, num_replicas: 1 };
  return [
    {
      ...common,
      name: names.streams.tasks,
      subjects: [names.subjects.tasks],
      retention: RetentionPolicy.Workqueue,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      // purgeJob walks a job's messages with direct get (next_by_subj).
      allow_direct: true,
    },
    {
      ...common,
      name: names.streams.results,
      subjects: [names.subjects.results],
      retention: RetentionPolicy.Limits,
      max_age: nanos(RESULT_MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
    {
      ...common,
      name: names.streams.dead,
      subjects: [names.subjects.dead],
      retention: RetentionPolicy.Limits,
      max_age: nanos(RESULT_MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
  ] as StreamConfig[];
}

function workersConsumer(names: BusNames, opts: ResolvedBusOptions): Partial<ConsumerConfig> {
  return {
    durable_name: names.consumers.workers,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver,
    max_ack_pending: WORKERS_MAX_ACK_PENDING,
  };
}

function coordinatorConsumer(names: BusNames): Partial<ConsumerConfig> {
  return {
    durable_name: names.consumers.coordinator,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(COORDINATOR_ACK_WAIT_MS),
    max_deliver: -1,
    max_ack_pending: COORDINATOR_MAX_ACK_PENDING,
  };
}

async function ensureStream(jsm: JetStreamManager, cfg: StreamConfig): Promise<void> {
  try {
    await jsm.streams.add(cfg);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
    const { name, retention: _retention, storage: _storage, ...update } = cfg;
    await jsm.streams.update(name, update);
  }
}

const COMPARED = ['ack_wait', 'max_deliver', 'max_ack_pending'] as const;

async function ensureConsumer(jsm: JetStreamManager, stream: string, cfg: Partial<ConsumerConfig>): Promise<void> {
  const name = cfg.durable_name!;
  const have = await jsm.consumers.info(stream, name).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return null;
    throw err;
  });
  if (have === null) {
    await jsm.consumers.add(stream, cfg);
  } else if (COMPARED.some((k) => have.config[k] !== cfg[k])) {
    const { ack_wait, max_deliver, max_ack_pending } = cfg;
    await jsm.consumers.update(stream, name, { ack_wait, max_deliver, max_ack_pending });
  }
}

async function setupOnce(js: JetStreamClient, jsm: JetStreamManager, names: BusNames, opts: ResolvedBusOptions): Promise<BusBuckets> {
  for (const cfg of streamConfigs(names)) await ensureStream(jsm, cfg);
  await ensureConsumer(jsm, names.streams.tasks, workersConsumer(names, opts));
  await ensureConsumer(jsm, names.streams.results, coordinatorConsumer(names));
  await ensureConsumer(jsm, names.streams.dead, coordinatorConsumer(names));
  const kvm = new Kvm(js);
  const jobs = await kvm.create(names.buckets.jobs, { history: 1, storage: StorageType.File });
  const workers = await kvm.create(names.buckets.workers, { history: 1, storage: StorageType.File, ttl: opts.heartbeatTtlMs });
  const registry = await openRegistryBucket(js, names);
  return { jobs, workers, registry };
}

/**
 * Creates (or updates) the namespace's streams and consumers and opens its KV buckets. Safe to
 * run from many processes at once: when two create the same stream at the same moment, the
 * loser gets an error (e.g. "subjects overlap with an existing stream") and simply runs the
 * idempotent setup again. The `workers` consumer takes this bus's ackWait and maxDeliver; the
 * workers bucket's TTL is fixed when the bucket is first created.
 */
export async function setupJetStream(js: JetStreamClient, jsm: JetStreamManager, names: BusNames, opts: ResolvedBusOptions): Promise<BusBuckets> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setupOnce(js, jsm, names, opts);
    } catch (err) {
      if (attempt >= SETUP_ATTEMPTS) throw err;
      await sleep(50 * attempt + Math.floor(Math.random() * 50));
    }
  }
}

/** Deletes the namespace's streams (with their consumers) and KV buckets, the registry index included. Missing ones are skipped. */
export async function deleteJetStream(jsm: JetStreamManager, names: BusNames): Promise<void> {
  const streams = [
    names.streams.tasks,
    names.streams.results,
    names.streams.dead,
    `KV_${names.buckets.jobs}`,
    `KV_${names.buckets.workers}`,
    `KV_${names.buckets.registry}`,
  ];
  await Promise.all(
    streams.map((s) =>
      jsm.streams.delete(s).catch((err: unknown) => {
        if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
      }),
    ),
  );
}
