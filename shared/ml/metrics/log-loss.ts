/**
 * `sklearn.metrics.log_loss` as in scikit-learn 1.2: probabilities are clipped to
 * [eps, 1 − eps] with eps = 'auto' = float64 machine epsilon (2.22e-16; 1.2 changed the default
 * from 1e-15), rows are renormalized to sum to 1, and the mean (or weighted mean) of
 * −Σ yₖ·log pₖ is returned.
 *
 * ```ts
 * logLoss([0, 1, 1], [0.1, 0.8, 0.6]);                 // binary: P(larger label)
 * logLoss([0, 2, 1], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]]); // rows per sorted class
 * ```
 */
import type { NumericArray, ProbaRows } from './inputs.js';
import { checkLabels, checkWeights, inputInvalid, npSum, optionInvalid, toF64, uniqueSorted, weightedMean } from './inputs.js';

export interface LogLossOptions {
  /** Clip bound; 'auto' (default) = Number.EPSILON, as sklearn 1.2 for float64 input. */
  eps?: number | 'auto';
  /** Mean loss per sample (default true) or the (weighted) sum. */
  normalize?: boolean;
  sampleWeight?: NumericArray;
  /** All class labels, when yTrue may miss some; columns of yPred follow their sorted order. */
  labels?: NumericArray;
}

/** `log_loss(y_true, y_pred, eps='auto', normalize=True, sample_weight=, labels=)`. */
export function logLoss(yTrue: NumericArray, yPred: NumericArray | ProbaRows, options: LogLossOptions = {}): number {
  const t = checkLabels(yTrue, 'yTrue');
  const w = checkWeights(options.sampleWeight, t.length);
  const eps = options.eps === undefined || options.eps === 'auto' ? Number.EPSILON : options.eps;
  if (!(eps >= 0 && eps < 0.5)) throw optionInvalid(`eps: is ${String(options.eps)}; use 'auto' or a number in [0, 0.5)`);
  const classes = options.labels === undefined ? uniqueSorted(t) : uniqueSorted(toF64(options.labels));
  if (classes.length < 2) {
    throw inputInvalid(
      options.labels === undefined
        ? `yTrue: contains only one label (${classes[0]}); pass all class labels through the labels option`
        : 'labels: needs at least two labels for log loss',
    );
  }
  const index = new Map<number, number>();
  classes.forEach((c, i) => index.set(c, i));
  const k = classes.length;
  const loss = new Float64Array(t.length);
  const row = new Float64Array(k);
  const rowsGiven = Array.isArray(yPred) && yPred.length > 0 && typeof yPred[0] !== 'number';
  if (yPred.length !== t.length) throw inputInvalid(`yPred: has ${yPred.length} values but yTrue has ${t.length}; pass one prediction per sample`);
  for (let i = 0; i < t.length; i++) {
    const width = clippedRow(yPred, rowsGiven, i, eps, row);
    if (width !== k) {
      throw inputInvalid(`yPred[${i}]: has ${width} probabilities but there are ${k} classes (${classes.join(', ')}); pass the labels option or one column per class`);
    }
    const c = index.get(t[i]!);
    if (c === undefined) throw inputInvalid(`yTrue[${i}]: label ${t[i]} is not among labels ${classes.join(', ')}`);
    // -xlogy(onehot, p).sum(): only the true class's term is not 0, so the sum is that term.
    loss[i] = -Math.log(row[c]! / npSum(row));
  }
  if (options.normalize ?? true) return weightedMean(loss, w);
  if (w === undefined) return npSum(loss);
  return npSum(Float64Array.from(loss, (v, i) => v * w[i]!));
}

function clip(v: number, eps: number): number {
  return Math.min(Math.max(v, eps), 1 - eps);
}

/**
 * Writes row i of yPred, clipped to [eps, 1 − eps], into `out` (a single probability p gives
 * [1 − p, p]); returns its width. A row of another width than `out` is not written.
 */
function clippedRow(yPred: NumericArray | ProbaRows, rowsGiven: boolean, i: number, eps: number, out: Float64Array): number {
  const row = rowsGiven ? (yPred as ProbaRows)[i]! : null;
  const len = row === null ? 1 : row.length;
  const at = (c: number): number => (row === null ? (yPred as NumericArray)[i]! : row[c]!);
  for (let c = 0; c < len; c++) {
    if (!Number.isFinite(at(c))) throw inputInvalid(`yPred[${i}]: holds ${at(c)}; probabilities must be finite`);
  }
  const width = len === 1 ? 2 : len;
  if (width !== out.length) return width;
  if (len === 1) {
    const c = clip(at(0), eps);
    out[0] = 1 - c;
    out[1] = c;
  } else {
    for (let c = 0; c < len; c++) out[c] = clip(at(c), eps);
  }
  return width;
}
