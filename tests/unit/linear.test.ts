/**
 * Linear models on tiny hand-checked cases: exact regression fits, singular X (minimum-norm
 * answer), ridge closed form, logistic symmetry, perfect separation, JSON round trips, shard
 * merges and input errors; the logistic solvers (Newton, whitened L-BFGS, sampled Hessian) agree
 * with each other on hard designs, and the row kernels match plain loops. No Python needed (see tests/integration/sklearn-linear.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decisionFunction, fitGram, gramPartial, linearRegression, logisticRegression, mergeGram, parseLinearModel,
  predict, predictProba, predictRegression, ridge,
} from '../../shared/ml/linear/index.js';
import type { DesignMatrix, LogisticModel, RegressionModel } from '../../shared/ml/linear/index.js';
import { accumulateHessian, gradientRange, hessianScratch, scoresRange } from '../../shared/ml/linear/logistic-kernels.js';
import { BinaryLogisticProblem } from '../../shared/ml/linear/logistic-newton.js';
import { lbfgs } from '../../shared/ml/optim/lbfgs.js';
import { newton } from '../../shared/ml/optim/newton.js';
import { mulberry32 as rng } from '../../shared/prng.js';

const mat = (rows: number[][]): DesignMatrix => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0]!.length });
const close = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);


test('linearRegression recovers an exact plane', () => {
  const X = mat([[0, 0], [1, 0], [0, 1], [1, 1], [2, 3]]);
  const y = Float64Array.from([0, 1, 2, 3, 4].map((i) => 3 + 2 * X.data[2 * i]! - 0.5 * X.data[2 * i + 1]!));
  const m = linearRegression(X, y);
  close(m.coef[0]!, 2, 1e-12, 'coef0');
  close(m.coef[1]!, -0.5, 1e-12, 'coef1');
  close(m.intercept, 3, 1e-12, 'intercept');
  assert.equal(m.solver, 'cholesky');
  assert.equal(m.kind, 'linear-regression');
  const yhat = predictRegression(m, X);
  for (let i = 0; i < 5; i++) close(yhat[i]!, y[i]!, 1e-12);
});

test('singular X (duplicated column) gives the minimum-norm answer, like lstsq', () => {
  const X = mat([[1, 1], [2, 2], [3, 3], [5, 5]]);
  const m = linearRegression(X, Float64Array.from([3, 5, 7, 11]));
  assert.equal(m.solver, 'pinv');
  assert.equal(m.rank, 1);
  close(m.coef[0]!, 1, 1e-9, 'coef0');
  close(m.coef[1]!, 1, 1e-9, 'coef1');
  close(m.intercept, 1, 1e-9, 'intercept');
});

test('constant column gets coefficient 0', () => {
  const m = linearRegression(mat([[1, 7], [2, 7], [4, 7]]), Float64Array.from([2, 4, 8]));
  assert.equal(m.solver, 'pinv');
  close(m.coef[0]!, 2, 1e-12);
  assert.equal(m.coef[1], 0);
  close(m.intercept, 0, 1e-12);
});

test('ridge matches the 1-D closed form and leaves the intercept unpenalized', () => {
  // x = [0,1,2,3], y = [1,3,2,5]: Sxx = 5, Sxy = 5.5, w = Sxy / (Sxx + alpha).
  const m = ridge(mat([[0], [1], [2], [3]]), Float64Array.from([1, 3, 2, 5]), { alpha: 2 });
  close(m.coef[0]!, 5.5 / 7, 1e-15);
  close(m.intercept, 2.75 - 1.5 * (5.5 / 7), 1e-15);
  assert.equal(m.kind, 'ridge');
  assert.throws(() => ridge(mat([[0], [1]]), Float64Array.from([0, 1]), { alpha: 0 }), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /alpha: 0/.test(e.message));
});

test('sample weights equal repeated rows', () => {
  const Xw = mat([[0, 1], [1, 3], [2, 2], [4, 0]]);
  const yw = Float64Array.from([1, 2, 0, 5]);
  const a = ridge(Xw, yw, { alpha: 0.3, sampleWeight: [1, 3, 0, 2] });
  const b = ridge(mat([[0, 1], [1, 3], [1, 3], [1, 3], [4, 0], [4, 0]]), Float64Array.from([1, 2, 2, 2, 5, 5]), { alpha: 0.3 });
  for (let j = 0; j < 2; j++) close(a.coef[j]!, b.coef[j]!, 1e-12);
  close(a.intercept, b.intercept, 1e-12);
});

test('merged shard partials fit the same model as all rows', () => {
  const r = rng(7);
  const n = 1000;
  const d = 4;
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = 1000 + r() * 3 + (j === 3 ? data[i * d]! : 0);
    y[i] = 5 + data[i * d]! - 2 * data[i * d + 1]! + r();
    w[i] = r() < 0.1 ? 0 : 0.5 + r();
  }
  const whole = { data, rows: n, cols: d };
  const cuts = [0, 1, 333, 700, 1000];
  const parts = cuts.slice(1).map((end, s) => {
    const start = cuts[s]!;
    return gramPartial({ data: data.subarray(start * d, end * d), rows: end - start, cols: d }, y.subarray(start, end), w.subarray(start, end));
  });
  const merged = parts.reduce((a, b) => mergeGram(a, b));
  const mergedOtherOrder = mergeGram(mergeGram(parts[3]!, parts[1]!), mergeGram(parts[2]!, parts[0]!));
  assert.equal(merged.count, n);
  for (const alpha of [0, 2.5]) {
    const ref = alpha === 0 ? linearRegression(whole, y, { sampleWeight: w }) : ridge(whole, y, { alpha, sampleWeight: w });
    for (const g of [merged, JSON.parse(JSON.stringify(mergedOtherOrder)) as typeof merged]) {
      const m = fitGram(g, { alpha });
      for (let j = 0; j < d; j++) close(m.coef[j]!, ref.coef[j]!, 1e-9 * Math.max(1, Math.abs(ref.coef[j]!)), `coef${j} alpha ${alpha}`);
      close(m.intercept, ref.intercept, 1e-7 * Math.max(1, Math.abs(ref.intercept)), `intercept alpha ${alpha}`);
    }
  }
  assert.throws(() => mergeGram(parts[0]!, gramPartial(mat([[1]]), [1])), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && /4 and 1 features/.test(e.message));
});

test('lbfgs minimizes the Rosenbrock function', () => {
  const res = lbfgs((x, g) => {
    const a = x[0]!;
    const b = x[1]!;
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  }, Float64Array.from([-1.2, 1]), { gtol: 1e-10 });
  assert.equal(res.converged, true);
  close(res.x[0]!, 1, 1e-8);
  close(res.x[1]!, 1, 1e-8);
});

test('logistic regression on symmetric data: zero intercept, probabilities sum to 1', () => {
  const X = mat([[-2], [-1], [1], [2], [-0.5], [0.5]]);
  const y = ['no', 'no', 'yes', 'yes', 'yes', 'no'];
  const m = logisticRegression(X, y, { C: 1, tol: 1e-10 });
  assert.deepEqual(m.classes, ['no', 'yes']);
  assert.equal(m.fit.converged, true);
  assert.ok(m.coef[0]![0]! > 0);
  close(m.intercept[0]!, 0, 1e-9);
  // Stationarity of C·Σ logloss + ½w²: w = C·Σ (y − p)·x.
  const p = predictProba(m, X);
  let s = 0;
  for (let i = 0; i < 6; i++) s += ((y[i] === 'yes' ? 1 : 0) - p[2 * i + 1]!) * X.data[i]!;
  close(m.coef[0]![0]!, s, 1e-8);
  for (let i = 0; i < 6; i++) close(p[2 * i]! + p[2 * i + 1]!, 1, 1e-15);
  assert.deepEqual(predict(m, mat([[-3], [3]])), ['no', 'yes']);
  close(decisionFunction(m, mat([[1]]))[0]!, m.coef[0]![0]! + m.intercept[0]!, 1e-15);
});

test('perfect separation with a huge C stops at maxIter with a clear warning', () => {
  const X = mat([[0], [1], [2], [3]]);
  for (const solver of ['newton', 'lbfgs'] as const) {
    const m = logisticRegression(X, [0, 0, 1, 1], { C: 1e12, maxIter: 15, solver });
    assert.equal(m.fit.converged, false);
    assert.equal(m.fit.nIter, 15);
    assert.equal(m.fit.warnings.length, 1);
    assert.match(m.fit.warnings[0]!, /did not converge in 15 iterations.*perfectly separable.*lower C/);
    assert.deepEqual(predict(m, X), [0, 0, 1, 1]);
  }
  // With an ordinary C the separable problem has a finite optimum and converges.
  assert.equal(logisticRegression(X, [0, 0, 1, 1]).fit.converged, true);
});

test('balanced class weights equal a record of n/(k·count)', () => {
  const X = mat([[0, 1], [1, 0], [2, 2], [3, 1], [4, 4], [0.5, 3]]);
  const y = [1, 1, 1, 1, 2, 2];
  const a = logisticRegression(X, y, { classWeight: 'balanced' });
  const b = logisticRegression(X, y, { classWeight: { 1: 6 / 8, 2: 6 / 4 } });
  for (let j = 0; j < 2; j++) close(a.coef[0]![j]!, b.coef[0]![j]!, 1e-9);
  close(a.intercept[0]!, b.intercept[0]!, 1e-9);
  assert.throws(() => logisticRegression(X, y, { classWeight: { 3: 1 } }), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /classWeight\.3: no such class; classes are 1, 2/.test(e.message));
});

test('multinomial model: one row per class, softmax probabilities', () => {
  const X = mat([[0, 0], [0.2, 0.1], [3, 0], [3.1, 0.3], [0, 3], [0.4, 3.2]]);
  const m = logisticRegression(X, ['a', 'a', 'b', 'b', 'c', 'c'], { C: 10 });
  assert.equal(m.coef.length, 3);
  assert.equal(m.fit.converged, true);
  // Unpenalized softmax intercepts are fixed only up to a shift; L-BFGS from 0 keeps their sum at 0, as sklearn's does.
  close(m.intercept.reduce((s, v) => s + v, 0), 0, 1e-9, 'intercept sum');
  assert.deepEqual(predict(m, X), ['a', 'a', 'b', 'b', 'c', 'c']);
  const p = predictProba(m, X);
  for (let i = 0; i < 6; i++) close(p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]!, 1, 1e-15);
});

test('models survive a JSON round trip and predict identically', () => {
  const X = mat([[0, 1], [1, 0], [2, 2], [3, 1], [4, 4]]);
  const reg = ridge(X, Float64Array.from([1, 2, 3, 1, 0]), { alpha: 0.1 });
  const clf = logisticRegression(X, [0, 1, 0, 1, 1], { C: 2 });
  const reg2 = parseLinearModel(JSON.parse(JSON.stringify(reg))) as RegressionModel;
  const clf2 = parseLinearModel(JSON.parse(JSON.stringify(clf))) as LogisticModel;
  assert.deepEqual(reg2, reg);
  assert.deepEqual(clf2, clf);
  assert.deepEqual(predictRegression(reg2, X), predictRegression(reg, X));
  assert.deepEqual(predictProba(clf2, X), predictProba(clf, X));
  assert.throws(() => parseLinearModel({ ...reg, coef: [1] }), /model\.coef: must be an array of 2 numbers/);
  assert.throws(() => parseLinearModel({ ...clf, kind: 'svm' }), /model\.kind: svm is not one of/);
});

test('bad inputs fail with codes and field names', () => {
  const code = (c: string, re: RegExp) => (e: Error & { code?: string }) => e.code === c && re.test(e.message);
  assert.throws(() => linearRegression({ data: new Float64Array(5), rows: 2, cols: 2 }, [1, 2]), code('INPUT_INVALID', /data has 5 values but rows×cols = 4/));
  assert.throws(() => linearRegression(mat([[1], [NaN]]), [1, 2]), code('INPUT_INVALID', /row 1, column 0 is NaN/));
  assert.throws(() => linearRegression(mat([[1], [2]]), [1]), code('INPUT_INVALID', /y: has 1 values but X has 2 rows/));
  assert.throws(() => ridge(mat([[1], [2]]), [1, 2], { sampleWeight: [1, -1] }), code('INPUT_INVALID', /sampleWeight\[1\] is -1/));
  assert.throws(() => logisticRegression(mat([[1], [2]]), [1, 1]), code('INPUT_INVALID', /at least 2 classes/));
  assert.throws(() => logisticRegression(mat([[1], [2]]), [1, 2], { C: 0 }), code('OPTION_INVALID', /C: 0 must be/));
  assert.throws(() => logisticRegression(mat([[1], [2]]), [1, 'a']), code('INPUT_INVALID', /mixes number and string/));
  const m = ridge(mat([[1], [2]]), [1, 2]);
  assert.throws(() => predictRegression(m, mat([[1, 2]])), code('INPUT_INVALID', /has 2 columns but the model was fitted on 1/));
});

/** n×d correlated features with offsets and very different scales, a noisy logistic label. */
function hardDesign(n: number, d: number, seed: number, offset = 100): { X: DesignMatrix; y: number[]; w: Float64Array } {
  const r = rng(seed);
  const data = new Float64Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = r() * 2 - 1;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = 0.7 * base + 0.3 * (r() * 2 - 1);
      data[i * d + j] = (offset + v) * 10 ** (j % 4 - 1);
      s += (j % 2 === 0 ? 1 : -0.5) * v;
    }
    y.push(r() < 1 / (1 + Math.exp(-3 * s)) ? 1 : 0);
  }
  return { X: { data, rows: n, cols: d }, y, w: Float64Array.from({ length: n }, () => (r() < 0.1 ? 0 : 0.5 + r())) };
}

