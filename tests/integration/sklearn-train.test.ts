/**
 * The `train` operator against scikit-learn 1.2 on the same rows and the same folds: a table
 * split over 3 shards, a pipeline (impute → onehot → scale) refit inside each training fold, and
 * the fold scores and final coefficients compared with sklearn's `cross_validate` of
 * `Pipeline(ColumnTransformer(...), model)` over StratifiedKFold/KFold(shuffle, random_state)
 * on the concatenated rows.
 *  - fold ids must be identical (the predictions output's `fold` column);
 *  - logistic regression: fold ROC-AUC / accuracy / log loss within 1e-3 relative of sklearn's
 *    default lbfgs and within 1e-6 of sklearn's exact newton-cg solution; final coefficients
 *    within 1e-4 relative of newton-cg's;
 *  - ridge: fold R² / MSE within 1e-6 relative, coefficients within 1e-6.
 * Without sklearn the suite skips, or fails when CI=true.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../shared/prng.js';
import { trainOperator } from '../../shared/operators/train.js';
import type { SchemaDef } from '../../shared/dataset.js';
import type { TrainingReport } from '../../shared/ml/report/types.js';
import { readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const PY = '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import sklearn, numpy, pandas'], { encoding: 'utf8' });
const haveSklearn = probe.status === 0;
if (!haveSklearn && process.env.CI === 'true') {
  test('scikit-learn is installed', () => assert.fail(`${PY} cannot import sklearn/pandas: apt-get install python3-sklearn python3-pandas (${probe.stderr})`));
}
const skip = haveSklearn ? false : 'scikit-learn not installed at /usr/bin/python3 (apt-get install python3-sklearn python3-pandas)';

const SCHEMA: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'x1', type: 'float', nullable: true },
    { name: 'x2', type: 'float', nullable: true },
    { name: 'x3', type: 'int', nullable: false },
    { name: 'cat', type: 'string', nullable: true },
    { name: 'y', type: 'int', nullable: false },
    { name: 'target', type: 'float', nullable: false },
  ],
};
const CATS = ['a', 'b', 'c', 'd', 'e'];

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function generate(n: number, seed: number): Row[] {
  const r = mulberry32(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = 3 + 2 * gauss(r);
    const x2 = -1 + gauss(r);
    const x3 = Math.floor(r() * 10);
    const c = Math.floor(r() * CATS.length);
    const logit = 0.8 * (x1 - 3) - 1.2 * x2 + 0.15 * x3 + (c === 1 ? 0.9 : c === 3 ? -0.7 : 0) - 1.4 + 0.5 * gauss(r);
    rows.push({
      id: i,
      x1: r() < 0.05 ? null : x1,
      x2: r() < 0.05 ? null : x2,
      x3,
      cat: r() < 0.04 ? null : CATS[c]!,
      y: r() < 1 / (1 + Math.exp(-logit)) ? 1 : 0,
      target: 2 * x1 - x2 + 0.3 * x3 + (c === 2 ? 1.5 : 0) + gauss(r),
    });
  }
  return rows;
}

const PIPELINE = [
  { impute: { columns: ['x1', 'x2'], strategy: 'mean' } },
  { impute: { columns: ['cat'], strategy: 'constant', fill: 'missing' } },
  { onehot: { columns: ['cat'], unknown: 'ignore' } },
  { scale: { columns: ['x1', 'x2', 'x3'], method: 'standard' } },
];

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold, KFold, cross_validate
warnings.filterwarnings('ignore')
cfg = json.load(open(sys.argv[1]))
df = pd.read_json(cfg['data'], orient='records')
X = df[['x1', 'x2', 'x3', 'cat']].copy()
X['cat'] = X['cat'].map(lambda v: np.nan if v is None else v).astype(object)
def pre():
    return ColumnTransformer([
        ('num', Pipeline([('imp', SimpleImputer(strategy='mean')), ('sc', StandardScaler())]), ['x1', 'x2']),
        ('int', StandardScaler(), ['x3']),
        ('cat', Pipeline([('imp', SimpleImputer(strategy='constant', fill_value='missing')), ('oh', OneHotEncoder(handle_unknown='ignore'))]), ['cat']),
    ])
out = {}
if cfg['task'] == 'binary':
    y = df['y'].to_numpy()
    cv = StratifiedKFold(5, shuffle=True, random_state=cfg['seed'])
    out['folds'] = np.zeros(len(y), dtype=int).tolist()
    folds = np.zeros(len(y), dtype=int)
    for k, (_, te) in enumerate(cv.split(X, y)): folds[te] = k
    out['folds'] = folds.tolist()
    for name, model in [('lbfgs', LogisticRegression(C=cfg['C'])), ('exact', LogisticRegression(C=cfg['C'], solver='newton-cg', tol=1e-12, max_iter=10000))]:
        r = cross_validate(Pipeline([('pre', pre()), ('m', model)]), X, y, cv=cv, scoring=['roc_auc', 'accuracy', 'neg_log_loss'])
        out[name] = {'roc_auc': r['test_roc_auc'].tolist(), 'accuracy': r['test_accuracy'].tolist(), 'log_loss': (-r['test_neg_log_loss']).tolist()}
    p = Pipeline([('pre', pre()), ('m', LogisticRegression(C=cfg['C'], solver='newton-cg', tol=1e-12, max_iter=10000))]).fit(X, y)
    out['names'] = list(p.named_steps['pre'].get_feature_names_out())
    out['coef'] = p.named_steps['m'].coef_[0].tolist()
    out['intercept'] = float(p.named_steps['m'].intercept_[0])
else:
    y = df['target'].to_numpy()
    cv = KFold(4, shuffle=True, random_state=cfg['seed'])
    folds = np.zeros(len(y), dtype=int)
    for k, (_, te) in enumerate(cv.split(X, y)): folds[te] = k
    out['folds'] = folds.tolist()
    r = cross_validate(Pipeline([('pre', pre()), ('m', Ridge(alpha=cfg['alpha']))]), X, y, cv=cv, scoring=['r2', 'neg_mean_squared_error'])
    out['exact'] = {'r2': r['test_r2'].tolist(), 'mse': (-r['test_neg_mean_squared_error']).tolist()}
    p = Pipeline([('pre', pre()), ('m', Ridge(alpha=cfg['alpha']))]).fit(X, y)
    out['names'] = list(p.named_steps['pre'].get_feature_names_out())
    out['coef'] = p.named_steps['m'].coef_.tolist()
    out['intercept'] = float(p.named_steps['m'].intercept_)
print(json.dumps(out))
`;

interface SkOut {
  folds: number[];
  lbfgs?: Record<string, number[]>;
  exact: Record<string, number[]>;
  names: string[];
  coef: number[];
  intercept: number;
}

let dir: TempDir;
before(async () => {
  dir = await tempDir('sklearn-train');
});
after(async () => {
  await dir?.cleanup();
});

async function sklearn(rows: Row[], cfg: Record<string, unknown>): Promise<SkOut> {
  const data = join(dir.path, `data-${String(cfg.task)}.json`);
  await writeFile(data, JSON.stringify(rows));
  const cfgPath = join(dir.path, `cfg-${String(cfg.task)}.json`);
  await writeFile(cfgPath, JSON.stringify({ ...cfg, data }));
  const script = join(dir.path, 'train.py');
  await writeFile(script, SCRIPT);
  const res = spawnSync(PY, [script, cfgPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as SkOut;
}

/** sklearn's feature name (`num__x1`, `cat__cat_a`) → ours (`x1`, `cat=a`). */
function ourName(sk: string): string {
  const [, rest] = sk.split('__') as [string, string];
  return rest.startsWith('cat_') ? `cat=${rest.slice(4)}` : rest;
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
}

