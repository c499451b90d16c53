/**
 * Prediction over raw rows: each tree is walked with its raw thresholds (no re-binning); NaN
 * follows the node's missing direction. The trees are packed once per call into flat typed
 * arrays, and each row walks every tree while its values sit in cache.
 *
 * ```ts
 * const p = predictGbt(model, X);   // binary: P(classes[1]); multiclass: n×K; regression: values
 * const raw = predictRaw(model, X); // n×treesPerIteration raw scores
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { DesignMatrix } from '../linear/types.js';
import type { GbtModel, GbtTree } from './types.js';

interface Packed {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

function pack(trees: GbtTree[]): Packed {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const p: Packed = {
    roots: new Int32Array(trees.length), feature: new Int32Array(total), threshold: new Float64Array(total), missingLeft: new Uint8Array(total),
    left: new Int32Array(total), right: new Int32Array(total), value: new Float64Array(total),
  };
  let o = 0;
  trees.forEach((t, i) => {
    p.roots[i] = o;
    for (let k = 0; k < t.feature.length; k++) {
      p.feature[o + k] = t.feature[k]!;
      p.threshold[o + k] = t.threshold[k]!;
      p.missingLeft[o + k] = t.missingLeft[k]!;
      p.left[o + k] = t.left[k]! < 0 ? -1 : o + t.left[k]!;
      p.right[o + k] = t.right[k]! < 0 ? -1 : o + t.right[k]!;
      p.value[o + k] = t.value[k]!;
    }
    o += t.feature.length;
  });
  return p;
}

function checkX(model: GbtModel, X: DesignMatrix): void {
  const { rows, cols, data } = X;
  if (!Number.isInteger(rows) || rows < 0 || cols !== model.nFeatures || data.length !== rows * cols) {
    throw QuiverError.nonRetryable(
      'INPUT_INVALID',
      `X: ${rows}×${cols} with ${data.length} values does not fit a model of ${model.nFeatures} features; pass a row-major n×${model.nFeatures} Float64Array in the order the model was fitted on`,
    );
  }
}

/** Adds one tree's leaf values to column k of the T-column scores `out` of rows `rows` of X. */
export function addTreeScores(t: GbtTree, X: DesignMatrix, rows: Uint32Array, out: Float64Array, T: number, k: number): void {
  const { data, cols: d } = X;
  const { feature, threshold, missingLeft, left, right, value } = t;
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i]! * d;
    let node = 0;
    while (left[node]! >= 0) {
      const x = data[o + feature[node]!]!;
      node = (x !== x ? missingLeft[node] === 1 : x <= threshold[node]!) ? left[node]! : right[node]!;
    }
    out[i * T + k] = out[i * T + k]! + value[node]!;
  }
}

/** Raw scores, n×treesPerIteration row-major (log-odds, class scores, or values). */
export function predictRaw(model: GbtModel, X: DesignMatrix): Float64Array {
  checkX(model, X);
  const { data, rows: n, cols: d } = X;
  const K = model.treesPerIteration;
  const { roots, feature, threshold, missingLeft, left, right, value } = pack(model.trees);
  const T = roots.length;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < K; k++) out[i * K + k] = model.baseline[k]!;
    for (let t = 0; t < T; t++) {
      let node = roots[t]!;
      let l = left[node]!;
      while (l >= 0) {
        const x = data[o + feature[node]!]!;
        node = (x !== x ? missingLeft[node] === 1 : x <= threshold[node]!) ? l : right[node]!;
        l = left[node]!;
      }
      const at = i * K + (t % K);
      out[at] = out[at]! + value[node]!;
    }
  }
  return out;
}

/** Regression: values (n). Binary: P(classes[1]) (n). Multiclass: probabilities, n×K row-major. */
export function predictGbt(model: GbtModel, X: DesignMatrix): Float64Array {
  const raw = predictRaw(model, X);
  if (model.task === 'regression') return raw;
  if (model.task === 'binary') {
    for (let i = 0; i < raw.length; i++) {
      const z = raw[i]!;
      raw[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
    return raw;
  }
  const K = model.treesPerIteration;
  for (let i = 0; i < X.rows; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k]! > m) m = raw[o + k]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      raw[o + k] = Math.exp(raw[o + k]! - m);
      s += raw[o + k]!;
    }
    for (let k = 0; k < K; k++) raw[o + k] = raw[o + k]! / s;
  }
  return raw;
}