test('newton and whitened lbfgs reach the same optimum; auto picks newton for small binary problems', () => {
  const { X, y, w } = hardDesign(3000, 6, 11);
  const opt = { C: 5, classWeight: 'balanced' as const, sampleWeight: w };
  const a = logisticRegression(X, y, { ...opt, solver: 'newton' });
  const b = logisticRegression(X, y, { ...opt, solver: 'lbfgs' });
  const auto = logisticRegression(X, y, opt);
  for (const m of [a, b]) assert.equal(m.fit.converged, true, m.fit.warnings.join());
  assert.deepEqual([a.fit.solver, b.fit.solver, auto.fit.solver, auto.options.solver], ['newton', 'lbfgs', 'newton', 'auto']);
  const scale = Math.max(...a.coef[0]!.map(Math.abs));
  for (let j = 0; j < 6; j++) close(b.coef[0]![j]!, a.coef[0]![j]!, 1e-5 * scale, `coef${j}`);
  close(b.intercept[0]!, a.intercept[0]!, 1e-5 * Math.max(1, Math.abs(a.intercept[0]!)), 'intercept');
  assert.ok(a.fit.nIter <= 15 && b.fit.nIter <= 60, `iterations: newton ${a.fit.nIter}, lbfgs ${b.fit.nIter}`);
  assert.equal(logisticRegression(X, y.map((v, i) => (i % 3 === 0 ? 2 : v))).fit.solver, 'lbfgs');
  const code = (re: RegExp) => (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && re.test(e.message);
  assert.throws(() => logisticRegression(X, y, { solver: 'sag' as 'lbfgs' }), code(/solver: sag must be one of auto, lbfgs, newton/));
  assert.throws(() => logisticRegression(mat([[0], [1], [2]]), [0, 1, 2], { solver: 'newton' }), code(/fits two classes only/));
});

test('feature offsets of 1e9 do not limit how close the solvers get to the optimum', () => {
  const { X, y } = hardDesign(2000, 3, 5, 1e9);
  for (const solver of ['newton', 'lbfgs'] as const) {
    const m = logisticRegression(X, y, { C: 1e6, solver });
    assert.equal(m.fit.converged, true, `${solver}: ${m.fit.warnings.join()}`);
  }
});

test('a Hessian summed over a row sample converges to the same optimum as the full one', () => {
  const { X, y, w } = hardDesign(4000, 5, 3);
  const target = Int32Array.from(y);
  const mu = new Float64Array(5);
  for (let i = 0; i < 4000; i++) for (let j = 0; j < 5; j++) mu[j] = mu[j]! + X.data[i * 5 + j]! / 4000;
  const solve = (hessianRows: number): { theta: Float64Array; res: ReturnType<typeof newton> } => {
    const problem = new BinaryLogisticProblem({ X, target, sw: w, mu, K: 1, C: 2 }, { hessianRows });
    return { res: newton(problem, { gtol: 1e-8 }), theta: problem.theta };
  };
  const full = solve(10_000);
  const sampled = solve(300);
  assert.equal(full.res.converged && sampled.res.converged, true);
  assert.ok(sampled.res.nHessian > 0 && sampled.res.nIter < 30, `sampled: ${sampled.res.nIter} iterations`);
  for (let j = 0; j <= 5; j++) close(sampled.theta[j]!, full.theta[j]!, 1e-6 * Math.max(1, Math.abs(full.theta[j]!)), `theta${j}`);
});

test('row kernels: centered scores, gradient sums and the tiled Hessian match plain loops', () => {
  const r = rng(9);
  const n = 203;
  const d = 7;
  const x = Float64Array.from({ length: n * d }, () => 50 + r());
  const mu = Float64Array.from({ length: d }, () => 50 + r());
  const v = Float64Array.from({ length: d }, () => r() - 0.5);
  const h = Float64Array.from({ length: n }, () => r());
  const rows = Int32Array.from({ length: 70 }, (_, k) => 2 * k + 1);
  const out = new Float64Array(n + 5);
  scoresRange(x, d, mu, v, 0.25, 3, n, out, 5);
  const g = new Float64Array(d);
  const rs = gradientRange(x, d, mu, h, 3, n, g, 3);
  const H = new Float64Array((d + 1) ** 2);
  accumulateHessian(x, n, d, mu, rows, h, H, hessianScratch(d));
  const xt = (i: number, j: number): number => (j === d ? 1 : x[i * d + j]! - mu[j]!);
  for (let i = 3; i < n; i++) {
    let s = 0.25;
    for (let j = 0; j < d; j++) s += xt(i, j) * v[j]!;
    close(out[i + 2]!, s, 1e-12, `score ${i}`);
  }
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 3; i < n; i++) s += h[i]! * xt(i, j);
    close(g[j]!, s, 1e-11, `grad ${j}`);
  }
  close(rs, h.subarray(3).reduce((a, b) => a + b, 0), 1e-12);
  for (let a = 0; a <= d; a++) {
    for (let b = 0; b <= d; b++) {
      let s = 0;
      for (const i of rows) s += h[i]! * xt(i, a) * xt(i, b);
      close(H[a * (d + 1) + b]!, s, 1e-11, `H ${a},${b}`);
    }
  }
});

