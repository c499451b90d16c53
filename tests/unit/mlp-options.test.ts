/**
 * MLP hyperparameters: the defaults, the JSON Schema agreeing with them, and every bad or
 * unknown option rejected with OPTION_INVALID naming it, by `resolveMlpParams` and by a fit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MLP_DEFAULTS, MLP_PARAMS_SCHEMA, fitMlp, mlpEstimator, resolveMlpParams } from '../../shared/ml/mlp/index.js';

test('defaults: [64, 32] relu, Adam 1e-3, batches of 256, 20 epochs, l2 1e-4, no early stopping, standardized inputs', () => {
  assert.deepEqual(resolveMlpParams({}), {
    hiddenLayers: [64, 32], activation: 'relu', learningRate: 1e-3, batchSize: 256, epochs: 20, l2: 1e-4, earlyStopping: null, standardize: true,
  });
  assert.deepEqual(resolveMlpParams({ earlyStopping: {} }).earlyStopping, { patience: 5, validationFraction: 0.1 });
  assert.deepEqual(resolveMlpParams({ earlyStopping: { patience: 2 } }).earlyStopping, { patience: 2, validationFraction: 0.1 });
  assert.deepEqual(resolveMlpParams({ hiddenLayers: [] }).hiddenLayers, []);
  assert.ok(Object.isFrozen(MLP_DEFAULTS));
});

test('the JSON Schema lists every option with the same default, and no others', () => {
  const props = (MLP_PARAMS_SCHEMA as { properties: Record<string, { default: unknown }> }).properties;
  assert.equal(mlpEstimator.paramsSchema, MLP_PARAMS_SCHEMA);
  assert.equal((MLP_PARAMS_SCHEMA as { additionalProperties: boolean }).additionalProperties, false);
  const resolved = resolveMlpParams({}) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(resolved).sort());
  for (const [k, p] of Object.entries(props)) assert.deepEqual(p.default, resolved[k], k);
});

const BAD: Array<[Record<string, unknown>, RegExp]> = [
  [{ hiddenLayers: 64 }, /^hiddenLayers: 64 must be an array/],
  [{ hiddenLayers: [64, 0] }, /^hiddenLayers\[1\]: 0 must be an integer from 1/],
  [{ hiddenLayers: [1.5] }, /^hiddenLayers\[0\]: 1.5/],
  [{ activation: 'sigmoid' }, /^activation: "sigmoid" must be 'relu' or 'tanh'/],
  [{ learningRate: 0 }, /^learningRate: 0 must be a finite number > 0/],
  [{ learningRate: '0.01' }, /^learningRate: "0.01"/],
  [{ learningRate: Infinity }, /^learningRate: Infinity/],
  [{ batchSize: 0 }, /^batchSize: 0 must be an integer from 1/],
  [{ batchSize: 2.5 }, /^batchSize: 2.5/],
  [{ epochs: -1 }, /^epochs: -1/],
  [{ l2: -1e-4 }, /^l2: -0.0001 must be a finite number ≥ 0/],
  [{ earlyStopping: true }, /^earlyStopping: true must be null or \{patience, validationFraction\}/],
  [{ earlyStopping: { patience: 0 } }, /^earlyStopping.patience: 0/],
  [{ earlyStopping: { validationFraction: 1 } }, /^earlyStopping.validationFraction: 1 must be a finite number > 0 and < 1/],
  [{ earlyStopping: { tol: 1e-3 } }, /^earlyStopping.tol: unknown option; use patience or validationFraction/],
  [{ standardize: 'yes' }, /^standardize: "yes" must be true or false/],
  [{ alpha: 1e-4 }, /^alpha: unknown mlp option; use one of hiddenLayers, activation, learningRate, batchSize, epochs, l2, earlyStopping, standardize/],
];

test('each bad or unknown option is OPTION_INVALID naming it', () => {
  for (const [params, re] of BAD) {
    assert.throws(() => resolveMlpParams(params), (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && re.test(e.message), JSON.stringify(params));
  }
  assert.throws(() => resolveMlpParams([] as unknown as Record<string, unknown>), /params: \[\] must be an object/);
});

test('a fit rejects bad options before touching the data or the backend', async () => {
  const X = { data: new Float64Array([0, 1, 1, 0]), rows: 2, cols: 2 };
  const y = new Float64Array([0, 1]);
  await assert.rejects(
    async () => mlpEstimator.fit({ X, y, task: 'binary', seed: 1, featureNames: ['a', 'b'] }, { epochs: 0 }),
    (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /^epochs: 0/.test(e.message),
  );
  await assert.rejects(
    fitMlp({ X, y, task: 'binary', seed: NaN, featureNames: ['a', 'b'] }, {}),
    (e: Error & { code?: string }) => e.code === 'OPTION_INVALID' && /^seed: NaN/.test(e.message),
  );
});
