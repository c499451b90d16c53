/**
 * Score-ranking metrics as scikit-learn 1.2 computes them: `roc_curve` (drop_intermediate, first
 * threshold = max score + 1), `precision_recall_curve`, `auc`, `roc_auc_score` (binary, and
 * multiclass one-vs-rest with 'macro' or 'weighted' averaging) and `average_precision_score`
 * (the step-wise PR-AUC). A threshold t means "predict positive when score >= t".
 *
 * ```ts
 * const { fpr, tpr, thresholds } = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // fpr [0,0,0.5,0.5,1], tpr [0,0.5,0.5,1,1], thresholds [1.8,0.8,0.4,0.35,0.1]
 * rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * ```
 */
import type { NumericArray, ProbaRows } from './inputs.js';
import { checkFinite, checkLabels, checkWeights, inputInvalid, npSum, optionInvalid, uniqueSorted, weightedMean } from './inputs.js';

export interface CurveOptions {
  /** The positive class. Default: 1, allowed only when yTrue's labels are within {0, 1} or {-1, 1}. */
  posLabel?: number;
  sampleWeight?: NumericArray;
}

export interface RocOptions extends CurveOptions {
  /** Drop thresholds that do not change the curve's shape. Default true (as sklearn). */
  dropIntermediate?: boolean;
}

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  thresholds: Float64Array;
  /** sklearn's UndefinedMetricWarning texts (fpr or tpr all NaN); empty when none. */
  warnings: string[];
}

export interface PrCurve {
  /** One entry per threshold plus a final 1. */
  precision: Float64Array;
  /** One entry per threshold plus a final 0. */
  recall: Float64Array;
  /** Increasing distinct scores. */
  thresholds: Float64Array;
  warnings: string[];
}

interface ClfCurve {
  fps: Float64Array;
  tps: Float64Array;
  thresholds: Float64Array;
}

function resolvePosLabel(t: Float64Array, posLabel: number | undefined): number {
  if (posLabel !== undefined) {
    if (!Number.isFinite(posLabel)) throw optionInvalid(`posLabel: is ${posLabel}; give a class label`);
    return posLabel;
  }
  const classes = uniqueSorted(t);
  const ok = classes.every((c) => c === 0 || c === 1) || classes.every((c) => c === -1 || c === 1);
  if (!ok) {
    throw optionInvalid(`posLabel: yTrue holds labels ${classes.join(', ')}, not {0, 1} or {-1, 1}; say which class is positive with posLabel`);
  }
  return 1;
}

/** `_binary_clf_curve`: cumulative (weighted) false/true positives at each distinct score, highest first. */
function binaryClfCurve(yTrue: NumericArray, yScore: NumericArray, options: CurveOptions): ClfCurve {
  let t = checkLabels(yTrue, 'yTrue');
  let s = checkFinite(yScore, 'yScore', t.length);
  let w = checkWeights(options.sampleWeight, t.length);
  const classes = uniqueSorted(t);
  if (classes.length > 2 && options.posLabel === undefined) {
    throw inputInvalid(`yTrue: holds ${classes.length} classes; this curve is binary, give posLabel to score one class against the rest`);
  }
  if (w !== undefined) {
    const keep: number[] = [];
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) keep.push(i);
    t = Float64Array.from(keep, (i) => t[i]!);
    s = Float64Array.from(keep, (i) => s[i]!);
    w = Float64Array.from(keep, (i) => w![i]!);
  }
  const pos = resolvePosLabel(t, options.posLabel);
  const n = t.length;
  if (n === 0) throw inputInvalid('sampleWeight: every weight is 0; give at least one sample a positive weight');
  return w === undefined ? unweightedCurve(t, s, pos) : weightedCurve(t, s, pos, w);
}

/**
 * The unweighted curve without an index sort: the positives' and the negatives' scores are
 * sorted apart (typed-array sorts) and merged from the top. Only cumulative counts at the end
 * of each run of equal scores are kept, so the order inside a run (which sklearn's stable
 * mergesort fixes) does not change the result.
 */
function unweightedCurve(t: Float64Array, s: Float64Array, pos: number): ClfCurve {
  let nP = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === pos) nP++;
  const P = new Float64Array(nP);
  const N = new Float64Array(t.length - nP);
  let a = 0;
  let b = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === pos) P[a++] = s[i]!;
    else N[b++] = s[i]!;
  }
  P.sort();
  N.sort();
  const cap = t.length;
  const tps = new Float64Array(cap);
  const fps = new Float64Array(cap);
  const thresholds = new Float64Array(cap);
  let i = P.length - 1;
  let j = N.length - 1;
  let cumT = 0;
  let cumF = 0;
  let m = 0;
  while (i >= 0 || j >= 0) {
    // The next (largest remaining) score; every row holding it joins this run.
    const v = j < 0 || (i >= 0 && P[i]! >= N[j]!) ? P[i]! : N[j]!;
    while (i >= 0 && P[i] === v) {
      cumT++;
      i--;
    }
    while (j >= 0 && N[j] === v) {
      cumF++;
      j--;
    }
    tps[m] = cumT;
    fps[m] = cumF;
    thresholds[m] = v;
    m++;
  }
  return { fps: fps.slice(0, m), tps: tps.slice(0, m), thresholds: thresholds.slice(0, m) };
}