test('newton: a singular Hessian is damped and the solver still reaches a stationary point', () => {
  // f(x) = e^(x0+x1) − 2(x0+x1): every point with x0 + x1 = ln 2 is a minimum; H is rank one.
  const derivs = (x: ArrayLike<number>, g: Float64Array, H: Float64Array | null): void => {
    const e = Math.exp(x[0]! + x[1]!);
    g.fill(e - 2);
    H?.fill(e);
  };
  const x = Float64Array.from([3, 1]);
  const dir = new Float64Array(2);
  const at = (t: number): number[] => [x[0]! + t * dir[0]!, x[1]! + t * dir[1]!];
  /** f(x + t·dir) − f(x), exact to rounding however small. */
  const delta = (t: number): number => {
    const u = t * (dir[0]! + dir[1]!);
    return Math.exp(x[0]! + x[1]!) * Math.expm1(u) - 2 * u;
  };
  const res = newton({
    dim: 2,
    derivatives: (g, H) => derivs(x, g, H),
    trial: (d, g, H) => { dir.set(d); derivs(at(1), g, H); return delta(1); },
    accept: () => x.set(at(1)),
    line: (t) => ({ delta: delta(t), slope: (Math.exp(at(t)[0]! + at(t)[1]!) - 2) * (dir[0]! + dir[1]!) }),
    move: (t) => x.set(at(t)),
  }, { gtol: 1e-12 });
  assert.equal(res.converged, true, res.reason);
  close(x[0]! + x[1]!, Math.LN2, 1e-12);
});
