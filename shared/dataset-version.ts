/**
 * Dataset versions: a content hash of what a stage produced, so a job names exactly which data
 * it read and wrote, and a rerun on the same data can be checked to give the same result.
 *
 * The version hashes the schema (names, types, nullability) and, in order, each shard's SHA-256
 * and row count. Shard URIs and job ids are left out: the same rows in the same shards give the
 * same version whichever job wrote them. A manifest (see coordinator/datasets.ts) records what
 * the hash covers plus where the data came from (source, parent versions, job, time).
 *
 * ```ts
 * const v = datasetVersion(dataset); // 'a3f1…' (64 hex) or null when a shard has no hash
 * ```
 */
import { createHash } from 'node:crypto';
import type { Dataset, SchemaDef, ShardRef } from './dataset.js';
import { joinUri } from './store/uri.js';

/** Bumped if what the hash covers ever changes, so old and new versions never collide. */
const VERSION_SCHEME = 'quiver-dataset-v1';

export function datasetVersion(dataset: { schema: SchemaDef; shards: readonly ShardRef[] }): string | null {
  if (dataset.shards.some((s) => s.sha256 === undefined)) return null;
  const h = createHash('sha256');
  h.update(`${VERSION_SCHEME}\n`);
  h.update(`${JSON.stringify(dataset.schema.fields.map((f) => [f.name, f.type, f.nullable]))}\n`);
  for (const s of dataset.shards) h.update(`${s.sha256} ${s.rows}\n`);
  return h.digest('hex');
}

/** Where a version's manifest lives: `<root>/datasets/<version>.json`. */
export function manifestUri(root: string, version: string): string {
  return joinUri(root.endsWith('/') ? root : `${root}/`, 'datasets', `${version}.json`);
}

/** The first 12 hex digits, for tables and logs. */
export function shortVersion(version: string): string {
  return version.slice(0, 12);
}

/** A stage output's version as the job result lists it. */
export interface DatasetRef {
  stage: string;
  version: string;
  rows: number;
  /** URI of its manifest. */
  manifest: string;
}

/** What a dataset manifest holds (written to `<store root>/datasets/<version>.json`). */
export interface DatasetManifest {
  version: string;
  /** When this version was first written (a rerun that reproduces it keeps the first time). */
  createdAt: string;
  job: { id: string; name: string };
  stage: { id: string; op: string };
  rows: number;
  bytes: number;
  schema: SchemaDef;
  shards: ShardRef[];
  /** Versions of the datasets this one was computed from (the stage's inputs), in input order. */
  parents: string[];
  /** For stages that read from outside (ingest): the source as the spec gave it (secrets stay references). */
  source?: unknown;
}

export type { Dataset };
