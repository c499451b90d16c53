/**
 * The fitted MLP as plain JSON, and `parseMlpModel`, which checks one read back from a file or
 * a KV store before it predicts. Weights are float32 values stored as numbers, layer by layer,
 * each an in×out matrix row-major (element (i, j) is `weights[l][i * out + j]`).
 *
 * ```ts
 * const model = parseMlpModel(JSON.parse(text));
 * model.layers; // [20, 64, 32, 1]
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { Label } from '../linear/types.js';
import type { LearningTask, ModelState } from '../models/types.js';
import type { MlpActivation, MlpParams } from './options.js';

/** What the last layer computes: P(classes[1]), class probabilities, or the value itself. */
export type MlpOutput = 'sigmoid' | 'softmax' | 'identity';

export interface MlpFitInfo {
  /** Epochs run (fewer than `params.epochs` when early stopping ended training). */
  epochs: number;
  /** Epoch whose weights the model keeps (1-based; the last one without early stopping). */
  bestEpoch: number;
  /**
   * Training objective of each epoch, as sklearn's `loss_curve_`: the mean weighted loss over
   * its batches plus the L2 penalty (scaled-target units for regression).
   */
  loss: number[];
  /** Weighted loss on the held-out rows after each epoch, or null without early stopping. */
  validationLoss: number[] | null;
  trainRows: number;
  validationRows: number;
  ms: number;
}

export interface MlpModel extends ModelState {
  kind: 'mlp';
  version: 1;
  task: LearningTask;
  nFeatures: number;
  /** Classification: sorted class labels, when the fit was given them. */
  classes: Label[] | null;
  /** Width of every layer: [nFeatures, ...hiddenLayers, outputs]. */
  layers: number[];
  activation: MlpActivation;
  output: MlpOutput;
  /** One in×out row-major matrix per layer (float32 values). */
  weights: number[][];
  biases: number[][];
  /** Input standardization x' = (x − mean) / scale, or null when `standardize` was false. */
  inputMean: number[] | null;
  inputScale: number[] | null;
  /** Regression: the network predicts (y − targetMean) / targetScale. Classification: 0 and 1. */
  targetMean: number;
  targetScale: number;
  /** The compute backend it was trained on (tfjs-node-gpu, tfjs-node, wasm, cpu). */
  backend: string;
  params: MlpParams;
  fit: MlpFitInfo;
}

function bad(path: string, what: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `model.${path}: ${what}; refit the model or load the file it was saved to`);
}

function finiteArray(v: unknown, len: number, path: string): void {
  if (!Array.isArray(v) || v.length !== len) throw bad(path, `must be an array of ${len} numbers`);
  for (let i = 0; i < len; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`${path}[${i}]`, `${String(x)} is not a finite number`);
  }
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Checks the shape and values of a model state; returns it typed. Throws INPUT_INVALID. */
export function parseMlpModel(value: unknown): MlpModel {
  if (typeof value !== 'object' || value === null) throw bad('', 'is not an object');
  const m = value as Record<string, unknown>;
  if (m.kind !== 'mlp') throw bad('kind', `${String(m.kind)} is not mlp`);
  if (m.version !== 1) throw bad('version', `${String(m.version)} is not a supported version (1)`);
  const layers = m.layers;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every(positiveInt)) throw bad('layers', 'must list at least 2 positive layer widths');
  const widths = layers as number[];
  if (m.nFeatures !== widths[0]) throw bad('nFeatures', `${String(m.nFeatures)} must equal layers[0] (${widths[0]})`);
  if (m.activation !== 'relu' && m.activation !== 'tanh') throw bad('activation', `${String(m.activation)} is not relu or tanh`);
  const out = widths[widths.length - 1]!;
  const expect: Record<string, [MlpOutput, (k: number) => boolean]> = {
    binary: ['sigmoid', (k) => k === 1],
    multiclass: ['softmax', (k) => k >= 2],
    regression: ['identity', (k) => k === 1],
  };
  const e = expect[String(m.task)];
  if (e === undefined) throw bad('task', `${String(m.task)} is not binary, multiclass or regression`);
  if (m.output !== e[0] || !e[1](out)) throw bad('output', `${String(m.output)} with ${out} outputs does not fit task ${String(m.task)}`);
  const L = widths.length - 1;
  if (!Array.isArray(m.weights) || m.weights.length !== L) throw bad('weights', `must hold ${L} layers`);
  if (!Array.isArray(m.biases) || m.biases.length !== L) throw bad('biases', `must hold ${L} layers`);
  for (let l = 0; l < L; l++) {
    finiteArray(m.weights[l], widths[l]! * widths[l + 1]!, `weights[${l}]`);
    finiteArray(m.biases[l], widths[l + 1]!, `biases[${l}]`);
  }
  if (m.inputMean !== null || m.inputScale !== null) {
    finiteArray(m.inputMean, widths[0]!, 'inputMean');
    finiteArray(m.inputScale, widths[0]!, 'inputScale');
    (m.inputScale as number[]).forEach((v, j) => {
      if (!(v > 0)) throw bad(`inputScale[${j}]`, `${v} must be > 0`);
    });
  }
  finiteArray([m.targetMean, m.targetScale], 2, 'targetMean/targetScale');
  if (!((m.targetScale as number) > 0)) throw bad('targetScale', `${String(m.targetScale)} must be > 0`);
  if (m.classes !== null && !Array.isArray(m.classes)) throw bad('classes', 'must be an array of labels or null');
  return value as MlpModel;
}
