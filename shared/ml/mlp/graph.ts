/**
 * The MLP as tfjs ops on whatever backend `computeBackend()` picked: the forward pass (fused
 * matMul + bias + relu where the backend has it), the per-row losses (binary cross-entropy on
 * logits, softmax cross-entropy, half squared error), and the backward pass written out by
 * hand. tfjs-core alone registers no gradient functions (the `@tensorflow/tfjs` bundle does,
 * and quiver does not install it), so `tf.grad` and `optimizer.minimize` are not available on
 * the wasm and cpu backends; an MLP's gradients are short enough to state directly, and that
 * also skips the tape. Callers run these inside `tf.tidy` so every intermediate is freed.
 *
 * ```ts
 * const z = logits(tf, net, x, 'relu');                 // rows×k, before the output link
 * const net = unpack(tf, theta, widths);                  // views of the flat parameter variable
 * const { grads, lossSum } = backprop(tf, net, batch, spec); // grads: weights, then biases
 * ```
 */
import type { Tf } from '../../compute/backend.js';
import type { MlpActivation } from './options.js';
import type { MlpOutput } from './types.js';

type Tensor = ReturnType<Tf['tensor']>;
type Tensor2D = ReturnType<Tf['tensor2d']>;
type Tensor1D = ReturnType<Tf['tensor1d']>;
type Scalar = ReturnType<Tf['scalar']>;

/** The network's parameters as tensors (variables while training). */
export interface Net {
  weights: Tensor2D[];
  biases: Tensor1D[];
}

export interface LossSpec {
  activation: MlpActivation;
  output: MlpOutput;
  l2: number;
}

/** Batch tensors: x rows×d (and optionally its transpose), y rows×k (label, one-hot or target), w rows×1 or null. */
export interface BatchTensors {
  rows: number;
  x: Tensor2D;
  xT?: Tensor2D;
  y: Tensor2D;
  w: Tensor2D | null;
}

/** Lengths of the parts of the flat parameter vector: every weight matrix, then every bias. */
export function paramSizes(widths: number[]): number[] {
  const L = widths.length - 1;
  const w = Array.from({ length: L }, (_, l) => widths[l]! * widths[l + 1]!);
  return [...w, ...widths.slice(1)];
}

/**
 * The network viewed from its flat parameter vector (one split). Training keeps all parameters
 * in one variable so Adam updates one tensor per step, not one per layer (a third of the step
 * time on wasm, measured).
 */
export function unpack(tf: Tf, theta: Tensor1D, widths: number[]): Net {
  const L = widths.length - 1;
  const parts = tf.split(theta, paramSizes(widths));
  return {
    weights: parts.slice(0, L).map((t, l) => tf.reshape(t, [widths[l]!, widths[l + 1]!])),
    biases: parts.slice(L) as Tensor1D[],
  };
}

/** Every layer's output: [x, hidden activations..., last-layer logits]. */
function layerOutputs(tf: Tf, net: Net, x: Tensor2D, activation: MlpActivation): Tensor2D[] {
  const hs = [x];
  const L = net.weights.length;
  for (let l = 0; l < L; l++) {
    const hidden = l < L - 1;
    const act = hidden && activation === 'relu' ? 'relu' : 'linear';
    let h = tf.fused.matMul({ a: hs[l]!, b: net.weights[l]!, bias: net.biases[l]!, activation: act }) as Tensor2D;
    if (hidden && activation === 'tanh') h = tf.tanh(h);
    hs.push(h);
  }
  return hs;
}

/** Last-layer values before the sigmoid/softmax link (identity for regression). */
export function logits(tf: Tf, net: Net, x: Tensor2D, activation: MlpActivation): Tensor2D {
  return layerOutputs(tf, net, x, activation).at(-1)!;
}

/** Per-row loss (rows×1) of logits `z` against targets `y`. */
export function rowLoss(tf: Tf, z: Tensor2D, y: Tensor2D, output: MlpOutput): Tensor2D {
  // Binary: log(1 + e^z) − z·y, finite for any z.
  if (output === 'sigmoid') return tf.sub(tf.softplus(z), tf.mul(z, y));
  if (output === 'softmax') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1, true)) as Tensor2D;
  return tf.mul(tf.square(tf.sub(z, y)), 0.5);
}

function weighted(tf: Tf, t: Tensor2D, w: Tensor2D | null): Tensor2D {
  return w === null ? t : tf.mul(t, w);
}

/** Σ w·loss over the batch (divide by Σw for a mean). */
export function weightedLossSum(tf: Tf, net: Net, b: BatchTensors, spec: LossSpec): Scalar {
  return tf.sum(weighted(tf, rowLoss(tf, logits(tf, net, b.x, spec.activation), b.y, spec.output), b.w));
}

/**
 * Gradients of scikit-learn's mini-batch objective, mean (weighted) loss over the rows plus
 * l2/2 · Σ‖W‖² / rows (biases unpenalized), in the order [...weights, ...biases] (the flat
 * vector's order: `tf.concat` of them flattened is the gradient of `theta`), and the batch's
 * Σ w·loss (the penalty is left out: training adds it once an epoch, not in every step). Each loss is paired with its canonical link, so the gradient at the
 * logits is (prediction − target) · w / rows for all three tasks.
 */
export function backprop(tf: Tf, net: Net, b: BatchTensors, spec: LossSpec): { grads: Tensor[]; lossSum: Scalar } {
  const hs = layerOutputs(tf, net, b.x, spec.activation);
  const L = net.weights.length;
  const z = hs[L]!;
  const pred = spec.output === 'sigmoid' ? tf.sigmoid(z) : spec.output === 'softmax' ? tf.softmax(z) : z;
  let dz: Tensor2D = tf.mul(weighted(tf, tf.sub(pred, b.y), b.w), 1 / b.rows);
  const gW: Tensor[] = new Array<Tensor>(L);
  const gb: Tensor[] = new Array<Tensor>(L);
  const decay = spec.l2 / b.rows;
  // Explicit transposes and a ones-row matMul for the column sums: tfjs-wasm's matMul with
  // transpose flags, and its sum over axis 0, take a slow path (2.5× the step time, measured).
  const ones = tf.ones([1, b.rows]);
  for (let l = L - 1; l >= 0; l--) {
    const W = net.weights[l]!;
    const h = hs[l]!;
    const hT = l === 0 && b.xT !== undefined ? b.xT : tf.transpose(h);
    const g = tf.matMul(hT, dz);
    gW[l] = decay === 0 ? g : tf.add(g, tf.mul(W, decay));
    gb[l] = tf.reshape(tf.matMul(ones, dz), [-1]);
    if (l === 0) break;
    const dh = tf.matMul(dz, tf.transpose(W));
    // h = relu(a): dh·[h > 0]; h = tanh(a): dh·(1 − h²).
    dz = spec.activation === 'relu' ? tf.mul(dh, tf.step(h)) : tf.mul(dh, tf.sub(1, tf.square(h)));
  }
  const lossSum: Scalar = tf.sum(weighted(tf, rowLoss(tf, z, b.y, spec.output), b.w));
  return { grads: [...gW, ...gb], lossSum };
}
