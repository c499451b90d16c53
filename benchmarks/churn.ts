/**
 * `npm run bench -- churn [--rows N] [--models lr|tree|lr,tree] [--skip-cluster] [--skip-python]`: the whole churn
 * retraining pipeline of examples/churn.yaml (ingest → clean → dedupe → derive → 5-fold
 * stratified CV of logistic regression and gradient-boosted trees → final fits → registry) on
 * `quiver gen users --rows N --seed 7` (default 1M). Side by side in one run, on the same file:
 * pandas + scikit-learn (benchmarks/churn/sklearn_pipeline.py), Dask distributed with 2 worker
 * processes (benchmarks/churn/dask_pipeline.py), quiver local (`quiver run --threads 2`) and
 * quiver on NATS + S3 with 2 worker processes of 2 threads.
 *
 * Prints wall seconds per stage, rows/s, CV ROC-AUC of each model, seconds per model, and the
 * two goals: quiver local in at most half of sklearn's end-to-end time at equal logistic AUC, and
 * quiver's trees at least as accurate as HistGradientBoostingClassifier in a third of its time.
 * Everything measured goes to benchmarks/out/churn-<rows>.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { generateUsers } from '../coordinator/gen/users.js';
import type { JobResult } from '../shared/job.js';
import type { TrainingReport } from '../shared/ml/report/types.js';
import { loadSpec } from '../shared/spec/load.js';
import { resolveSpecPaths } from '../shared/spec/paths.js';
import { createStore } from '../shared/store/index.js';
import type { ObjectStore } from '../shared/store/types.js';
import { startNats } from '../tests/helpers/nats.js';
import { randomBucket, startS3 } from '../tests/helpers/s3server.js';
import { tempDir } from '../tests/helpers/tmp.js';
import type { Row } from './harness.js';
import { machine, printTable, PYTHON, runCluster } from './harness.js';

export type ChurnModel = 'lr' | 'tree';

export interface ChurnBenchOptions {
  rows: number;
  /** Which model entries the pipeline trains (all engines alike); default both. */
  models: ChurnModel[];
  skipCluster: boolean;
  skipPython: boolean;
}

/** What the python scripts write (see benchmarks/churn/common.py). */
interface PythonResult {
  engine: string;
  stages: Record<string, number>;
  total: number;
  rows: number;
  rows_clean: number;
  cv_auc: Record<'lr' | 'tree', number>;
  fold_aucs: Record<'lr' | 'tree', number[]>;
  fold_fit_seconds: Record<'lr' | 'tree', number[]>;
  /** sklearn only: cross_validate's score_time per fold (predicting and scoring the held-out fold). */
  fold_score_seconds?: Record<'lr' | 'tree', number[]>;
  info: Record<string, unknown>;
}

/** One engine's run, reduced to what the tables compare. */
interface EngineRun {
  engine: string;
  rows: number;
  /** Stage name → wall seconds, in order. */
  stages: [string, number][];
  /** read: parsing the file; prep: clean + features; train: CV, final fits, registry. */
  read: number;
  prep: number;
  train: number;
  total: number;
  auc: { lr?: number; tree?: number };
  /** Seconds per model: CV fold fits summed (each fold's own wall time) and the final fit. */
  model: { lr?: { cv: number; final: number }; tree?: { cv: number; final: number } };
  /**
   * The fit work alone, like scikit-learn's `cross_validate` `fit_time` (the pipeline's
   * fit_transform on the training rows + the model's fit; scoring the held-out fold is its
   * `score_time`): for quiver, each task's `assemble` + `fit` steps (assemble also builds the
   * held-out matrix, so this slightly overstates quiver's share). sklearn: `model`; Dask: not
   * measured (its fold tasks time their scoring too).
   */
  fitWork: { lr?: { cv: number; final: number }; tree?: { cv: number; final: number } };
  /**
   * Whole fold tasks on both sides: sklearn's fit_time + score_time per fold (fit, then predict
   * and score the held-out fold) against quiver's whole cv tasks (the same work); final fits as
   * in `model`. sklearn only among the python engines.
   */
  wholeFold: { lr?: { cv: number; final: number }; tree?: { cv: number; final: number } };
  loadBefore: number;
  raw: unknown;
}

