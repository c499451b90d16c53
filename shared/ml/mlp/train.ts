/**
 * Trains the MLP with tfjs' Adam on the backend `computeBackend()` picks (gradients from
 * graph.ts' `backprop`; all parameters in one flat variable): seeded Glorot init, a seeded
 * shuffle per epoch, float32 mini-batches cut from the float64 row-major X (never one tensor of
 * the whole X: measured slower on wasm, and it would double the memory), every tensor freed by
 * `tf.tidy` or disposed, and optional early stopping that keeps the best validation epoch.
 * Returns the plain-JSON {@link MlpModel}.
 *
 * ```ts
 * const model = await fitMlp({ X, y, task: 'binary', seed: 7, featureNames }, { epochs: 10 });
 * ```
 */
import { computeBackend } from '../../compute/backend.js';
import type { Tf } from '../../compute/backend.js';
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import type { FitInput } from '../models/types.js';
import { fillBatch, initialWeights, prepare, shuffleEpoch } from './data.js';
import type { Batch, Prepared } from './data.js';
import { backprop, paramSizes, unpack, weightedLossSum } from './graph.js';
import type { BatchTensors, LossSpec } from './graph.js';
import { resolveMlpParams } from './options.js';
import type { MlpParams, MlpParamsInput } from './options.js';
import type { MlpModel, MlpOutput } from './types.js';

type Scalar = ReturnType<Tf['scalar']>;
type Tensor1D = ReturnType<Tf['tensor1d']>;

const log = logger('ml.mlp');

/** A validation loss must fall by this fraction to count as better (early stopping). */
const MIN_IMPROVEMENT = 1e-4;
/** Rows per forward pass when measuring the validation loss. */
const EVAL_ROWS = 8192;

export interface EpochInfo {
  /** 1-based. */
  epoch: number;
  /** Training objective of the epoch: mean loss + L2 penalty, as sklearn's `loss_curve_`. */
  loss: number;
  validationLoss: number | null;
}

export interface FitMlpHooks {
  /** Called after each epoch (progress, or a test watching tensor counts). */
  onEpoch?: (info: EpochInfo) => void;
}

function toTensors(tf: Tf, b: Batch, k: number, d: number): BatchTensors {
  return {
    rows: b.rows,
    x: tf.tensor2d(b.x, [b.rows, d]),
    ...(b.xT === null ? {} : { xT: tf.tensor2d(b.xT, [d, b.rows]) }),
    y: tf.tensor2d(b.y, [b.rows, k]),
    w: b.w === null ? null : tf.tensor2d(b.w, [b.rows, 1]),
  };
}

function outputOf(task: FitInput['task']): MlpOutput {
  return task === 'binary' ? 'sigmoid' : task === 'multiclass' ? 'softmax' : 'identity';
}

/** Weighted mean loss (no penalty) over the held-out rows. */
async function validationLoss(tf: Tf, theta: Tensor1D, widths: number[], prep: Prepared, spec: LossSpec): Promise<number> {
  const rows = prep.validation;
  let total = 0;
  let weight = 0;
  for (let s = 0; s < rows.length; s += EVAL_ROWS) {
    const b = fillBatch(prep, rows, s, Math.min(rows.length, s + EVAL_ROWS));
    const sum = tf.tidy(() => weightedLossSum(tf, unpack(tf, theta, widths), toTensors(tf, b, prep.k, prep.input.X.cols), spec));
    total += (await sum.data())[0]!;
    sum.dispose();
    weight += b.w === null ? b.rows : b.w.reduce((a, v) => a + v, 0);
  }
  return weight > 0 ? total / weight : 0;
}

/** Σ‖W‖² over the weight matrices (the start of the flat vector; biases excluded). */
async function weightNorm2(tf: Tf, theta: Tensor1D, widths: number[]): Promise<number> {
  const nWeights = paramSizes(widths).slice(0, widths.length - 1).reduce((a, b) => a + b, 0);
  const sq = tf.tidy(() => tf.sum(tf.square(tf.slice(theta, 0, nWeights))));
  const v = (await sq.data())[0]!;
  sq.dispose();
  return v;
}

/** The flat parameters, read back and cut into per-layer weights and biases. */
async function snapshot(theta: Tensor1D, widths: number[]): Promise<{ weights: number[][]; biases: number[][] }> {
  const v = await theta.data();
  const parts: number[][] = [];
  let at = 0;
  for (const n of paramSizes(widths)) {
    parts.push(Array.from(v.subarray(at, at + n)));
    at += n;
  }
  const L = widths.length - 1;
  return { weights: parts.slice(0, L), biases: parts.slice(L) };
}

