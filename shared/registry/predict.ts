/**
 * Scoring one raw record with a registered model: the model's pipeline turns the record into
 * its feature vector (`transformRecord`), the estimator of `model.kind` predicts. A model
 * registered without a pipeline reads its features straight from the record, by name.
 *
 * ```ts
 * const rec = await registry.get('churn', 'production');
 * const out = await predictRecord(rec, await registry.load(rec), { age: 31, plan: 'pro' });
 * // { task: 'binary', prediction: 1, score: 0.83, probabilities: { '0': 0.17, '1': 0.83 } }
 * ```
 */
import { QuiverError } from '../errors.js';
import type { LoadedModel, ModelRecord } from './types.js';

export interface Prediction {
  task: ModelRecord['task'];
  /** Regression: the predicted value. Classification: the most probable class (binary: score ≥ 0.5 → classes[1]). */
  prediction: number | string;
  /** Binary: P(classes[1]). */
  score?: number;
  /** Classification: class → probability. */
  probabilities?: Record<string, number>;
  /** The feature vector the estimator saw, by feature name. */
  features: Record<string, number>;
}

function rawVector(record: ModelRecord, raw: Record<string, unknown>): Float64Array {
  return Float64Array.from(record.features, (f) => {
    const v = raw[f];
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(x)) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `model ${record.name} v${record.version} has no feature pipeline, so the record must hold every feature as a number; "${f}" is ${JSON.stringify(v)}`);
    }
    return x;
  });
}

/** Feature vector of `raw` for this model: its pipeline, or the features by name when it has none. */
export async function featureVector(record: ModelRecord, loaded: LoadedModel, raw: Record<string, unknown>): Promise<Float64Array> {
  if (loaded.pipeline === null) return rawVector(record, raw);
  // Loaded when first needed: CLI commands that do not predict never load the ML code.
  const { transformRecord } = await import('../ml/features/index.js');
  return transformRecord(loaded.pipeline, raw);
}

export async function predictRecord(record: ModelRecord, loaded: LoadedModel, raw: Record<string, unknown>): Promise<Prediction> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw QuiverError.nonRetryable('INPUT_INVALID', 'the record to score must be a JSON object of column: value');
  const x = await featureVector(record, loaded, raw);
  const names = loaded.pipeline?.features ?? record.features;
  const features = Object.fromEntries(names.map((n, i) => [n, x[i] ?? NaN]));
  const { getEstimator } = await import('../ml/models/registry.js');
  const out = await getEstimator(loaded.model.kind).predict(loaded.model, { data: x, rows: 1, cols: x.length });
  const classes = record.classes ?? [];
  if (record.task === 'regression') return { task: record.task, prediction: out[0]!, features };
  if (record.task === 'binary') {
    const score = out[0]!;
    const [neg, pos] = [classes[0] ?? 0, classes[1] ?? 1];
    return { task: record.task, prediction: score >= 0.5 ? pos : neg, score, probabilities: { [String(neg)]: 1 - score, [String(pos)]: score }, features };
  }
  const probabilities: Record<string, number> = {};
  let best = 0;
  for (let k = 0; k < out.length; k++) {
    probabilities[String(classes[k] ?? k)] = out[k]!;
    if (out[k]! > out[best]!) best = k;
  }
  return { task: record.task, prediction: classes[best] ?? best, probabilities, features };
}
