/**
 * Checks a `FitInput` for the trees (NaN allowed in X, ±Infinity not), combines sample and class
 * weights into one per-row weight, and draws the seeded early-stopping hold-out (stratified by
 * class for classifiers).
 *
 * ```ts
 * const { K, w } = checkFitInput(input, params);
 * const { train, validation } = holdOut(input.y, input.task, 0.1, seed);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { mulberry32 } from '../../prng.js';
import { scratchF64 } from '../kernels/scratch.js';
import { classWeights } from '../linear/labels.js';
import type { FitInput, LearningTask } from '../models/types.js';
import type { GbtParams } from './params.js';

function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', message);
}

/** Validates X, y, weights and names; returns the class count (1 for regression) and row weights. */
export function checkFitInput(input: FitInput, params: GbtParams): { K: number; w: Float64Array } {
  const { X, y, task } = input;
  const { data, rows: n, cols: d } = X;
  if (task !== 'binary' && task !== 'multiclass' && task !== 'regression') {
    throw QuiverError.nonRetryable('OPTION_INVALID', `task: ${String(task)} must be binary, multiclass or regression`);
  }
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1) throw invalid(`X: rows=${n}, cols=${d} must be integers ≥ 1`);
  if (data.length !== n * d) throw invalid(`X: data has ${data.length} values but rows×cols = ${n * d}; pass a row-major n×d Float64Array`);
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x === Infinity || x === -Infinity) {
      const r = Math.floor(i / d);
      throw invalid(`X: row ${r}, column ${i - r * d} is ${x}; replace infinite values (NaN is allowed and treated as missing)`);
    }
  }
  if (input.featureNames.length !== d) throw invalid(`featureNames: ${input.featureNames.length} names for ${d} columns`);
  if (y.length !== n) throw invalid(`y: has ${y.length} values but X has ${n} rows`);
  if (!Number.isSafeInteger(input.seed)) throw QuiverError.nonRetryable('OPTION_INVALID', `seed: ${String(input.seed)} must be an integer`);
  let K = 1;
  if (task === 'regression') {
    if (params.classWeight !== null) throw QuiverError.nonRetryable('OPTION_INVALID', 'classWeight: only classifiers take class weights; remove it for regression');
    for (let i = 0; i < n; i++) if (!Number.isFinite(y[i]!)) throw invalid(`y[${i}] is ${y[i]}; regression targets must be finite`);
  } else {
    let top = 0;
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      if (!Number.isInteger(c) || c < 0) throw invalid(`y[${i}] is ${c}; classification targets must be class indices 0..k−1`);
      if (c > top) top = c;
    }
    K = input.classes?.length ?? top + 1;
    if (top >= K) throw invalid(`y: class index ${top} but only ${K} classes were given`);
    if (K < 2) throw invalid(`y: needs at least 2 classes to fit a classifier, got ${K}`);
    if (task === 'binary' && K !== 2) throw invalid(`task binary: ${K} classes; use task multiclass`);
  }
  const w = scratchF64('gbt.weights', n).fill(1);
  if (input.sampleWeight !== undefined) {
    const sw = input.sampleWeight;
    if (sw.length !== n) throw invalid(`sampleWeight: has ${sw.length} values but X has ${n} rows`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(sw[i]!) || sw[i]! < 0) throw invalid(`sampleWeight[${i}] is ${sw[i]}; weights must be finite and ≥ 0`);
      w[i] = sw[i]!;
    }
  }
  if (task !== 'regression' && params.classWeight !== null) {
    const index = Int32Array.from(y);
    const classes = input.classes ?? Array.from({ length: K }, (_, k) => k);
    const cw = classWeights(params.classWeight, classes, index);
    for (let i = 0; i < n; i++) w[i] = w[i]! * cw[index[i]!]!;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i]!;
  if (!(total > 0)) throw invalid('sampleWeight × classWeight: total weight is 0; give some rows a positive weight');
  return { K, w };
}

/**
 * Seeded hold-out of about `fraction` of the rows (per class for classifiers, keeping at least
 * one training row per class); both index lists ascending.
 */
export function holdOut(y: Float64Array, task: LearningTask, fraction: number, seed: number): { train: Uint32Array; validation: Uint32Array } {
  const n = y.length;
  const rand = mulberry32(seed);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = task === 'regression' ? 0 : y[i]!;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(i);
  }
  const isVal = new Uint8Array(n);
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(key)!;
    const take = Math.min(g.length - 1, task === 'regression' ? Math.ceil(fraction * g.length) : Math.round(fraction * g.length));
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(rand() * (g.length - i));
      const t = g[i]!;
      g[i] = g[j]!;
      g[j] = t;
      isVal[g[i]!] = 1;
    }
  }
  let nv = 0;
  for (let i = 0; i < n; i++) nv += isVal[i]!;
  if (nv === 0 || nv === n) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `earlyStopping.validationFraction: ${fraction} of ${n} rows leaves no validation or no training rows; raise it or turn early stopping off`);
  }
  const train = new Uint32Array(n - nv);
  const validation = new Uint32Array(nv);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (isVal[i] === 1) validation[b++] = i;
    else train[a++] = i;
  }
  return { train, validation };
}
