import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import {
  accuracy,
  auc,
  averagePrecisionScore,
  bestThreshold,
  confusionMatrix,
  f1Score,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  precisionRecallCurve,
  precisionRecallF1,
  precisionScore,
  r2Score,
  recallScore,
  rocAucScore,
  rocCurve,
  rootMeanSquaredError,
  summarize,
} from '../../shared/ml/metrics/index.js';

/** Asserts `fn` throws a QuiverError with `code` whose message contains `text`. */
function throwsCode(fn: () => unknown, code: string, text: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isErrorCode(err, code as never), `expected ${code}, got ${String(err)}`);
    assert.match((err as Error).message, new RegExp(text));
    return true;
  });
}

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);

test('accuracy: plain and weighted', () => {
  assert.equal(accuracy([0, 1, 2, 3], [0, 2, 1, 3]), 0.5);
  assert.equal(accuracy(Int32Array.from([0, 1, 1]), Float64Array.from([0, 1, 0]), { sampleWeight: [1, 1, 2] }), 0.5);
  throwsCode(() => accuracy([0, 1], [0, 1], { sampleWeight: [0, 0] }), 'INPUT_INVALID', 'weights sum to zero');
});

test('precision/recall/F1 on sklearn\'s documented multiclass example', () => {
  const t = [0, 1, 2, 0, 1, 2];
  const p = [0, 2, 1, 0, 0, 1];
  const macro = precisionRecallF1(t, p, { average: 'macro' });
  near(macro.precision, 2 / 9, 'macro precision');
  near(macro.recall, 1 / 3, 'macro recall');
  near(macro.f1, 4 / 15, 'macro f1');
  assert.deepEqual(macro.warnings, []);
  const micro = precisionRecallF1(t, p, { average: 'micro' });
  near(micro.precision, 1 / 3, 'micro precision');
  near(micro.f1, 1 / 3, 'micro f1');
  const weighted = precisionRecallF1(t, p, { average: 'weighted' });
  near(weighted.precision, 2 / 9, 'weighted precision');
  near(weighted.f1, 4 / 15, 'weighted f1');
});

test('binary average scores posLabel only, and checks it', () => {
  const r = precisionRecallF1([0, 1, 1, 0], [0, 1, 0, 0]);
  assert.deepEqual([r.precision, r.recall], [1, 0.5]);
  near(r.f1, 2 / 3, 'f1');
  const neg = precisionRecallF1([0, 1, 1, 0], [0, 1, 0, 0], { posLabel: 0 });
  near(neg.precision, 2 / 3, 'precision of class 0');
  assert.equal(neg.recall, 1);
  throwsCode(() => precisionRecallF1([0, 1, 2], [0, 1, 2]), 'OPTION_INVALID', "average: is 'binary' but the targets hold 3 classes");
  throwsCode(() => precisionRecallF1([0, 2], [0, 2], { posLabel: 1 }), 'OPTION_INVALID', 'posLabel: 1 is not a valid label; it should be one of 0, 2');
  throwsCode(() => precisionRecallF1([0, 1], [0, 1], { average: 'samples' as never }), 'OPTION_INVALID', 'average: is "samples"');
});

test('zero_division: all predictions negative', () => {
  const t = [0, 1, 1, 0];
  const p = [0, 0, 0, 0];
  const warn = precisionScore(t, p);
  assert.equal(warn.value, 0);
  assert.deepEqual(warn.warnings, ['Precision is ill-defined and being set to 0.0 due to no predicted samples. Use `zero_division` parameter to control this behavior.']);
  assert.deepEqual(recallScore(t, p), { value: 0, warnings: [] });
  // sklearn 1.2 warns for F1 only when a label has neither true nor predicted samples.
  assert.deepEqual(f1Score(t, p), { value: 0, warnings: [] });
  assert.deepEqual(precisionScore(t, p, { zeroDivision: 1 }), { value: 1, warnings: [] });
  assert.equal(f1Score(t, p, { zeroDivision: 1 }).value, 0);
  assert.deepEqual(precisionScore(t, p, { zeroDivision: 0 }), { value: 0, warnings: [] });
});

