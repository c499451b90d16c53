/**
 * What changed between two registered models: estimator kind, hyperparameters, metrics (with
 * the change of the mean), feature names, and the dataset and pipeline versions they came from.
 *
 * ```ts
 * const d = diffModels(v1, v2);
 * d.metrics;  // [{ key: 'roc_auc', a: { mean: 0.81, … }, b: { mean: 0.84, … }, delta: 0.03 }]
 * ```
 */
import { canonicalJson } from './support.js';
import type { MetricChange, MetricValue, ModelDiff, ModelRecord, ValueChange } from './types.js';

/** The mean of a summary, or the number itself. */
export function metricMean(v: MetricValue | null | undefined): number | null {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && typeof v.mean === 'number') return v.mean;
  return null;
}

function changedValues(a: Record<string, unknown>, b: Record<string, unknown>): ValueChange[] {
  const out: ValueChange[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const va = a[key];
    const vb = b[key];
    if (canonicalJson(va) !== canonicalJson(vb)) out.push({ key, a: va ?? null, b: vb ?? null });
  }
  return out;
}

function changedMetrics(a: Record<string, MetricValue>, b: Record<string, MetricValue>): MetricChange[] {
  const out: MetricChange[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const va = a[key] ?? null;
    const vb = b[key] ?? null;
    if (canonicalJson(va) === canonicalJson(vb)) continue;
    const ma = metricMean(va);
    const mb = metricMean(vb);
    out.push({ key, a: va, b: vb, delta: ma === null || mb === null ? null : mb - ma });
  }
  return out;
}

export function diffModels(a: ModelRecord, b: ModelRecord): ModelDiff {
  const inA = new Set(a.features);
  const inB = new Set(b.features);
  const common = (list: string[], other: Set<string>): string[] => list.filter((f) => other.has(f));
  const reordered = canonicalJson(common(a.features, inB)) !== canonicalJson(common(b.features, inA));
  return {
    a: { name: a.name, version: a.version, id: a.id },
    b: { name: b.name, version: b.version, id: b.id },
    sameContent: a.id === b.id,
    kind: a.kind === b.kind ? null : { a: a.kind, b: b.kind },
    params: changedValues(a.params, b.params),
    metrics: changedMetrics(a.metrics, b.metrics),
    features: { added: b.features.filter((f) => !inA.has(f)), removed: a.features.filter((f) => !inB.has(f)), reordered },
    datasetVersion: a.datasetVersion === b.datasetVersion ? null : { a: a.datasetVersion, b: b.datasetVersion },
    pipelineVersion: a.pipelineVersion === b.pipelineVersion ? null : { a: a.pipelineVersion, b: b.pipelineVersion },
  };
}
