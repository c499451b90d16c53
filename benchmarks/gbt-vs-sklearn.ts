/**
 * `node dist/benchmarks/gbt-vs-sklearn.js [--rows N] [--task binary|regression] [--repeat R] [--sklearn-threads T]`:
 * quiver's gradient-boosted trees (one thread) against scikit-learn 1.2's
 * `HistGradientBoosting{Classifier,Regressor}(max_iter=100, learning_rate=0.1,
 * max_leaf_nodes=31, early_stopping=False)` with its default threads, on the same generated
 * churn-like table: N training rows (default 1M) × 46 columns (11 numeric with skewed spend, integer
 * tenure, counts and 2–10% NaN in five of them; one-hot country, plan, device and gender; 2 noise),
 * scored on 200k held-out rows
 * (ROC-AUC or R²). Prints fit and predict seconds (best of R runs each) and the load average,
 * since timings on a shared machine move with it. Not wired into benchmarks/run.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setLogLevel } from '../shared/log.js';
import type { DesignMatrix } from '../shared/ml/linear/types.js';
import { r2Score, rocAucScore } from '../shared/ml/metrics/index.js';
import { gbtEstimator } from '../shared/ml/trees/index.js';
import { mulberry32 } from '../shared/prng.js';
import { tempDir } from '../tests/helpers/tmp.js';

const PYTHON = '/usr/bin/python3';

type Row = Record<string, string | number>;

function printTable(title: string, rows: Row[]): void {
  const fmt = (x: number): string => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(4));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  console.log(`\n## ${title}\n\n| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${keys.map((k) => (typeof r[k] === 'number' ? fmt(r[k]) : (r[k] ?? ''))).join(' | ')} |`);
}

const COUNTRY_WEIGHTS = [32, 12, 8, 7, 7, 5, 5, 4, 4, 3, 3, 3, 2, 2, 1.5, 1.5, 1, 1, 0.5, 0.5, 1, 1.5];
const NUMERIC = ['age', 'monthly_spend', 'total_spend', 'tenure_months', 'sessions_30d', 'avg_session_min', 'support_tickets', 'is_promo', 'nps', 'days_since_login', 'days_since_signup'];

/** Column names: 11 numeric, one-hot country (22), plan (4), device (3), gender (4), 2 noise. */
export const CHURN_FEATURES = [
  ...NUMERIC, ...COUNTRY_WEIGHTS.map((_, c) => `country_${c}`), 'plan_free', 'plan_basic', 'plan_premium', 'plan_enterprise',
  'device_ios', 'device_android', 'device_web', 'gender_f', 'gender_m', 'gender_x', 'gender_unknown', 'noise_1', 'noise_2',
];

/**
 * A table shaped like the churn pipeline's model input (quiver gen users → derive → one-hot):
 * X (n×46, NaN = missing in five numeric columns), a binary label with nonlinear effects and
 * interactions, and a regression target.
 */
export function churnLike(n: number, seed: number): { X: DesignMatrix; yBinary: Float64Array; yRegression: Float64Array } {
  const r = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const draw = (w: number[]): number => {
    let u = r() * w.reduce((a, b) => a + b, 0);
    for (let k = 0; k < w.length; k++) if ((u -= w[k]!) < 0) return k;
    return w.length - 1;
  };
  const d = CHURN_FEATURES.length;
  const data = new Float64Array(n * d);
  const yBinary = new Float64Array(n);
  const yRegression = new Float64Array(n);
  const countryEffect = COUNTRY_WEIGHTS.map((_, c) => 0.4 * Math.sin(1.7 * c));
  const planEffect = [0.5, 0, -0.3, -0.6];
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const age = Math.min(90, Math.max(18, 40 + 12 * gauss()));
    const plan = draw([45, 30, 20, 5]);
    const spend = plan === 0 ? (r() < 0.7 ? 0 : 1 + Math.floor(4 * r())) : Math.exp(3 + 0.5 * plan + 0.4 * gauss());
    const tenure = Math.floor(r() * 73);
    const sessions = Math.floor(Math.exp(2 + 0.8 * gauss()));
    const minutes = -8 * Math.log(1 - r()) * (1 + 0.2 * r());
    const tickets = Math.floor(-Math.log(1 - r()) * (0.5 + (plan === 3 ? 0.4 : 0)));
    const promo = r() < 0.2 ? 1 : 0;
    const nps = Math.floor(r() * 11);
    const login = -20 * Math.log(1 - r());
    const country = draw(COUNTRY_WEIGHTS);
    const device = draw([38, 42, 20]);
    const gender = draw([47, 46, 2, 5]);
    const numeric = [
      r() < 0.03 ? NaN : age, r() < 0.02 ? NaN : spend, spend * tenure * (0.9 + 0.2 * r()), tenure, sessions,
      r() < 0.05 ? NaN : minutes, tickets, promo, r() < 0.1 ? NaN : nps, r() < 0.04 ? NaN : login, tenure * 30.4 + 30 * r(),
    ];
    numeric.forEach((v, j) => { data[o + j] = v; });
    let j = numeric.length;
    data[o + j + country] = 1;
    j += COUNTRY_WEIGHTS.length;
    data[o + j + plan] = 1;
    data[o + j + 4 + device] = 1;
    data[o + j + 7 + gender] = 1;
    data[o + j + 11] = gauss();
    data[o + j + 12] = gauss();
    const z = -1.4 + 0.9 * (tickets >= 2 ? 1 : 0) + 1.1 * (login > 30 ? 1 : 0) - 0.035 * tenure + 0.7 * promo * (tenure < 12 ? 1 : 0)
      + planEffect[plan]! + (plan === 1 ? 0.02 * (spend - 30) : 0) - 0.12 * (nps - 5) + 0.5 * Math.sin(age / 7)
      + countryEffect[country]! + (device === 2 ? -0.04 : 0.02) * (sessions - 8) + 0.3 * Math.tanh((minutes - 8) / 4);
    yBinary[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    yRegression[i] = 10 * z + Math.log1p(spend) * (promo + 1) + 2 * gauss();
  }
  return { X: { data, rows: n, cols: d }, yBinary, yRegression };
}