const SPEC = resolve('examples/churn.yaml');
const SCRIPTS = resolve('benchmarks/churn');
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
/** Data-file placeholder in examples/churn.yaml. */
const DATA_PLACEHOLDER = 'data/users.csv';
/** AUC differences below this count as equal (fold-to-fold std is about this size). */
const AUC_TOLERANCE = 0.0005;
/** A 1-minute load average above this before a run means the cores were not ours alone. */
const BUSY_LOAD = 1.5;
/** Train-report model kinds → the python scripts' names. */
const MODEL_OF_KIND: Record<string, ChurnModel> = { logistic: 'lr', gbt: 'tree' };

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

async function dataFile(rows: number): Promise<string> {
  const file = resolve(`data/bench/users-${rows}.csv`);
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true });
    await generateUsers({ rows, seed: 7, out: file });
  }
  return file;
}

/** Runs one of the python pipelines; undefined (with a note on stderr) when it fails. */
function runPython(script: string, csv: string, out: string, models: ChurnModel[]): PythonResult | undefined {
  const r = spawnSync(PYTHON, [join(SCRIPTS, script), csv, out, '--models', models.join(',')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    console.error(`${script} not measured (${PYTHON} exited ${String(r.status ?? r.signal)}; needs python3-sklearn, python3-pandas, and for dask python3-dask + python3-distributed from apt)`);
    return undefined;
  }
  return JSON.parse(readFileSync(out, 'utf8')) as PythonResult;
}

function fromPython(p: PythonResult, loadBefore: number): EngineRun {
  const s = p.stages;
  const cvWall = (s.cv ?? 0) + (s.cv_lr ?? 0) + (s.cv_tree ?? 0);
  const finalWall = (s.final ?? 0) + (s.final_lr ?? 0) + (s.final_tree ?? 0);
  const finals = p.info.final_fit_seconds as Record<'lr' | 'tree', number> | undefined;
  const model = (name: 'lr' | 'tree'): { cv: number; final: number } => ({ cv: sum(p.fold_fit_seconds[name]), final: finals?.[name] ?? s[`final_${name}`] ?? 0 });
  return {
    engine: p.engine,
    rows: p.rows,
    stages: Object.entries(s),
    read: s.read ?? 0,
    prep: (s.clean ?? 0) + (s.features ?? 0),
    train: cvWall + finalWall + (s.register ?? 0),
    total: p.total,
    auc: p.cv_auc,
    model: Object.fromEntries((['lr', 'tree'] as const).filter((m) => p.fold_fit_seconds[m] !== undefined).map((m) => [m, model(m)])),
    // sklearn's fold seconds are cross_validate's fit_time; Dask's fold tasks also score their fold.
    fitWork: p.engine.startsWith('pandas') ? Object.fromEntries((['lr', 'tree'] as const).filter((m) => p.fold_fit_seconds[m] !== undefined).map((m) => [m, model(m)])) : {},
    wholeFold: p.engine.startsWith('pandas') && p.fold_score_seconds !== undefined
      ? Object.fromEntries((['lr', 'tree'] as const).filter((m) => p.fold_fit_seconds[m] !== undefined).map((m) => [m, { cv: model(m).cv + sum(p.fold_score_seconds![m] ?? []), final: model(m).final }]))
      : {},
    loadBefore,
    raw: p,
  };
}

/**
 * The spec with the generated file in place of data/users.csv and only the chosen model
 * entries in its train stage, written next to the store.
 */
async function specFor(csv: string, dir: string, models: ChurnModel[]): Promise<string> {
  const text = await readFile(SPEC, 'utf8');
  if (!text.includes(DATA_PLACEHOLDER)) throw new Error(`${SPEC} no longer reads ${DATA_PLACEHOLDER}: update DATA_PLACEHOLDER in benchmarks/churn.ts`);
  const spec = parseYaml(text.replaceAll(DATA_PLACEHOLDER, csv)) as { stages: Array<{ op: string; models?: Array<{ kind: string }> }> };
  for (const stage of spec.stages.filter((s) => s.op === 'train')) {
    stage.models = (stage.models ?? []).filter((m) => models.includes(MODEL_OF_KIND[m.kind] ?? ('' as ChurnModel)));
  }
  const path = join(dir, 'churn.yaml');
  await writeFile(path, stringifyYaml(spec));
  return path;
}

async function trainingReports(store: ObjectStore, root: string, result: JobResult): Promise<TrainingReport[]> {
  const reports: TrainingReport[] = [];
  for (const stage of result.stages.filter((s) => s.op === 'train')) {
    const uri = (stage as { report?: { json?: string } }).report?.json ?? `${root.replace(/\/$/, '')}/jobs/${result.jobId}/${stage.id}/report.json`;
    reports.push(JSON.parse(new TextDecoder().decode(await store.get(uri))) as TrainingReport);
  }
  return reports;
}

function fromQuiver(engine: string, result: JobResult, seconds: number, reports: TrainingReport[], loadBefore: number, extra: Record<string, unknown>): EngineRun {
  const firstTrain = result.stages.findIndex((s) => s.op === 'train');
  let read = 0;
  let prep = 0;
  let train = 0;
  result.stages.forEach((s, i) => {
    if (s.op === 'ingest') read += s.seconds;
    else if (firstTrain < 0 || i < firstTrain) prep += s.seconds;
    else train += s.seconds;
  });
  const run: EngineRun = { engine, rows: result.records.in, stages: result.stages.map((s) => [`${s.id} (${s.op})`, s.seconds]), read, prep, train, total: seconds, auc: {}, model: {}, fitWork: {}, wholeFold: {}, loadBefore, raw: { result, reports, ...extra } };
  const work = (steps: Record<string, number> | undefined): number => (steps === undefined ? NaN : (steps.assemble ?? NaN) + (steps.fit ?? NaN));
  for (const report of reports) {
    for (const [phase, s] of Object.entries(report.timings)) run.stages.push([`${report.stage}: ${phase}`, s]);
    for (const c of report.candidates.filter((x) => x.rank === 1)) {
      const name = MODEL_OF_KIND[c.kind];
      if (name === undefined) continue;
      run.auc[name] = c.summary.roc_auc?.mean ?? NaN;
      const final = report.final.find((f) => f.candidate === c.id);
      run.model[name] = { cv: sum(c.folds.map((f) => f.seconds)), final: final?.seconds ?? NaN };
      run.fitWork[name] = { cv: sum(c.folds.map((f) => work(f.steps))), final: work(final?.steps) };
      run.wholeFold[name] = run.model[name];
    }
  }
  return run;
}

/** `quiver run <spec> --json --threads 2` in a child process, like a user would. */
async function quiverLocal(specPath: string, storeDir: string, loadBefore: number): Promise<EngineRun> {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'run', specPath, '--json', '--store', storeDir, '--threads', '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20 });
  const wall = (performance.now() - t0) / 1000;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`quiver run failed (exit ${String(r.status)}): ${last.slice(0, 2000)}`);
  const result = JSON.parse(last) as JobResult;
  if (result.status !== 'succeeded') throw new Error(`quiver run: job ${result.status}: ${JSON.stringify(result.errors)}`);
  const reports = await trainingReports(createStore(), storeDir, result);
  return fromQuiver('quiver local, 2 threads', result, result.seconds, reports, loadBefore, { processWallSeconds: wall });
}

