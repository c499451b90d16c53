/**
 * The feature store view: a named, versioned set of features (description, source dataset
 * version, transform, owner), its fitted pipeline, and Arrow shards partitioned by entity key
 * ({@link entityPartition}), so one key is read from one shard. The online path turns a raw
 * record into the same features with the view's pipeline (`transformRecord`).
 *
 * ```ts
 * const fs = new FeatureStore({ store, root, index: registryIndex(bus, store, root) });
 * await fs.registerView({ name: 'user_features', entity: 'user_id', features, datasetVersion, pipeline,
 *   partitions: 8, shards, jobId, stage: 'features' });
 * const view = await fs.getView('user_features', 'latest', { asOfDataset: '3f2a9c1b' });
 * await fs.getByKey(view, 'u-17');            // { user_id: 'u-17', age_z: 0.4, ... } or null
 * await fs.online(view, { age: 31, plan: 'pro' }); // Float64Array in pipeline feature order
 * ```
 */
import type { Table } from 'apache-arrow';
import { decodeTable } from '../arrow/ipc.js';
import type { KvStore } from '../bus/types.js';
import { QuiverError } from '../errors.js';
import type { FittedPipeline } from '../ml/features/types.js';
import type { ObjectStore } from '../store/types.js';
import { joinUri } from '../store/uri.js';
import { codeVersion } from './code-version.js';
import { readJson, writeJson } from './objects.js';
import { entityPartition } from './partition.js';
import { assertName, assertNonEmpty, keys, listForMessage, namesOf, registerOnce, versionsOf } from './support.js';
import type { FeatureRow, FeatureViewRecord, GetViewOptions, RegisterViewInput, RegistryOptions } from './types.js';

const KIND = 'view';
/** Decoded shards kept per FeatureStore (views are immutable, so are their shards). */
const SHARD_CACHE = 8;
/** Smallest dataset-version prefix `asOfDataset` accepts (as a pinned ingest does). */
const MIN_VERSION_PREFIX = 8;

export class FeatureStore {
  private readonly store: ObjectStore;
  private readonly root: string;
  private readonly index: KvStore;
  private readonly shards = new Map<string, Promise<Table>>();
  private readonly pipelines = new Map<string, Promise<FittedPipeline>>();

  constructor(options: RegistryOptions) {
    if (options === null || typeof options !== 'object') throw QuiverError.nonRetryable('OPTION_INVALID', 'FeatureStore options must be { store, root, index }');
    if (options.store === undefined || options.store === null) throw QuiverError.nonRetryable('OPTION_INVALID', 'FeatureStore options.store is required');
    if (options.index === undefined || options.index === null) throw QuiverError.nonRetryable('OPTION_INVALID', 'FeatureStore options.index is required; use registryIndex(bus, store, root)');
    assertNonEmpty(options.root, 'FeatureStore options.root');
    this.store = options.store;
    this.root = options.root;
    this.index = options.index;
  }

  /** `<root>/features/<name>/v<N>/` */
  versionFolder(name: string, version: number): string {
    return `${joinUri(this.root, 'features', name, `v${version}`)}/`;
  }

  /** Registers a new version of a view, or returns the one this (jobId, stage) already registered. */
  async registerView(input: RegisterViewInput): Promise<FeatureViewRecord> {
    checkView(input);
    return registerOnce<FeatureViewRecord>({
      index: this.index,
      kind: KIND,
      name: input.name,
      jobId: input.jobId,
      stage: input.stage,
      read: (v) => this.index.get<FeatureViewRecord>(keys.version(KIND, input.name, v)),
      owns: (r) => r.jobId === input.jobId && r.stage === input.stage,
      write: async (version) => {
        const dir = this.versionFolder(input.name, version);
        const record: FeatureViewRecord = {
          name: input.name,
          version,
          entity: input.entity,
          description: input.description ?? null,
          owner: input.owner ?? null,
          features: input.features.map((f) => ({ ...f })),
          datasetVersion: input.datasetVersion,
          pipelineVersion: input.pipeline.version,
          pipelineUri: `${dir}pipeline.json`,
          sourcePipelineUri: input.pipelineUri ?? null,
          partitions: input.partitions,
          shards: [...input.shards],
          codeVersion: codeVersion(),
          jobId: input.jobId,
          stage: input.stage,
          createdAt: new Date().toISOString(),
          recordUri: `${dir}view.json`,
        };
        await writeJson(this.store, record.pipelineUri, input.pipeline);
        await writeJson(this.store, record.recordUri, record);
        await this.index.put(keys.version(KIND, input.name, version), record);
        return record;
      },
    });
  }

