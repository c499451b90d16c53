/**
 * Every NATS name the task bus uses, derived from one namespace: subjects, streams, consumers,
 * headers, queue groups and KV buckets. Nothing else in the code base spells these out.
 *
 * ```ts
 * const n = busNames('quiver');
 * n.streams.tasks;            // 'QUIVER_TASKS'
 * n.taskSubject('etl-1');     // 'quiver.tasks.etl-1'
 * n.buckets.workers;          // 'quiver_workers'
 * ```
 */
import { QuiverError } from '../errors.js';

export const DEFAULT_NAMESPACE = 'quiver';

/** Lower-case so that stream names (upper-cased) cannot collide; safe as a subject token, stream and bucket name. */
const NAMESPACE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
/** A single subject token: no separators, wildcards or whitespace. */
const TOKEN_RE = /^[^\s.*>]+$/;
/** What a JetStream KV key may hold (same rule as the @nats-io/kv client). */
const KV_KEY_RE = /^[-/=.\w]+$/;

/** Header names quiver sets on its messages (besides `Nats-Msg-Id`, set through `msgID`). */
export const BusHeaders = {
  /** The job a task or result belongs to. */
  jobId: 'Quiver-Job',
  /** The task id of a task, result or dead letter. */
  taskId: 'Quiver-Task',
} as const;

export interface BusNames {
  readonly namespace: string;
  readonly streams: {
    /** Work-queue stream of task descriptors. */
    readonly tasks: string;
    /** Task results, durable until the coordinator acknowledges them. */
    readonly results: string;
    /** Tasks that exhausted their deliveries, durable until the coordinator acknowledges them. */
    readonly dead: string;
  };
  readonly subjects: {
    readonly tasks: string;
    readonly results: string;
    readonly dead: string;
    /** Core NATS (not durable) broadcast to every worker. */
    readonly control: string;
  };
  readonly consumers: {
    /** One durable pull consumer on the tasks stream, shared by every worker. */
    readonly workers: string;
    /** Durable consumer on the results and dead-letter streams. */
    readonly coordinator: string;
  };
  readonly buckets: {
    readonly jobs: string;
    readonly workers: string;
    /** The registry index (models and feature views): kept forever, unlike the other two. */
    readonly registry: string;
  };
  readonly queueGroups: {
    /** Bus instances that turn max-deliveries advisories into dead letters; one handles each. */
    readonly deadLetter: string;
  };
  /** Core NATS subject the server publishes to when a task hits the consumer's max_deliver. */
  readonly maxDeliveriesAdvisory: string;
  taskSubject(jobId: string): string;
  resultSubject(jobId: string): string;
  deadSubject(jobId: string): string;
}

/** Throws OPTION_INVALID unless `namespace` is a valid bus namespace. */
export function assertNamespace(namespace: string, field = 'namespace'): void {
  if (typeof namespace !== 'string' || !NAMESPACE_RE.test(namespace)) {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `${field}: ${JSON.stringify(namespace)} is not a valid bus namespace; use 1-32 characters from a-z, 0-9, '_' and '-', starting with a letter`,
    );
  }
}

/** Throws OPTION_INVALID unless `value` is safe as one NATS subject token (no dots, spaces, `*` or `>`). */
export function assertSubjectToken(value: string, field: string): void {
  if (typeof value !== 'string' || !TOKEN_RE.test(value)) {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `${field}: ${JSON.stringify(value)} cannot be used as a NATS subject token; it must be non-empty and contain no '.', '*', '>' or whitespace`,
    );
  }
}

/** Throws OPTION_INVALID unless `key` is a valid KV key (both bus implementations apply the same rule). */
export function assertKvKey(key: string, bucket: string): void {
  if (typeof key !== 'string' || !KV_KEY_RE.test(key) || key.startsWith('.') || key.endsWith('.')) {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `${bucket} key ${JSON.stringify(key)} is invalid; use letters, digits and '-', '_', '=', '/', '.' (not first or last)`,
    );
  }
}

/** A key prefix for `KvStore.keys(prefix)`: whole tokens ending with a dot, e.g. `res.job-1.`. */
export function assertKeyPrefix(prefix: string, bucket: string): void {
  if (!prefix.endsWith('.') || !KV_KEY_RE.test(prefix) || prefix.startsWith('.')) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `${bucket} key prefix ${JSON.stringify(prefix)} is invalid; give whole tokens ending with '.', e.g. "res.job-1."`);
  }
}

export function busNames(namespace: string = DEFAULT_NAMESPACE): BusNames {
  assertNamespace(namespace);
  const upper = namespace.toUpperCase();
  const tasks = `${namespace}.tasks`;
  const results = `${namespace}.results`;
  const dead = `${namespace}.dead`;
  const consumers = { workers: 'workers', coordinator: 'coordinator' } as const;
  const names: BusNames = {
    namespace,
    streams: { tasks: `${upper}_TASKS`, results: `${upper}_RESULTS`, dead: `${upper}_DEAD` },
    subjects: { tasks: `${tasks}.>`, results: `${results}.>`, dead: `${dead}.>`, control: `${namespace}.control` },
    consumers,
    buckets: { jobs: `${namespace}_jobs`, workers: `${namespace}_workers`, registry: `${namespace}_registry` },
    queueGroups: { deadLetter: `${namespace}.dead-letter` },
    maxDeliveriesAdvisory: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${upper}_TASKS.${consumers.workers}`,
    taskSubject(jobId) {
      assertSubjectToken(jobId, 'jobId');
      return `${tasks}.${jobId}`;
    },
    resultSubject(jobId) {
      assertSubjectToken(jobId, 'jobId');
      return `${results}.${jobId}`;
    },
    deadSubject(jobId) {
      assertSubjectToken(jobId, 'jobId');
      return `${dead}.${jobId}`;
    },
  };
  return Object.freeze(names);
}
