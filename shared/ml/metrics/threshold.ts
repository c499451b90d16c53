/**
 * Decision-threshold chooser over a binary score. A threshold t means "predict positive when
 * score >= t" (sklearn's convention). Candidates are the distinct scores.
 *
 * - `by: 'f1'`: maximizes F1 = 2PR/(P+R) over `precisionRecallCurve`'s thresholds.
 * - `by: 'youden'`: maximizes Youden's J = TPR − FPR over `rocCurve(dropIntermediate: false)`
 *   (the artificial first threshold, max score + 1, is not a candidate).
 * Ties go to the larger threshold (fewer positives). NaN metric values never win.
 *
 * ```ts
 * const best = bestThreshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { by: 'youden' });
 * // { threshold: 0.8, value: 0.5, ... }
 * ```
 */
import type { NumericArray } from './inputs.js';
import { inputInvalid, optionInvalid } from './inputs.js';
import type { CurveOptions } from './ranking.js';
import { precisionRecallCurve, rocCurve } from './ranking.js';

export interface BestThresholdOptions extends CurveOptions {
  /** Metric to maximize. Default 'f1'. */
  by?: 'f1' | 'youden';
}

export interface BestThreshold {
  threshold: number;
  /** The maximized metric (F1 or Youden's J) at `threshold`. */
  value: number;
  by: 'f1' | 'youden';
  precision: number;
  /** Recall = TPR. */
  recall: number;
  /** False-positive rate (NaN with no negatives). */
  fpr: number;
}

export function bestThreshold(yTrue: NumericArray, yScore: NumericArray, options: BestThresholdOptions = {}): BestThreshold {
  const by = options.by ?? 'f1';
  if (by !== 'f1' && by !== 'youden') throw optionInvalid(`by: is "${String(by)}"; use 'f1' or 'youden'`);
  const { precision, recall, thresholds } = precisionRecallCurve(yTrue, yScore, options);
  const roc = rocCurve(yTrue, yScore, { ...options, dropIntermediate: false });
  // roc thresholds (after index 0) run high → low; PR thresholds low → high over the same scores.
  const m = thresholds.length;
  let bestI = -1;
  let bestV = -Infinity;
  for (let i = m - 1; i >= 0; i--) {
    const p = precision[i]!;
    const r = recall[i]!;
    const ri = m - i; // same threshold in the ROC arrays
    const v = by === 'f1' ? (p + r === 0 ? 0 : (2 * p * r) / (p + r)) : roc.tpr[ri]! - roc.fpr[ri]!;
    if (v > bestV) {
      bestV = v;
      bestI = i;
    }
  }
  if (bestI < 0) throw inputInvalid(`yTrue: ${by} is undefined at every threshold (one class only?); score data that holds both classes`);
  return {
    threshold: thresholds[bestI]!,
    value: bestV,
    by,
    precision: precision[bestI]!,
    recall: recall[bestI]!,
    fpr: roc.fpr[m - bestI]!,
  };
}