  /** Every version of every view, sorted by name then version. */
  async listViews(): Promise<FeatureViewRecord[]> {
    const out: FeatureViewRecord[] = [];
    for (const name of await namesOf(this.index, KIND)) {
      const versions = await versionsOf(this.index, KIND, name);
      for (const r of await Promise.all(versions.map((v) => this.index.get<FeatureViewRecord>(keys.version(KIND, name, v))))) if (r !== null) out.push(r);
    }
    return out;
  }

  /**
   * A version of a view: a number, `latest` (default), or with `asOfDataset` the newest version
   * built from that dataset version (`ref` must then be `latest`). NOT_FOUND names what exists.
   */
  async getView(name: string, ref: number | 'latest' = 'latest', opts: GetViewOptions = {}): Promise<FeatureViewRecord> {
    assertName(name, 'feature view name');
    const versions = await versionsOf(this.index, KIND, name);
    if (versions.length === 0) {
      throw QuiverError.nonRetryable('NOT_FOUND', `no feature view named "${name}" in the registry at ${this.root}; views: ${listForMessage(await namesOf(this.index, KIND))}`);
    }
    const read = async (v: number): Promise<FeatureViewRecord> => {
      const r = await this.index.get<FeatureViewRecord>(keys.version(KIND, name, v));
      if (r === null) throw QuiverError.nonRetryable('NOT_FOUND', `feature view ${name} v${v} vanished from the registry index while reading it; try again`);
      return r;
    };
    if (opts.asOfDataset !== undefined) {
      if (ref !== 'latest') throw QuiverError.nonRetryable('OPTION_INVALID', 'give either a version or asOfDataset, not both');
      return this.asOf(name, versions, opts.asOfDataset, read);
    }
    if (ref === 'latest') return read(versions[versions.length - 1]!);
    if (!Number.isInteger(ref) || !versions.includes(ref)) {
      throw QuiverError.nonRetryable('NOT_FOUND', `feature view "${name}" has no version ${String(ref)}; versions: ${listForMessage(versions)}`);
    }
    return read(ref);
  }