const PYCODE = String.raw`
import json, sys, time, numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
c = json.load(open(sys.argv[1]))
X = np.fromfile(c['x'], dtype='<f8').reshape(c['n'], c['d']); y = np.fromfile(c['y'], dtype='<f8')
Xt = np.fromfile(c['xt'], dtype='<f8').reshape(-1, c['d'])
kw = dict(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, early_stopping=False)
fit, pred = [], []
for _ in range(c['repeat']):
    m = HistGradientBoostingClassifier(**kw) if c['task'] == 'binary' else HistGradientBoostingRegressor(**kw)
    t = time.perf_counter(); m.fit(X, y if c['task'] != 'binary' else y.astype(np.int64)); fit.append(time.perf_counter() - t)
    t = time.perf_counter(); p = m.predict_proba(Xt)[:, 1] if c['task'] == 'binary' else m.predict(Xt); pred.append(time.perf_counter() - t)
np.asarray(p, dtype='<f8').tofile(c['out'])
print(json.dumps({'fit': min(fit), 'predict': min(pred)}))
`;

export async function benchGbt(args: { rows: number; task: 'binary' | 'regression'; repeat: number; sklearnThreads: number | null }): Promise<Row[]> {
  const testRows = 200_000;
  const all = churnLike(args.rows + testRows, 7);
  const d = all.X.cols;
  const X: DesignMatrix = { data: all.X.data.subarray(0, args.rows * d), rows: args.rows, cols: d };
  const Xt: DesignMatrix = { data: all.X.data.subarray(args.rows * d), rows: testRows, cols: d };
  const yAll = args.task === 'binary' ? all.yBinary : all.yRegression;
  const y = yAll.subarray(0, args.rows);
  const yt = yAll.subarray(args.rows);
  const score = (p: Float64Array): number => (args.task === 'binary' ? rocAucScore(yt, p) : r2Score(yt, p));
  const rows: Row[] = [];
  const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

  const dir = await tempDir('gbt-bench');
  try {
    const f = (s: string): string => join(dir.path, s);
    writeFileSync(f('x.bin'), X.data);
    writeFileSync(f('y.bin'), y);
    writeFileSync(f('xt.bin'), Xt.data);
    writeFileSync(f('cfg.json'), JSON.stringify({ x: f('x.bin'), y: f('y.bin'), xt: f('xt.bin'), out: f('p.bin'), n: args.rows, d, task: args.task, repeat: args.repeat }));
    const before = load();
    const env = args.sklearnThreads === null ? process.env : { ...process.env, OMP_NUM_THREADS: String(args.sklearnThreads) };
    const py = spawnSync(PYTHON, ['-c', PYCODE, f('cfg.json')], { encoding: 'utf8', maxBuffer: 64 << 20, env });
    if (py.status === 0) {
      const t = JSON.parse(py.stdout.trim().split('\n').pop()!) as { fit: number; predict: number };
      const p = new Float64Array(readFileSync(f('p.bin')).buffer.slice(0));
      rows.push({ model: `sklearn HistGradientBoosting (${args.sklearnThreads === null ? 'default threads' : `OMP_NUM_THREADS=${args.sklearnThreads}`})`, 'fit s': t.fit, 'predict s': t.predict, score: score(p), load: `${before} → ${load()}` });
    } else {
      console.error(`sklearn not measured: ${py.stderr.trim().split('\n').pop() ?? 'failed'}`);
    }
  } finally {
    await dir.cleanup();
  }

  let fitS = Infinity;
  let predS = Infinity;
  let p: Float64Array = new Float64Array(0);
  const before = load();
  for (let k = 0; k < args.repeat; k++) {
    let t = performance.now();
    const model = await gbtEstimator.fit(
      { X, y, task: args.task, classes: args.task === 'binary' ? [0, 1] : undefined, seed: 7, featureNames: CHURN_FEATURES },
      { maxIter: 100, learningRate: 0.1, maxLeafNodes: 31 },
    );
    fitS = Math.min(fitS, (performance.now() - t) / 1000);
    t = performance.now();
    p = await gbtEstimator.predict(model, Xt);
    predS = Math.min(predS, (performance.now() - t) / 1000);
  }
  rows.push({ model: 'quiver gbt (1 thread)', 'fit s': fitS, 'predict s': predS, score: score(p), load: `${before} → ${load()}` });
  const sk = rows.find((r) => String(r.model).startsWith('sklearn'));
  if (sk !== undefined) for (const r of rows) r['x sklearn fit'] = (r['fit s'] as number) / (sk['fit s'] as number);
  printTable(`gbt vs sklearn: ${args.task}, ${args.rows.toLocaleString('en-US')} × ${d} train, ${testRows.toLocaleString('en-US')} test (${args.task === 'binary' ? 'ROC-AUC' : 'R²'})`, rows);
  return rows;
}

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
if (process.argv[1]?.endsWith('gbt-vs-sklearn.js')) {
  setLogLevel('warn');
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const task = flag('task', 'binary');
  if (task !== 'binary' && task !== 'regression') throw new Error(`--task ${task}: use binary or regression`);
  const threads = flag('sklearn-threads', '');
  await benchGbt({ rows: Number(flag('rows', '1000000')), task, repeat: Number(flag('repeat', '1')), sklearnThreads: threads === '' ? null : Number(threads) });
}
