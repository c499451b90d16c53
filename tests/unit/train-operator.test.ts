/**
 * The `train` operator's phases in-process (tests/helpers/stage-runner.ts): task counts per
 * (candidate × split), the per-fold pipelines equal a pipeline fitted on that fold's training
 * rows alone, null labels are quarantined and counted, holdout / fold-column / multiclass /
 * regression paths, determinism with a seed, and spec errors that name the field.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaDef } from '../../shared/dataset.js';
import { frameFromTable, fitPipelineLocal, parsePipeline, resolvePipeline, toMatrix } from '../../shared/ml/features/index.js';
import { getEstimator } from '../../shared/ml/models/registry.js';
import type { ModelState } from '../../shared/ml/models/types.js';
import type { FittedPipeline } from '../../shared/ml/features/index.js';
import type { TrainingReport } from '../../shared/ml/report/types.js';
import { trainOperator } from '../../shared/operators/train.js';
import { rocAucScore } from '../../shared/ml/metrics/index.js';
import { mulberry32 } from '../../shared/prng.js';
import { readRows, runStage, tableOf, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const SCHEMA: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'a', type: 'float', nullable: true },
    { name: 'b', type: 'float', nullable: false },
    { name: 'color', type: 'string', nullable: true },
    { name: 'y', type: 'string', nullable: true },
    { name: 'v', type: 'float', nullable: false },
    { name: 'grp', type: 'int', nullable: false },
  ],
};

function rows(n: number, seed: number, classes = ['no', 'yes']): Row[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const a = r() * 4 - 2;
    const b = r() * 2;
    const c = Math.floor(r() * 3);
    const s = 1.5 * a - b + (c === 2 ? 1 : 0) + (r() - 0.5);
    const k = classes.length === 2 ? (s > 0 ? 1 : 0) : Math.min(classes.length - 1, Math.max(0, Math.floor((s + 3) / 2)));
    return { id: i, a: r() < 0.05 ? null : a, b, color: r() < 0.05 ? null : ['red', 'green', 'blue'][c]!, y: classes[k]!, v: 2 * a + b + r(), grp: i % 3 };
  });
}

const PIPELINE = [
  { impute: { columns: ['a'], strategy: 'mean' } },
  { impute: { columns: ['color'], strategy: 'most_frequent' } },
  { onehot: { columns: ['color'], unknown: 'ignore' } },
  { scale: { columns: ['a', 'b'], method: 'standard' } },
];

function stage(extra: Record<string, unknown>): Record<string, unknown> & { id: string; op: string } {
  return { id: 'model', op: 'train', input: 'in', label: 'y', key: 'id', features: ['a', 'b', 'color'], pipeline: PIPELINE, models: [{ kind: 'logistic' }], ...extra };
}

let dir: TempDir;
before(async () => {
  dir = await tempDir('train-op');
});
after(async () => {
  await dir?.cleanup();
});

async function report(prefix: string): Promise<TrainingReport> {
  return JSON.parse(await readFile(join(prefix, 'report.json'), 'utf8')) as TrainingReport;
}

test('grid search: one cv task per (candidate × fold); best candidate gets the final fit; output has every row', async () => {
  const data = rows(900, 1);
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 300), data.slice(300, 600), data.slice(600)], 'grid');
  const run = await runStage(trainOperator, stage({ cv: { folds: 4, shuffle: true, seed: 1 }, models: [{ kind: 'logistic', params: { C: [0.01, 1, 100] } }] }), [input], join(dir.path, 'grid'));
  const cv = run.phases.find((p) => p.tasks.some((t) => t.stats.trainPhase === 'cv'))!;
  assert.equal(cv.tasks.length, 12);
  const rep = await report(run.ctx.stagePrefix);
  assert.equal(rep.candidates.length, 3);
  assert.equal(rep.task, 'binary');
  assert.deepEqual(rep.classes, ['no', 'yes']);
  const best = rep.candidates.find((c) => c.rank === 1)!;
  assert.equal(rep.final[0]!.candidate, best.id);
  // Where each model task's time went: per fold and for the final fit, steps that sum to the task.
  for (const f of [...best.folds, rep.final[0]!]) {
    const steps = f.steps!;
    assert.ok(steps.assemble! >= 0 && steps.fit! >= 0 && steps.write! >= 0, JSON.stringify(steps));
    const total = Object.values(steps).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - f.seconds) < 1e-6, `steps ${total} vs task ${f.seconds}`);
  }
  assert.deepEqual(Object.keys(best.folds[0]!.steps!), ['assemble', 'fit', 'predict', 'metrics', 'write']);
  assert.ok(rep.timings.fitSeconds! > 0 && rep.timings.assembleSeconds! > 0, JSON.stringify(rep.timings));
  for (const c of rep.candidates) assert.ok(best.summary.roc_auc!.mean >= c.summary.roc_auc!.mean);
  assert.ok(best.roc !== undefined && best.roc.fpr[0] === 0 && best.roc.tpr.at(-1) === 1);
  assert.equal(best.confusion!.matrix.flat().reduce((a, b) => a + b, 0), 900);
  // The legend's AUC is the pooled curve's: sklearn's roc_auc_score over every out-of-fold score.
  const oof = await Promise.all([0, 1, 2, 3].map(async (s) => {
    const b = await readFile(join(run.ctx.stagePrefix, 'cv', `c${rep.candidates.indexOf(best)}-s${s}.bin`));
    const v = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { y: v.subarray(0, v.length / 2), p: v.subarray(v.length / 2) };
  }));
  const pooled = rocAucScore(oof.flatMap((o) => Array.from(o.y)), oof.flatMap((o) => Array.from(o.p)));
  assert.ok(Math.abs(best.roc.auc - pooled) < 1e-12, `pooled ${best.roc.auc} vs ${pooled}`);
  assert.equal(best.roc.foldMean, best.summary.roc_auc!.mean);
  const out = await readRows(run.output);
  assert.equal(out.length, 900);
  assert.deepEqual(out.map((r) => r.id), data.map((r) => r.id));
  assert.ok(out.every((r) => typeof r.logistic_score === 'number' && r.logistic_score >= 0 && r.logistic_score <= 1));
  assert.ok(best.summary.roc_auc!.mean > 0.9, `auc ${best.summary.roc_auc!.mean}`);
});

test('per-fold pipelines equal a pipeline fitted on that fold\'s training rows alone (no leakage)', async () => {
  const data = rows(600, 2);
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 250), data.slice(250)], 'leak');
  const run = await runStage(trainOperator, stage({ cv: { folds: 3 } }), [input], join(dir.path, 'leak'));
  const out = await readRows(run.output);
  const resolved = resolvePipeline(PIPELINE, SCHEMA, ['a', 'b', 'color'], 'p');
  for (let s = 0; s < 3; s++) {
    const fitted = JSON.parse(await readFile(join(run.ctx.stagePrefix, 'pipelines', `split-${s}.json`), 'utf8')) as FittedPipeline;
    const train = data.filter((_, i) => out[i]!.fold !== s);
    const local = fitPipelineLocal(resolved, [frameFromTable(tableOf(SCHEMA, train), ['a', 'b', 'color'])]);
    assert.equal(fitted.version, local.version, `split ${s}: distributed fit = fit on the ${train.length} training rows`);
  }
  const full = JSON.parse(await readFile(join(run.ctx.stagePrefix, 'pipelines', 'full.json'), 'utf8')) as FittedPipeline;
  assert.equal(full.version, fitPipelineLocal(resolved, [frameFromTable(tableOf(SCHEMA, data), ['a', 'b', 'color'])]).version);
  const once = await runStage(trainOperator, stage({ cv: { folds: 3 }, fitPipeline: 'once' }), [input], join(dir.path, 'once'));
  assert.equal((await report(once.ctx.stagePrefix)).fitFeatures, 'once');
});

test('rows without a label are quarantined with a reason and counted; the rest come out once', async () => {
  const data = rows(400, 3).map((r, i) => (i % 37 === 0 ? { ...r, y: null } : r));
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 200), data.slice(200)], 'nulls');
  const run = await runStage(trainOperator, stage({ cv: { folds: 3 } }), [input], join(dir.path, 'nulls'));
  const quarantined = run.phases.flatMap((p) => p.tasks).reduce((n, t) => n + (t.stats.quarantined as number), 0);
  const nulls = data.filter((r) => r.y === null).length;
  assert.equal(quarantined, nulls);
  assert.equal(run.output.rows + quarantined, data.length);
  const q = run.phases[0]!.tasks.flatMap((t) => t.quarantine);
  const text = await readFile(q[0]!.uri, 'utf8');
  assert.match(text, /label 'y' is null/);
});

test('holdout, fold column, multiclass and regression', async () => {
  const data = rows(600, 4, ['lo', 'mid', 'hi']);
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 300), data.slice(300)], 'multi');
  const multi = await runStage(trainOperator, stage({ cv: { kind: 'holdout', testSize: 0.3, seed: 5 } }), [input], join(dir.path, 'multi'));
  const rep = await report(multi.ctx.stagePrefix);
  assert.equal(rep.task, 'multiclass');
  assert.equal(rep.candidates[0]!.folds.length, 1);
  assert.equal(rep.candidates[0]!.folds[0]!.testRows, 180);
  assert.ok(rep.selection.metric === 'accuracy' && rep.candidates[0]!.summary.accuracy!.mean > 0.5);
  const out = await readRows(multi.output);
  assert.ok(out.every((r) => ['lo', 'mid', 'hi'].includes(r.logistic_pred as string)));

  const col = await runStage(trainOperator, stage({ features: ['a', 'b'], pipeline: [{ impute: { columns: ['a'], strategy: 'mean' } }], cv: { kind: 'column', column: 'grp' } }), [input], join(dir.path, 'col'));
  const colRep = await report(col.ctx.stagePrefix);
  assert.equal(colRep.candidates[0]!.folds.length, 3);
  assert.deepEqual((await readRows(col.output)).map((r) => r.fold), data.map((r) => r.grp));

  const reg = await runStage(trainOperator, stage({ label: 'v', features: ['a', 'b'], pipeline: [{ impute: { columns: ['a'], strategy: 'mean' } }], cv: { folds: 3 }, models: [{ kind: 'ridge', params: { alpha: [0.1, 10] } }, { kind: 'linear' }] }), [input], join(dir.path, 'reg'));
  const regRep = await report(reg.ctx.stagePrefix);
  assert.equal(regRep.task, 'regression');
  assert.equal(regRep.selection.metric, 'r2');
  assert.equal(regRep.final.length, 2);
  assert.ok(regRep.candidates.every((c) => c.summary.r2!.mean > 0.8));
});

test('same seed, same models and scores', async () => {
  const data = rows(500, 6);
  const input = await writeShards(dir.path, SCHEMA, [data], 'seed');
  const spec = stage({ cv: { folds: 3, shuffle: true, seed: 2 }, models: [{ kind: 'gbt', params: { maxIter: 10 } }], seed: 4 });
  const a = await runStage(trainOperator, spec, [input], join(dir.path, 'seed-a'));
  const b = await runStage(trainOperator, spec, [input], join(dir.path, 'seed-b'));
  const ma = await readFile(join(a.ctx.stagePrefix, 'models', 'gbt.json'), 'utf8');
  const mb = await readFile(join(b.ctx.stagePrefix, 'models', 'gbt.json'), 'utf8');
  assert.equal(ma, mb);
  assert.deepEqual((await report(a.ctx.stagePrefix)).candidates[0]!.folds.map((f) => f.metrics), (await report(b.ctx.stagePrefix)).candidates[0]!.folds.map((f) => f.metrics));
});

test('spec errors name the field and say what to do', async () => {
  const input = await writeShards(dir.path, SCHEMA, [rows(50, 7)], 'bad');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ label: 'nope' }, /stages\[1\]\.label: no column 'nope'/],
    [{ label: 'v', cv: { kind: 'stratified-kfold' }, models: [{ kind: 'ridge' }] }, /stratified-kfold needs a classification label/],
    [{ models: [{ kind: 'logistic', params: { C: { min: 0.1, max: 10 } } }] }, /needs random search/],
    [{ models: [{ kind: 'forest' }] }, /unknown model "forest"/],
    [{ models: [{ kind: 'ridge' }] }, /ridge does not do classification/],
    [{ features: ['a', 'y'] }, /'y' is the label/],
    [{ cv: { seed: 3 } }, /add shuffle: true/],
  ];
  for (const [extra, re] of cases) {
    await assert.rejects(runStage(trainOperator, stage(extra), [input], join(dir.path, 'bad')), (err: Error) => {
      assert.match(err.message, re);
      return true;
    });
  }
});

test('an entry with one candidate is fitted finally in the cv phase, longest tasks first; a searched entry gets its own final phase', async () => {
  const data = rows(600, 9);
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 300), data.slice(300)], 'overlap');
  const models = [{ kind: 'logistic', params: { C: [0.1, 1] } }, { kind: 'gbt', params: { maxIter: 5 } }];
  const run = await runStage(trainOperator, stage({ cv: { folds: 3 }, models }), [input], join(dir.path, 'overlap'));
  const phases = run.phases.map((p) => [...new Set(p.tasks.map((t) => t.stats.trainPhase as string | undefined))].join('+'));
  const cvAt = phases.findIndex((p) => p.includes('cv'));
  assert.deepEqual(phases.slice(cvAt), ['final+cv', 'final', 'score'], `phases ${phases.join(' → ')}`);
  const cv = run.phases[cvAt]!.tasks.map((t) => (t.stats.trainPhase === 'final' ? `final ${t.stats.model as string}` : `cv c${t.stats.candidate as number}`));
  // Planned order: the gbt final fit (all rows × tree cost), gbt folds, then the logistic folds.
  assert.deepEqual(cv, ['final gbt', 'cv c2', 'cv c2', 'cv c2', 'cv c0', 'cv c0', 'cv c0', 'cv c1', 'cv c1', 'cv c1']);
  const rep = await report(run.ctx.stagePrefix);
  assert.deepEqual(rep.final.map((f) => [f.model, f.candidate]), [['logistic', rep.candidates.find((c) => c.model === 'logistic' && c.rank === 1)!.id], ['gbt', 'gbt#0']]);
  assert.equal((await readRows(run.output)).length, 600);

  // With one candidate per entry the final phase is skipped: cv (+ finals) → score.
  const single = await runStage(trainOperator, stage({ cv: { folds: 3 }, models: [{ kind: 'logistic' }] }), [input], join(dir.path, 'single'));
  const after = single.phases.map((p) => [...new Set(p.tasks.map((t) => t.stats.trainPhase as string | undefined))].join('+'));
  assert.deepEqual(after.slice(after.findIndex((p) => p.includes('cv'))), ['final+cv', 'score']);
  assert.equal((await report(single.ctx.stagePrefix)).final.length, 1);
});

test('the output scores are each final model\'s predictions on its row (shards longer than a score block, excluded rows skipped)', async () => {
  // 9,000 rows in one shard: more than two 4,096-row scoring blocks; every 53rd label missing.
  const data = rows(9000, 11).map((r, i) => (i % 53 === 0 ? { ...r, y: null } : r));
  const input = await writeShards(dir.path, SCHEMA, [data.slice(0, 8500), data.slice(8500)], 'scores');
  const models = [{ kind: 'logistic' }, { kind: 'gbt', params: { maxIter: 5, maxLeafNodes: 7 } }];
  const run = await runStage(trainOperator, stage({ cv: { folds: 3, shuffle: true, seed: 2 }, models }), [input], join(dir.path, 'scores'));
  const out = await readRows(run.output);
  const kept = data.filter((r) => r.y !== null);
  assert.deepEqual(out.map((r) => r.id), kept.map((r) => r.id), 'every labelled row once, in order');
  const full = parsePipeline(JSON.parse(await readFile(join(run.ctx.stagePrefix, 'pipelines', 'full.json'), 'utf8')));
  const X = toMatrix(full, frameFromTable(tableOf(SCHEMA, kept), ['a', 'b', 'color']));
  for (const m of ['logistic', 'gbt']) {
    const model = JSON.parse(await readFile(join(run.ctx.stagePrefix, 'models', `${m}.json`), 'utf8')) as ModelState;
    const expected = await getEstimator(m).predict(model, X);
    out.forEach((r, i) => assert.equal(r[`${m}_score`], expected[i], `${m} score of row ${String(r.id)}`));
  }
});