async function modelFile(ctxPrefix: string, name: string): Promise<{ coef: number[][] | number[]; intercept: number[] | number }> {
  const state = JSON.parse(await readFile(join(ctxPrefix, 'models', `${name}.json`), 'utf8')) as { linear: { coef: number[][] | number[]; intercept: number[] | number } };
  return state.linear;
}

test('logistic regression: same folds, fold scores and coefficients as sklearn (pipeline refit per fold)', { skip }, async () => {
  const rows = generate(3000, 11);
  const input = await writeShards(dir.path, SCHEMA, [rows.slice(0, 1000), rows.slice(1000, 2200), rows.slice(2200)], 'bin');
  const stage = {
    id: 'model', op: 'train', input: 'in', label: 'y', key: 'id', features: ['x1', 'x2', 'x3', 'cat'], pipeline: PIPELINE,
    cv: { kind: 'stratified-kfold', folds: 5, shuffle: true, seed: 3 }, models: [{ kind: 'logistic', params: { C: 0.5 } }],
  };
  const run = await runStage(trainOperator, stage, [input], join(dir.path, 'bin-run'));
  const sk = await sklearn(rows, { task: 'binary', seed: 3, C: 0.5 });
  const out = await readRows(run.output);
  assert.equal(out.length, rows.length);
  assert.deepEqual(out.map((r) => r.fold), sk.folds, 'fold ids equal sklearn StratifiedKFold(5, shuffle=True, random_state=3)');
  const report = JSON.parse(await readFile(join(run.ctx.stagePrefix, 'report.json'), 'utf8')) as TrainingReport;
  const folds = report.candidates[0]!.folds;
  assert.equal(folds.length, 5);
  for (const [k, f] of folds.entries()) {
    for (const m of ['roc_auc', 'accuracy', 'log_loss']) {
      assert.ok(rel(f.metrics[m]!, sk.lbfgs![m]![k]!) < 1e-3, `fold ${k} ${m}: ${f.metrics[m]} vs sklearn lbfgs ${sk.lbfgs![m]![k]}`);
      assert.ok(rel(f.metrics[m]!, sk.exact[m]![k]!) < 1e-6, `fold ${k} ${m}: ${f.metrics[m]} vs sklearn newton-cg ${sk.exact[m]![k]}`);
    }
  }
  const model = await modelFile(run.ctx.stagePrefix, 'logistic');
  const coef = (model.coef as number[][])[0]!;
  const features = report.features;
  for (const [j, skName] of sk.names.entries()) {
    const i = features.indexOf(ourName(skName));
    assert.ok(i >= 0, `feature ${skName} (${ourName(skName)}) in ${features.join(', ')}`);
    assert.ok(Math.abs(coef[i]! - sk.coef[j]!) <= 1e-4 * Math.max(1, Math.abs(sk.coef[j]!)), `coef ${skName}: ${coef[i]} vs ${sk.coef[j]}`);
  }
  assert.ok(Math.abs((model.intercept as number[])[0]! - sk.intercept) < 1e-4);
});

