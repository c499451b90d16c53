/**
 * The estimators: the only module that names them all. The `train` operator and the model
 * registry's `predict` look estimators up here by the `kind` a spec or a model file names.
 *
 * ```ts
 * const est = getEstimator('gbt');
 * const model = await est.fit({ X, y, task: 'binary', classes: [0, 1], seed: 7, featureNames }, { maxIter: 100 });
 * const p = await est.predict(model, X); // P(class 1) per row
 * ```
 */
import { QuiverError } from '../../errors.js';
import { mlpEstimator } from '../mlp/index.js';
import { gbtEstimator } from '../trees/index.js';
import { linearEstimator, logisticEstimator, ridgeEstimator } from './linear.js';
import type { Estimator, ModelState } from './types.js';

const estimators: ReadonlyMap<string, Estimator> = new Map(
  ([logisticEstimator, linearEstimator, ridgeEstimator, gbtEstimator, mlpEstimator] as unknown as Estimator<ModelState>[]).map((e) => [e.kind, e]),
);

export function estimatorKinds(): string[] {
  return [...estimators.keys()];
}

export function allEstimators(): Estimator[] {
  return [...estimators.values()];
}

export function getEstimator(kind: string): Estimator {
  const e = estimators.get(kind);
  if (e === undefined) throw QuiverError.nonRetryable('SPEC_INVALID', `unknown model kind "${kind}"; use one of: ${estimatorKinds().join(', ')}`);
  return e;
}
