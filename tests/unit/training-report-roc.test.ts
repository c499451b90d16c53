/**
 * thinCurve: at most maxPoints points, a subsequence of the input that keeps both ends, so a
 * ROC curve stays monotone; straight runs go before corners; the area under the curve barely
 * moves; the same input always gives the same output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import { auc, rocCurve } from '../../shared/ml/metrics/index.js';
import { thinCurve } from '../../shared/ml/report/index.js';
import { mulberry32 } from '../../shared/prng.js';

/** A ROC curve of `n` scores from a binormal model (many distinct thresholds). */
function bigRoc(n: number, seed: number): { fpr: Float64Array; tpr: Float64Array } {
  const rand = mulberry32(seed);
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = rand() < 0.3 ? 1 : 0;
    y.push(pos);
    s.push(Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) + 1.2 * pos);
  }
  return rocCurve(y, s);
}

function isSubsequence(sub: readonly number[][], of: readonly number[][]): boolean {
  let j = 0;
  for (const p of sub) {
    while (j < of.length && (of[j]![0] !== p[0] || of[j]![1] !== p[1])) j++;
    if (j === of.length) return false;
    j++;
  }
  return true;
}

const zip = (x: ArrayLike<number>, y: ArrayLike<number>): number[][] => Array.from(x, (v, i) => [v, y[i]!]);

test('a long ROC curve is thinned to maxPoints, ends kept, monotone, a subsequence', () => {
  const roc = bigRoc(20_000, 1);
  assert.ok(roc.fpr.length > 2000, `${roc.fpr.length} points to thin`);
  for (const max of [200, 50, 3]) {
    const t = thinCurve(roc.fpr, roc.tpr, max);
    assert.equal(t.fpr.length, max);
    assert.equal(t.tpr.length, max);
    assert.deepEqual([t.fpr[0], t.tpr[0]], [0, 0]);
    assert.deepEqual([t.fpr.at(-1), t.tpr.at(-1)], [1, 1]);
    for (let i = 1; i < max; i++) {
      assert.ok(t.fpr[i]! >= t.fpr[i - 1]! && t.tpr[i]! >= t.tpr[i - 1]!, `monotone at ${i} (max ${max})`);
    }
    assert.ok(isSubsequence(zip(t.fpr, t.tpr), zip(roc.fpr, roc.tpr)));
  }
  const t = thinCurve(roc.fpr, roc.tpr);
  const before = auc(roc.fpr, roc.tpr);
  const after = auc(t.fpr, t.tpr);
  console.log(`thinCurve: ${roc.fpr.length} → ${t.fpr.length} points, AUC ${before.toFixed(6)} → ${after.toFixed(6)}`);
  assert.ok(Math.abs(after - before) < 1e-3, `AUC moved by ${Math.abs(after - before)}`);
});

test('points on straight runs go first: every corner of a staircase is kept', () => {
  // 21 corners of a staircase, each edge split into 9 collinear pieces: 181 points.
  const fpr: number[] = [];
  const tpr: number[] = [];
  for (let step = 0; step < 10; step++) {
    for (let k = 0; k < 9; k++) {
      fpr.push(step / 10);
      tpr.push((step + k / 9) / 10);
    }
    for (let k = 0; k < 9; k++) {
      fpr.push((step + k / 9) / 10);
      tpr.push((step + 1) / 10);
    }
  }
  fpr.push(1);
  tpr.push(1);
  const t = thinCurve(fpr, tpr, 50);
  const corners = [[0, 0]];
  for (let step = 0; step < 10; step++) corners.push([step / 10, (step + 1) / 10], [(step + 1) / 10, (step + 1) / 10]);
  assert.deepEqual(zip(t.fpr, t.tpr), corners);
});

test('repeated points are dropped before any corner', () => {
  const t = thinCurve([0, 0, 0, 0.5, 0.5, 1, 1], [0, 0, 0.5, 0.5, 0.5, 1, 1], 5);
  assert.deepEqual(zip(t.fpr, t.tpr), [[0, 0], [0, 0.5], [0.5, 0.5], [1, 1]]);
});

test('the same input gives the same output; ties go to the earlier point', () => {
  const roc = bigRoc(5000, 9);
  assert.deepEqual(thinCurve(roc.fpr, roc.tpr, 100), thinCurve(Array.from(roc.fpr), Array.from(roc.tpr), 100));
  // A regular staircase: every corner has the same area, so the earliest go first.
  const t = thinCurve([0, 0, 0.25, 0.25, 0.5, 0.5, 1], [0, 0.25, 0.25, 0.5, 0.5, 1, 1], 6);
  assert.deepEqual(zip(t.fpr, t.tpr), [[0, 0], [0.25, 0.25], [0.25, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
});

test('short curves come back unchanged, as plain arrays', () => {
  const t = thinCurve(new Float64Array([0, 0, 0.5, 1]), new Float64Array([0, 0.5, 0.5, 1]));
  assert.deepEqual(t, { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 0.5, 1] });
  assert.deepEqual(thinCurve([], []), { fpr: [], tpr: [] });
  assert.deepEqual(thinCurve([0, 1], [0, 1], 2), { fpr: [0, 1], tpr: [0, 1] });
});

test('bad arguments are refused with what to do', () => {
  const code = (fn: () => unknown, c: 'OPTION_INVALID' | 'INPUT_INVALID', text: RegExp): void =>
    assert.throws(fn, (e: unknown) => isErrorCode(e, c) && text.test((e as Error).message));
  code(() => thinCurve([0, 1], [0, 1], 1), 'OPTION_INVALID', /maxPoints: 1 .*2 or more/);
  code(() => thinCurve([0, 1], [0, 1], 2.5), 'OPTION_INVALID', /maxPoints: 2.5/);
  code(() => thinCurve([0, 0.5, 1], [0, 1]), 'INPUT_INVALID', /fpr has 3 points but tpr has 2/);
  code(() => thinCurve([0, Number.NaN, 1], [0, 0.5, 1], 2), 'INPUT_INVALID', /point 1 .*not finite/);
});
