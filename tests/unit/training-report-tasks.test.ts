/**
 * The training report page for the other shapes a report takes: regression (a metrics table,
 * no ROC, no confusion matrix), multiclass (confusion matrix, no ROC), repeated CV, and a
 * report with nothing in it (no candidates, no final models, no timings).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../shared/ml/metrics/index.js';
import { renderTrainingReport } from '../../shared/ml/report/index.js';
import type { CandidateReport, FoldScore, TrainingReport } from '../../shared/ml/report/index.js';

function base(task: TrainingReport['task']): TrainingReport {
  return {
    kind: 'quiver-training-report',
    jobId: 'j-1',
    stage: 'fit',
    createdAt: '2025-11-23T10:00:00.000Z',
    task,
    label: 'y',
    rows: 1000,
    features: ['a', 'b'],
    cv: { kind: 'kfold', folds: 3, repeats: 1, shuffle: false, seed: null },
    fitFeatures: 'once',
    selection: { metric: task === 'regression' ? 'r2' : 'accuracy', greaterIsBetter: true },
    candidates: [],
    final: [],
    timings: {},
    datasetVersion: null,
    pipelineVersion: null,
  };
}

function candidate(id: string, rank: number, folds: Record<string, number>[], repeats = 1): CandidateReport {
  const per = folds.length / repeats;
  const fs: FoldScore[] = folds.map((metrics, i) => ({ fold: i % per, repeat: Math.floor(i / per), trainRows: 666, testRows: 334, metrics, seconds: 0.25 }));
  const summary = Object.fromEntries(Object.keys(folds[0]!).map((m) => [m, summarize(fs.map((f) => f.metrics[m]!))]));
  return { id, model: id.split('#')[0]!, kind: id.split('#')[0]!, params: { alpha: rank }, folds: fs, summary, rank };
}

const reg = (mse: number, mae: number, r2: number): Record<string, number> => ({ mse, rmse: Math.sqrt(mse), mae, r2 });

function regressionReport(): TrainingReport {
  const r = base('regression');
  r.candidates = [
    candidate('ridge#0', 2, [reg(41_230.5, 150.25, 0.8123), reg(39_876.25, 148.5, 0.8201), reg(42_001.75, 152.125, 0.8099)]),
    candidate('ridge#1', 1, [reg(40_100.5, 149.75, 0.8174), reg(38_950.25, 147.5, 0.8243), reg(41_500.75, 151.0, 0.8121)]),
    candidate('gbt#0', 1, [reg(30_512.0, 120.5, 0.8611), reg(29_804.5, 118.25, 0.8655), reg(31_250.25, 122.0, 0.8577)]),
  ];
  r.final = [{ model: 'gbt', kind: 'gbt', candidate: 'gbt#0', params: { alpha: 1 }, seconds: 3.5, importances: [{ feature: 'a', value: 0.7 }, { feature: 'b', value: 0.3 }] }];
  r.timings = { cv: 12.5, final: 3.5 };
  return r;
}

test('a regression report has a metrics table and no ROC curves or confusion matrix', () => {
  const r = regressionReport();
  const html = renderTrainingReport(r);
  assert.doesNotMatch(html, /id="roc"|class="roc|<path/);
  assert.doesNotMatch(html, /class="confusion"|Confusion matrix/);
  const table = html.slice(html.indexOf('<table class="regression">'), html.indexOf('</table>', html.indexOf('<table class="regression">')));
  assert.ok(table.length > 0, 'a regression table');
  for (const h of ['MSE', 'RMSE', 'MAE', 'R²']) assert.ok(table.includes(`>${h} <span class="dir">`), h);
  // The best candidate of each entry (ridge#1, gbt#0), each metric's mean, std and range.
  assert.ok(table.includes('ridge#1') && table.includes('gbt#0') && !table.includes('ridge#0'));
  const gbt = r.candidates[2]!.summary;
  assert.ok(table.includes('<b>30,522.3</b>'), 'gbt mse mean, grouped digits');
  assert.ok(table.includes(`<b>${gbt.r2!.mean.toFixed(4)}</b><span class="pm">± ${gbt.r2!.std.toFixed(4)}</span>`));
  assert.ok(table.includes(`${gbt.mae!.min.toFixed(4)} … ${gbt.mae!.max.toFixed(4)}`));
  assert.match(html, /<b>once<\/b>/);
  assert.match(html, /kfold · 3 folds · not shuffled/);
  assert.match(html, /dataset version<\/div><div class="v"><span class="muted">none<\/span>/);
  assert.doesNotMatch(html, /id="registry"/, 'no registry section when nothing was registered');
});

test('a multiclass report shows a k×k confusion matrix and no ROC curves', () => {
  const r = base('multiclass');
  r.classes = ['cat', 'dog', 'emu'];
  const m = (acc: number): Record<string, number> => ({ accuracy: acc, f1_macro: acc - 0.02 });
  const c = candidate('logistic#0', 1, [m(0.81), m(0.83), m(0.8)]);
  c.confusion = { labels: ['cat', 'dog', 'emu'], matrix: [[80, 15, 5], [10, 85, 5], [0, 20, 80]] };
  r.candidates = [c];
  r.final = [{ model: 'logistic', kind: 'logistic', candidate: 'logistic#0', params: {}, seconds: 1, importances: [] }];
  const html = renderTrainingReport(r);
  assert.doesNotMatch(html, /id="roc"|<path/);
  assert.equal((html.match(/<td class="cm/g) ?? []).length, 9);
  assert.ok(html.includes('<b>85</b><span>85.0%</span>'));
  assert.ok(html.includes('<b>0</b><span>0%</span>'));
  assert.ok(html.includes('<b>20</b><span>20.0%</span>'));
  assert.doesNotMatch(html, /Positive when the score/, 'no threshold for multiclass');
  assert.match(html, /This model reports none/);
  assert.match(html, /<span class="muted">defaults<\/span>/);
});

test('repeated CV shows the repeat of each fold', () => {
  const r = base('binary');
  r.cv = { kind: 'repeated-stratified-kfold', folds: 2, repeats: 2, shuffle: true, seed: 7 };
  r.selection = { metric: 'roc_auc', greaterIsBetter: true };
  const a = (v: number): Record<string, number> => ({ roc_auc: v });
  r.candidates = [candidate('logistic#0', 1, [a(0.7), a(0.72), a(0.71), a(0.69)], 2)];
  const html = renderTrainingReport(r);
  assert.match(html, /<th class="num">Repeat<\/th><th class="num">Fold<\/th>/);
  assert.equal((html.match(/<tr><td class="num">[01]<\/td><td class="num">[01]<\/td>/g) ?? []).length, 4);
  assert.match(html, /2 folds × 2 repeats/);
  assert.match(html, /No ROC curves in this report/);
});

test('a report with no candidates, final models or timings renders', () => {
  for (const task of ['binary', 'multiclass', 'regression'] as const) {
    const html = renderTrainingReport(base(task));
    assert.match(html, /No candidates were scored/);
    assert.match(html, /No final models/);
    assert.match(html, /No timings recorded/);
    assert.doesNotMatch(html, /<path|<details id="folds/);
    assert.match(html, /<\/html>\n$/);
  }
});

test('timings are listed per phase with their seconds', () => {
  const html = renderTrainingReport(regressionReport());
  assert.match(html, /cross-validation <span class="sub">cv<\/span><\/td><td class="num">12.5s<\/td>/);
  assert.match(html, /final fits <span class="sub">final<\/span><\/td><td class="num">3.50s<\/td>/);
});
