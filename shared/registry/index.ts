/**
 * The model registry and the feature store: artifacts in the object store, an index in a
 * KvStore (NATS KV on a cluster, the store itself in local mode), so both work the same locally
 * and on the cluster.
 *
 * ```ts
 * import { FeatureStore, ModelRegistry, registryIndex } from '../shared/registry/index.js';
 *
 * const index = registryIndex(bus, store, root);          // bus.registry, or <root>/registry/index/
 * const models = new ModelRegistry({ store, root, index });
 * const rec = await models.register({ name: 'churn', model, pipeline, params, metrics, datasetVersion,
 *   jobId, stage: 'train', task: 'binary', label: 'churned', classes: [0, 1], features });
 * await models.promote('churn', rec.version, 'production');
 * const prod = await models.get('churn', 'production');
 * const { model: m, pipeline: p } = await models.load(prod);
 *
 * const features = new FeatureStore({ store, root, index });
 * const view = await features.getView('user_features');
 * await features.getByKey(view, 'u-17');
 * ```
 */
export { ModelRegistry, assertAlias, modelContentId } from './models.js';
export { FeatureStore } from './features.js';
export { diffModels, metricMean } from './model-diff.js';
export { entityPartition, fnv1a32 } from './partition.js';
export { storeKv } from './store-kv.js';
export { connectRegistryIndex, localIndexPrefix, registryIndex } from './index-kv.js';
export { codeVersion } from './code-version.js';
export { predictRecord, featureVector } from './predict.js';
export type { ConnectRegistryIndexOptions, RegistryIndexConnection } from './index-kv.js';
export type { Prediction } from './predict.js';
export type {
  FeatureDef,
  FeatureRow,
  FeatureViewRecord,
  GetViewOptions,
  LoadedModel,
  MetricChange,
  MetricValue,
  ModelDiff,
  ModelRecord,
  ModelRef,
  ModelUris,
  RegisterModelInput,
  RegisterViewInput,
  RegistryOptions,
  ValueChange,
} from './types.js';
