/**
 * The boosting losses, as scikit-learn's `HistGradientBoosting*`: binary log loss (raw score =
 * log-odds of classes[1]), multinomial log loss (one raw score per class, softmax), and half
 * squared error. Each gives its weighted intercept-only start, per-row gradient and hessian, and
 * the weighted mean loss used for early stopping.
 *
 * Binary training keeps e = exp(−raw) per row and multiplies it by exp(−leaf value) after each
 * tree, so no exp is evaluated per row per iteration.
 *
 * ```ts
 * const base = baseline('binary', y, w, 2); // [log(p / (1 − p))]
 * binaryGradients(e, y, w, g, h, n);
 * ```
 */
import type { LearningTask } from '../models/types.js';

const EPS = 2.220446049250313e-16;

/** Intercept-only raw scores: log-odds of the weighted base rate, log class priors (centered), or the weighted mean. */
export function baseline(task: LearningTask, y: Float64Array, w: Float64Array, nClasses: number): number[] {
  const n = y.length;
  let sw = 0;
  if (task === 'regression') {
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += w[i]! * y[i]!;
      sw += w[i]!;
    }
    return [s / sw];
  }
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) {
    counts[y[i]!] = counts[y[i]!]! + w[i]!;
    sw += w[i]!;
  }
  const prior = Array.from(counts, (c) => Math.min(Math.max(c / sw, EPS), 1 - EPS));
  if (task === 'binary') return [Math.log(prior[1]! / (1 - prior[1]!))];
  const logs = prior.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / nClasses;
  return logs.map((v) => v - mean);
}

/** g = w·(p − y), h = w·p·(1 − p) with p = 1 / (1 + e), computed without cancellation. */
export function binaryGradients(e: Float64Array, y: Float64Array, w: Float64Array, g: Float64Array, h: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ei = e[i]!;
    const p = 1 / (1 + ei);
    const q = ei > 1 ? 1 - p : ei * p; // 1 − p
    const wi = w[i]!;
    g[i] = y[i]! === 1 ? -wi * q : wi * p;
    h[i] = wi * p * q;
  }
}

/** Half squared error: g = w·(raw − y), h = w. */
export function squaredGradients(raw: Float64Array, y: Float64Array, w: Float64Array, g: Float64Array, h: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    g[i] = w[i]! * (raw[i]! - y[i]!);
    h[i] = w[i]!;
  }
}

/** Softmax of each row of the n×K raw scores into `prob` (same layout). */
export function softmax(raw: Float64Array, n: number, K: number, prob: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k]! > m) m = raw[o + k]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const v = Math.exp(raw[o + k]! - m);
      prob[o + k] = v;
      s += v;
    }
    const inv = 1 / s;
    for (let k = 0; k < K; k++) prob[o + k] = prob[o + k]! * inv;
  }
}

/** Multinomial gradients of class k: g = w·(p_k − [y = k]), h = w·p_k·(1 − p_k). */
export function softmaxGradients(prob: Float64Array, K: number, k: number, y: Float64Array, w: Float64Array, g: Float64Array, h: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = prob[i * K + k]!;
    const wi = w[i]!;
    g[i] = wi * (y[i]! === k ? p - 1 : p);
    h[i] = wi * p * (1 - p);
  }
}

/** Weighted mean loss of raw scores (n, or n×K for multiclass): the early-stopping criterion. */
export function meanLoss(task: LearningTask, raw: Float64Array, y: Float64Array, w: Float64Array, K: number): number {
  const n = y.length;
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    sw += wi;
    if (task === 'regression') {
      const r = raw[i]! - y[i]!;
      s += 0.5 * wi * r * r;
    } else if (task === 'binary') {
      const z = raw[i]!;
      // log(1 + exp(z)) − y·z, stable for large |z|
      const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      s += wi * (sp - y[i]! * z);
    } else {
      const o = i * K;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (raw[o + k]! > m) m = raw[o + k]!;
      let e = 0;
      for (let k = 0; k < K; k++) e += Math.exp(raw[o + k]! - m);
      s += wi * (m + Math.log(e) - raw[o + y[i]!]!);
    }
  }
  return sw > 0 ? s / sw : 0;
}
