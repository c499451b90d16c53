/**
 * shared/ml/metrics against scikit-learn itself: 24 seeded datasets (10..5000 rows, balanced and
 * imbalanced, tied scores, 3–5 classes, with and without sample weights, some zero) are written
 * to a temp file, Debian's /usr/bin/python3 computes every metric with sklearn, and each value
 * must agree to 1e-9 (absolute below 1, relative above); curves element by element.
 * Without sklearn: fails when CI=true (install python3-sklearn), skips otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  accuracy,
  averagePrecisionScore,
  confusionMatrix,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  precisionRecallCurve,
  precisionRecallF1,
  r2Score,
  rocAucScore,
  rocCurve,
  rootMeanSquaredError,
} from '../../shared/ml/metrics/index.js';
import type { Average } from '../../shared/ml/metrics/index.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const PY = '/usr/bin/python3';
const TOL = 1e-9;


interface Dataset {
  name: string;
  k: number;
  yTrue: number[];
  yPred: number[];
  /** Binary: P(class 1). Multiclass: empty. */
  score: number[];
  /** Multiclass: one probability row per sample. */
  proba: number[][];
  weight: number[] | null;
  reg: number[];
  regPred: number[];
}

function makeDataset(i: number): Dataset {
  const sizes = [10, 17, 50, 100, 333, 1000, 2500, 5000];
  const n = sizes[i % sizes.length]!;
  const rnd = mulberry32(1000 + i);
  const k = i % 3 === 2 ? 3 + (i % 3 === 2 ? Math.floor(i / 3) % 3 : 0) : 2;
  const imbalanced = i % 4 === 1;
  const ties = i % 5 < 2;
  const weighted = i % 2 === 1;
  const round = (v: number): number => (ties ? Math.round(v * 10) / 10 : v);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const score: number[] = [];
  const proba: number[][] = [];
  for (let r = 0; r < n; r++) {
    if (k === 2) {
      // The first two rows hold both classes, so every dataset has both.
      const y = r < 2 ? r : rnd() < (imbalanced ? 0.08 : 0.5) ? 1 : 0;
      const s = round(Math.min(1, Math.max(0, 0.3 + 0.35 * y + (rnd() - 0.5) * 0.7)));
      yTrue.push(y);
      score.push(s);
      // i % 8 === 5: a threshold nobody reaches, so every prediction is negative (zero_division).
      yPred.push(s >= (i % 8 === 5 ? 2 : 0.5) ? 1 : 0);
    } else {
      const y = r < k ? r : imbalanced && rnd() < 0.7 ? 0 : Math.floor(rnd() * k);
      const logits = Array.from({ length: k }, (_, c) => (c === y ? 1.2 : 0) + rnd() * 2);
      const ex = logits.map((v) => Math.exp(ties ? Math.round(v * 2) / 2 : v));
      const sum = ex.reduce((a, b) => a + b, 0);
      const row = ex.map((v) => v / sum);
      yTrue.push(y);
      proba.push(row);
      yPred.push(row.indexOf(Math.max(...row)));
    }
  }
  const weight = weighted ? Array.from({ length: n }, (_, r) => (r >= k && rnd() < 0.1 ? 0 : Math.round(rnd() * 300) / 100 + (r < k ? 0.5 : 0))) : null;
  const reg = Array.from({ length: n }, () => rnd() * 10 - 3);
  const regPred = reg.map((v) => v + (rnd() - 0.5) * 2);
  return { name: `d${i}-n${n}-k${k}${imbalanced ? '-imb' : ''}${ties ? '-ties' : ''}${weighted ? '-w' : ''}`, k, yTrue, yPred, score, proba, weight, reg, regPred };
}