/** Fits an MLP on `input` with `params` (merged over the defaults; OPTION_INVALID if bad). */
export async function fitMlp(input: FitInput, params: Record<string, unknown> | MlpParamsInput = {}, hooks: FitMlpHooks = {}): Promise<MlpModel> {
  const p: MlpParams = resolveMlpParams(params);
  if (!Number.isFinite(input.seed)) throw QuiverError.nonRetryable('OPTION_INVALID', `seed: ${String(input.seed)} must be a finite number`);
  const started = performance.now();
  const prep = prepare(input, p, input.seed);
  const backend = await computeBackend();
  const { tf } = backend;
  const d = input.X.cols;
  const output = outputOf(input.task);
  const widths = [d, ...p.hiddenLayers, prep.k];
  const init = initialWeights(widths, output === 'sigmoid', input.seed);
  const flat = new Float32Array(paramSizes(widths).reduce((a, b) => a + b, 0));
  let at = 0;
  for (const part of [...init.weights, ...init.biases]) {
    flat.set(part, at);
    at += part.length;
  }
  // tidy: a variable keeps its own reference, so the tensor it starts from is freed here.
  const theta = tf.tidy(() => tf.variable(tf.tensor1d(flat)));
  const opt = tf.train.adam(p.learningRate, 0.9, 0.999, 1e-8);
  const spec: LossSpec = { activation: p.activation, output, l2: p.l2 };
  const early = p.earlyStopping;
  const losses: number[] = [];
  const valLosses: number[] = [];
  let best: { weights: number[][]; biases: number[][] } | null = null;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let acc: Scalar | null = null;
  try {
    for (let epoch = 1; epoch <= p.epochs; epoch++) {
      shuffleEpoch(prep);
      const rows = prep.train;
      // The epoch's summed objective stays on the backend: one read per epoch, not per batch.
      let sum: Scalar = tf.scalar(0);
      acc = sum;
      for (let s = 0; s < rows.length; s += p.batchSize) {
        const batch = fillBatch(prep, rows, s, Math.min(rows.length, s + p.batchSize), true);
        const prev = sum;
        sum = tf.tidy(() => {
          const bt = toTensors(tf, batch, prep.k, d);
          const { grads, lossSum } = backprop(tf, unpack(tf, theta, widths), bt, spec);
          const flatGrad = tf.concat(grads.map((g) => (g.rank === 1 ? g : tf.reshape(g, [-1]))));
          opt.applyGradients([{ name: theta.name, tensor: flatGrad }]);
          return tf.add(prev, lossSum) as Scalar;
        });
        acc = sum;
        prev.dispose();
      }
      const dataLoss = (await sum.data())[0]! / rows.length;
      sum.dispose();
      acc = null;
      // sklearn's loss curve adds l2/2·‖W‖²/batch rows in every batch; here once, with the epoch's last weights.
      const loss = dataLoss + (p.l2 === 0 ? 0 : (0.5 * p.l2 * Math.ceil(rows.length / p.batchSize) * (await weightNorm2(tf, theta, widths))) / rows.length);
      if (!Number.isFinite(loss)) {
        throw QuiverError.nonRetryable('KERNEL_FAILED', `mlp: the training loss is ${loss} after epoch ${epoch}; lower learningRate (now ${p.learningRate}) or set standardize: true`);
      }
      losses.push(loss);
      let vLoss: number | null = null;
      if (early !== null) {
        vLoss = await validationLoss(tf, theta, widths, prep, spec);
        valLosses.push(vLoss);
      }
      hooks.onEpoch?.({ epoch, loss, validationLoss: vLoss });
      if (early === null) continue;
      if (vLoss! < bestLoss * (1 - MIN_IMPROVEMENT)) {
        bestLoss = vLoss!;
        bestEpoch = epoch;
        best = await snapshot(theta, widths);
      } else if (epoch - bestEpoch >= early.patience) {
        break;
      }
    }
    const final = best ?? (await snapshot(theta, widths));
    const ms = performance.now() - started;
    const model: MlpModel = {
      kind: 'mlp',
      version: 1,
      task: input.task,
      nFeatures: d,
      classes: input.classes === undefined ? null : input.classes.slice(),
      layers: widths,
      activation: p.activation,
      output,
      weights: final.weights,
      biases: final.biases,
      inputMean: prep.mean === null ? null : Array.from(prep.mean),
      inputScale: prep.scale === null ? null : Array.from(prep.scale),
      targetMean: prep.targetMean,
      targetScale: prep.targetScale,
      backend: backend.name,
      params: p,
      fit: {
        epochs: losses.length,
        bestEpoch: early === null ? losses.length : bestEpoch,
        loss: losses,
        validationLoss: early === null ? null : valLosses,
        trainRows: prep.train.length,
        validationRows: prep.validation.length,
        ms,
      },
    };
    log.debug({ backend: backend.name, layers: widths, epochs: losses.length, bestEpoch: model.fit.bestEpoch, loss: losses.at(-1), ms }, 'mlp fitted');
    return model;
  } finally {
    acc?.dispose();
    opt.dispose();
    theta.dispose();
  }
}
