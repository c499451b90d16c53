/**
 * The training report page for a binary task, built from a realistic report: scores of
 * simulated out-of-fold predictions, run through the real metrics, ROC and thinning code. The
 * page must show every candidate, fold, metric value and top feature, escape what comes from
 * data, draw each ROC path exactly where its points are, and fetch nothing.
 *
 * To look at it: `TRAINING_REPORT_HTML=/tmp/x.html node --test .build/…/training-report-html.test.js`
 * writes the page (docs/ml/training-report.md has the screenshot command).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { accuracy, auc, averagePrecisionScore, confusionMatrix, f1Score, logLoss, precisionScore, recallScore, rocAucScore, rocCurve, summarize } from '../../shared/ml/metrics/index.js';
import type { Summary } from '../../shared/ml/metrics/index.js';
import { renderTrainingReport, thinCurve } from '../../shared/ml/report/index.js';
import type { CandidateReport, FoldScore, TrainingReport } from '../../shared/ml/report/index.js';
import { mulberry32 } from '../../shared/prng.js';
import { fmtPct } from '../../shared/quality/html-format.js';

const EVIL = '<script>alert("x")</script>';

const FEATURES = [
  'tenure_months', 'monthly_charges', 'total_charges', 'contract=month-to-month', 'contract=one-year', 'contract=two-year',
  'internet=fiber', 'internet=dsl', 'payment=electronic-check', 'payment=card', 'paperless_billing', 'senior_citizen',
  'support_tickets_90d', 'days_since_last_login', 'num_devices', 'streaming_tv', 'streaming_movies', 'tech_support',
  'online_security', 'partner', 'dependents', 'avg_session_minutes', 'plan_changes_12m', 'region=north', 'region=south', 'referral_source=organic',
];

/** A binormal classifier: positives score ~ N(sep, 1), negatives N(0, 1), squashed to (0, 1). */
function simulate(rand: () => number, n: number, sep: number): { y: number[]; p: number[] } {
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = rand() < 0.265 ? 1 : 0;
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    y.push(pos);
    p.push(1 / (1 + Math.exp(-(1.15 * (z + pos * sep) - 1.6))));
  }
  return { y, p };
}

function binaryMetrics(y: number[], p: number[]): Record<string, number> {
  const pred = p.map((v) => (v >= 0.5 ? 1 : 0));
  return {
    accuracy: accuracy(y, pred),
    precision: precisionScore(y, pred, { zeroDivision: 0 }).value,
    recall: recallScore(y, pred, { zeroDivision: 0 }).value,
    f1: f1Score(y, pred, { zeroDivision: 0 }).value,
    f1_macro: f1Score(y, pred, { average: 'macro', zeroDivision: 0 }).value,
    f1_weighted: f1Score(y, pred, { average: 'weighted', zeroDivision: 0 }).value,
    roc_auc: rocAucScore(y, p),
    pr_auc: averagePrecisionScore(y, p),
    log_loss: logLoss(y, p),
  };
}

function summaries(folds: FoldScore[]): Record<string, Summary> {
  const names = Object.keys(folds[0]?.metrics ?? {});
  return Object.fromEntries(names.map((m) => [m, summarize(folds.map((f) => f.metrics[m]!))]));
}

const SPACE: { model: string; kind: string; params: Record<string, unknown>; sep: number }[] = [
  { model: 'logistic', kind: 'logistic', params: { C: 0.01, penalty: 'l2' }, sep: 1.38 },
  { model: 'logistic', kind: 'logistic', params: { C: 0.1, penalty: 'l2' }, sep: 1.5 },
  { model: 'logistic', kind: 'logistic', params: { C: 1, penalty: 'l2' }, sep: 1.54 },
  { model: 'logistic', kind: 'logistic', params: { C: 10, penalty: 'l2' }, sep: 1.52 },
  { model: 'gbt', kind: 'gbt', params: { maxDepth: 3, learningRate: 0.1, nEstimators: 200 }, sep: 1.78 },
  { model: 'gbt', kind: 'gbt', params: { maxDepth: 5, learningRate: 0.05, nEstimators: 400 }, sep: 1.9 },
  { model: 'gbt', kind: 'gbt', params: { maxDepth: 8, learningRate: 0.1, nEstimators: 400 }, sep: 1.7 },
  { model: 'mlp', kind: 'mlp', params: { hidden: [64, 32], epochs: 30, dropout: 0.1 }, sep: 1.72 },
];

