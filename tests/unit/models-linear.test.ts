/**
 * The linear estimators behind the model seam (shared/ml/models/linear.ts): adapter predictions
 * equal the direct shared/ml/linear calls, classWeight keys are class labels (not indices), a
 * class missing from the training rows gets probability 0, importances, params checked against
 * their JSON Schema, and bad params fail with OPTION_INVALID naming the param.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import {
  linearRegression, logisticRegression, predictProba, predictRegression, ridge,
} from '../../shared/ml/linear/index.js';
import type { DesignMatrix, Label } from '../../shared/ml/linear/index.js';
import {
  LOGISTIC_DEFAULTS, linearEstimator, logisticEstimator, resolveLogisticParams, ridgeEstimator,
} from '../../shared/ml/models/linear.js';
import type { FitInput, LearningTask, ModelState } from '../../shared/ml/models/types.js';
import { mulberry32 as rng } from '../../shared/prng.js';

const r = rng(42);
const n = 400;
const d = 3;
const X: DesignMatrix = { data: Float64Array.from({ length: n * d }, () => 4 * r() - 2), rows: n, cols: d };
const names = ['a', 'b', 'c'];
/** Class index per row: 2 classes from a noisy linear rule, or 3 by the largest of three. */
function indices(k: 2 | 3): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const x = X.data.subarray(i * d, i * d + d);
    if (k === 2) return x[0]! - 0.5 * x[1]! + r() - 0.5 > 0 ? 1 : 0;
    const s = [x[0]!, x[1]!, x[2]! + 0.5].map((v) => v + 0.5 * r());
    return s.indexOf(Math.max(...s));
  });
}
const y2 = indices(2);
const y3 = indices(3);
const input = (y: Float64Array, task: LearningTask, classes?: Label[], sampleWeight?: Float64Array): FitInput => ({
  X, y, task, seed: 1, featureNames: names, ...(classes ? { classes } : {}), ...(sampleWeight ? { sampleWeight } : {}),
});
const roundTrip = <M>(m: M): ModelState => JSON.parse(JSON.stringify(m)) as ModelState;
const closeArrays = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};
const optionError = (name: string) => (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && e.message.startsWith(name);

test('logistic binary: predict is P(classes[1]) of the direct fit, also after a JSON round trip', () => {
  const labels = Array.from(y2, (k) => (k === 1 ? 'yes' : 'no'));
  const w = Float64Array.from({ length: n }, () => 0.5 + r());
  const m = logisticEstimator.fit(input(y2, 'binary', ['no', 'yes'], w), { C: 0.3, solver: 'lbfgs' });
  const direct = predictProba(logisticRegression(X, labels, { C: 0.3, sampleWeight: w, solver: 'lbfgs' }), X);
  const p = logisticEstimator.predict(roundTrip(m) as typeof m, X);
  assert.equal(p.length, n);
  closeArrays(p, Array.from({ length: n }, (_, i) => direct[2 * i + 1]!), 1e-12);
  assert.equal(m.kind, 'logistic');
  assert.equal(m.linear.fit.solver, 'lbfgs');
  assert.deepEqual(m.classes, ['no', 'yes']);
});

test('classWeight is keyed by class label, not by class index', () => {
  // Numeric labels 10 and 20: index 1 is label 20. A weight keyed "20" must weigh the rows of y = 1.
  const m = logisticEstimator.fit(input(y2, 'binary', [10, 20]), { classWeight: { 20: 3 } });
  const labels = Array.from(y2, (k) => (k === 1 ? 20 : 10));
  const direct = logisticRegression(X, labels, { classWeight: { 20: 3 } });
  closeArrays(m.linear.coef[0]!, direct.coef[0]!, 1e-9);
  closeArrays(m.linear.intercept, direct.intercept, 1e-9);
  assert.deepEqual(m.linear.options.classWeight, { 20: 3 });
  const unweighted = logisticEstimator.fit(input(y2, 'binary', [10, 20]), {});
  assert.ok(Math.abs(m.linear.intercept[0]! - unweighted.linear.intercept[0]!) > 0.1, 'the weight moved the intercept');
  // String labels, and a label that is not a class.
  const s = logisticEstimator.fit(input(y2, 'binary', ['churn', 'stay']), { classWeight: { churn: 2 } });
  const sd = logisticRegression(X, Array.from(y2, (k) => (k === 1 ? 'stay' : 'churn')), { classWeight: { churn: 2 } });
  closeArrays(s.linear.coef[0]!, sd.coef[0]!, 1e-9);
  assert.throws(() => logisticEstimator.fit(input(y2, 'binary', ['churn', 'stay']), { classWeight: { 1: 2 } }), optionError('classWeight.1: no such class; classes are churn, stay'));
});

test('logistic multiclass: n×k probabilities equal the direct fit; a class absent from training gets 0', () => {
  const m = logisticEstimator.fit(input(y3, 'multiclass', ['x', 'y', 'z']), { C: 2, classWeight: 'balanced' });
  const direct = predictProba(logisticRegression(X, Array.from(y3, (k) => 'xyz'[k]!), { C: 2, classWeight: 'balanced' }), X);
  closeArrays(logisticEstimator.predict(roundTrip(m) as typeof m, X), direct, 1e-12);
  // Class 'z' (index 2) has no training rows in this fold: its column is 0, the others sum to 1.
  const keep = Array.from(y3).flatMap((k, i) => (k === 2 ? [] : [i]));
  const Xs: DesignMatrix = { data: Float64Array.from(keep.flatMap((i) => Array.from(X.data.subarray(i * d, i * d + d)))), rows: keep.length, cols: d };
  const fold = logisticEstimator.fit({ X: Xs, y: Float64Array.from(keep, (i) => y3[i]!), task: 'multiclass', classes: ['x', 'y', 'z'], seed: 1, featureNames: names }, { classWeight: { z: 5, y: 2 } });
  const p = logisticEstimator.predict(fold, X);
  assert.equal(p.length, 3 * n);
  for (let i = 0; i < n; i++) {
    assert.equal(p[3 * i + 2], 0);
    assert.ok(Math.abs(p[3 * i]! + p[3 * i + 1]! - 1) < 1e-12);
  }
});

test('linear and ridge adapters predict as the direct fits; importances are normalized |coef|', () => {
  const y = Float64Array.from({ length: n }, (_, i) => 1 + 3 * X.data[i * d]! - X.data[i * d + 1]! + 0.1 * r());
  const w = Float64Array.from({ length: n }, () => r());
  const lin = linearEstimator.fit({ X, y, task: 'regression', seed: 1, featureNames: names, sampleWeight: w }, {});
  closeArrays(linearEstimator.predict(roundTrip(lin) as typeof lin, X), predictRegression(linearRegression(X, y, { sampleWeight: w }), X), 1e-12);
  const rid = ridgeEstimator.fit({ X, y, task: 'regression', seed: 1, featureNames: names }, { alpha: 50 });
  const direct = ridge(X, y, { alpha: 50 });
  closeArrays(ridgeEstimator.predict(rid, X), predictRegression(direct, X), 1e-12);
  assert.equal(ridgeEstimator.fit({ X, y, task: 'regression', seed: 1, featureNames: names }, {}).linear.options.alpha, 1);
  const imp = ridgeEstimator.importances(rid);
  const total = direct.coef.reduce((s, c) => s + Math.abs(c), 0);
  closeArrays(imp, direct.coef.map((c) => Math.abs(c) / total), 1e-15);
  assert.ok(imp[0]! > imp[1]! && imp[1]! > imp[2]!);
  const mi = logisticEstimator.importances(logisticEstimator.fit(input(y3, 'multiclass'), {}));
  assert.equal(mi.length, d);
  assert.ok(Math.abs(mi.reduce((s, v) => s + v, 0) - 1) < 1e-12);
});

test('bad params fail with OPTION_INVALID naming the param', () => {
  const bin = input(y2, 'binary');
  const reg: FitInput = { X, y: Float64Array.from(y2), task: 'regression', seed: 1, featureNames: names };
  for (const [params, name] of [
    [{ C: 0 }, 'C: 0'], [{ C: 'big' }, 'C: "big"'], [{ maxIter: 2.5 }, 'maxIter: 2.5'], [{ tol: -1 }, 'tol: -1'],
    [{ solver: 'sag' }, 'solver: "sag"'], [{ classWeight: 'auto' }, 'classWeight: "auto"'], [{ classWeight: { 1: -2 } }, 'classWeight.1: -2'],
    [{ penalty: 'l1' }, 'penalty: unknown logistic option'],
  ] as const) {
    assert.throws(() => logisticEstimator.fit(bin, params), optionError(name), JSON.stringify(params));
  }
  assert.throws(() => logisticEstimator.fit(input(y3, 'multiclass'), { solver: 'newton' }), optionError('solver: \'newton\' fits two classes only'));
  assert.throws(() => ridgeEstimator.fit(reg, { alpha: 0 }), optionError('alpha: 0'));
  assert.throws(() => ridgeEstimator.fit(reg, { lambda: 1 }), optionError('lambda: unknown ridge option'));
  assert.throws(() => linearEstimator.fit(reg, { alpha: 1 }), optionError('alpha: unknown linear option; linear takes none'));
  assert.throws(() => logisticEstimator.fit({ ...bin, task: 'regression' }, {}), optionError('task: regression is not supported by logistic'));
  assert.throws(() => linearEstimator.fit(bin, {}), optionError('task: binary is not supported by linear'));
  assert.throws(() => logisticEstimator.predict(roundTrip(linearEstimator.fit(reg, {})) as never, X), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID');
});

test('paramsSchema agrees with the params each adapter accepts', () => {
  const ajv = new Ajv({ strict: true });
  const logistic = ajv.compile(logisticEstimator.paramsSchema);
  const schema = logisticEstimator.paramsSchema as { properties: Record<string, { default: unknown }> };
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(LOGISTIC_DEFAULTS).sort());
  for (const [k, v] of Object.entries(schema.properties)) assert.deepEqual(v.default, LOGISTIC_DEFAULTS[k as keyof typeof LOGISTIC_DEFAULTS], k);
  const good = [{}, { C: 0.1, classWeight: 'balanced', maxIter: 50, tol: 1e-6, solver: 'newton' }, { classWeight: { yes: 2 } }];
  for (const p of good) {
    assert.equal(logistic(p), true, JSON.stringify(p));
    resolveLogisticParams(p);
  }
  for (const p of [{ C: 0 }, { maxIter: 0.5 }, { solver: 'sag' }, { classWeight: 'auto' }, { classWeight: { yes: -1 } }, { extra: 1 }]) {
    assert.equal(logistic(p), false, JSON.stringify(p));
    assert.throws(() => resolveLogisticParams(p), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID');
  }
  const ridgeSchema = ajv.compile(ridgeEstimator.paramsSchema);
  assert.equal(ridgeSchema({ alpha: 2 }), true);
  assert.equal(ridgeSchema({ alpha: 0 }), false);
  assert.equal(ajv.compile(linearEstimator.paramsSchema)({ alpha: 1 }), false);
  assert.deepEqual([logisticEstimator.kind, linearEstimator.kind, ridgeEstimator.kind], ['logistic', 'linear', 'ridge']);
  assert.deepEqual([...logisticEstimator.tasks], ['binary', 'multiclass']);
  assert.deepEqual([...ridgeEstimator.tasks], ['regression']);
});
