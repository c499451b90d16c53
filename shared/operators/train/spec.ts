/**
 * The `train` stage's fields, checked against the input schema and resolved into the plan
 * every task carries (JSON), plus the stage's JSON Schema.
 *
 * ```yaml
 * - id: churn-model
 *   op: train
 *   input: clean
 *   label: churned
 *   key: user_id                      # carried into the predictions output
 *   exclude: [email, city]            # feature columns: all but label, key and these
 *   pipeline:                         # fitted inside every training fold (fitPipeline: per-fold)
 *     - { impute: { columns: [age, nps], strategy: mean } }
 *     - { onehot: { columns: [plan, country], maxCategories: 20, unknown: bucket } }
 *     - { scale: { columns: [age, nps, monthly_spend], method: standard } }
 *   cv: { kind: stratified-kfold, folds: 5, shuffle: true, seed: 7 }
 *   models:
 *     - { kind: logistic, params: { C: [0.1, 1, 10] } }
 *     - { kind: gbt, params: { maxIter: 100 } }
 *   register: { name: churn, aliases: [candidate] }
 * ```
 */
import type { FieldDef, SchemaDef } from '../../dataset.js';
import { FEATURE_STEPS_SCHEMA, resolvePipeline } from '../../ml/features/index.js';
import type { ResolvedPipeline, StepSpec } from '../../ml/features/index.js';
import type { LearningTask } from '../../ml/models/types.js';
import { estimatorKinds, getEstimator } from '../../ml/models/registry.js';
import { describeColumns, singleInput, specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';
import { expandCandidates, PARAM_VALUE_SCHEMA } from './search.js';
import type { Candidate } from './search.js';

export const CV_KINDS = ['stratified-kfold', 'kfold', 'repeated-stratified-kfold', 'repeated-kfold', 'holdout', 'column'] as const;
export type CvKind = (typeof CV_KINDS)[number];
export const TASKS = ['auto', 'binary', 'multiclass', 'regression'] as const;

/** Metric names, and whether larger is better. */
export const METRICS: Readonly<Record<string, { task: 'classification' | 'binary' | 'regression'; greaterIsBetter: boolean }>> = {
  accuracy: { task: 'classification', greaterIsBetter: true },
  precision: { task: 'binary', greaterIsBetter: true },
  recall: { task: 'binary', greaterIsBetter: true },
  f1: { task: 'binary', greaterIsBetter: true },
  f1_macro: { task: 'classification', greaterIsBetter: true },
  f1_weighted: { task: 'classification', greaterIsBetter: true },
  roc_auc: { task: 'classification', greaterIsBetter: true },
  pr_auc: { task: 'binary', greaterIsBetter: true },
  log_loss: { task: 'classification', greaterIsBetter: false },
  mse: { task: 'regression', greaterIsBetter: false },
  rmse: { task: 'regression', greaterIsBetter: false },
  mae: { task: 'regression', greaterIsBetter: false },
  r2: { task: 'regression', greaterIsBetter: true },
};

export interface CvPlan {
  kind: CvKind;
  folds: number;
  repeats: number;
  shuffle: boolean;
  seed: number | null;
  /** holdout: fraction of rows in the test split. */
  testSize: number;
  /** column: the fold column. */
  column: string | null;
}

export interface ModelEntry {
  name: string;
  kind: string;
  candidates: Candidate[];
  search: 'grid' | 'random';
}

/** Everything a train task needs (JSON); the same for every task of the stage. */
export interface TrainPlan {
  label: FieldDef;
  /** `auto` resolved at plan time from the label type; classes are known after phase 0. */
  task: LearningTask | 'classification';
  key: FieldDef | null;
  /** Raw columns the pipeline reads. */
  features: FieldDef[];
  pipeline: StepSpec[];
  fitPipeline: 'per-fold' | 'once';
  cv: CvPlan;
  models: ModelEntry[];
  metric: string;
  seed: number;
  register: { name: string; aliases: string[] } | null;
  /** Input schema, for resolving the pipeline in tasks. */
  schema: SchemaDef;
}

const MODEL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name in the report and the registry. Default: the kind (made unique).' },
    kind: { type: 'string', description: 'Estimator: logistic, linear, ridge, gbt, mlp (`quiver ops` lists them).' },
    params: {
      type: 'object',
      description: 'Hyperparameters. A list is a set of values to search; {min, max, log?, int?} is a range (random search).',
      additionalProperties: PARAM_VALUE_SCHEMA,
    },
    search: {
      description: 'grid (every combination, the default) or random (trials samples, seeded).',
      oneOf: [
        { enum: ['grid', 'random'] },
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { enum: ['grid', 'random'] }, trials: { type: 'integer', minimum: 1, maximum: 1000 }, seed: { type: 'integer', minimum: 0 } } },
      ],
    },
  },
};