async function quiverCluster(specPath: string, loadBefore: number): Promise<EngineRun> {
  const nats = await startNats();
  const s3 = await startS3();
  const s3opts = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
  const env = { natsUrl: nats.url, s3: s3opts, store: createStore({ s3: s3opts }) };
  const root = `s3://${randomBucket('qbchurn')}/churn`;
  try {
    const spec = resolveSpecPaths(await loadSpec(specPath), dirname(specPath));
    const { result, seconds } = await runCluster(env, spec, 2, root);
    const reports = await trainingReports(env.store, root, result);
    return fromQuiver('quiver NATS + S3, 2 workers x 2 threads', result, seconds, reports, loadBefore, {});
  } finally {
    await env.store.deletePrefix(`${root}/`).catch(() => undefined);
    await s3.stop();
    await nats.stop();
  }
}

/** The 1-minute load average, with a warning when other work shares the cores. */
function load1(): number {
  const load = loadavg()[0] ?? NaN;
  if (load > BUSY_LOAD) console.error(`warning: load average ${load.toFixed(1)} before this run: other processes share the cores, so its times are inflated`);
  return load;
}

function report(runs: EngineRun[], rows: number): Row[] {
  const base = runs.find((r) => r.engine.startsWith('pandas'));
  const summary: Row[] = runs.map((r) => ({
    scenario: r.engine,
    'read s': r.read,
    'clean+features s': r.prep,
    'CV+final+register s': r.train,
    'total s': r.total,
    'rows/s': r.rows / r.total,
    'LR CV AUC': r.auc.lr ?? '',
    'tree CV AUC': r.auc.tree ?? '',
    'x sklearn time': base === undefined ? '' : r.total / base.total,
    'load before': r.loadBefore,
  }));
  printTable(`churn: ${rows.toLocaleString('en-US')} rows, end to end`, summary);

  const perModel: Row[] = runs.flatMap((r) =>
    (['lr', 'tree'] as const).filter((m) => r.model[m] !== undefined).map((m) => {
      const s = r.model[m];
      const b = base?.model[m];
      const seconds = s === undefined ? NaN : s.cv + s.final;
      return {
        scenario: r.engine,
        model: m === 'lr' ? 'logistic regression' : 'trees (HGB / gbt)',
        'CV AUC': r.auc[m] ?? '',
        'CV fits s (sum of folds)': s?.cv ?? '',
        'final fit s': s?.final ?? '',
        'model s': seconds,
        'x sklearn model time': b === undefined ? '' : seconds / (b.cv + b.final),
        'AUC - sklearn': base?.auc[m] === undefined || r.auc[m] === undefined ? '' : r.auc[m] - base.auc[m],
      };
    }),
  );
  printTable('churn: per model (fit seconds are each task’s own wall time, summed over folds)', perModel);

  /** One row per engine and model of a {cv, final} measure, with its ratio to sklearn's. */
  const measureRows = (pick: (r: EngineRun) => EngineRun['fitWork'], [cvLabel, finalLabel, total, ratio]: [string, string, string, string]): Row[] =>
    runs.flatMap((r) =>
      (['lr', 'tree'] as const).filter((m) => pick(r)[m] !== undefined).map((m) => {
        const s = pick(r)[m]!;
        const b = base === undefined ? undefined : pick(base)[m];
        return {
          scenario: r.engine,
          model: m === 'lr' ? 'logistic regression' : 'trees (HGB / gbt)',
          [cvLabel]: s.cv,
          [finalLabel]: s.final,
          [total]: s.cv + s.final,
          [ratio]: b === undefined ? '' : (s.cv + s.final) / (b.cv + b.final),
        };
      }),
    );
  printTable('churn: per model, fit work only (sklearn: cross_validate fit_time, without score_time; quiver: assemble + fit steps, without predicting and scoring the held-out fold)',
    measureRows((r) => r.fitWork, ['CV fit work s (sum of folds)', 'final fit work s', 'fit work s', 'x sklearn fit work']));
  printTable('churn: per model, whole fold tasks on both sides (sklearn: fit_time + score_time; quiver: whole cv tasks, which fit, predict and score the held-out fold)',
    measureRows((r) => r.wholeFold, ['CV fold tasks s (sum)', 'final fit s', 'total s', 'x sklearn']));

  const detail: Row[] = runs.flatMap((r) => r.stages.map(([stage, seconds]) => ({ scenario: r.engine, stage, seconds })));
  printTable('churn: stages as each engine reports them', detail);

  const q = runs.find((r) => r.engine.startsWith('quiver local'));
  if (base !== undefined && q !== undefined) {
    const lrDelta = (q.auc.lr ?? NaN) - (base.auc.lr ?? NaN);
    const e2e = q.total / base.total;
    console.log(`\nGoal 1 (end to end ≤ 0.5x sklearn at equal LR AUC): ${e2e.toFixed(3)}x, LR AUC ${lrDelta >= 0 ? '+' : ''}${lrDelta.toFixed(4)} → ${e2e <= 0.5 && Math.abs(lrDelta) <= AUC_TOLERANCE ? 'met' : 'not met'}`);
    const qt = q.model.tree;
    const bt = base.model.tree;
    if (qt !== undefined && bt !== undefined) {
      const ratio = (qt.cv + qt.final) / (bt.cv + bt.final);
      const treeDelta = (q.auc.tree ?? NaN) - (base.auc.tree ?? NaN);
      const verdict = (x: number): string => (x <= 1 / 3 && treeDelta >= -AUC_TOLERANCE ? 'met' : 'not met');
      console.log(`Goal 2 (trees ≥ HGB AUC in ≤ 1/3 of its time), AUC ${treeDelta >= 0 ? '+' : ''}${treeDelta.toFixed(4)}:`);
      console.log(`        quiver whole tasks vs sklearn fit_time only (unequal: sklearn's scoring not counted): ${ratio.toFixed(3)}x → ${verdict(ratio)}`);
      const qw = q.fitWork.tree;
      const bw = base.fitWork.tree;
      if (qw !== undefined && bw !== undefined) {
        const fitRatio = (qw.cv + qw.final) / (bw.cv + bw.final);
        console.log(`        fit work only, like sklearn's fit_time: ${fitRatio.toFixed(3)}x → ${verdict(fitRatio)}`);
      }
      const qf = q.wholeFold.tree;
      const bf = base.wholeFold.tree;
      if (qf !== undefined && bf !== undefined) {
        const foldRatio = (qf.cv + qf.final) / (bf.cv + bf.final);
        console.log(`        whole fold tasks on both sides (sklearn fit_time + score_time): ${foldRatio.toFixed(3)}x → ${verdict(foldRatio)}`);
      }
    }
  }
  return summary;
}