test('zero_division: no positives at all, and weighted with empty support', () => {
  const none = precisionRecallF1([0, 0], [0, 0]);
  assert.deepEqual([none.precision, none.recall, none.f1], [0, 0, 0]);
  assert.equal(none.warnings.length, 3);
  assert.match(none.warnings[2]!, /^F-score is ill-defined .* no true nor predicted samples/);
  const ones = precisionRecallF1([0, 0], [0, 0], { zeroDivision: 1 });
  assert.deepEqual([ones.precision, ones.recall, ones.f1, ones.warnings.length], [1, 1, 1, 0]);
  // Macro over labels 0,1,2 where label 2 is never predicted: precision of label 2 set to 0.
  const macro = precisionRecallF1([0, 1, 2], [0, 1, 1], { average: 'macro' });
  near(macro.precision, 0.5, 'macro precision');
  assert.match(macro.warnings[0]!, /in labels with no predicted samples/);
  throwsCode(() => precisionRecallF1([0, 1], [0, 1], { zeroDivision: 2 as never }), 'OPTION_INVALID', 'zeroDivision');
});

test('confusion matrix: labels sorted numerically, weights, normalize', () => {
  const cm = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]);
  assert.deepEqual(cm, { labels: [0, 1, 2], matrix: [[2, 0, 0], [0, 0, 1], [1, 0, 2]] });
  assert.deepEqual(confusionMatrix([10, -1, 2], [2, -1, 10]).labels, [-1, 2, 10]);
  assert.deepEqual(confusionMatrix([0, 1, 1], [0, 1, 0], { sampleWeight: [0.5, 2, 1] }).matrix, [[0.5, 0], [1, 2]]);
  assert.deepEqual(confusionMatrix([0, 1, 1, 1], [0, 1, 0, 1], { normalize: 'true' }).matrix, [[1, 0], [1 / 3, 2 / 3]]);
  assert.deepEqual(confusionMatrix([0, 1, 2], [0, 2, 2], { labels: [2, 0] }).matrix, [[1, 0], [0, 1]]);
  throwsCode(() => confusionMatrix([0, 1], [0, 1], { labels: [5] }), 'OPTION_INVALID', 'none of them occurs in yTrue');
});

