/**
 * Records of the model registry and the feature store: what the index holds for each version
 * (plain JSON, the same in NATS KV and in the object store).
 */
import type { KvStore } from '../bus/types.js';
import type { FittedPipeline } from '../ml/features/types.js';
import type { Summary } from '../ml/metrics/summary.js';
import type { LearningTask, ModelState } from '../ml/models/types.js';
import type { TrainingReport } from '../ml/report/types.js';
import type { ObjectStore } from '../store/types.js';

/** A metric as training reports it: a per-fold summary, or one number. */
export type MetricValue = Summary | number | { mean: number; std: number; [k: string]: unknown };

/** `model.json` and the rest, under `<root>/models/<name>/v<N>/`. */
export interface ModelUris {
  model: string;
  pipeline: string | null;
  report: string | null;
  /** This record, as written next to the artifacts (the index can be rebuilt from these). */
  record: string;
}

export interface ModelRecord {
  name: string;
  /** 1, 2, 3… per name. */
  version: number;
  /** SHA-256 (hex) of the canonical JSON of `{ model, pipeline }`: same content, same id. */
  id: string;
  /** The estimator (`model.kind`). */
  kind: string;
  task: LearningTask;
  label: string;
  classes?: (string | number)[];
  /** Feature names in model column order. */
  features: string[];
  params: Record<string, unknown>;
  metrics: Record<string, MetricValue>;
  datasetVersion: string | null;
  pipelineVersion: string | null;
  /** `package.json` version, `+<commit>` when known (see codeVersion). */
  codeVersion: string;
  jobId: string;
  stage: string;
  /** ISO time of registration. */
  createdAt: string;
  uris: ModelUris;
  /** Aliases pointing at this version now (filled in on read). */
  aliases: string[];
}

export interface RegisterModelInput {
  name: string;
  model: ModelState;
  pipeline: FittedPipeline | null;
  params: Record<string, unknown>;
  metrics: Record<string, MetricValue>;
  datasetVersion: string | null;
  jobId: string;
  stage: string;
  report?: TrainingReport;
  /** Point these aliases at the new version (moving them from older ones). */
  aliases?: string[];
  task: LearningTask;
  label: string;
  classes?: (string | number)[];
  features: string[];
}

/** A version by number, by alias, or `latest`. */
export type ModelRef = number | string;

export interface ValueChange {
  key: string;
  a: unknown;
  b: unknown;
}

export interface MetricChange {
  key: string;
  a: MetricValue | null;
  b: MetricValue | null;
  /** b − a of the means (or numbers), when both exist. */
  delta: number | null;
}

export interface ModelDiff {
  a: { name: string; version: number; id: string };
  b: { name: string; version: number; id: string };
  /** True when both have the same content id. */
  sameContent: boolean;
  kind: { a: string; b: string } | null;
  params: ValueChange[];
  metrics: MetricChange[];
  features: { added: string[]; removed: string[]; reordered: boolean };
  datasetVersion: { a: string | null; b: string | null } | null;
  pipelineVersion: { a: string | null; b: string | null } | null;
}

export interface LoadedModel {
  model: ModelState;
  pipeline: FittedPipeline | null;
}

export interface FeatureDef {
  name: string;
  description?: string;
  /** How the value is computed, e.g. `scale(standard) of age`. */
  transform: string;
  type: 'float';
}

export interface FeatureViewRecord {
  name: string;
  version: number;
  /** The entity key column of the shards. */
  entity: string;
  description: string | null;
  owner: string | null;
  features: FeatureDef[];
  /** Version of the dataset the view was computed from. */
  datasetVersion: string | null;
  pipelineVersion: string;
  /** The registry's copy of the fitted pipeline (`<root>/features/<name>/v<N>/pipeline.json`). */
  pipelineUri: string;
  /** Where the pipeline was when registered (e.g. the job's output), if given. */
  sourcePipelineUri: string | null;
  partitions: number;
  /** Arrow IPC shard of each partition (index = partition, see entityPartition). */
  shards: string[];
  codeVersion: string;
  jobId: string;
  stage: string;
  createdAt: string;
  /** This record, as written next to the pipeline. */
  recordUri: string;
}

export interface RegisterViewInput {
  name: string;
  entity: string;
  description?: string;
  owner?: string;
  features: FeatureDef[];
  datasetVersion: string | null;
  pipeline: FittedPipeline;
  pipelineUri?: string;
  partitions: number;
  /** index = partition */
  shards: string[];
  jobId: string;
  stage: string;
}

export interface GetViewOptions {
  /** The newest version built from this dataset version (all 64 hex digits or a unique prefix of 8+). */
  asOfDataset?: string;
}

/** One entity's feature values (the entity column included). */
export type FeatureRow = Record<string, number | string | null>;

export interface RegistryOptions {
  store: ObjectStore;
  /** Store root, e.g. `s3://bucket/quiver` or `.quiver/store`. */
  root: string;
  /** The index: `registryIndex(bus, store, root)`, `storeKv(...)` or a bus's `registry`. */
  index: KvStore;
}
