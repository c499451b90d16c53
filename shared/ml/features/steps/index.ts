/**
 * The step table: one module per step, looked up by the spec's key (`{ onehot: {...} }`).
 *
 * ```ts
 * const def = STEPS.onehot;
 * def.resolve({ body, path, cols, gone });
 * ```
 */
import { derive } from './derive.js';
import { hashing } from './hashing.js';
import { impute } from './impute.js';
import { onehot } from './onehot.js';
import { ordinal } from './ordinal.js';
import { pca } from './pca.js';
import { scale } from './scale.js';
import type { AnyStep, StepName } from './step.js';
import { tfidf } from './tfidf.js';
import { variance } from './variance.js';

export const STEPS: Readonly<Record<StepName, AnyStep>> = Object.freeze({ impute, onehot, ordinal, scale, pca, hashing, tfidf, derive, variance });

/** How a later step's error explains that a column is gone. */
export const REMOVED_BY: Readonly<Record<StepName, string>> = Object.freeze({
  impute: 'imputed',
  onehot: 'one-hot encoded',
  ordinal: 'ordinal encoded',
  scale: 'scaled',
  pca: 'projected onto principal components',
  hashing: 'hashed into columns',
  tfidf: 'turned into tf-idf columns',
  derive: 'derived',
  variance: 'checked by variance, which may drop it',
});

export { STEP_NAMES } from './step.js';
export type { StepName } from './step.js';
