/**
 * The MLP side by side with scikit-learn 1.2's `MLPClassifier` / `MLPRegressor` (Adam, the same
 * architecture, batch size, L2 and epoch count) on the same generated data: held-out AUC (and
 * R²) must be as good as sklearn's to within 0.01; fit times (wall and CPU) are logged, not asserted. The
 * binary case is the 100k×20, 10-epoch benchmark of docs/ml/mlp.md. Weights cannot agree
 * (different random streams and float32 against float64), so only quality is compared.
 * Without sklearn the suite skips, or fails when CI=true.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { computeBackend } from '../../shared/compute/backend.js';
import { logger } from '../../shared/log.js';
import { r2Score, rocAucScore } from '../../shared/ml/metrics/index.js';
import { fitMlp, predictMlp } from '../../shared/ml/mlp/index.js';
import type { DesignMatrix } from '../../shared/ml/linear/types.js';
import { mulberry32 } from '../../shared/prng.js';
import { PY, sklearnOrSkip } from '../helpers/sklearn.js';

const { haveSklearn, skip } = sklearnOrSkip();
const log = logger('test.sklearn-mlp');

interface Case {
  name: string;
  task: 'binary' | 'regression';
  nTrain: number;
  nTest: number;
  d: number;
  epochs: number;
}

const CASES: Case[] = [
  { name: 'binary 100k×20, 10 epochs', task: 'binary', nTrain: 100_000, nTest: 20_000, d: 20, epochs: 10 },
  { name: 'regression 20k×10, 20 epochs', task: 'regression', nTrain: 20_000, nTest: 5_000, d: 10, epochs: 20 },
];

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Standard-normal features; a nonlinear signal in the first five, the rest noise. */
function generate(c: Case, n: number, seed: number): { X: DesignMatrix; y: Float64Array; signal: Float64Array } {
  const r = mulberry32(seed);
  const data = new Float64Array(n * c.d);
  const y = new Float64Array(n);
  const signal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = data.subarray(i * c.d, (i + 1) * c.d);
    for (let j = 0; j < c.d; j++) x[j] = gauss(r);
    const s = 1.5 * Math.sin(2 * x[0]!) + x[1]! * x[2]! + 0.8 * (x[3]! * x[3]! - 1) + 0.5 * x[4]!;
    signal[i] = s;
    y[i] = c.task === 'binary' ? (r() < 1 / (1 + Math.exp(-2 * s)) ? 1 : 0) : s + 0.3 * gauss(r);
  }
  return { X: { data, rows: n, cols: c.d }, y, signal };
}

const PYCODE = String.raw`
import json, sys, time, warnings, numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.metrics import roc_auc_score, r2_score
warnings.filterwarnings('ignore')
out = []
for c in json.load(open(sys.argv[1])):
    Xtr = np.fromfile(c['xtr'], dtype='<f8').reshape(c['nTrain'], c['d'])
    ytr = np.fromfile(c['ytr'], dtype='<f8')
    Xte = np.fromfile(c['xte'], dtype='<f8').reshape(c['nTest'], c['d'])
    yte = np.fromfile(c['yte'], dtype='<f8')
    kw = dict(hidden_layer_sizes=(64, 32), activation='relu', solver='adam', alpha=1e-4, batch_size=256,
              learning_rate_init=1e-3, max_iter=c['epochs'], shuffle=True, random_state=0)
    t = time.perf_counter(); cpu = time.process_time()
    if c['task'] == 'binary':
        m = MLPClassifier(**kw).fit(Xtr, ytr.astype(np.int64))
    else:
        m = MLPRegressor(**kw).fit(Xtr, ytr)
    ms = (time.perf_counter() - t) * 1e3; cpuMs = (time.process_time() - cpu) * 1e3
    score = roc_auc_score(yte, m.predict_proba(Xte)[:, 1]) if c['task'] == 'binary' else r2_score(yte, m.predict(Xte))
    out.append({'name': c['name'], 'ms': ms, 'cpuMs': cpuMs, 'score': float(score), 'epochs': int(m.n_iter_)})
print(json.dumps(out))
`;

let dir: TempDir;
const data = new Map<string, { train: ReturnType<typeof generate>; test: ReturnType<typeof generate> }>();
interface SkResult { name: string; ms: number; cpuMs: number; score: number; epochs: number }
const sk = new Map<string, SkResult>();

before(async () => {
  if (!haveSklearn) return;
  dir = await tempDir('sklearn-mlp');
  const cfg = CASES.map((c, k) => {
    const g = { train: generate(c, c.nTrain, 500 + k), test: generate(c, c.nTest, 600 + k) };
    data.set(c.name, g);
    const f = (s: string): string => join(dir.path, `${k}.${s}.bin`);
    writeFileSync(f('xtr'), g.train.X.data);
    writeFileSync(f('ytr'), g.train.y);
    writeFileSync(f('xte'), g.test.X.data);
    writeFileSync(f('yte'), g.test.y);
    return { ...c, xtr: f('xtr'), ytr: f('ytr'), xte: f('xte'), yte: f('yte') };
  });
  const cfgPath = join(dir.path, 'cases.json');
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const run = spawnSync(PY, ['-c', PYCODE, cfgPath], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(run.status, 0, `python failed: ${run.stderr}`);
  for (const r of JSON.parse(run.stdout) as SkResult[]) sk.set(r.name, r);
});
after(() => dir?.cleanup());

for (const c of CASES) {
  test(`as good as sklearn: ${c.name}`, { skip }, async () => {
    const g = data.get(c.name)!;
    const ref = sk.get(c.name)!;
    const backend = await computeBackend();
    const t = performance.now();
    const cpu = process.cpuUsage();
    const model = await fitMlp(
      { X: g.train.X, y: g.train.y, task: c.task, seed: 0, featureNames: Array.from({ length: c.d }, (_, j) => `x${j}`) },
      { hiddenLayers: [64, 32], epochs: c.epochs, batchSize: 256, l2: 1e-4, learningRate: 1e-3 },
    );
    const ms = performance.now() - t;
    const cpuUsed = process.cpuUsage(cpu);
    const t2 = performance.now();
    const p = predictMlp(model, g.test.X);
    const predictMs = performance.now() - t2;
    const score = c.task === 'binary' ? rocAucScore(g.test.y, p) : r2Score(g.test.y, p);
    // The best a model can do: score the true signal itself.
    const bayes = c.task === 'binary' ? rocAucScore(g.test.y, g.test.signal) : r2Score(g.test.y, g.test.signal);
    const metric = c.task === 'binary' ? 'auc' : 'r2';
    log.info({
      case: c.name, backend: backend.name, metric, ours: score, sklearn: ref.score, bayes,
      oursFitMs: Math.round(ms), sklearnFitMs: Math.round(ref.ms),
      oursFitCpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000), sklearnFitCpuMs: Math.round(ref.cpuMs), oursPredictMs: Math.round(predictMs), sklearnEpochs: ref.epochs, oursEpochs: model.fit.epochs,
    }, 'mlp vs sklearn');
    assert.equal(model.fit.epochs, c.epochs);
    assert.ok(score >= ref.score - 0.01, `${metric}: ours ${score} vs sklearn ${ref.score}`);
    assert.ok(score >= bayes - 0.05, `${metric}: ours ${score} vs the true signal's ${bayes}`);
  });
}