/** A 5-fold binary report over 48,213 rows, three model entries, two of them registered. */
function binaryReport(): TrainingReport {
  const rand = mulberry32(20251123);
  const rows = 48_213;
  const local = new Map<string, number>();
  const candidates: CandidateReport[] = SPACE.map((s) => {
    const idx = local.get(s.model) ?? 0;
    local.set(s.model, idx + 1);
    const pooled = { y: [] as number[], p: [] as number[] };
    const folds: FoldScore[] = [];
    for (let fold = 0; fold < 5; fold++) {
      const testRows = Math.floor(rows / 5) + (fold < rows % 5 ? 1 : 0);
      const sim = simulate(rand, 1500, s.sep + 0.08 * (rand() - 0.5));
      pooled.y.push(...sim.y);
      pooled.p.push(...sim.p);
      folds.push({ fold, repeat: 0, trainRows: rows - testRows, testRows, metrics: binaryMetrics(sim.y, sim.p), seconds: (s.kind === 'logistic' ? 0.4 : s.kind === 'gbt' ? 6 : 18) * (1 + rand()) });
    }
    const summary = summaries(folds);
    const c: CandidateReport = { id: `${s.model}#${idx}`, model: s.model, kind: s.kind, params: s.params, folds, summary, rank: 0 };
    const roc = rocCurve(pooled.y, pooled.p);
    const thin = thinCurve(roc.fpr, roc.tpr);
    c.roc = { fpr: thin.fpr, tpr: thin.tpr, auc: auc(roc.fpr, roc.tpr), foldMean: summary.roc_auc!.mean };
    const cm = confusionMatrix(pooled.y, pooled.p.map((v) => (v >= 0.5 ? 1 : 0)), { labels: [0, 1] });
    c.confusion = { labels: ['no', 'yes'], matrix: cm.matrix, threshold: 0.5 };
    return c;
  });
  for (const model of new Set(SPACE.map((s) => s.model))) {
    const mine = candidates.filter((c) => c.model === model).sort((a, b) => b.summary.roc_auc!.mean - a.summary.roc_auc!.mean);
    mine.forEach((c, i) => (c.rank = i + 1));
  }
  // As the train operator does: ROC and confusion only for each entry's best candidate.
  for (const c of candidates) {
    if (c.rank === 1) continue;
    delete c.roc;
    delete c.confusion;
  }
  const best = (model: string): CandidateReport => candidates.find((c) => c.model === model && c.rank === 1)!;
  const importances = (seed: number) => {
    const r = mulberry32(seed);
    return FEATURES.map((feature, i) => ({ feature, value: (0.3 / (i + 1) ** 0.9) * (0.7 + 0.6 * r()) })).sort((a, b) => b.value - a.value);
  };
  return {
    kind: 'quiver-training-report',
    jobId: 'churn-train-20251123-101500-7c1e',
    stage: 'train',
    createdAt: '2025-11-23T10:21:44.512Z',
    task: 'binary',
    label: 'churned',
    classes: ['no', 'yes'],
    rows,
    features: FEATURES,
    cv: { kind: 'stratified-kfold', folds: 5, repeats: 1, shuffle: true, seed: 42 },
    fitFeatures: 'per-fold',
    selection: { metric: 'roc_auc', greaterIsBetter: true },
    candidates,
    final: ['logistic', 'gbt', 'mlp'].map((model, i) => {
      const c = best(model);
      return {
        model,
        kind: c.kind,
        candidate: c.id,
        params: c.params,
        seconds: [1.9, 31.4, 96.2][i]!,
        importances: importances(100 + i),
        ...(model === 'mlp' ? {} : { registry: { name: `churn-${model}`, version: model === 'gbt' ? 4 : 2, id: `churn-${model}@${model === 'gbt' ? 4 : 2}-9f2c1a`, aliases: model === 'gbt' ? ['staging', 'champion'] : [] } }),
      };
    }),
    timings: { labels: 1.82, folds: 0.64, 'fit-features': 7.31, cv: 148.9, final: 97.5 },
    datasetVersion: 'ds-3f9a1c2e',
    pipelineVersion: 'pl-b7d40e11',
  };
}

/** The (fpr, tpr) points of the path drawn for `candidate`, mapped back through the chance line. */
function drawnPoints(html: string, candidate: string): [number, number][] {
  const chance = /<line class="chance" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/.exec(html);
  assert.ok(chance, 'the chance diagonal is drawn');
  const [x0, y0, x1, y1] = chance.slice(1).map(Number) as [number, number, number, number];
  const path = new RegExp(`<path class="roc" data-candidate="${candidate}" d="([^"]*)"`).exec(html);
  assert.ok(path, `a ROC path for ${candidate}`);
  return [...path[1]!.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [(Number(m[1]) - x0) / (x1 - x0), (Number(m[2]) - y0) / (y1 - y0)]);
}

