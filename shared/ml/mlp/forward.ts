/**
 * Serving without tfjs: the MLP's forward pass in plain typed arrays, in float64 over the stored
 * (float32-valued) weights. One row costs a few microseconds, with no backend to load and no
 * tensors to dispose, so an online request scores directly; `predictMlpOnBackend` (score.ts)
 * is the batch alternative on the compute backend.
 *
 * ```ts
 * const p = predictMlp(model, { data: new Float64Array(row), rows: 1, cols: row.length });
 * ```
 */
import { checkFeatures } from '../linear/types.js';
import type { DesignMatrix } from '../linear/types.js';
import type { MlpModel } from './types.js';

interface Compiled {
  widths: number[];
  weights: Float64Array[];
  biases: Float64Array[];
  mean: Float64Array | null;
  scale: Float64Array | null;
}

/** Typed-array copies of a model's weights, made once per model object. */
const compiled = new WeakMap<MlpModel, Compiled>();

function compile(model: MlpModel): Compiled {
  let c = compiled.get(model);
  if (c === undefined) {
    c = {
      widths: model.layers.slice(),
      // Float64: the stored values are float32 already, and any others are used as given.
      weights: model.weights.map((w) => Float64Array.from(w)),
      biases: model.biases.map((b) => Float64Array.from(b)),
      mean: model.inputMean === null ? null : Float64Array.from(model.inputMean),
      scale: model.inputScale === null ? null : Float64Array.from(model.inputScale),
    };
    compiled.set(model, c);
  }
  return c;
}

/**
 * Predictions for every row of X: regression values (n), binary P(classes[1]) (n), or
 * multiclass probabilities (n×k row-major).
 */
export function predictMlp(model: MlpModel, X: DesignMatrix): Float64Array {
  checkFeatures(X, model.nFeatures);
  const c = compile(model);
  const { widths } = c;
  const L = widths.length - 1;
  const k = widths[L]!;
  const maxWidth = Math.max(...widths);
  let a = new Float64Array(maxWidth);
  let b = new Float64Array(maxWidth);
  const out = new Float64Array(X.rows * k);
  const d = X.cols;
  const tanh = model.activation === 'tanh';
  for (let r = 0; r < X.rows; r++) {
    for (let j = 0; j < d; j++) {
      const x = X.data[r * d + j]!;
      a[j] = c.mean === null ? x : (x - c.mean[j]!) / c.scale![j]!;
    }
    for (let l = 0; l < L; l++) {
      const nIn = widths[l]!;
      const nOut = widths[l + 1]!;
      const W = c.weights[l]!;
      const bias = c.biases[l]!;
      for (let j = 0; j < nOut; j++) b[j] = bias[j]!;
      for (let i = 0; i < nIn; i++) {
        const ai = a[i]!;
        if (ai === 0) continue;
        const row = i * nOut;
        for (let j = 0; j < nOut; j++) b[j] = b[j]! + ai * W[row + j]!;
      }
      if (l < L - 1) {
        for (let j = 0; j < nOut; j++) b[j] = tanh ? Math.tanh(b[j]!) : Math.max(0, b[j]!);
      }
      const t = a;
      a = b;
      b = t;
    }
    writeOutput(model, a, out, r * k, k);
  }
  return out;
}

/** Applies the output link to the last layer's `k` values in `z`, into `out` at `at`. */
function writeOutput(model: MlpModel, z: Float64Array, out: Float64Array, at: number, k: number): void {
  if (model.output === 'sigmoid') {
    const v = z[0]!;
    out[at] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  } else if (model.output === 'softmax') {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[j]!);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(z[j]! - m);
    for (let j = 0; j < k; j++) out[at + j] = Math.exp(z[j]! - m) / s;
  } else {
    out[at] = z[0]! * model.targetScale + model.targetMean;
  }
}
