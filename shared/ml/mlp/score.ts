/**
 * Batch scoring on the compute backend: the same forward pass as training, as tfjs ops, in
 * chunks of rows so a large X never becomes one tensor. `predictMlp` (forward.ts) needs no
 * backend and is the one to use for single online requests; this one pays off for large
 * batches on a native or GPU backend. Both give the same numbers to float32 precision.
 *
 * ```ts
 * const p = await predictMlpOnBackend(model, X); // same layout as predictMlp
 * ```
 */
import { computeBackend } from '../../compute/backend.js';
import { QuiverError } from '../../errors.js';
import { checkFeatures } from '../linear/types.js';
import type { DesignMatrix } from '../linear/types.js';
import { logits } from './graph.js';
import type { Net } from './graph.js';
import type { MlpModel } from './types.js';

export interface BackendScoreOptions {
  /** Rows per forward pass. Default 8192. */
  chunkRows?: number;
}

export async function predictMlpOnBackend(model: MlpModel, X: DesignMatrix, options: BackendScoreOptions = {}): Promise<Float64Array> {
  checkFeatures(X, model.nFeatures);
  const chunk = options.chunkRows ?? 8192;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `chunkRows: ${String(chunk)} must be a positive integer`);
  }
  const { tf } = await computeBackend();
  const w = model.layers;
  const net: Net = {
    weights: model.weights.map((m, l) => tf.tensor2d(Float32Array.from(m), [w[l]!, w[l + 1]!])),
    biases: model.biases.map((b) => tf.tensor1d(Float32Array.from(b))),
  };
  const d = X.cols;
  const k = w[w.length - 1]!;
  const out = new Float64Array(X.rows * k);
  try {
    for (let s = 0; s < X.rows; s += chunk) {
      const rows = Math.min(X.rows, s + chunk) - s;
      const x = new Float32Array(rows * d);
      for (let i = 0; i < rows * d; i++) {
        const j = i % d;
        const v = X.data[s * d + i]!;
        x[i] = model.inputMean === null ? v : (v - model.inputMean[j]!) / model.inputScale![j]!;
      }
      const y = tf.tidy(() => {
        const z = logits(tf, net, tf.tensor2d(x, [rows, d]), model.activation);
        if (model.output === 'sigmoid') return tf.sigmoid(z);
        if (model.output === 'softmax') return tf.softmax(z);
        return tf.add(tf.mul(z, model.targetScale), model.targetMean);
      });
      const v = await y.data();
      y.dispose();
      for (let i = 0; i < v.length; i++) out[s * k + i] = v[i]!;
    }
  } finally {
    for (const t of [...net.weights, ...net.biases]) t.dispose();
  }
  return out;
}
