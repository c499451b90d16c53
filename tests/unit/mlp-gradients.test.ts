/**
 * The hand-written backward pass (graph.ts `backprop`, run on the compute backend in float32)
 * against central finite differences of the same objective computed in float64 through the
 * typed-array forward pass: every task, both activations, sample weights, the L2 term.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBackend } from '../../shared/compute/backend.js';
import { backprop } from '../../shared/ml/mlp/graph.js';
import type { Net } from '../../shared/ml/mlp/graph.js';
import { predictMlp, resolveMlpParams } from '../../shared/ml/mlp/index.js';
import type { MlpActivation, MlpModel, MlpOutput } from '../../shared/ml/mlp/index.js';
import type { LearningTask } from '../../shared/ml/models/types.js';
import { mulberry32 } from '../../shared/prng.js';

interface Case {
  task: LearningTask;
  output: MlpOutput;
  activation: MlpActivation;
  layers: number[];
  weighted: boolean;
  l2: number;
}

const CASES: Case[] = [
  { task: 'binary', output: 'sigmoid', activation: 'relu', layers: [3, 5, 4, 1], weighted: false, l2: 0 },
  { task: 'binary', output: 'sigmoid', activation: 'tanh', layers: [3, 5, 1], weighted: true, l2: 0.3 },
  { task: 'multiclass', output: 'softmax', activation: 'tanh', layers: [4, 6, 3], weighted: true, l2: 0.1 },
  { task: 'multiclass', output: 'softmax', activation: 'relu', layers: [2, 4], weighted: false, l2: 0.05 },
  { task: 'regression', output: 'identity', activation: 'relu', layers: [3, 6, 5, 1], weighted: true, l2: 0.2 },
];

/** A model whose parameters are a flat float64 vector (weights, then biases), for perturbing. */
function modelOf(c: Case, theta: Float64Array): MlpModel {
  const weights: number[][] = [];
  const biases: number[][] = [];
  let at = 0;
  const L = c.layers.length - 1;
  for (let l = 0; l < L; l++) {
    const n = c.layers[l]! * c.layers[l + 1]!;
    weights.push(Array.from(theta.subarray(at, at + n)));
    at += n;
  }
  for (let l = 0; l < L; l++) {
    biases.push(Array.from(theta.subarray(at, at + c.layers[l + 1]!)));
    at += c.layers[l + 1]!;
  }
  return {
    kind: 'mlp', version: 1, task: c.task, nFeatures: c.layers[0]!, classes: null, layers: c.layers, activation: c.activation, output: c.output,
    weights, biases, inputMean: null, inputScale: null, targetMean: 0, targetScale: 1, backend: 'test', params: resolveMlpParams({}),
    fit: { epochs: 0, bestEpoch: 0, loss: [], validationLoss: null, trainRows: 0, validationRows: 0, ms: 0 },
  };
}

/** The objective in float64: Σ w·loss / rows + l2/2 · Σ‖W‖² / rows. */
function objective(c: Case, theta: Float64Array, x: Float64Array, y: Float64Array, w: Float64Array, rows: number): number {
  const m = modelOf(c, theta);
  const p = predictMlp(m, { data: x, rows, cols: c.layers[0]! });
  const k = c.layers.at(-1)!;
  let s = 0;
  for (let i = 0; i < rows; i++) {
    let loss: number;
    if (c.output === 'sigmoid') loss = -(y[i]! * Math.log(p[i]!) + (1 - y[i]!) * Math.log(1 - p[i]!));
    else if (c.output === 'softmax') loss = -Math.log(p[i * k + y[i]!]!);
    else loss = 0.5 * (p[i]! - y[i]!) ** 2;
    s += w[i]! * loss;
  }
  let sq = 0;
  for (const W of m.weights) for (const v of W) sq += v * v;
  return s / rows + (c.l2 / (2 * rows)) * sq;
}

test('backprop gradients equal finite differences of the objective', async () => {
  const { tf } = await computeBackend();
  const before = tf.memory().numTensors;
  for (const [ci, c] of CASES.entries()) {
    const r = mulberry32(100 + ci);
    const rows = 7;
    const d = c.layers[0]!;
    const k = c.layers.at(-1)!;
    const x = Float64Array.from({ length: rows * d }, () => 2 * r() - 1);
    const y = Float64Array.from({ length: rows }, () => (c.output === 'identity' ? 2 * r() - 1 : Math.floor(r() * Math.max(2, k))));
    const w = Float64Array.from({ length: rows }, () => (c.weighted ? 0.2 + 2 * r() : 1));
    const L = c.layers.length - 1;
    let nParams = 0;
    for (let l = 0; l < L; l++) nParams += c.layers[l]! * c.layers[l + 1]! + c.layers[l + 1]!;
    // float32-representable parameters, so both sides start from exactly the same network.
    const theta = Float64Array.from({ length: nParams }, () => Math.fround(r() - 0.5));
    const m = modelOf(c, theta);
    const yT = new Float32Array(rows * k);
    for (let i = 0; i < rows; i++) {
      if (c.output === 'softmax') yT[i * k + y[i]!] = 1;
      else yT[i] = y[i]!;
    }
    const result = tf.tidy(() => {
      const net: Net = {
        weights: m.weights.map((W, l) => tf.tensor2d(W, [c.layers[l]!, c.layers[l + 1]!])),
        biases: m.biases.map((b) => tf.tensor1d(b)),
      };
      const { grads, lossSum } = backprop(tf, net, {
        rows, x: tf.tensor2d(Float32Array.from(x), [rows, d]), y: tf.tensor2d(yT, [rows, k]), w: c.weighted ? tf.tensor2d(Float32Array.from(w), [rows, 1]) : null,
      }, { activation: c.activation, output: c.output, l2: c.l2 });
      return { flat: tf.concat(grads.map((g) => tf.reshape(g, [-1]))), lossSum };
    });
    const got = await result.flat.data();
    const lossSum = (await result.lossSum.data())[0]!;
    result.flat.dispose();
    result.lossSum.dispose();
    const f0 = objective({ ...c, l2: 0 }, theta, x, y, w, rows) * rows;
    assert.ok(Math.abs(lossSum - f0) <= 1e-5 * Math.max(1, Math.abs(f0)), `case ${ci}: Σ w·loss ${lossSum} vs ${f0}`);
    assert.equal(got.length, nParams);
    const h = 1e-6;
    for (let p = 0; p < nParams; p++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[p]! += h;
      minus[p]! -= h;
      const fd = (objective(c, plus, x, y, w, rows) - objective(c, minus, x, y, w, rows)) / (2 * h);
      assert.ok(Math.abs(got[p]! - fd) <= 1e-4 + 1e-3 * Math.abs(fd), `case ${ci} (${c.task}, ${c.activation}), parameter ${p}: backprop ${got[p]} vs finite difference ${fd}`);
    }
  }
  assert.equal(tf.memory().numTensors, before);
});