/** The weighted curve: a stable index sort (np.argsort(kind='mergesort')[::-1]), as sklearn. */
function weightedCurve(t: Float64Array, s: Float64Array, pos: number, w: Float64Array): ClfCurve {
  const n = t.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a]! - s[b]!).reverse();
  const yT = new Float64Array(n);
  const sc = new Float64Array(n);
  const wt = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    yT[k] = t[i] === pos ? 1 : 0;
    sc[k] = s[i]!;
    wt[k] = w[i]!;
  }
  const idx: number[] = [];
  for (let k = 0; k + 1 < n; k++) if (sc[k + 1]! - sc[k]! !== 0) idx.push(k);
  if (n > 0) idx.push(n - 1);
  const tps = new Float64Array(idx.length);
  const fps = new Float64Array(idx.length);
  const thresholds = new Float64Array(idx.length);
  let cumT = 0;
  let cumF = 0;
  let k = 0;
  for (let j = 0; j < idx.length; j++) {
    const end = idx[j]!;
    for (; k <= end; k++) {
      cumT += yT[k]! * wt[k]!;
      cumF += (1 - yT[k]!) * wt[k]!;
    }
    tps[j] = cumT;
    fps[j] = cumF;
    thresholds[j] = sc[end]!;
  }
  return { fps, tps, thresholds };
}

/** `roc_curve(y_true, y_score, pos_label=, sample_weight=, drop_intermediate=True)`. */
export function rocCurve(yTrue: NumericArray, yScore: NumericArray, options: RocOptions = {}): RocCurve {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore, options);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 0; i + 2 < fps.length; i++) {
      const d2f = fps[i + 2]! - fps[i + 1]! - (fps[i + 1]! - fps[i]!);
      const d2t = tps[i + 2]! - tps[i + 1]! - (tps[i + 1]! - tps[i]!);
      if (d2f !== 0 || d2t !== 0) keep.push(i + 1);
    }
    keep.push(fps.length - 1);
    fps = Float64Array.from(keep, (i) => fps[i]!);
    tps = Float64Array.from(keep, (i) => tps[i]!);
    thresholds = Float64Array.from(keep, (i) => thresholds[i]!);
  }
  const m = fps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const th = new Float64Array(m);
  th[0] = thresholds[0]! + 1;
  th.set(thresholds, 1);
  const nNeg = fps[fps.length - 1]!;
  const nPos = tps[tps.length - 1]!;
  const warnings: string[] = [];
  if (nNeg <= 0) warnings.push('No negative samples in y_true, false positive value should be meaningless');
  if (nPos <= 0) warnings.push('No positive samples in y_true, true positive value should be meaningless');
  for (let i = 0; i < m; i++) {
    const f = i === 0 ? 0 : fps[i - 1]!;
    const tp = i === 0 ? 0 : tps[i - 1]!;
    fpr[i] = nNeg <= 0 ? NaN : f / nNeg;
    tpr[i] = nPos <= 0 ? NaN : tp / nPos;
  }
  return { fpr, tpr, thresholds: th, warnings };
}

/** `precision_recall_curve(y_true, probas_pred, pos_label=, sample_weight=)`. */
export function precisionRecallCurve(yTrue: NumericArray, yScore: NumericArray, options: CurveOptions = {}): PrCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore, options);
  const n = tps.length;
  const nPos = tps[n - 1]!;
  const precision = new Float64Array(n + 1);
  const recall = new Float64Array(n + 1);
  const th = new Float64Array(n);
  const warnings: string[] = [];
  if (nPos === 0) warnings.push('No positive class found in y_true, recall is set to one for all thresholds.');
  for (let i = 0; i < n; i++) {
    const src = n - 1 - i;
    const ps = tps[src]! + fps[src]!;
    precision[i] = ps !== 0 ? tps[src]! / ps : 0;
    recall[i] = nPos === 0 ? 1 : tps[src]! / nPos;
    th[i] = thresholds[src]!;
  }
  precision[n] = 1;
  recall[n] = 0;
  return { precision, recall, thresholds: th, warnings };
}

/** `auc(x, y)`: trapezoidal area under a monotonic curve (`np.trapz`). */
export function auc(x: NumericArray, y: NumericArray): number {
  const xs = checkFinite(x, 'x');
  const ys = Float64Array.from(y);
  if (ys.length !== xs.length) throw inputInvalid(`y: has ${ys.length} values but x has ${xs.length}; pass arrays of the same length`);
  if (xs.length < 2) throw inputInvalid(`x: has ${xs.length} point(s); at least 2 points are needed to compute an area under a curve`);
  let anyNeg = false;
  let allNonPos = true;
  for (let i = 0; i + 1 < xs.length; i++) {
    const d = xs[i + 1]! - xs[i]!;
    if (d < 0) anyNeg = true;
    if (d > 0) allNonPos = false;
  }
  if (anyNeg && !allNonPos) throw inputInvalid('x: is neither increasing nor decreasing; sort the curve points by x');
  const parts = new Float64Array(xs.length - 1);
  for (let i = 0; i + 1 < xs.length; i++) parts[i] = ((xs[i + 1]! - xs[i]!) * (ys[i + 1]! + ys[i]!)) / 2;
  return (anyNeg ? -1 : 1) * npSum(parts);
}

