/**
 * Feature pipelines that agree with scikit-learn 1.2: impute, onehot, ordinal, scale, pca,
 * hashing, tfidf, derive, variance. A pipeline is resolved against the input schema, fitted
 * pass by pass from mergeable per-shard partial statistics (equal to a fit on all rows), and
 * stored as one JSON artifact whose version is the SHA-256 of its content. The same transform
 * code serves a batch shard and one online record. See docs/ml/features.md.
 *
 * ```ts
 * import { fitPipelineLocal, frameFromTable, parsePipeline, resolvePipeline, toMatrix, transformRecord } from './shared/ml/features/index.js';
 * const p = resolvePipeline(
 *   [
 *     { impute: { columns: ['age'], strategy: 'median' } },
 *     { onehot: { columns: ['country'], maxCategories: 10, unknown: 'bucket' } },
 *     { scale: { columns: ['age', 'income'], method: 'standard' } },
 *   ],
 *   schema, ['age', 'income', 'country'], 'stages[2].pipeline');
 * const pipeline = fitPipelineLocal(p, [frameFromTable(table, p.input.map((f) => f.name))]);
 * const X = toMatrix(pipeline, frameFromTable(other, p.input.map((f) => f.name))); // rows × pipeline.features.length
 * const x = transformRecord(parsePipeline(JSON.parse(JSON.stringify(pipeline))), { age: 40, income: 5e4, country: 'DE' });
 * ```
 *
 * Distributed: per pass, each shard's task calls `passPartial(p, pass, fittedSoFar, frame, mask)`,
 * the coordinator folds them with `mergePassPartials` and calls `finishPass`; after the last
 * pass, `buildPipeline(p, fitted, rows)`.
 */
export { resolvePipeline } from './pipeline.js';
export type { PipelineSchema, ResolvedPipeline, ResolvedStep, StepSpec } from './pipeline.js';
export { FEATURE_STEPS_SCHEMA } from './schema.js';
export { buildPipeline, finishPass, fitPipelineLocal, mergePassPartials, passPartial, passPartials } from './fit.js';
export { featureColumns, ROW_BLOCK, toMatrix, transformFrame, transformRecord } from './transform.js';
export { frameFromRecord, frameFromTable, sliceFrame } from './frame.js';
export { parsePipeline } from './artifact.js';
export { STEP_NAMES } from './steps/index.js';
export type { StepName } from './steps/index.js';
export type { ColumnData, FittedPipeline, FittedStep, Frame, NumericColumn, PassPartial, TextColumn } from './types.js';
