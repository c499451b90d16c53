/**
 * Confusion matrix (`sklearn.metrics.confusion_matrix`) and the per-label sums behind
 * precision/recall (`multilabel_confusion_matrix` for 1-D targets).
 *
 * ```ts
 * const { labels, matrix } = confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1]);
 * // labels [0, 1, 2]; matrix[true][pred]: [[1,0,0],[0,0,1],[0,1,1]]
 * ```
 */
import type { NumericArray } from './inputs.js';
import { checkLabels, checkWeights, inputInvalid, npSum, optionInvalid, toF64, uniqueSorted } from './inputs.js';

export interface ConfusionOptions {
  /** Labels to index the matrix by, in this order. Default: sorted union of yTrue and yPred. */
  labels?: NumericArray;
  /** Per-sample weights; default 1 each. */
  sampleWeight?: NumericArray;
  /** 'true' (rows sum to 1), 'pred' (columns), 'all' (whole matrix), or none (counts). Default none. */
  normalize?: 'true' | 'pred' | 'all';
}

export interface ConfusionMatrix {
  labels: number[];
  /** matrix[i][j]: (weighted) count of samples with true label labels[i] predicted as labels[j]. */
  matrix: number[][];
}

/** `confusion_matrix(y_true, y_pred, labels=, sample_weight=, normalize=)`. */
export function confusionMatrix(yTrue: NumericArray, yPred: NumericArray, options: ConfusionOptions = {}): ConfusionMatrix {
  const t = checkLabels(yTrue, 'yTrue');
  const p = checkLabels(yPred, 'yPred', t.length);
  const w = checkWeights(options.sampleWeight, t.length);
  let labels: number[];
  if (options.labels === undefined) {
    labels = uniqueSorted(t, p);
  } else {
    labels = [...toF64(options.labels)];
    if (labels.length === 0) throw optionInvalid('labels: is empty; give at least one label or leave it out');
    if (!labels.some((l) => t.includes(l))) throw optionInvalid('labels: none of them occurs in yTrue; give at least one label present in yTrue');
  }
  if (options.normalize !== undefined && !['true', 'pred', 'all'].includes(options.normalize)) {
    throw optionInvalid(`normalize: is "${String(options.normalize)}"; use 'true', 'pred', 'all' or leave it out`);
  }
  const index = new Map<number, number>();
  labels.forEach((l, i) => index.set(l === 0 ? 0 : l, i));
  const n = labels.length;
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < t.length; k++) {
    const i = index.get(t[k]!);
    const j = index.get(p[k]!);
    if (i === undefined || j === undefined) continue;
    matrix[i]![j]! += w === undefined ? 1 : w[k]!;
  }
  if (options.normalize !== undefined) normalizeInPlace(matrix, options.normalize);
  return { labels, matrix };
}

function normalizeInPlace(m: number[][], how: 'true' | 'pred' | 'all'): void {
  const n = m.length;
  const fix = (v: number): number => (Number.isNaN(v) ? 0 : v);
  if (how === 'all') {
    const total = npSum(m.flat());
    for (const row of m) for (let j = 0; j < n; j++) row[j] = fix(row[j]! / total);
  } else if (how === 'true') {
    for (const row of m) {
      const s = npSum(row);
      for (let j = 0; j < n; j++) row[j] = fix(row[j]! / s);
    }
  } else {
    for (let j = 0; j < n; j++) {
      const s = npSum(m.map((row) => row[j]!));
      for (const row of m) row[j] = fix(row[j]! / s);
    }
  }
}

/** Per-label sums: true positives, predicted count and true count (weighted). */
export interface LabelSums {
  tp: Float64Array;
  pred: Float64Array;
  true: Float64Array;
}

/**
 * The sums sklearn derives from `multilabel_confusion_matrix` for `labels` (samples whose labels
 * are outside `labels` still count towards nothing). `pred`/`true` are rebuilt as tp + fp and
 * tp + fn, as sklearn does, so weighted sums round identically.
 */
export function labelSums(t: Float64Array, p: Float64Array, labels: readonly number[], w: Float64Array | undefined): LabelSums {
  if (t.length !== p.length) throw inputInvalid(`yPred: has ${p.length} values but yTrue has ${t.length}; pass arrays of the same length`);
  const index = new Map<number, number>();
  labels.forEach((l, i) => index.set(l === 0 ? 0 : l, i));
  const n = labels.length;
  const tp = new Float64Array(n);
  const predRaw = new Float64Array(n);
  const trueRaw = new Float64Array(n);
  for (let k = 0; k < t.length; k++) {
    const wk = w === undefined ? 1 : w[k]!;
    const i = index.get(t[k]!);
    const j = index.get(p[k]!);
    if (i !== undefined) trueRaw[i]! += wk;
    if (j !== undefined) predRaw[j]! += wk;
    if (i !== undefined && t[k] === p[k]) tp[i]! += wk;
  }
  const pred = new Float64Array(n);
  const tru = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    pred[i] = tp[i]! + (predRaw[i]! - tp[i]!);
    tru[i] = tp[i]! + (trueRaw[i]! - tp[i]!);
  }
  return { tp, pred, true: tru };
}