export const TRAIN_PROPERTIES: Record<string, unknown> = {
  label: { type: 'string', minLength: 1, description: 'The target column. Rows where it is null are quarantined.' },
  task: { enum: [...TASKS], description: 'auto (default): string/bool/int labels with ≤ 50 values → classification, float → regression.' },
  key: { type: 'string', description: 'Entity column carried into the predictions output (not a feature).' },
  features: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Raw feature columns. Default: every column but label, key, the fold column and `exclude`.' },
  exclude: { type: 'array', items: { type: 'string' }, description: 'Columns that are not features.' },
  pipeline: FEATURE_STEPS_SCHEMA,
  fitPipeline: { enum: ['per-fold', 'once'], description: 'per-fold (default): the pipeline is refit inside every training fold, as a Pipeline inside CV does. once: fit on all rows once.' },
  cv: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kind: { enum: [...CV_KINDS], description: 'Default: stratified-kfold for classification, kfold for regression.' },
      folds: { type: 'integer', minimum: 2, maximum: 100, description: 'Default 5.' },
      repeats: { type: 'integer', minimum: 1, maximum: 20, description: 'repeated-*: default 2.' },
      shuffle: { type: 'boolean', description: 'k-fold kinds: shuffle before cutting folds (default false, as sklearn).' },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'numpy RandomState seed of the split (default 0 when shuffling).' },
      testSize: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'holdout: test fraction (default 0.25).' },
      column: { type: 'string', description: 'column: the fold column (value -1 = never in a test fold), like PredefinedSplit.' },
    },
  },
  models: { type: 'array', minItems: 1, items: MODEL_SCHEMA, description: 'Estimators to cross-validate; each gets a final fit with its best candidate.' },
  metric: { enum: Object.keys(METRICS), description: 'Picks the best candidate. Default roc_auc (binary), accuracy (multiclass), r2 (regression).' },
  seed: { type: 'integer', minimum: 0, description: 'Seeds model training (default 0): same seed, same models.' },
  register: {
    description: 'Register each final model in the model registry: true (name = stage id) or {name, aliases}.',
    oneOf: [
      { type: 'boolean' },
      { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' }, aliases: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' } } } },
    ],
  },
};

const MAX_CLASSES = 50;

function field(ctx: PlanContext, schema: SchemaDef, path: string, name: string): FieldDef {
  const f = schema.fields.find((x) => x.name === name);
  if (f === undefined) throw specError(ctx, path, `no column '${name}' in the input; its columns: ${describeColumns(schema)}`);
  return f;
}

function resolveCv(ctx: PlanContext, schema: SchemaDef, classification: boolean): CvPlan {
  const cv = (ctx.stage.cv ?? {}) as Record<string, unknown>;
  const kind = (cv.kind as CvKind | undefined) ?? (classification ? 'stratified-kfold' : 'kfold');
  if (!classification && kind.includes('stratified')) {
    throw specError(ctx, 'cv.kind', `${kind} needs a classification label; use kfold or repeated-kfold for regression`);
  }
  const column = (cv.column as string | undefined) ?? null;
  if (kind === 'column') {
    if (column === null) throw specError(ctx, 'cv.column', 'cv kind "column" needs `column`: the column holding each row\'s fold');
    field(ctx, schema, 'cv.column', column);
  }
  const shuffle = (cv.shuffle as boolean | undefined) ?? false;
  if (cv.seed !== undefined && !shuffle && kind !== 'holdout' && !kind.startsWith('repeated')) {
    throw specError(ctx, 'cv.seed', 'a seed only matters with shuffle: true (as sklearn, which rejects random_state without shuffle); add shuffle: true');
  }
  const repeated = kind.startsWith('repeated');
  return {
    kind,
    folds: kind === 'holdout' ? 1 : ((cv.folds as number | undefined) ?? 5),
    repeats: repeated ? ((cv.repeats as number | undefined) ?? 2) : 1,
    shuffle: repeated || kind === 'holdout' ? true : shuffle,
    seed: (cv.seed as number | undefined) ?? (shuffle || repeated || kind === 'holdout' ? 0 : null),
    testSize: (cv.testSize as number | undefined) ?? 0.25,
    column,
  };
}

function resolveModels(ctx: PlanContext, task: TrainPlan['task']): ModelEntry[] {
  const specs = (ctx.stage.models ?? []) as Record<string, unknown>[];
  if (specs.length === 0) throw specError(ctx, 'models', 'list at least one model, e.g. [{ kind: logistic }]');
  const names = new Set<string>();
  return specs.map((m, i) => {
    const kind = m.kind as string;
    if (!estimatorKinds().includes(kind)) throw specError(ctx, `models[${i}].kind`, `unknown model "${kind}"; use one of: ${estimatorKinds().join(', ')}`);
    const est = getEstimator(kind);
    const tasks: readonly string[] = est.tasks;
    const ok = task === 'classification' ? tasks.includes('binary') || tasks.includes('multiclass') : tasks.includes(task);
    if (!ok) throw specError(ctx, `models[${i}].kind`, `${kind} does not do ${task}; it does ${tasks.join(', ')}`);
    let name = (m.name as string | undefined) ?? kind;
    if (m.name === undefined) for (let k = 2; names.has(name); k++) name = `${kind}-${k}`;
    if (names.has(name)) throw specError(ctx, `models[${i}].name`, `name "${name}" is used twice; give each model a unique name`);
    names.add(name);
    const search = typeof m.search === 'string' ? { kind: m.search } : ((m.search ?? { kind: 'grid' }) as { kind: string; trials?: number; seed?: number });
    const candidates = expandCandidates((m.params ?? {}) as Record<string, unknown>, search as { kind: 'grid' | 'random'; trials?: number; seed?: number }, `${ctx.path}.models[${i}]`);
    return { name, kind, candidates, search: search.kind as 'grid' | 'random' };
  });
}

