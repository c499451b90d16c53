/**
 * The MLP estimator on the backend this machine gets (wasm here): it learns XOR-like classes,
 * a smooth regression surface and three sectors; sample weights matter; a seed reproduces the
 * model bit for bit; the JSON state round-trips; the typed-array forward pass equals the tfjs
 * one; no tensor outlives a fit, an epoch, a scoring call or a failed fit; early stopping keeps
 * the best epoch. See tests/integration/sklearn-mlp.test.ts for the comparison with sklearn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBackend } from '../../shared/compute/backend.js';
import { accuracy, r2Score, rocAucScore } from '../../shared/ml/metrics/index.js';
import { fitMlp, mlpEstimator, parseMlpModel, predictMlp, predictMlpOnBackend } from '../../shared/ml/mlp/index.js';
import type { MlpModel } from '../../shared/ml/mlp/index.js';
import type { DesignMatrix } from '../../shared/ml/linear/types.js';
import type { FitInput, LearningTask } from '../../shared/ml/models/types.js';
import { mulberry32 } from '../../shared/prng.js';

interface Data {
  X: DesignMatrix;
  y: Float64Array;
}

/** n rows of d uniform(−1, 1) features; `label` maps a row to its target. */
function generate(n: number, d: number, seed: number, label: (x: Float64Array, r: () => number) => number): Data {
  const r = mulberry32(seed);
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = data.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) row[j] = 2 * r() - 1;
    y[i] = label(row, r);
  }
  return { X: { data, rows: n, cols: d }, y };
}

/** XOR of the signs of the first two features; three more columns of noise, on an offset scale. */
const xor = (n: number, seed: number): Data => {
  const g = generate(n, 5, seed, (x) => (x[0]! * x[1]! > 0 ? 1 : 0));
  for (let i = 0; i < g.X.data.length; i++) g.X.data[i] = 10 * g.X.data[i]! + 3;
  return g;
};
const smooth = (n: number, seed: number): Data =>
  generate(n, 4, seed, (x, r) => 100 + 20 * (Math.sin(3 * x[0]!) + x[1]! * x[1]! + 0.5 * x[0]! * x[2]!) + 0.5 * (r() - 0.5));
const sectors = (n: number, seed: number): Data =>
  generate(n, 3, seed, (x) => Math.floor(((Math.atan2(x[1]!, x[0]!) + Math.PI) / (2 * Math.PI)) * 3) % 3);