test('ridge regression: same folds, fold R²/MSE and coefficients as sklearn', { skip }, async () => {
  const rows = generate(2400, 5);
  const input = await writeShards(dir.path, SCHEMA, [rows.slice(0, 700), rows.slice(700, 1500), rows.slice(1500)], 'reg');
  const stage = {
    id: 'model', op: 'train', input: 'in', label: 'target', key: 'id', features: ['x1', 'x2', 'x3', 'cat'], pipeline: PIPELINE,
    cv: { kind: 'kfold', folds: 4, shuffle: true, seed: 9 }, models: [{ kind: 'ridge', params: { alpha: 2 } }],
  };
  const run = await runStage(trainOperator, stage, [input], join(dir.path, 'reg-run'));
  const sk = await sklearn(rows, { task: 'regression', seed: 9, alpha: 2 });
  const out = await readRows(run.output);
  assert.deepEqual(out.map((r) => r.fold), sk.folds);
  const report = JSON.parse(await readFile(join(run.ctx.stagePrefix, 'report.json'), 'utf8')) as TrainingReport;
  assert.equal(report.task, 'regression');
  for (const [k, f] of report.candidates[0]!.folds.entries()) {
    assert.ok(rel(f.metrics.r2!, sk.exact.r2![k]!) < 1e-6, `fold ${k} r2 ${f.metrics.r2} vs ${sk.exact.r2![k]}`);
    assert.ok(rel(f.metrics.mse!, sk.exact.mse![k]!) < 1e-6, `fold ${k} mse ${f.metrics.mse} vs ${sk.exact.mse![k]}`);
  }
  const model = await modelFile(run.ctx.stagePrefix, 'ridge');
  for (const [j, skName] of sk.names.entries()) {
    const i = report.features.indexOf(ourName(skName));
    assert.ok(rel((model.coef as number[])[i]!, sk.coef[j]!) < 1e-6 || Math.abs((model.coef as number[])[i]! - sk.coef[j]!) < 1e-9, `coef ${skName}`);
  }
  assert.ok(rel(model.intercept as number, sk.intercept) < 1e-6);
});