/** Checks the stage against its input schema. Throws SPEC_INVALID naming the field. */
export function resolveTrain(ctx: PlanContext): { plan: TrainPlan; pipeline: ResolvedPipeline } {
  const schema = singleInput(ctx).schema;
  const s = ctx.stage;
  const label = field(ctx, schema, 'label', s.label as string);
  const key = s.key === undefined ? null : field(ctx, schema, 'key', s.key as string);
  const declared = (s.task as string | undefined) ?? 'auto';
  const task: TrainPlan['task'] =
    declared === 'auto' ? (label.type === 'float' ? 'regression' : label.type === 'timestamp' || label.type === 'date' ? 'regression' : 'classification') : (declared as LearningTask);
  if (task === 'regression' && !['int', 'float'].includes(label.type)) {
    throw specError(ctx, 'task', `regression needs a numeric label; '${label.name}' is ${label.type}`);
  }
  const cv = resolveCv(ctx, schema, task !== 'regression');
  const reserved = new Set([label.name, ...(key === null ? [] : [key.name]), ...(cv.column === null ? [] : [cv.column])]);
  const exclude = (s.exclude ?? []) as string[];
  exclude.forEach((c, i) => field(ctx, schema, `exclude[${i}]`, c));
  const featureNames = s.features === undefined ? schema.fields.map((f) => f.name).filter((n) => !reserved.has(n) && !exclude.includes(n)) : (s.features as string[]);
  const features = featureNames.map((n, i) => {
    if (reserved.has(n)) throw specError(ctx, `features[${i}]`, `'${n}' is the label, key or fold column; it cannot be a feature`);
    return field(ctx, schema, `features[${i}]`, n);
  });
  if (features.length === 0) throw specError(ctx, 'features', 'no feature columns are left; list them in `features`');
  const steps = (s.pipeline ?? []) as StepSpec[];
  const pipeline = resolvePipeline(steps, schema, featureNames, `${ctx.path}.pipeline`);
  const metric = (s.metric as string | undefined) ?? (task === 'regression' ? 'r2' : task === 'multiclass' ? 'accuracy' : 'roc_auc');
  const m = METRICS[metric]!;
  if ((m.task === 'regression') !== (task === 'regression')) throw specError(ctx, 'metric', `${metric} is a ${m.task} metric but the task is ${task}`);
  const reg = s.register;
  const register = reg === undefined || reg === false ? null : reg === true ? { name: s.id, aliases: [] } : { name: (reg as { name: string }).name, aliases: (reg as { aliases?: string[] }).aliases ?? [] };
  const plan: TrainPlan = {
    label,
    task,
    key,
    features,
    pipeline: steps,
    fitPipeline: (s.fitPipeline as 'per-fold' | 'once' | undefined) ?? 'per-fold',
    cv,
    models: resolveModels(ctx, task),
    metric,
    seed: (s.seed as number | undefined) ?? 0,
    register,
    schema,
  };
  return { plan, pipeline };
}

/** Classification tasks resolve to binary or multiclass once the classes are counted. */
export function resolveClasses(ctx: PlanContext, plan: TrainPlan, classes: string[]): LearningTask {
  if (plan.task === 'regression') return 'regression';
  if (classes.length < 2) throw specError(ctx, 'label', `'${plan.label.name}' has ${classes.length} distinct value(s) (${classes.join(', ')}); a classifier needs at least 2`);
  if (classes.length > MAX_CLASSES && plan.task === 'classification') {
    throw specError(ctx, 'task', `'${plan.label.name}' has ${classes.length} distinct values; set task: regression for a numeric target, or multiclass to force it`);
  }
  const task: LearningTask = classes.length === 2 ? 'binary' : 'multiclass';
  if (plan.task !== 'classification' && plan.task !== task) throw specError(ctx, 'task', `task: ${plan.task} but '${plan.label.name}' has ${classes.length} classes`);
  for (const m of plan.models) {
    if (!getEstimator(m.kind).tasks.includes(task)) throw specError(ctx, 'models', `${m.kind} does not do ${task} classification`);
  }
  if (METRICS[plan.metric]!.task === 'binary' && task !== 'binary') throw specError(ctx, 'metric', `${plan.metric} is for binary labels; '${plan.label.name}' has ${classes.length} classes (use f1_macro, accuracy, log_loss or roc_auc)`);
  return task;
}