function input(g: Data, task: LearningTask, extra: Partial<FitInput> = {}): FitInput {
  return { X: g.X, y: g.y, task, seed: 11, featureNames: Array.from({ length: g.X.cols }, (_, j) => `f${j}`), ...extra };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('binary: learns XOR-like classes (held-out AUC > 0.95) through the estimator seam', async () => {
  assert.equal(mlpEstimator.kind, 'mlp');
  assert.deepEqual([...mlpEstimator.tasks], ['binary', 'multiclass', 'regression']);
  const train = xor(4000, 1);
  const test = xor(2000, 2);
  const model = await mlpEstimator.fit(input(train, 'binary', { classes: ['no', 'yes'] }), { epochs: 30 });
  assert.equal(model.kind, 'mlp');
  assert.deepEqual(model.layers, [5, 64, 32, 1]);
  assert.deepEqual(model.classes, ['no', 'yes']);
  assert.equal(model.backend, (await computeBackend()).name);
  assert.equal(model.fit.epochs, 30);
  assert.ok(model.fit.loss.at(-1)! < model.fit.loss[0]! / 2, `loss fell: ${model.fit.loss.join(', ')}`);
  const p = await mlpEstimator.predict(model, test.X);
  assert.equal(p.length, 2000);
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  const auc = rocAucScore(test.y, p);
  assert.ok(auc > 0.95, `held-out AUC ${auc}`);
  assert.equal(mlpEstimator.importances!(model), null);
});

test('regression: a smooth function (held-out R² > 0.9) with tanh, target far from 0', async () => {
  const train = smooth(4000, 3);
  const test = smooth(2000, 4);
  const model = await fitMlp(input(train, 'regression'), { activation: 'tanh', epochs: 40, batchSize: 64 });
  assert.equal(model.output, 'identity');
  assert.ok(Math.abs(model.targetMean - 100) < 10);
  const r2 = r2Score(test.y, predictMlp(model, test.X));
  assert.ok(r2 > 0.9, `held-out R² ${r2}`);
});

test('multiclass: three sectors (held-out accuracy > 0.9), rows of probabilities summing to 1', async () => {
  const train = sectors(3000, 5);
  const test = sectors(1000, 6);
  const model = await fitMlp(input(train, 'multiclass', { classes: ['a', 'b', 'c'] }), { hiddenLayers: [32], epochs: 40, batchSize: 64 });
  assert.deepEqual(model.layers, [3, 32, 3]);
  const p = predictMlp(model, test.X);
  assert.equal(p.length, 3000);
  const pred = new Float64Array(1000);
  for (let i = 0; i < 1000; i++) {
    const row = Array.from(p.subarray(3 * i, 3 * i + 3));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    pred[i] = row.indexOf(Math.max(...row));
  }
  const acc = accuracy(test.y, pred);
  assert.ok(acc > 0.9, `held-out accuracy ${acc}`);
});

test('sample weights: rows with weight 0 are ignored, so their flipped labels do no harm', async () => {
  const train = xor(4000, 7);
  const test = xor(2000, 8);
  const r = mulberry32(9);
  const w = new Float64Array(train.X.rows).fill(1);
  const noisy = Float64Array.from(train.y);
  for (let i = 0; i < noisy.length; i++) {
    if (r() < 0.45) {
      noisy[i] = 1 - noisy[i]!;
      w[i] = 0;
    }
  }
  const params = { epochs: 30 };
  const weighted = await fitMlp(input({ X: train.X, y: noisy }, 'binary', { sampleWeight: w }), params);
  const unweighted = await fitMlp(input({ X: train.X, y: noisy }, 'binary'), params);
  const aucW = rocAucScore(test.y, predictMlp(weighted, test.X));
  const aucU = rocAucScore(test.y, predictMlp(unweighted, test.X));
  assert.ok(aucW > 0.95, `weighted AUC ${aucW}`);
  assert.ok(aucW > aucU + 0.02, `weights should matter: weighted ${aucW} vs unweighted ${aucU}`);
});

test('a seed reproduces the model exactly on this backend; another seed does not', async () => {
  const g = xor(1500, 10);
  const params = { epochs: 3, batchSize: 100, earlyStopping: { patience: 2, validationFraction: 0.2 } };
  const a = await fitMlp(input(g, 'binary', { seed: 42 }), params);
  const b = await fitMlp(input(g, 'binary', { seed: 42 }), params);
  const c = await fitMlp(input(g, 'binary', { seed: 43 }), params);
  assert.deepEqual(a.weights, b.weights);
  assert.deepEqual(a.biases, b.biases);
  assert.deepEqual(a.fit.loss, b.fit.loss);
  assert.deepEqual(predictMlp(a, g.X), predictMlp(b, g.X));
  assert.notDeepEqual(a.weights, c.weights);
});

test('the JSON state round-trips and predicts identically; weights are float32 values', async () => {
  for (const [g, task] of [[xor(800, 12), 'binary'], [sectors(800, 13), 'multiclass'], [smooth(800, 14), 'regression']] as const) {
    const model = await fitMlp(input(g, task), { hiddenLayers: [8, 4], epochs: 2 });
    const back = parseMlpModel(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(back, model);
    assert.deepEqual(predictMlp(back, g.X), predictMlp(model, g.X));
    for (const w of model.weights) assert.ok(w.every((v) => Math.fround(v) === v));
  }
  const bad = JSON.parse(JSON.stringify(await fitMlp(input(xor(200, 15), 'binary'), { hiddenLayers: [4], epochs: 1 }))) as MlpModel;
  bad.weights[1]!.pop();
  assert.throws(() => parseMlpModel(bad), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && /model\.weights\[1\]/.test(e.message));
  assert.throws(() => parseMlpModel({ ...bad, kind: 'gbt' }), /model\.kind: gbt is not mlp/);
});

test('the typed-array forward pass equals the tfjs forward pass to 1e-5', async () => {
  const cases = [
    { g: xor(3000, 16), task: 'binary', params: { activation: 'relu' } },
    { g: sectors(3000, 17), task: 'multiclass', params: { activation: 'tanh', hiddenLayers: [16, 16, 8] } },
    { g: smooth(3000, 18), task: 'regression', params: { activation: 'relu', standardize: false } },
  ] as const;
  for (const c of cases) {
    const model = await fitMlp(input(c.g, c.task), { ...c.params, epochs: 2 });
    const plain = predictMlp(model, c.g.X);
    const tfjs = await predictMlpOnBackend(model, c.g.X, { chunkRows: 1000 });
    // Regression values are ~100: compare relative to the target's scale.
    const scale = c.task === 'regression' ? Math.max(...Array.from(plain, Math.abs)) : 1;
    const diff = maxAbsDiff(plain, tfjs) / scale;
    assert.ok(diff <= 1e-5, `${c.task}: max difference ${diff}`);
  }
});

test('no tensor outlives an epoch, a fit, a scoring call, or a fit that fails', async () => {
  const { tf } = await computeBackend();
  const before = tf.memory().numTensors;
  const during: number[] = [];
  const g = xor(2000, 19);
  const model = await fitMlp(input(g, 'binary', { sampleWeight: new Float64Array(2000).fill(2) }), { epochs: 6, earlyStopping: { patience: 10 } }, {
    onEpoch: () => during.push(tf.memory().numTensors),
  });
  assert.equal(during.length, 6);
  assert.ok(during.every((v) => v === during[0]), `tensors per epoch: ${during.join(', ')}`);
  assert.equal(tf.memory().numTensors, before, 'after fit');
  await predictMlpOnBackend(model, g.X);
  assert.equal(tf.memory().numTensors, before, 'after predictMlpOnBackend');
  // A step size of 1e30 overflows float32 in the first epoch: the fit fails and still cleans up.
  await assert.rejects(fitMlp(input(smooth(500, 20), 'regression'), { learningRate: 1e30, epochs: 3 }), (e: Error & { code?: string }) => e.code === 'KERNEL_FAILED' && /lower learningRate/.test(e.message));
  assert.equal(tf.memory().numTensors, before, 'after a failed fit');
});

test('early stopping holds out rows, stops after `patience` epochs without progress, keeps the best epoch', async () => {
  // Few rows and label noise: the validation loss bottoms out well before 200 epochs.
  const g = generate(600, 5, 21, (x, r) => (x[0]! + 0.5 * x[1]! + 0.8 * (r() - 0.5) > 0 ? 1 : 0));
  const model = await fitMlp(input(g, 'binary'), { epochs: 200, batchSize: 32, earlyStopping: { patience: 3, validationFraction: 0.25 } });
  const f = model.fit;
  assert.equal(f.validationRows, 150);
  assert.equal(f.trainRows, 450);
  assert.ok(f.epochs < 200, `stopped after ${f.epochs} epochs`);
  assert.equal(f.epochs - f.bestEpoch, 3);
  assert.equal(f.validationLoss!.length, f.epochs);
  const best = Math.min(...f.validationLoss!);
  assert.ok(f.validationLoss![f.bestEpoch - 1]! <= best * (1 + 1e-4), `kept epoch ${f.bestEpoch}: ${f.validationLoss![f.bestEpoch - 1]} vs best ${best}`);
});

test('bad input is INPUT_INVALID naming the field', async () => {
  const g = xor(100, 22);
  const code = (c: string, re: RegExp) => (e: Error & { code?: string }) => e.code === c && re.test(e.message);
  await assert.rejects(fitMlp(input({ X: g.X, y: g.y.map((v) => v * 2) }, 'binary'), {}), code('INPUT_INVALID', /y\[\d+\] is 2/));
  await assert.rejects(fitMlp(input({ X: g.X, y: g.y.map(() => 3) }, 'multiclass', { classes: [0, 1, 2] }), {}), code('INPUT_INVALID', /y\[0\] is 3; a multiclass fit takes class indices 0..2/));
  const nan = { ...g.X, data: Float64Array.from(g.X.data) };
  nan.data[7] = NaN;
  await assert.rejects(fitMlp(input({ X: nan, y: g.y }, 'binary'), {}), code('INPUT_INVALID', /row 1, column 2 is NaN/));
  await assert.rejects(fitMlp(input(g, 'binary', { sampleWeight: new Float64Array(100) }), {}), code('INPUT_INVALID', /total weight 0/));
  const model = await fitMlp(input(g, 'binary'), { hiddenLayers: [], epochs: 1 });
  assert.deepEqual(model.layers, [5, 1]);
  assert.throws(() => predictMlp(model, { data: new Float64Array(4), rows: 1, cols: 4 }), code('INPUT_INVALID', /fitted on 5/));
});