test('roc_curve: sklearn\'s documented example, first threshold = max + 1', () => {
  const roc = rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { posLabel: 2 });
  assert.deepEqual([...roc.fpr], [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual([...roc.tpr], [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual([...roc.thresholds], [1.8, 0.8, 0.4, 0.35, 0.1]);
  throwsCode(() => rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8]), 'OPTION_INVALID', 'say which class is positive with posLabel');
});

test('roc_curve: drop_intermediate removes collinear points; ties collapse to one threshold', () => {
  const t = [0, 0, 0, 1, 1, 1];
  const s = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
  assert.deepEqual([...rocCurve(t, s).thresholds], [1.9, 0.9, 0.7, 0.1]);
  assert.equal(rocCurve(t, s, { dropIntermediate: false }).thresholds.length, 7);
  const tied = rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual([[...tied.fpr], [...tied.tpr], [...tied.thresholds]], [[0, 1], [0, 1], [1.5, 0.5]]);
  assert.equal(rocAucScore([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]), 0.875);
  assert.equal(rocAucScore([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5);
});

test('roc_curve: zero weights drop samples; one class only gives NaN rates and a warning', () => {
  const w = rocCurve([0, 1, 0, 1], [0.2, 0.9, 0.95, 0.3], { sampleWeight: [1, 1, 0, 1] });
  // Left: (0, 0.2), (1, 0.9), (1, 0.3); the zero-weight 0.95 sets no threshold.
  assert.deepEqual([...w.thresholds], [1.9, 0.9, 0.3, 0.2]);
  assert.deepEqual([...w.tpr], [0, 0.5, 1, 1]);
  const one = rocCurve([1, 1], [0.2, 0.4]);
  assert.ok(one.fpr.every(Number.isNaN));
  assert.deepEqual(one.warnings, ['No negative samples in y_true, false positive value should be meaningless']);
});

test('roc_auc_score: binary uses the larger label; one class only is INPUT_INVALID', () => {
  assert.equal(rocAucScore([3, 3, 7, 7], [0.1, 0.4, 0.35, 0.8]), 0.75);
  throwsCode(() => rocAucScore([1, 1, 1], [0.2, 0.3, 0.4]), 'INPUT_INVALID', 'only one class present; ROC AUC is not defined');
  throwsCode(() => rocAucScore([0, 1], [0.2, NaN]), 'INPUT_INVALID', 'yScore\\[1\\]: is NaN');
  throwsCode(() => rocAucScore([0, 1], [0.2]), 'INPUT_INVALID', 'has 1 values but yTrue has 2');
});

test('roc_auc_score: multiclass one-vs-rest', () => {
  const rows = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]];
  assert.equal(rocAucScore([0, 1, 2, 0], rows), 1);
  // Pairwise ranks: AUC(0) = (0.5 + 0 + 1 + 1) / 4 = 0.625, AUC(1) = 1, AUC(2) = 2/3.
  const bad = [[0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1]];
  near(rocAucScore([0, 1, 2, 0], bad), (0.625 + 1 + 2 / 3) / 3, 'macro');
  // weighted by class counts 2, 1, 1
  near(rocAucScore([0, 1, 2, 0], bad, { average: 'weighted' }), (2 * 0.625 + 1 + 2 / 3) / 4, 'weighted');
  throwsCode(() => rocAucScore([0, 1, 2], [[0.5, 0.5, 0.5], [0.2, 0.2, 0.6], [0.2, 0.2, 0.6]]), 'INPUT_INVALID', 'yScore\\[0\\]: sums to 1.5');
  throwsCode(() => rocAucScore([0, 1, 2], [0.1, 0.2, 0.3]), 'INPUT_INVALID', 'pass one probability row per sample');
});

test('precision_recall_curve and average precision: sklearn\'s documented example', () => {
  const pr = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual([...pr.precision], [0.5, 2 / 3, 0.5, 1, 1]);
  assert.deepEqual([...pr.recall], [1, 1, 0.5, 0.5, 0]);
  assert.deepEqual([...pr.thresholds], [0.1, 0.35, 0.4, 0.8]);
  near(averagePrecisionScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.8333333333333333, 'AP');
  const noPos = precisionRecallCurve([0, 0], [0.3, 0.6]);
  assert.deepEqual([...noPos.recall], [1, 1, 0]);
  assert.equal(noPos.warnings.length, 1);
  throwsCode(() => averagePrecisionScore([0, 1, 2], [0.1, 0.2, 0.3]), 'INPUT_INVALID', 'holds 3 classes');
});

test('auc: trapezoid, decreasing x allowed, unordered x rejected', () => {
  assert.equal(auc([0, 0.5, 1], [0, 1, 1]), 0.75);
  assert.equal(auc([1, 0.5, 0], [1, 1, 0]), 0.75);
  throwsCode(() => auc([0, 1, 0.5], [0, 1, 1]), 'INPUT_INVALID', 'neither increasing nor decreasing');
});

test('log_loss: clipping with eps=auto, renormalized rows, binary 1-D', () => {
  const rows = [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]];
  near(logLoss([1, 0, 0, 1], rows), 0.21616187468057912, 'rows');
  near(logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]), 0.21616187468057912, '1-D');
  near(logLoss([0, 1], [1, 0]), -Math.log(Number.EPSILON), 'clipped to eps');
  // Rows are renormalized after clipping: [0.2, 0.6] → [0.25, 0.75].
  near(logLoss([0, 1], [[0.2, 0.6], [0.1, 0.3]]), -(Math.log(0.25) + Math.log(0.75)) / 2, 'renormalized');
  // Clipping comes first: [2, 2] → [1 − eps, 1 − eps] → [0.5, 0.5].
  near(logLoss([0, 1], [[2, 2], [1, 3]]), Math.LN2, 'clipped then renormalized');
  near(logLoss([0, 1], [[0.5, 0.5], [0.25, 0.75]], { normalize: false, sampleWeight: [2, 1] }), -(2 * Math.log(0.5) + Math.log(0.75)), 'weighted sum');
  throwsCode(() => logLoss([1, 1], [0.5, 0.5]), 'INPUT_INVALID', 'contains only one label \\(1\\)');
  near(logLoss([1, 1], [0.5, 0.5], { labels: [0, 1] }), Math.LN2, 'labels given');
  throwsCode(() => logLoss([0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), 'INPUT_INVALID', 'has 2 probabilities but there are 3 classes');
});