const SCRIPT = `
import json, sys, warnings
import numpy as np
warnings.simplefilter('ignore')
from sklearn import metrics as M
data = json.load(open(sys.argv[1]))
out = []
for d in data:
    y = np.array(d['yTrue']); p = np.array(d['yPred']); w = d['weight']
    w = None if w is None else np.array(w)
    r = {'accuracy': M.accuracy_score(y, p, sample_weight=w)}
    avgs = ['binary', 'macro', 'weighted', 'micro'] if d['k'] == 2 else ['macro', 'weighted', 'micro']
    for a in avgs:
        pr, rc, f, _ = M.precision_recall_fscore_support(y, p, average=a, sample_weight=w)
        r['prf_' + a] = [pr, rc, f]
    r['cm'] = M.confusion_matrix(y, p, sample_weight=w).astype(float).tolist()
    if d['k'] == 2:
        s = np.array(d['score'])
        fpr, tpr, th = M.roc_curve(y, s, sample_weight=w)
        r['roc'] = [fpr.tolist(), tpr.tolist(), th.tolist()]
        fpr, tpr, th = M.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
        r['roc_all'] = [fpr.tolist(), tpr.tolist(), th.tolist()]
        pc, rc, th = M.precision_recall_curve(y, s, sample_weight=w)
        r['pr'] = [pc.tolist(), rc.tolist(), th.tolist()]
        r['auc'] = M.roc_auc_score(y, s, sample_weight=w)
        r['ap'] = M.average_precision_score(y, s, sample_weight=w)
        r['logloss'] = M.log_loss(y, s, sample_weight=w)
    else:
        q = np.array(d['proba'])
        r['auc_macro'] = M.roc_auc_score(y, q, multi_class='ovr', average='macro', sample_weight=w)
        r['auc_weighted'] = M.roc_auc_score(y, q, multi_class='ovr', average='weighted', sample_weight=w)
        r['logloss'] = M.log_loss(y, q, sample_weight=w)
    t = np.array(d['reg']); e = np.array(d['regPred'])
    r['mse'] = M.mean_squared_error(t, e, sample_weight=w)
    r['rmse'] = M.mean_squared_error(t, e, sample_weight=w, squared=False)
    r['mae'] = M.mean_absolute_error(t, e, sample_weight=w)
    r['r2'] = M.r2_score(t, e, sample_weight=w)
    out.append(r)
print(json.dumps(out))
`;
import { mulberry32 } from '../../shared/prng.js';

type Expected = Record<string, number | number[] | number[][]>;

function close(actual: number, expected: number | null, what: string): void {
  if (expected === null) {
    assert.ok(Number.isNaN(actual), `${what}: got ${actual}, sklearn NaN`);
    return;
  }
  const ok = Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected));
  assert.ok(ok, `${what}: got ${actual}, sklearn ${expected} (diff ${actual - expected})`);
}

