/**
 * Label metrics as scikit-learn 1.2 computes them: `accuracy_score`,
 * `precision_recall_fscore_support` (F1, beta = 1), `precision_score`, `recall_score`,
 * `f1_score`. Where sklearn would emit an `UndefinedMetricWarning` (zero_division='warn'), the
 * result carries the warning text in `warnings` instead of printing it.
 *
 * ```ts
 * const r = precisionRecallF1([0, 1, 1, 0], [0, 1, 0, 0], { average: 'binary' });
 * // r.precision 1, r.recall 0.5, r.f1 0.666…, r.warnings []
 * const f = f1Score(yTrue, yPred, { average: 'macro', zeroDivision: 0 }).value;
 * ```
 */
import { labelSums } from './confusion.js';
import type { NumericArray } from './inputs.js';
import { checkLabels, checkWeights, npSum, optionInvalid, uniqueSorted, weightedMean } from './inputs.js';

export type Average = 'binary' | 'macro' | 'weighted' | 'micro';
/** sklearn 1.2's `zero_division`: 'warn' acts as 0 and reports a warning. */
export type ZeroDivision = 'warn' | 0 | 1;

export interface PrfOptions {
  /** Default 'binary' (sklearn's default): scores for `posLabel` only. */
  average?: Average;
  /** The positive class for average 'binary'. Default 1. */
  posLabel?: number;
  /** Value when a ratio is 0/0. Default 'warn' (0, plus a warning in the result). */
  zeroDivision?: ZeroDivision;
  sampleWeight?: NumericArray;
}

export interface PrfResult {
  precision: number;
  recall: number;
  f1: number;
  /** sklearn's UndefinedMetricWarning texts (only with zeroDivision 'warn'); empty when none. */
  warnings: string[];
}

/** One score plus the warnings sklearn would have printed for it. */
export interface MetricValue {
  value: number;
  warnings: string[];
}

const AVERAGES: readonly Average[] = ['binary', 'macro', 'weighted', 'micro'];

/** `accuracy_score(y_true, y_pred, sample_weight=)`: the (weighted) share of exact matches. */
export function accuracy(yTrue: NumericArray, yPred: NumericArray, options: { sampleWeight?: NumericArray } = {}): number {
  const t = checkLabels(yTrue, 'yTrue');
  const p = checkLabels(yPred, 'yPred', t.length);
  const w = checkWeights(options.sampleWeight, t.length);
  const hit = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) hit[i] = t[i] === p[i] ? 1 : 0;
  return weightedMean(hit, w);
}

function warnText(metric: string, modifier: string, size: number): string {
  const where = size === 1 ? 'due to' : 'in labels with';
  return `${metric} ill-defined and being set to 0.0 ${where} no ${modifier} samples. Use \`zero_division\` parameter to control this behavior.`;
}

function divide(num: Float64Array, den: Float64Array, zd: ZeroDivision): { out: Float64Array; undefinedAny: boolean } {
  const out = new Float64Array(num.length);
  let undefinedAny = false;
  for (let i = 0; i < num.length; i++) {
    if (den[i] === 0) {
      undefinedAny = true;
      out[i] = zd === 1 ? 1 : 0;
    } else {
      out[i] = num[i]! / den[i]!;
    }
  }
  return { out, undefinedAny };
}

function resolveLabels(t: Float64Array, p: Float64Array, average: Average, posLabel: number): number[] {
  const present = uniqueSorted(t, p);
  if (average !== 'binary') return present;
  if (present.length > 2) {
    throw optionInvalid(`average: is 'binary' but the targets hold ${present.length} classes (${present.join(', ')}); use 'macro', 'weighted' or 'micro'`);
  }
  if (!present.includes(posLabel) && present.length >= 2) {
    throw optionInvalid(`posLabel: ${posLabel} is not a valid label; it should be one of ${present.join(', ')}`);
  }
  return [posLabel];
}

/** `precision_recall_fscore_support(..., beta=1, average=)` without the support. */
export function precisionRecallF1(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions = {}): PrfResult {
  const average = options.average ?? 'binary';
  const posLabel = options.posLabel ?? 1;
  const zd = options.zeroDivision ?? 'warn';
  if (!AVERAGES.includes(average)) throw optionInvalid(`average: is "${String(average)}"; use one of ${AVERAGES.join(', ')}`);
  if (zd !== 'warn' && zd !== 0 && zd !== 1) throw optionInvalid(`zeroDivision: is ${String(zd)}; use 'warn', 0 or 1`);
  if (!Number.isFinite(posLabel)) throw optionInvalid(`posLabel: is ${posLabel}; give a class label`);
  const t = checkLabels(yTrue, 'yTrue');
  const p = checkLabels(yPred, 'yPred', t.length);
  const w = checkWeights(options.sampleWeight, t.length);
  const labels = resolveLabels(t, p, average, posLabel);
  let { tp, pred, true: tru } = labelSums(t, p, labels, w);
  if (average === 'micro') {
    tp = Float64Array.of(npSum(tp));
    pred = Float64Array.of(npSum(pred));
    tru = Float64Array.of(npSum(tru));
  }
  const prec = divide(tp, pred, zd);
  const rec = divide(tp, tru, zd);
  const n = tp.length;
  const f = new Float64Array(n);
  let fBothUndefined = false;
  for (let i = 0; i < n; i++) {
    const pr = prec.out[i]!;
    const rc = rec.out[i]!;
    let denom = pr + rc;
    if (denom === 0) denom = 1;
    f[i] = (2 * pr * rc) / denom;
    if (tru[i] === 0 && pred[i] === 0) fBothUndefined = true;
  }
  const warnings: string[] = [];
  if (zd === 'warn') {
    if (prec.undefinedAny) warnings.push(warnText('Precision is', 'predicted', n));
    if (rec.undefinedAny) warnings.push(warnText('Recall is', 'true', n));
    if (fBothUndefined) warnings.push(warnText('F-score is', 'true nor predicted', n));
  }
  if (average === 'weighted') {
    if (npSum(tru) === 0) {
      const zv = zd === 1 ? 1 : 0;
      if (npSum(pred) === 0) return { precision: zv, recall: zv, f1: zv, warnings };
      return { precision: 0, recall: zv, f1: 0, warnings };
    }
    return { precision: weightedMean(prec.out, tru), recall: weightedMean(rec.out, tru), f1: weightedMean(f, tru), warnings };
  }
  return { precision: weightedMean(prec.out), recall: weightedMean(rec.out), f1: weightedMean(f), warnings };
}

function only(warnings: string[], prefix: string): string[] {
  return warnings.filter((w) => w.startsWith(prefix));
}

/** `precision_score`: tp / (tp + fp). */
export function precisionScore(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions = {}): MetricValue {
  const r = precisionRecallF1(yTrue, yPred, options);
  return { value: r.precision, warnings: only(r.warnings, 'Precision') };
}

/** `recall_score`: tp / (tp + fn). */
export function recallScore(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions = {}): MetricValue {
  const r = precisionRecallF1(yTrue, yPred, options);
  return { value: r.recall, warnings: only(r.warnings, 'Recall') };
}

/** `f1_score`: 2·P·R / (P + R) per label, then averaged. Warns (as sklearn 1.2) only when a label has neither true nor predicted samples. */
export function f1Score(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions = {}): MetricValue {
  const r = precisionRecallF1(yTrue, yPred, options);
  return { value: r.f1, warnings: only(r.warnings, 'F-score') };
}