export async function benchChurn(opts: ChurnBenchOptions): Promise<Row[]> {
  const csv = await dataFile(opts.rows);
  const outDir = resolve('benchmarks/out');
  await mkdir(outDir, { recursive: true });
  const runs: EngineRun[] = [];
  const tmp = await tempDir('quiver-bench-churn');
  try {
    if (!opts.skipPython) {
      for (const [script, name] of [['sklearn_pipeline.py', 'sklearn'], ['dask_pipeline.py', 'dask']] as const) {
        console.error(`${name}: running`);
        const loadBefore = load1();
        const p = runPython(script, csv, join(tmp.path, `${name}.json`), opts.models);
        if (p !== undefined) runs.push(fromPython(p, loadBefore));
      }
    }
    if (existsSync(SPEC)) {
      const specPath = await specFor(csv, tmp.path, opts.models);
      console.error('quiver local: running');
      runs.push(await quiverLocal(specPath, join(tmp.path, 'store'), load1()));
      if (!opts.skipCluster) {
        console.error('quiver NATS + S3: running');
        runs.push(await quiverCluster(specPath, load1()));
      }
    } else {
      console.error(`${SPEC} not found: quiver not measured`);
    }
  } finally {
    await tmp.cleanup();
  }
  const rows = report(runs, opts.rows);
  const suffix = opts.models.length === 2 ? '' : `-${opts.models.join('-')}`;
  const out = join(outDir, `churn-${opts.rows}${suffix}.json`);
  await writeFile(out, JSON.stringify({ date: new Date().toISOString(), machine: machine(), rows: opts.rows, models: opts.models, file: csv, runs }, null, 2));
  console.error(`wrote ${out}`);
  return rows;
}