  private async asOf(name: string, versions: number[], dataset: string, read: (v: number) => Promise<FeatureViewRecord>): Promise<FeatureViewRecord> {
    const want = dataset.toLowerCase();
    if (!/^[0-9a-f]+$/.test(want) || (want.length < MIN_VERSION_PREFIX && want.length !== 64)) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `as-of dataset version "${dataset}" must be ${MIN_VERSION_PREFIX}-64 hex digits (a unique prefix of the version)`);
    }
    const records = await Promise.all(versions.map(read));
    const matches = records.filter((r) => r.datasetVersion !== null && r.datasetVersion.startsWith(want));
    const distinct = new Set(matches.map((r) => r.datasetVersion));
    if (distinct.size > 1) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `as-of dataset version "${dataset}" matches several versions (${[...distinct].map((d) => d?.slice(0, 12)).join(', ')}); give more digits`);
    }
    const newest = matches[matches.length - 1];
    if (newest === undefined) {
      const built = records.map((r) => `v${r.version} ← ${r.datasetVersion === null ? 'unversioned' : r.datasetVersion.slice(0, 12)}`);
      throw QuiverError.nonRetryable('NOT_FOUND', `no version of feature view "${name}" was built from dataset ${dataset}; versions: ${listForMessage(built)}`);
    }
    return newest;
  }

  /**
   * One entity's features, reading only the shard of partition `entityPartition(key)`; null when
   * the key is not there. Keys compare as strings, so `42` finds an Int64 entity 42.
   */
  async getByKey(view: FeatureViewRecord, key: string | number): Promise<FeatureRow | null> {
    const p = entityPartition(key, view.partitions);
    const uri = view.shards[p];
    if (uri === undefined || uri === '') throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${view.name} v${view.version} has no shard for partition ${p} of ${view.partitions}`);
    const table = await this.shard(uri, view);
    const entity = table.getChild(view.entity);
    if (entity === null) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${uri} of feature view ${view.name} v${view.version} has no entity column "${view.entity}"; columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
    }
    const want = String(key);
    for (let i = 0; i < entity.length; i++) {
      const v: unknown = entity.get(i);
      if (v !== null && v !== undefined && String(v) === want) return rowAt(table, i);
    }
    return null;
  }

  /** The view's fitted pipeline (read once per FeatureStore). */
  pipeline(view: FeatureViewRecord): Promise<FittedPipeline> {
    return cached(this.pipelines, view.pipelineUri, 16, () => readJson<FittedPipeline>(this.store, view.pipelineUri, `pipeline of feature view ${view.name} v${view.version}`));
  }

  /** The online path: one raw record through the view's pipeline; values in `pipeline.features` order. */
  async online(view: FeatureViewRecord, record: Record<string, unknown>): Promise<Float64Array> {
    const pipeline = await this.pipeline(view);
    // Loaded when first needed: the pipeline code is not part of every CLI start.
    const { transformRecord } = await import('../ml/features/index.js');
    return transformRecord(pipeline, record);
  }

  private shard(uri: string, view: FeatureViewRecord): Promise<Table> {
    return cached(this.shards, uri, SHARD_CACHE, async () => decodeTable(await this.store.get(uri), `shard ${uri} of feature view ${view.name} v${view.version}`));
  }
}

/** A tiny LRU of promises; a failed load is dropped so the next call tries again. */
function cached<T>(map: Map<string, Promise<T>>, key: string, max: number, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit !== undefined) {
    map.delete(key);
    map.set(key, hit);
    return hit;
  }
  const p = load();
  map.set(key, p);
  void p.catch(() => {
    if (map.get(key) === p) map.delete(key);
  });
  while (map.size > max) map.delete(map.keys().next().value!);
  return p;
}

function plain(v: unknown): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function rowAt(table: Table, i: number): FeatureRow {
  const row: FeatureRow = {};
  for (const f of table.schema.fields) row[f.name] = plain(table.getChild(f.name)?.get(i));
  return row;
}

function checkView(input: RegisterViewInput): void {
  if (input === null || typeof input !== 'object') throw QuiverError.nonRetryable('OPTION_INVALID', 'registerView: input must be an object');
  assertName(input.name, 'feature view name');
  assertNonEmpty(input.entity, `feature view ${input.name}: entity`);
  assertNonEmpty(input.jobId, 'registerView: jobId');
  assertNonEmpty(input.stage, 'registerView: stage');
  if (!Number.isInteger(input.partitions) || input.partitions < 1) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${input.name}: partitions must be an integer >= 1, got ${String(input.partitions)}`);
  }
  if (!Array.isArray(input.shards) || input.shards.length !== input.partitions || input.shards.some((s) => typeof s !== 'string' || s === '')) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${input.name}: shards must list one shard URI per partition (${input.partitions}), got ${Array.isArray(input.shards) ? input.shards.length : typeof input.shards}`);
  }
  if (!Array.isArray(input.features) || input.features.length === 0) throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${input.name}: features must be a non-empty list`);
  for (const [i, f] of input.features.entries()) {
    if (typeof f?.name !== 'string' || f.name === '' || typeof f.transform !== 'string' || f.type !== 'float') {
      throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${input.name}: features[${i}] needs a name, a transform and type 'float'`);
    }
  }
  if (input.pipeline === null || typeof input.pipeline !== 'object' || input.pipeline.kind !== 'quiver-feature-pipeline' || typeof input.pipeline.version !== 'string') {
    throw QuiverError.nonRetryable('INPUT_INVALID', `feature view ${input.name}: pipeline must be a fitted feature pipeline (kind quiver-feature-pipeline)`);
  }
}
