/**
 * What the model registry and the feature store share: name rules, index keys, canonical JSON
 * and content ids, sequential version numbers, the per-name lock that keeps them sequential
 * inside one process, and crash-safe idempotent registration by (job, stage).
 */
import { createHash } from 'node:crypto';
import { QuiverError } from '../errors.js';
import type { KvStore } from '../bus/types.js';

/** Names of models, views and aliases: safe as one KV key token and as one path segment. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Throws OPTION_INVALID unless `value` is a valid registry name. */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !NAME_RE.test(value)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `${what} ${JSON.stringify(value)} is invalid; use 1-64 letters, digits, '_' and '-', starting with a letter or digit`);
  }
}

export function assertNonEmpty(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw QuiverError.nonRetryable('OPTION_INVALID', `${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Index keys. `kind` is `model` or `view`; every name is a validated single token. */
export const keys = {
  versions: (kind: string, name: string): string => `${kind}.${name}.v.`,
  version: (kind: string, name: string, version: number): string => `${kind}.${name}.v.${version}`,
  alias: (kind: string, name: string, alias: string): string => `${kind}.${name}.alias.${alias}`,
  aliases: (kind: string, name: string): string => `${kind}.${name}.alias.`,
  /** One key per (job, stage) that registered under this name; hashed since job ids may hold any character. */
  run: (kind: string, name: string, jobId: string, stage: string): string => `${kind}.${name}.run.${sha256Hex(`${jobId}\n${stage}`).slice(0, 40)}`,
  all: (kind: string): string => `${kind}.`,
} as const;

/** Version numbers present under `<kind>.<name>.v.`, ascending. */
export async function versionsOf(index: KvStore, kind: string, name: string): Promise<number[]> {
  const prefix = keys.versions(kind, name);
  return (await index.keys(prefix))
    .map((k) => Number(k.slice(prefix.length)))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
}

/** Names that have at least one version, sorted. */
export async function namesOf(index: KvStore, kind: string): Promise<string[]> {
  const re = new RegExp(`^${kind}\\.([^.]+)\\.v\\.\\d+$`);
  const names = new Set<string>();
  for (const k of await index.keys(keys.all(kind))) {
    const m = re.exec(k);
    if (m !== null) names.add(m[1]!);
  }
  return [...names].sort();
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call with the same `key` in this process has settled. Version
 * numbers are read-then-written, so registrations under one name must not interleave.
 */
export function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

/** What the run key of a registration holds. */
export interface RunEntry {
  version: number;
  /** False from the moment the version is reserved until everything is written. */
  done: boolean;
}

export interface Registration<R> {
  index: KvStore;
  kind: string;
  name: string;
  jobId: string;
  stage: string;
  /** The record under `version`, or null. */
  read(version: number): Promise<R | null>;
  /** Does this record belong to this (job, stage)? */
  owns(record: R): boolean;
  /** Writes artifacts and the version record; must be safe to run again for the same version. */
  write(version: number): Promise<R>;
  /** Steps after the record (aliases); run again when a crash interrupted them. */
  finish?(record: R): Promise<R>;
}

/**
 * Registers once per (job, stage, name), surviving a crash at any point:
 * run key `{version, done: false}` → artifacts and version record → finish → run key done.
 * A retry finds the run key and completes that same version instead of making another; a run
 * key whose version was taken by someone else meanwhile gets a fresh version.
 */
export async function registerOnce<R>(r: Registration<R>): Promise<R> {
  const runKey = keys.run(r.kind, r.name, r.jobId, r.stage);
  return serialized(`${r.kind}\n${r.name}`, async () => {
    const run = await r.index.get<RunEntry>(runKey);
    let version: number | undefined;
    if (run !== null) {
      const existing = await r.read(run.version);
      if (existing !== null && r.owns(existing)) {
        if (run.done) return existing;
        const finished = r.finish === undefined ? existing : await r.finish(existing);
        await r.index.put(runKey, { version: run.version, done: true } satisfies RunEntry);
        return finished;
      }
      if (existing === null) version = run.version;
    }
    if (version === undefined) {
      const have = await versionsOf(r.index, r.kind, r.name);
      version = (have[have.length - 1] ?? 0) + 1;
      await r.index.put(runKey, { version, done: false } satisfies RunEntry);
    }
    const record = await r.write(version);
    const finished = r.finish === undefined ? record : await r.finish(record);
    await r.index.put(runKey, { version, done: true } satisfies RunEntry);
    return finished;
  });
}

/** `1, 2, 3` or `(none)` for messages. */
export function listForMessage(items: readonly (string | number)[], max = 20): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, … (${items.length} in all)` : shown;
}
