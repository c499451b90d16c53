/**
 * JSON Schema (draft 2020-12) of the `features:` / `pipeline:` array of a job spec: a list of
 * one-key objects, the key naming the step. resolvePipeline checks the same rules (and the
 * columns), so a spec that passes here can still fail there with a column-level message.
 *
 * ```ts
 * const stageSchema = { type: 'object', properties: { pipeline: FEATURE_STEPS_SCHEMA } };
 * ```
 */
import { STEP_NAMES, STEPS } from './steps/index.js';

export const FEATURE_STEPS_SCHEMA: Record<string, unknown> = Object.freeze({
  type: 'array',
  description:
    'Feature pipeline steps, applied in order: impute, onehot, ordinal, scale, pca, hashing, tfidf, derive, variance. Each item is a one-key object, e.g. { onehot: { columns: [country] } }. See docs/ml/features.md.',
  items: {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: Object.fromEntries(STEP_NAMES.map((n) => [n, STEPS[n].schema])),
  },
});