test('the page shows every candidate, fold and metric value, and each final model\'s top features', async () => {
  const r = binaryReport();
  const html = renderTrainingReport(r);
  if (process.env.TRAINING_REPORT_HTML) await writeFile(process.env.TRAINING_REPORT_HTML, html);
  for (const c of r.candidates) {
    assert.ok(html.includes(`<code>${c.id}</code>`), c.id);
    assert.ok(html.includes(`id="folds-${c.id.replace('#', '_23')}"`), `${c.id}'s folds`);
    for (const f of c.folds) {
      for (const v of Object.values(f.metrics)) assert.ok(html.includes(`title="${String(v)}"`), `${c.id} fold ${f.fold}: ${v}`);
    }
    for (const [m, s] of Object.entries(c.summary)) assert.ok(html.includes(`mean ${String(s.mean)}, std ${String(s.std)}`), `${c.id} ${m}`);
  }
  // One table row per fold: 8 candidates × 5 folds.
  assert.equal((html.match(/<tr><td class="num">\d<\/td><td class="num">[\d,]+<\/td>/g) ?? []).length, 40);
  for (const f of r.final) for (const imp of f.importances.slice(0, 20)) assert.ok(html.includes(`>${imp.feature}</text>`), imp.feature);
  // Only the top 20 of 26 are drawn: the 6 smallest of the logistic model are not.
  const logistic = r.final[0]!;
  const bars = html.split('<h3>')[1]!;
  for (const imp of logistic.importances.slice(20)) assert.ok(!bars.includes(`>${imp.feature}</text>`), imp.feature);
  assert.match(html, /top 20 of 26/);
  assert.ok(html.includes('ds-3f9a1c2e') && html.includes('pl-b7d40e11'));
  assert.ok(html.includes('stratified-kfold · 5 folds · shuffled (seed 42)'));
  assert.match(html, /<b>per-fold<\/b>/);
  assert.equal((html.match(/<tr class="best">/g) ?? []).length, 3, 'the best of each model entry is highlighted');
});

test('the page is self-contained: no scripts, no external resources', () => {
  const html = renderTrainingReport(binaryReport());
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(|https?:\/\//i);
  assert.match(html, /^<!doctype html>/);
});

test('feature names, params and ids from data are escaped', () => {
  const r = binaryReport();
  r.features = [...r.features, EVIL];
  r.label = EVIL;
  r.final[0]!.importances.unshift({ feature: EVIL, value: 9 });
  const c = r.candidates[0]!;
  c.params = { [EVIL]: '"><img src=x onerror=alert(1)>' };
  c.model = '<b>m</b>';
  r.final[1]!.registry!.aliases = ['<i>x</i>'];
  const html = renderTrainingReport(r);
  assert.doesNotMatch(html, /<script|<img|<b>m<\/b>|<i>x<\/i>/);
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
});

test('each ROC path is drawn through its curve\'s points; the legend gives each AUC', () => {
  const r = binaryReport();
  const html = renderTrainingReport(r);
  const best = r.candidates.filter((c) => c.rank === 1);
  assert.equal(best.length, 3);
  assert.equal((html.match(/<path class="roc"/g) ?? []).length, 3, 'one line per model entry');
  for (const c of best) {
    const pts = drawnPoints(html, c.id);
    assert.equal(pts.length, c.roc!.fpr.length);
    pts.forEach(([x, y], i) => {
      assert.ok(Math.abs(x - c.roc!.fpr[i]!) < 1e-4 && Math.abs(y - c.roc!.tpr[i]!) < 1e-4, `${c.id} point ${i}: (${x}, ${y})`);
    });
    assert.ok(html.includes(`<code>${c.id}</code><br><span class="auc">pooled AUC ${c.roc!.auc.toFixed(4)}</span><br><span class="auc">fold mean ${c.roc!.foldMean!.toFixed(4)}</span>`), `${c.id} AUC`);
  }
});

test('each final model shows its candidate\'s confusion matrix with counts and row shares', () => {
  const r = binaryReport();
  const html = renderTrainingReport(r);
  for (const f of r.final) {
    const cm = r.candidates.find((c) => c.id === f.candidate)!.confusion!;
    const card = html.slice(html.indexOf(`<h3>${f.model}`));
    for (const row of cm.matrix) {
      const total = row.reduce((a, b) => a + b, 0);
      for (const v of row) assert.ok(card.includes(`<b>${v.toLocaleString('en-US')}</b><span>${fmtPct(v, total)}</span>`), `${f.model}: ${v} of ${total}`);
    }
  }
  assert.match(html, /Positive when the score is ≥ 0.5/);
  assert.match(html, /churn-gbt v4/);
  assert.match(html, /<span class="tag alias">champion<\/span>/);
});

test('a report read back from JSON (NaN as null) still renders', () => {
  const r = binaryReport();
  r.candidates[0]!.folds[0]!.metrics.roc_auc = Number.NaN;
  const best = r.candidates.find((c) => c.rank === 1 && c.roc !== undefined)!;
  best.roc!.auc = Number.NaN;
  const back = JSON.parse(JSON.stringify(r)) as TrainingReport;
  const html = renderTrainingReport(back);
  assert.ok(html.includes(`<code>${best.id}</code><br><span class="auc">pooled AUC –</span>`));
});
