/**
 * Training data preparation for the MLP, all seeded and in plain typed arrays: the held-out
 * split, input and target standardization, normalized sample weights, Glorot weight
 * initialization, per-epoch shuffles, and the float32 mini-batches handed to tfjs.
 *
 * ```ts
 * const prep = prepare(input, params, k);
 * const batch = fillBatch(prep, prep.train, 0, 256);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { mulberry32 } from '../../prng.js';
import { checkDesign, checkVector } from '../linear/types.js';
import type { FitInput } from '../models/types.js';
import type { MlpParams } from './options.js';

export interface Prepared {
  input: FitInput;
  /** Output units: 1 (binary, regression) or k classes. */
  k: number;
  train: Uint32Array;
  validation: Uint32Array;
  mean: Float64Array | null;
  /** 1 / scale of each column (scale 1 for a constant column), or null. */
  invScale: Float64Array | null;
  scale: Float64Array | null;
  targetMean: number;
  targetScale: number;
  /** Sample weights normalized to mean 1 over the training rows, or null for unweighted. */
  weight: Float64Array | null;
  /** Seeded stream for the per-epoch shuffles. */
  shuffleRand: () => number;
}

export interface Batch {
  rows: number;
  x: Float32Array;
  /** x transposed (d×rows), when asked for: the backward pass needs it. */
  xT: Float32Array | null;
  /** rows×k: the 0/1 label, the one-hot class, or the scaled target. */
  y: Float32Array;
  w: Float32Array | null;
}

function inputError(message: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', message);
}

/** Number of outputs for the task; checks the labels. */
export function outputUnits(input: FitInput): number {
  const { y, task, classes } = input;
  if (task === 'regression') return 1;
  const k = task === 'binary' ? 2 : (classes?.length ?? y.reduce((m, v) => Math.max(m, v), -1) + 1);
  if (classes !== undefined && classes.length !== k) {
    throw inputError(`classes: a ${task} fit needs ${k === 2 ? 'exactly 2' : k} classes, got ${classes.length}`);
  }
  if (k < 2) throw inputError(`y: a ${task} fit needs at least 2 classes`);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw inputError(`y[${i}] is ${v}; a ${task} fit takes class indices 0..${k - 1} into classes`);
    }
  }
  return task === 'binary' ? 1 : k;
}

function shuffleInPlace(a: Uint32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Checks the input and computes everything the training loop needs besides the network. */
export function prepare(input: FitInput, params: MlpParams, seed: number): Prepared {
  const { X, y, task } = input;
  checkDesign(X);
  const n = X.rows;
  const d = X.cols;
  checkVector(y, n, 'y', false);
  if (input.sampleWeight !== undefined) checkVector(input.sampleWeight, n, 'sampleWeight', true);
  const k = outputUnits(input);
  const rand = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  let train = Uint32Array.from({ length: n }, (_, i) => i);
  let validation = new Uint32Array(0);
  if (params.earlyStopping !== null) {
    shuffleInPlace(train, rand);
    const nVal = Math.ceil(n * params.earlyStopping.validationFraction);
    if (nVal < 1 || n - nVal < 1) {
      throw inputError(`X: ${n} rows cannot be split into training and validation rows (earlyStopping.validationFraction ${params.earlyStopping.validationFraction}); pass more rows or turn early stopping off`);
    }
    validation = train.slice(0, nVal).sort();
    train = train.slice(nVal).sort();
  }
  if (train.length === 0) throw inputError('X: has no rows; a fit needs at least one');

  let weight: Float64Array | null = null;
  if (input.sampleWeight !== undefined) {
    let s = 0;
    for (const i of train) s += input.sampleWeight[i]!;
    if (!(s > 0)) throw inputError('sampleWeight: the training rows have total weight 0; give some rows a positive weight');
    const f = train.length / s;
    weight = Float64Array.from(input.sampleWeight, (w) => w * f);
  }

  let mean: Float64Array | null = null;
  let scale: Float64Array | null = null;
  let invScale: Float64Array | null = null;
  if (params.standardize) {
    mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const i of train) for (let j = 0; j < d; j++) mean[j]! += X.data[i * d + j]!;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! / train.length;
    for (const i of train) {
      for (let j = 0; j < d; j++) {
        const c = X.data[i * d + j]! - mean[j]!;
        sq[j]! += c * c;
      }
    }
    // A constant column (spread at rounding level) keeps scale 1, as sklearn's StandardScaler.
    scale = Float64Array.from(sq, (s, j) => {
      const sd = Math.sqrt(s / train.length);
      return sd > 10 * Number.EPSILON * Math.max(1, Math.abs(mean![j]!)) ? sd : 1;
    });
    invScale = Float64Array.from(scale, (s) => 1 / s);
  }

  let targetMean = 0;
  let targetScale = 1;
  if (task === 'regression') {
    for (const i of train) targetMean += y[i]!;
    targetMean /= train.length;
    let s = 0;
    for (const i of train) s += (y[i]! - targetMean) ** 2;
    const sd = Math.sqrt(s / train.length);
    targetScale = sd > 0 ? sd : 1;
  }
  return { input, k, train, validation, mean, scale, invScale, targetMean, targetScale, weight, shuffleRand: rand };
}

/** Shuffles the training rows for the next epoch (seeded: the same every run). */
export function shuffleEpoch(prep: Prepared): void {
  shuffleInPlace(prep.train, prep.shuffleRand);
}

/** Rows `rows[from..to)` as fresh float32 arrays (fresh: some backends keep the array they get). */
export function fillBatch(prep: Prepared, rows: Uint32Array, from: number, to: number, transposed = false): Batch {
  const { X, y, task } = prep.input;
  const d = X.cols;
  const k = prep.k;
  const b = to - from;
  const x = new Float32Array(b * d);
  const xT = transposed ? new Float32Array(b * d) : null;
  const t = new Float32Array(b * k);
  const w = prep.weight === null ? null : new Float32Array(b);
  const { mean, invScale } = prep;
  for (let r = 0; r < b; r++) {
    const i = rows[from + r]!;
    const src = i * d;
    const dst = r * d;
    if (mean === null) for (let j = 0; j < d; j++) x[dst + j] = X.data[src + j]!;
    else for (let j = 0; j < d; j++) x[dst + j] = (X.data[src + j]! - mean[j]!) * invScale![j]!;
    if (xT !== null) for (let j = 0; j < d; j++) xT[j * b + r] = x[dst + j]!;
    if (task === 'regression') t[r] = (y[i]! - prep.targetMean) / prep.targetScale;
    else if (k === 1) t[r] = y[i]!;
    else t[r * k + y[i]!] = 1;
    if (w !== null) w[r] = prep.weight![i]!;
  }
  return { rows: b, x, xT, y: t, w };
}

/**
 * Glorot-uniform weights and biases, as scikit-learn's MLP draws them: U(±√(6 / (in + out))),
 * ±√(2 / (in + out)) for a sigmoid output layer. Seeded, so a seed gives the same network.
 */
export function initialWeights(widths: number[], sigmoidOutput: boolean, seed: number): { weights: Float32Array[]; biases: Float32Array[] } {
  const rand = mulberry32(seed >>> 0);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const factor = sigmoidOutput && l + 2 === widths.length ? 2 : 6;
    const bound = Math.sqrt(factor / (nIn + nOut));
    weights.push(Float32Array.from({ length: nIn * nOut }, () => (2 * rand() - 1) * bound));
    biases.push(Float32Array.from({ length: nOut }, () => (2 * rand() - 1) * bound));
  }
  return { weights, biases };
}
