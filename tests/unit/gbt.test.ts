/**
 * Gradient-boosted trees on small generated problems: determinism, interactions a linear model
 * cannot fit (XOR), missing values, a step function, multiclass, weights, early stopping, JSON
 * round trips and importances. No Python needed (see tests/integration/sklearn-gbt.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logisticRegression, predictProba } from '../../shared/ml/linear/index.js';
import type { DesignMatrix } from '../../shared/ml/linear/index.js';
import type { FitInput, LearningTask } from '../../shared/ml/models/types.js';
import { fitGbt, gbtEstimator, parseGbtModel, predictGbt, predictRaw } from '../../shared/ml/trees/index.js';
import type { GbtModel } from '../../shared/ml/trees/index.js';
import { mulberry32 } from '../../shared/prng.js';

function table(n: number, d: number, seed: number, f: (x: number[], r: () => number) => number): { X: DesignMatrix; y: Float64Array } {
  const r = mulberry32(seed);
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => 2 * r() - 1);
    data.set(x, i * d);
    y[i] = f(x, r);
  }
  return { X: { data, rows: n, cols: d }, y };
}

const input = (X: DesignMatrix, y: Float64Array, task: LearningTask, extra: Partial<FitInput> = {}): FitInput => ({
  X, y, task, seed: 7, featureNames: Array.from({ length: X.cols }, (_, j) => `f${j}`),
  classes: task === 'binary' ? [0, 1] : undefined, ...extra,
});

const accuracy = (y: Float64Array, p: Float64Array): number => y.reduce((s, v, i) => s + ((p[i]! > 0.5 ? 1 : 0) === v ? 1 : 0), 0) / y.length;

test('same seed and data give a bit-identical model', () => {
  const { X, y } = table(3000, 5, 1, (x, r) => (x[0]! * x[1]! + 0.3 * r() > 0 ? 1 : 0));
  for (let k = 0; k < 3; k++) X.data[k * 11] = NaN;
  const a = JSON.stringify(fitGbt(input(X, y, 'binary'), { maxIter: 20, earlyStopping: { patience: 3 } }));
  const b = JSON.stringify(fitGbt(input(X, y, 'binary'), { maxIter: 20, earlyStopping: { patience: 3 } }));
  assert.equal(a, b);
  const c = JSON.stringify(fitGbt(input(X, y, 'binary', { seed: 8 }), { maxIter: 20, earlyStopping: { patience: 3 } }));
  assert.notEqual(a, c, 'another seed draws another hold-out');
});

test('learns XOR, which logistic regression cannot', () => {
  const { X, y } = table(4000, 2, 2, (x) => ((x[0]! > 0) !== (x[1]! > 0) ? 1 : 0));
  const test = table(2000, 2, 3, (x) => ((x[0]! > 0) !== (x[1]! > 0) ? 1 : 0));
  const m = fitGbt(input(X, y, 'binary'), { maxIter: 50 });
  const accTrees = accuracy(test.y, predictGbt(m, test.X));
  const lin = logisticRegression(X, Array.from(y));
  const pl = predictProba(lin, test.X).filter((_, i) => i % 2 === 1);
  const accLinear = accuracy(test.y, pl);
  assert.ok(accTrees > 0.97, `trees accuracy ${accTrees}`);
  assert.ok(accLinear < 0.6, `linear accuracy ${accLinear}`);
});

test('missing values: an informative NaN is learned, unseen NaN follows the larger child', () => {
  // y = 1 when x0 is missing or x0 > 0.5; x1 has no NaN in training.
  const { X, y } = table(4000, 2, 4, (x) => (x[0]! > 0.5 ? 1 : 0));
  const r = mulberry32(4);
  for (let i = 0; i < X.rows; i++) {
    if (r() < 0.25) {
      X.data[i * 2] = NaN;
      y[i] = 1;
    }
  }
  const m = fitGbt(input(X, y, 'binary'), { maxIter: 30 });
  const probe: DesignMatrix = { data: Float64Array.from([NaN, 0, -0.9, 0, 0.9, 0, -0.9, NaN]), rows: 4, cols: 2 };
  const p = predictGbt(m, probe);
  assert.ok(p[0]! > 0.9, `P(y=1 | x0 missing) = ${p[0]}`);
  assert.ok(p[1]! < 0.1 && p[2]! > 0.9, `x0 = −0.9 → ${p[1]}, 0.9 → ${p[2]}`);
  assert.ok(Math.abs(p[3]! - p[1]!) < 0.05, `x1 NaN unseen in training must not move the score: ${p[3]} vs ${p[1]}`);
});

test('regression fits a step function', () => {
  // x0 on a grid of 100 values: fewer than maxBins, so every gap between values is a threshold.
  const step = (v: number): number => (v < -0.2 ? 1 : v < 0.15 ? 5 : -2);
  const { X, y } = table(2000, 3, 5, (x) => {
    x[0] = Math.round(50 * x[0]!) / 50;
    return step(x[0]);
  });
  for (let i = 0; i < X.rows; i++) X.data[i * 3] = Math.round(50 * X.data[i * 3]!) / 50;
  const m = fitGbt(input(X, y, 'regression'), { maxIter: 100 });
  const grid = Array.from({ length: 101 }, (_, i) => (i - 50) / 50);
  const p = predictGbt(m, { data: Float64Array.from(grid.flatMap((v) => [v, 0.3, -0.3])), rows: grid.length, cols: 3 });
  const worst = Math.max(...grid.map((v, i) => Math.abs(p[i]! - step(v))));
  assert.ok(worst < 1e-3, `max |error| ${worst}`);
  assert.equal(m.treesPerIteration, 1);
  assert.equal(m.trees.length, 100);
});

test('predictions after a JSON round trip equal those before', () => {
  const { X, y } = table(3000, 4, 6, (x, r) => Math.sin(3 * x[0]!) + x[1]! * x[2]! + 0.1 * r());
  for (let i = 0; i < 300; i++) X.data[i * 4 + (i % 4)] = NaN;
  for (const task of ['regression', 'binary', 'multiclass'] as const) {
    const yt = task === 'regression' ? y : Float64Array.from(y, (v) => (task === 'binary' ? (v > 0 ? 1 : 0) : v < -0.3 ? 0 : v < 0.4 ? 1 : 2));
    const m = fitGbt(input(X, yt, task, task === 'multiclass' ? { classes: ['a', 'b', 'c'] } : {}), { maxIter: 15 });
    const back = parseGbtModel(JSON.parse(JSON.stringify(m)));
    assert.deepEqual(predictGbt(back, X), predictGbt(m, X), task);
  }
});

test('importances sum to 1 and rank the informative feature first', () => {
  const { X, y } = table(4000, 6, 7, (x, r) => (x[3]! + 0.2 * (r() - 0.5) > 0 ? 1 : 0));
  const m = fitGbt(input(X, y, 'binary'), { maxIter: 20 });
  const imp = gbtEstimator.importances!(m)!;
  assert.equal(imp.length, 6);
  assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(imp.indexOf(Math.max(...imp)), 3);
  for (const j of [0, 1, 2, 4, 5]) assert.ok(imp[3]! > 5 * imp[j]!, `feature 3 (${imp[3]}) vs noise ${j} (${imp[j]})`);
});

test('multiclass: softmax probabilities, one tree per class per iteration', () => {
  const { X, y } = table(3000, 3, 8, (x) => (x[0]! < -0.3 ? 0 : x[1]! < 0 ? 1 : 2));
  const m = fitGbt(input(X, y, 'multiclass', { classes: [0, 1, 2] }), { maxIter: 30 });
  assert.equal(m.treesPerIteration, 3);
  assert.equal(m.trees.length, 90);
  const p = predictGbt(m, X);
  let hit = 0;
  for (let i = 0; i < X.rows; i++) {
    const row = [p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!];
    assert.ok(Math.abs(row[0]! + row[1]! + row[2]! - 1) < 1e-12);
    if (row.indexOf(Math.max(...row)) === y[i]) hit++;
  }
  assert.ok(hit / X.rows > 0.97, `accuracy ${hit / X.rows}`);
});

test('sample weights: zero-weight rows are ignored, class weights shift probabilities', () => {
  // Two contradicting halves: the first says y = [x0 > 0], the second the opposite.
  const { X, y } = table(4000, 2, 9, (x) => (x[0]! > 0 ? 1 : 0));
  for (let i = 2000; i < 4000; i++) y[i] = 1 - y[i]!;
  const w = Float64Array.from({ length: 4000 }, (_, i) => (i < 2000 ? 1 : 0));
  const m = fitGbt(input(X, y, 'binary', { sampleWeight: w }), { maxIter: 30 });
  const p = predictGbt(m, { data: Float64Array.from([0.8, 0, -0.8, 0]), rows: 2, cols: 2 });
  assert.ok(p[0]! > 0.9 && p[1]! < 0.1, `weighted half wins: ${p[0]}, ${p[1]}`);

  const imb = table(3000, 2, 10, (x, r) => (x[0]! + r() > 1.2 ? 1 : 0));
  const plain = predictGbt(fitGbt(input(imb.X, imb.y, 'binary'), { maxIter: 20 }), imb.X);
  const balanced = predictGbt(fitGbt(input(imb.X, imb.y, 'binary'), { maxIter: 20, classWeight: 'balanced' }), imb.X);
  const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(balanced) > mean(plain) + 0.1, `balanced ${mean(balanced)} vs plain ${mean(plain)}`);
});

test('early stopping ends a fit that stops improving and records the hold-out loss', () => {
  const { X, y } = table(3000, 5, 11, (x, r) => (x[0]! + 1.5 * (r() - 0.5) > 0 ? 1 : 0));
  const m: GbtModel = fitGbt(input(X, y, 'binary'), { maxIter: 500, learningRate: 0.3, earlyStopping: { patience: 5 } });
  assert.equal(m.fit.earlyStopped, true);
  assert.ok(m.fit.nIter < 500);
  assert.equal(m.trees.length, m.fit.nIter);
  assert.equal(m.fit.validationLoss!.length, m.fit.nIter + 1);
  assert.equal(m.fit.validationRows + m.fit.trainRows, 3000);
  assert.ok(Math.abs(m.fit.validationRows - 300) <= 2, `stratified 10% hold-out: ${m.fit.validationRows}`);
  const full = fitGbt(input(X, y, 'binary'), { maxIter: 40 });
  assert.equal(full.fit.validationLoss, null);
  assert.equal(full.fit.nIter, 40);
});

test('maxDepth, maxLeafNodes and minSamplesLeaf bound the trees', () => {
  const { X, y } = table(5000, 4, 12, (x) => Math.sin(4 * x[0]!) + x[1]! * x[2]!);
  const leaves = (m: GbtModel): number[] => m.trees.map((t) => t.feature.filter((f) => f === -1).length);
  const depth = (t: GbtModel['trees'][number], node = 0): number => (t.left[node]! < 0 ? 0 : 1 + Math.max(depth(t, t.left[node]!), depth(t, t.right[node]!)));
  const a = fitGbt(input(X, y, 'regression'), { maxIter: 5, maxLeafNodes: 7 });
  assert.ok(leaves(a).every((k) => k === 7), `leaves ${leaves(a)}`);
  const b = fitGbt(input(X, y, 'regression'), { maxIter: 5, maxLeafNodes: null, maxDepth: 3 });
  assert.ok(b.trees.every((t) => depth(t) <= 3) && leaves(b).some((k) => k === 8));
  const c = fitGbt(input(X, y, 'regression'), { maxIter: 3, minSamplesLeaf: 1000 });
  const p = predictRaw(c, X);
  // Each leaf of the first tree holds ≥ 1000 rows: at most 5 distinct first-tree values.
  assert.ok(leaves(c).every((k) => k <= 5));
  assert.equal(p.length, 5000);
});

test('bad params fail with OPTION_INVALID naming the option', () => {
  const { X, y } = table(50, 2, 13, (x) => (x[0]! > 0 ? 1 : 0));
  const code = (c: string, re: RegExp) => (e: Error & { code?: string }) => e.code === c && re.test(e.message);
  const fit = (p: Record<string, unknown>, task: LearningTask = 'binary'): GbtModel => fitGbt(input(X, y, task), p);
  assert.throws(() => fit({ learningRate: 0 }), code('OPTION_INVALID', /learningRate: 0 must be a finite number > 0/));
  assert.throws(() => fit({ maxBins: 256 }), code('OPTION_INVALID', /maxBins: 256 must be an integer from 2 to 255/));
  assert.throws(() => fit({ maxLeafNodes: 1 }), code('OPTION_INVALID', /maxLeafNodes/));
  assert.throws(() => fit({ maxIter: 2.5 }), code('OPTION_INVALID', /maxIter/));
  assert.throws(() => fit({ minSamplesLeaf: 0 }), code('OPTION_INVALID', /minSamplesLeaf/));
  assert.throws(() => fit({ l2Regularization: -1 }), code('OPTION_INVALID', /l2Regularization/));
  assert.throws(() => fit({ learning_rate: 0.1 }), code('OPTION_INVALID', /learning_rate: unknown gbt option/));
  assert.throws(() => fit({ earlyStopping: { patience: 0 } }), code('OPTION_INVALID', /earlyStopping\.patience/));
  assert.throws(() => fit({ earlyStopping: { validationFraction: 1 } }), code('OPTION_INVALID', /earlyStopping\.validationFraction/));
  assert.throws(() => fit({ earlyStopping: { rounds: 3 } }), code('OPTION_INVALID', /earlyStopping\.rounds: unknown option/));
  assert.throws(() => fit({ classWeight: 'auto' }), code('OPTION_INVALID', /classWeight/));
  assert.throws(() => fit({ classWeight: { 5: 1 } }), code('OPTION_INVALID', /classWeight\.5: no such class/));
  assert.throws(() => fit({ classWeight: 'balanced' }, 'regression'), code('OPTION_INVALID', /classWeight: only classifiers/));
  const schema = gbtEstimator.paramsSchema as { properties: Record<string, { default: unknown }> };
  assert.equal(schema.properties.maxLeafNodes!.default, 31);
  assert.equal(schema.properties.learningRate!.default, 0.1);
});

test('bad inputs fail with INPUT_INVALID', () => {
  const code = (re: RegExp) => (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && re.test(e.message);
  const X: DesignMatrix = { data: Float64Array.from([0, 1, Infinity, 2]), rows: 2, cols: 2 };
  assert.throws(() => fitGbt(input(X, Float64Array.from([0, 1]), 'binary')), code(/row 1, column 0 is Infinity/));
  const ok: DesignMatrix = { data: Float64Array.from([0, 1, NaN, 2]), rows: 2, cols: 2 };
  assert.throws(() => fitGbt(input(ok, Float64Array.from([0, 2]), 'binary')), code(/class index 2 but only 2 classes/));
  assert.throws(() => fitGbt(input(ok, Float64Array.from([0, 0.5]), 'binary')), code(/y\[1\] is 0.5/));
  assert.throws(() => fitGbt(input(ok, Float64Array.from([0, 1]), 'binary', { sampleWeight: Float64Array.from([0, 0]) })), code(/total weight is 0/));
  const m = fitGbt(input(ok, Float64Array.from([0, 1]), 'binary'));
  assert.throws(() => predictGbt(m, { data: new Float64Array(3), rows: 1, cols: 3 }), code(/model of 2 features/));
  assert.throws(() => parseGbtModel({ ...m, trees: [{ ...m.trees[0]!, left: [5] }] }), code(/children must be later nodes/));
  assert.throws(() => parseGbtModel({ ...m, kind: 'svm' }), code(/model\.kind: svm is not gbt/));
});

/** The same fit in a new thread: no scratch or kernel memory left from earlier fits. */
async function fitInFreshThread(fit: FitInput, params: Record<string, unknown>): Promise<string> {
  const { Worker } = await import('node:worker_threads');
  const url = new URL('../../shared/ml/trees/index.js', import.meta.url).href;
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then((m) => parentPort.postMessage(JSON.stringify(m.fitGbt(workerData.fit, workerData.params))));`;
  const worker = new Worker(code, { eval: true, workerData: { fit, params } });
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

test('fits that reuse the thread scratch memory of larger and smaller fits equal fits in a fresh thread', async () => {
  // One-hot-like columns (bundled) and a NaN column, so every reused table is exercised.
  const make = (n: number, seed: number): { X: DesignMatrix; y: Float64Array } => {
    const t = table(n, 6, seed, (x, r) => (x[0]! + x[1]! * x[2]! + 0.3 * r() > 0 ? 1 : 0));
    for (let i = 0; i < n; i++) {
      const c = Math.floor((t.X.data[i * 6 + 3]! + 1) * 1.5);
      for (let k = 0; k < 3; k++) t.X.data[i * 6 + 3 + k] = c === k ? 1 : 0;
      if (i % 7 === 0) t.X.data[i * 6 + 1] = NaN;
    }
    return t;
  };
  const big = make(6000, 11);
  const small = make(2500, 12);
  const yMulti = Float64Array.from(small.y, (v, i) => v + (i % 3 === 0 ? 1 : 0));
  const fits: [FitInput, Record<string, unknown>][] = [
    [input(big.X, big.y, 'binary'), { maxIter: 15 }],
    [input(small.X, yMulti, 'multiclass', { classes: [0, 1, 2] }), { maxIter: 8 }],
    [input(big.X, Float64Array.from(big.y, (v, i) => v + big.X.data[i * 6]!), 'regression', { classes: undefined }), { maxIter: 10, earlyStopping: { patience: 2 } }],
    [input(small.X, small.y, 'binary'), { maxIter: 15 }],
  ];
  for (const [fit, params] of fits) {
    assert.equal(JSON.stringify(fitGbt(fit, params)), await fitInFreshThread(fit, params), `${fit.task} on ${fit.X.rows} rows`);
  }
});