function binaryRocAuc(t: Float64Array, s: Float64Array, pos: number, w: Float64Array | undefined): number {
  if (uniqueSorted(t).length !== 2) {
    throw inputInvalid('yTrue: only one class present; ROC AUC is not defined in that case (sklearn raises ValueError); score a fold that holds both classes');
  }
  const { fpr, tpr } = rocCurve(t, s, { posLabel: pos, ...(w === undefined ? {} : { sampleWeight: w }) });
  return auc(fpr, tpr);
}

export interface RocAucOptions {
  sampleWeight?: NumericArray;
  /** Multiclass only (one-vs-rest): 'macro' (default) or 'weighted' by class prevalence. */
  average?: 'macro' | 'weighted';
}

/**
 * `roc_auc_score`. Binary: `yScore` is the score of the larger label (as sklearn). Multiclass:
 * `yScore` has one row per sample with one probability per sorted class (rows must sum to 1);
 * computed one-vs-rest (`multi_class='ovr'`). One class only in yTrue → INPUT_INVALID.
 */
export function rocAucScore(yTrue: NumericArray, yScore: NumericArray | ProbaRows, options: RocAucOptions = {}): number {
  const t = checkLabels(yTrue, 'yTrue');
  const w = checkWeights(options.sampleWeight, t.length);
  const classes = uniqueSorted(t);
  const average = options.average ?? 'macro';
  if (average !== 'macro' && average !== 'weighted') throw optionInvalid(`average: is "${String(average)}"; use 'macro' or 'weighted'`);
  if (!isRows(yScore)) {
    if (classes.length > 2) throw inputInvalid(`yScore: yTrue holds ${classes.length} classes; pass one probability row per sample for multiclass ROC AUC`);
    const s = checkFinite(yScore, 'yScore', t.length);
    return binaryRocAuc(t, s, classes[classes.length - 1]!, w);
  }
  if (yScore.length !== t.length) throw inputInvalid(`yScore: has ${yScore.length} rows but yTrue has ${t.length}; pass one row per sample`);
  const k = classes.length;
  if (k < 3) throw inputInvalid(`yScore: rows given but yTrue holds ${k} class(es); for binary ROC AUC pass the positive-class score as a 1-D array`);
  const cols = Array.from({ length: k }, () => new Float64Array(t.length));
  yScore.forEach((row, i) => {
    if (row.length !== k) throw inputInvalid(`yScore[${i}]: has ${row.length} columns but yTrue holds ${k} classes; give one probability per class`);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = row[c]!;
      if (!Number.isFinite(v)) throw inputInvalid(`yScore[${i}][${c}]: is ${v}; every value must be a finite number`);
      cols[c]![i] = v;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-8 + 1e-5 * Math.abs(sum)) throw inputInvalid(`yScore[${i}]: sums to ${sum}; multiclass ROC AUC needs probabilities that sum to 1 per row`);
  });
  const scores = new Float64Array(k);
  const weights = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const yc = Float64Array.from(t, (v) => (v === classes[c] ? 1 : 0));
    scores[c] = binaryRocAuc(yc, cols[c]!, 1, w);
    weights[c] = w === undefined ? npSum(yc) : npSum(Float64Array.from(yc, (v, i) => v * w[i]!));
  }
  if (average === 'macro') return weightedMean(scores);
  if (npSum(weights) === 0) return 0;
  // sklearn forces classes with zero weight to 0 so a NaN among them cannot spread.
  for (let c = 0; c < k; c++) if (weights[c] === 0) scores[c] = 0;
  return weightedMean(scores, weights);
}

/** `average_precision_score(y_true, y_score, pos_label=1, sample_weight=)`: Σ (Rₙ − Rₙ₋₁)·Pₙ. Binary only. */
export function averagePrecisionScore(yTrue: NumericArray, yScore: NumericArray, options: CurveOptions = {}): number {
  const t = checkLabels(yTrue, 'yTrue');
  const present = uniqueSorted(t);
  const pos = options.posLabel ?? 1;
  if (present.length > 2) throw inputInvalid(`yTrue: holds ${present.length} classes; average precision is binary here, binarize yTrue first`);
  if (present.length === 2 && !present.includes(pos)) {
    throw optionInvalid(`posLabel: ${pos} is not a valid label; it should be one of ${present.join(', ')}`);
  }
  const { precision, recall } = precisionRecallCurve(t, yScore, { ...options, posLabel: pos });
  const parts = new Float64Array(recall.length - 1);
  for (let i = 0; i + 1 < recall.length; i++) parts[i] = (recall[i + 1]! - recall[i]!) * precision[i]!;
  return -npSum(parts);
}

function isRows(x: NumericArray | ProbaRows): x is ProbaRows {
  return Array.isArray(x) && x.length > 0 && typeof x[0] !== 'number';
}