function closeArray(actual: ArrayLike<number>, expected: readonly (number | null)[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, sklearn ${expected.length}`);
  for (let i = 0; i < expected.length; i++) close(actual[i]!, expected[i]!, `${what}[${i}]`);
}

function sklearnAvailable(): boolean {
  const probe = spawnSync(PY, ['-c', 'import sklearn'], { encoding: 'utf8' });
  return probe.status === 0;
}

const datasets = Array.from({ length: 24 }, (_, i) => makeDataset(i));
let dir: TempDir;
let expected: Expected[] = [];
const available = sklearnAvailable();
const skip = !available && process.env.CI !== 'true';

before(async () => {
  if (!available) {
    if (process.env.CI === 'true') assert.fail(`${PY} cannot import sklearn: apt-get install python3-sklearn`);
    return;
  }
  dir = await tempDir('quiver-sklearn-metrics');
  const file = join(dir.path, 'datasets.json');
  await writeFile(file, JSON.stringify(datasets));
  const run = spawnSync(PY, ['-c', SCRIPT, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  assert.equal(run.status, 0, `sklearn script failed: ${run.stderr}`);
  // sklearn's NaN (json.dumps writes a bare NaN) arrives as null.
  expected = JSON.parse(run.stdout.replace(/\bNaN\b/g, 'null')) as Expected[];
  assert.equal(expected.length, datasets.length);
});

after(async () => {
  await dir?.cleanup();
});

test('the datasets cover the promised shapes', () => {
  assert.equal(datasets.length, 24);
  assert.deepEqual(new Set(datasets.map((d) => d.k)), new Set([2, 3, 4, 5]));
  assert.equal(datasets.filter((d) => d.weight !== null).length, 12);
  assert.equal(Math.min(...datasets.map((d) => d.yTrue.length)), 10);
  assert.equal(Math.max(...datasets.map((d) => d.yTrue.length)), 5000);
  assert.ok(datasets.some((d) => d.k === 2 && d.yPred.every((v) => v === 0)), 'a dataset with only negative predictions');
});

for (const [i, d] of datasets.entries()) {
  test(`matches sklearn 1.2 on ${d.name}`, { skip: skip ? 'sklearn not installed (apt-get install python3-sklearn)' : false }, () => {
    const e = expected[i]!;
    const w = d.weight ?? undefined;
    const opts = w === undefined ? {} : { sampleWeight: w };
    close(accuracy(d.yTrue, d.yPred, opts), e.accuracy as number, 'accuracy');
    const avgs: Average[] = d.k === 2 ? ['binary', 'macro', 'weighted', 'micro'] : ['macro', 'weighted', 'micro'];
    for (const a of avgs) {
      const r = precisionRecallF1(d.yTrue, d.yPred, { ...opts, average: a });
      closeArray([r.precision, r.recall, r.f1], e[`prf_${a}`] as number[], `prf ${a}`);
    }
    const cm = confusionMatrix(d.yTrue, d.yPred, opts);
    const ecm = e.cm as number[][];
    assert.equal(cm.matrix.length, ecm.length, 'confusion matrix size');
    cm.matrix.forEach((row, r) => closeArray(row, ecm[r]!, `cm[${r}]`));
    if (d.k === 2) {
      for (const [key, drop] of [['roc', true], ['roc_all', false]] as const) {
        const roc = rocCurve(d.yTrue, d.score, { ...opts, dropIntermediate: drop });
        const [fpr, tpr, th] = e[key] as number[][];
        closeArray(roc.fpr, fpr!, `${key} fpr`);
        closeArray(roc.tpr, tpr!, `${key} tpr`);
        closeArray(roc.thresholds, th!, `${key} thresholds`);
      }
      const pr = precisionRecallCurve(d.yTrue, d.score, opts);
      const [pc, rc, th] = e.pr as number[][];
      closeArray(pr.precision, pc!, 'pr precision');
      closeArray(pr.recall, rc!, 'pr recall');
      closeArray(pr.thresholds, th!, 'pr thresholds');
      close(rocAucScore(d.yTrue, d.score, opts), e.auc as number, 'roc auc');
      close(averagePrecisionScore(d.yTrue, d.score, opts), e.ap as number, 'average precision');
      close(logLoss(d.yTrue, d.score, opts), e.logloss as number, 'log loss');
    } else {
      close(rocAucScore(d.yTrue, d.proba, { ...opts, average: 'macro' }), e.auc_macro as number, 'roc auc ovr macro');
      close(rocAucScore(d.yTrue, d.proba, { ...opts, average: 'weighted' }), e.auc_weighted as number, 'roc auc ovr weighted');
      close(logLoss(d.yTrue, d.proba, opts), e.logloss as number, 'log loss');
    }
    close(meanSquaredError(d.reg, d.regPred, opts), e.mse as number, 'mse');
    close(rootMeanSquaredError(d.reg, d.regPred, opts), e.rmse as number, 'rmse');
    close(meanAbsoluteError(d.reg, d.regPred, opts), e.mae as number, 'mae');
    close(r2Score(d.reg, d.regPred, opts), e.r2 as number, 'r2');
  });
}