test('regression: sklearn\'s documented values and r2 edge cases', () => {
  const t = [3, -0.5, 2, 7];
  const p = [2.5, 0, 2, 8];
  assert.equal(meanSquaredError(t, p), 0.375);
  assert.equal(rootMeanSquaredError(t, p), Math.sqrt(0.375));
  assert.equal(meanAbsoluteError(t, p), 0.5);
  near(r2Score(t, p), 0.9486081370449679, 'r2');
  assert.equal(meanSquaredError([1, 2], [2, 2], { sampleWeight: [3, 1] }), 0.75);
  assert.equal(r2Score([1, 1, 1], [1, 1, 1]), 1);
  assert.equal(r2Score([1, 1, 1], [1, 2, 1]), 0);
  assert.ok(Number.isNaN(r2Score([1], [2])));
  assert.ok(r2Score([1, 2, 3], [3, 2, 1]) < 0);
  throwsCode(() => meanSquaredError([1, 2], [1, 2], { sampleWeight: [1, -1] }), 'INPUT_INVALID', 'sampleWeight\\[1\\]: is -1; sample weights must be >= 0');
  throwsCode(() => meanSquaredError([], []), 'INPUT_INVALID', 'yTrue: is empty');
});

test('summarize: mean and population std (ddof 0)', () => {
  const s = summarize([0.8, 0.9, 1.0]);
  near(s.mean, 0.9, 'mean');
  near(s.std, 0.08164965809277258, 'std');
  assert.deepEqual([s.n, s.min, s.max], [3, 0.8, 1]);
  assert.equal(summarize([5]).std, 0);
  throwsCode(() => summarize([]), 'INPUT_INVALID', 'values: is empty');
});

test('bestThreshold: F1 and Youden, ties to the larger threshold', () => {
  const t = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];
  const f1 = bestThreshold(t, s, { by: 'f1' });
  assert.equal(f1.threshold, 0.35);
  near(f1.value, 0.8, 'f1');
  assert.deepEqual([f1.recall, f1.fpr], [1, 0.5]);
  const j = bestThreshold(t, s, { by: 'youden' });
  assert.deepEqual([j.threshold, j.value, j.recall, j.fpr], [0.8, 0.5, 0.5, 0]);
  throwsCode(() => bestThreshold(t, s, { by: 'auc' as never }), 'OPTION_INVALID', 'by: is "auc"');
});

test('labels must be integer class labels', () => {
  throwsCode(() => accuracy([0, 0.5], [0, 1]), 'INPUT_INVALID', 'yTrue\\[1\\]: is 0.5; class labels must be integers');
  throwsCode(() => accuracy([0, 1], [0, 1, 1]), 'INPUT_INVALID', 'yPred: has 3 values but yTrue has 2');
});
