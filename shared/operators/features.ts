/**
 * `features`: fits a feature pipeline on the cluster (partial statistics per shard, merged
 * exactly by the coordinator: ./pipeline/fit.ts) and transforms every row with it, writing the
 * fitted pipeline as one versioned artifact (`pipeline.json` under the stage prefix). With
 * `view`, the output is partitioned by the entity key and registered in the feature store, so
 * `quiver features get <view> --key 42` reads one small shard.
 *
 * ```yaml
 * - id: churn-features
 *   op: features
 *   input: clean
 *   key: user_id
 *   keep: [churned]
 *   exclude: [email]
 *   pipeline:
 *     - { impute: { columns: [age], strategy: median } }
 *     - { onehot: { columns: [plan, country], maxCategories: 20, unknown: bucket } }
 *     - { scale: { columns: [age, monthly_spend], method: standard } }
 *   view: { name: churn_features, owner: growth-team, description: "Churn model inputs", partitions: 8 }
 * ```
 *
 * Phases: one per pipeline pass (a task per shard), then transform (a task per shard), then —
 * with a view — a merge phase (a task per key partition).
 */
import { ColumnBuilder, readColumn, tableFromBuilders } from '../arrow/columns.js';
import type { Value } from '../arrow/columns.js';
import { decodeTable, encodeTable } from '../arrow/ipc.js';
import { datasetOf } from '../dataset.js';
import type { Dataset, FieldDef, SchemaDef } from '../dataset.js';
import { datasetVersion } from '../dataset-version.js';
import { FEATURE_STEPS_SCHEMA, frameFromTable, parsePipeline, resolvePipeline, toMatrix } from '../ml/features/index.js';
import type { FittedPipeline, StepSpec } from '../ml/features/index.js';
import { entityPartition, FeatureStore } from '../registry/index.js';
import { joinUri } from '../store/uri.js';
import { emptyState, fitPassKernel, mergePass, partName as fitPartName, pipelinesOf, readState, stateUri, writeJson } from './pipeline/fit.js';
import type { FitPassParams, FitState } from './pipeline/fit.js';
import { describeColumns, partName, singleInput, specError, stageSchema, storeRootOf } from './rowwise.js';
import type { KernelInput, KernelObject, KernelResult, Operator, PhasePlan, PlanContext } from './types.js';

interface ViewSpec {
  name: string;
  description?: string;
  owner?: string;
  partitions?: number;
  /** Descriptions of single output features. */
  describe?: Record<string, string>;
}

interface FeaturesPlan {
  key: FieldDef | null;
  keep: FieldDef[];
  features: string[];
  steps: StepSpec[];
  schema: SchemaDef;
  path: string;
  view: ViewSpec | null;
  partitions: number;
}

const PROPERTIES: Record<string, unknown> = {
  key: { type: 'string', description: 'Entity key column, carried through (required with `view`).' },
  keep: { type: 'array', items: { type: 'string' }, description: 'Columns carried through unchanged (e.g. the label).' },
  features: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Raw feature columns. Default: every column but key, keep and exclude.' },
  exclude: { type: 'array', items: { type: 'string' } },
  pipeline: FEATURE_STEPS_SCHEMA,
  view: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    description: 'Register the output as a feature-store view, partitioned by key.',
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
      description: { type: 'string' },
      owner: { type: 'string' },
      partitions: { type: 'integer', minimum: 1, maximum: 1024, description: 'Key partitions (default: one per input shard, at most 64).' },
      describe: { type: 'object', additionalProperties: { type: 'string' }, description: 'Description per output feature name.' },
    },
  },
};

function resolve(ctx: PlanContext): FeaturesPlan {
  const schema = singleInput(ctx).schema;
  const s = ctx.stage;
  const field = (path: string, name: string): FieldDef => {
    const f = schema.fields.find((x) => x.name === name);
    if (f === undefined) throw specError(ctx, path, `no column '${name}' in the input; its columns: ${describeColumns(schema)}`);
    return f;
  };
  const key = s.key === undefined ? null : field('key', s.key as string);
  const keep = ((s.keep ?? []) as string[]).map((n, i) => field(`keep[${i}]`, n));
  const exclude = ((s.exclude ?? []) as string[]).map((n, i) => field(`exclude[${i}]`, n).name);
  const reserved = new Set([...(key === null ? [] : [key.name]), ...keep.map((f) => f.name), ...exclude]);
  const features = s.features === undefined ? schema.fields.map((f) => f.name).filter((n) => !reserved.has(n)) : (s.features as string[]).map((n, i) => field(`features[${i}]`, n).name);
  const view = (s.view ?? null) as ViewSpec | null;
  if (view !== null && key === null) throw specError(ctx, 'key', 'a feature view is looked up by entity key; set `key`');
  const steps = (s.pipeline ?? []) as StepSpec[];
  resolvePipeline(steps, schema, features, `${ctx.path}.pipeline`);
  const partitions = view?.partitions ?? Math.min(64, Math.max(1, singleInput(ctx).shards.length));
  return { key, keep, features, steps, schema, path: `${ctx.path}.pipeline`, view, partitions };
}

function passesOf(p: FeaturesPlan): number {
  return resolvePipeline(p.steps, p.schema, p.features, p.path).passes.length;
}

function pipelineUri(ctx: PlanContext): string {
  return joinUri(ctx.stagePrefix, 'pipeline.json');
}

function pieceName(shard: number, partition: number): string {
  return `pieces/s${String(shard).padStart(5, '0')}-p${String(partition).padStart(4, '0')}.arrow`;
}

function outputFields(p: FeaturesPlan, pipeline: FittedPipeline): FieldDef[] {
  return [...(p.key === null ? [] : [p.key]), ...p.keep, ...pipeline.features.map((name): FieldDef => ({ name, type: 'float', nullable: false }))];
}

type Mode = 'fit' | 'transform' | 'merge';

function transformKernel(input: KernelInput, p: FeaturesPlan): KernelResult {
  const table = decodeTable(input.inputs[0]!, `shard ${input.task.inputs[0]?.uri ?? ''}`);
  const pipeline = parsePipeline(JSON.parse(new TextDecoder().decode(input.inputs[1]!)));
  const X = toMatrix(pipeline, frameFromTable(table, pipeline.input.map((f) => f.name)));
  const fields = outputFields(p, pipeline);
  const carried = [...(p.key === null ? [] : [p.key]), ...p.keep].map((f) => readColumn(table, f.name));
  const n = table.numRows;
  const d = X.cols;
  const P = p.view === null ? 1 : p.partitions;
  const part = new Int32Array(n);
  if (p.view !== null) {
    const keys = carried[0]!;
    for (let i = 0; i < n; i++) part[i] = entityPartition(keys[i] as string | number, P);
  }
  const objects: KernelObject[] = [];
  for (let q = 0; q < P; q++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (part[i] === q) rows.push(i);
    if (rows.length === 0 && p.view !== null) continue;
    const builders = fields.map((f) => new ColumnBuilder(f.type, rows.length));
    carried.forEach((values, c) => {
      for (const r of rows) builders[c]!.append(values[r] ?? null);
    });
    for (let j = 0; j < d; j++) {
      const b = builders[carried.length + j]!;
      for (const r of rows) b.append(X.data[r * d + j]!);
    }
    const bytes = encodeTable(tableFromBuilders({ fields }, builders));
    objects.push({ name: p.view === null ? partName(input.task.index) : pieceName(input.task.index, q), bytes, rows: rows.length });
  }
  return { objects, stats: { rowsIn: 0, rowsOut: p.view === null ? n : 0, quarantined: 0, featuresPhase: 'transform', rows: n } };
}

function mergeKernel(input: KernelInput, fields: FieldDef[]): KernelResult {
  const builders = fields.map((f) => new ColumnBuilder(f.type, 1024));
  let rows = 0;
  for (const [k, bytes] of input.inputs.entries()) {
    const t = decodeTable(bytes, `piece ${input.task.inputs[k]?.uri ?? ''}`);
    const cols: Value[][] = fields.map((f) => readColumn(t, f.name));
    for (let i = 0; i < t.numRows; i++) cols.forEach((c, j) => builders[j]!.append(c[i] ?? null));
    rows += t.numRows;
  }
  return {
    objects: [{ name: partName(input.task.index), bytes: encodeTable(tableFromBuilders({ fields }, builders)), rows }],
    stats: { rowsIn: 0, rowsOut: rows, quarantined: 0, featuresPhase: 'merge' },
  };
}

async function fullPipeline(ctx: PlanContext): Promise<FittedPipeline> {
  return parsePipeline(JSON.parse(new TextDecoder().decode(await ctx.store.get(pipelineUri(ctx)))));
}

function fitTasks(ctx: PlanContext, p: FeaturesPlan, pass: number): PhasePlan {
  const params: FitPassParams = { steps: p.steps, schema: p.schema, features: p.features, path: p.path, pass, splits: null, mask: false };
  return {
    tasks: singleInput(ctx).shards.map((s) => ({
      inputs: [{ uri: s.uri }, ...(pass > 0 ? [{ uri: stateUri(ctx.stagePrefix, pass - 1) }] : [])],
      params: { mode: 'fit' as Mode, plan: p, ...params },
    })),
  };
}

function transformTasks(ctx: PlanContext, p: FeaturesPlan): PhasePlan {
  return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }, { uri: pipelineUri(ctx) }], params: { mode: 'transform' as Mode, plan: p } })) };
}

async function writePipeline(ctx: PlanContext, p: FeaturesPlan, passes: number): Promise<void> {
  const resolved = resolvePipeline(p.steps, p.schema, p.features, p.path);
  const rows = singleInput(ctx).rows;
  const state: FitState = passes === 0 ? { ...emptyState(0), fullRows: rows } : await readState(ctx.store, stateUri(ctx.stagePrefix, passes - 1));
  await writeJson(ctx.store, pipelineUri(ctx), pipelinesOf(resolved, state, []).full);
}

export const featuresOperator: Operator = {
  name: 'features',
  summary: 'Fits a feature pipeline (impute, onehot, ordinal, scale, pca, hashing, tfidf, derive, variance) from merged shard statistics and transforms every row; optional feature-store view',
  arity: { min: 1, max: 1 },
  schema: stageSchema('features', 'Fits a feature pipeline on the cluster and transforms every row; one versioned pipeline artifact; optionally a feature-store view by entity key.', PROPERTIES, ['pipeline']),

  async plan(ctx): Promise<PhasePlan> {
    const p = resolve(ctx);
    const passes = passesOf(p);
    if (passes > 0) return fitTasks(ctx, p, 0);
    await writePipeline(ctx, p, 0);
    return transformTasks(ctx, p);
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const p = resolve(ctx);
    const passes = passesOf(p);
    const phase = done.length - 1;
    if (phase < passes) {
      const resolved = resolvePipeline(p.steps, p.schema, p.features, p.path);
      const previous = phase === 0 ? emptyState(0) : await readState(ctx.store, stateUri(ctx.stagePrefix, phase - 1));
      const parts = singleInput(ctx).shards.map((_, i) => joinUri(ctx.stagePrefix, fitPartName(phase, i)));
      await writeJson(ctx.store, stateUri(ctx.stagePrefix, phase), await mergePass(ctx.store, resolved, phase, previous, parts));
      if (phase + 1 < passes) return fitTasks(ctx, p, phase + 1);
      await writePipeline(ctx, p, passes);
      return transformTasks(ctx, p);
    }
    if (phase === passes && p.view !== null) {
      const pipeline = await fullPipeline(ctx);
      const byPart = new Map<number, string[]>();
      for (const t of done[phase]!.tasks) {
        for (const s of t.shards) {
          const m = /-p(\d+)\.arrow$/.exec(s.uri);
          if (m === null) continue;
          const q = Number(m[1]);
          byPart.set(q, [...(byPart.get(q) ?? []), s.uri]);
        }
      }
      const fields = outputFields(p, pipeline);
      return {
        tasks: Array.from({ length: p.partitions }, (_, q) => ({ inputs: (byPart.get(q) ?? []).map((uri) => ({ uri })), params: { mode: 'merge' as Mode, plan: p, fields } })),
      };
    }
    return null;
  },

  async output(ctx, done): Promise<Dataset> {
    const p = resolve(ctx);
    const pipeline = await fullPipeline(ctx);
    const last = done[done.length - 1]!;
    const ds = datasetOf(last.tasks.flatMap((t) => t.shards), { fields: outputFields(p, pipeline) });
    if (p.view !== null && ctx.registryIndex !== undefined) {
      const fs = new FeatureStore({ store: ctx.store, root: storeRootOf(ctx), index: ctx.registryIndex });
      const describe = p.view.describe ?? {};
      const stepOf = (name: string): string => {
        const s = pipeline.steps.filter((st) => st.outputs.includes(name)).map((st) => st.step);
        return s.length === 0 ? 'raw' : s.join(' → ');
      };
      await fs.registerView({
        name: p.view.name,
        entity: p.key!.name,
        ...(p.view.description === undefined ? {} : { description: p.view.description }),
        ...(p.view.owner === undefined ? {} : { owner: p.view.owner }),
        features: pipeline.features.map((name) => ({ name, ...(describe[name] === undefined ? {} : { description: describe[name] }), transform: stepOf(name), type: 'float' as const })),
        datasetVersion: datasetVersion(singleInput(ctx)),
        pipeline,
        pipelineUri: pipelineUri(ctx),
        partitions: p.partitions,
        shards: last.tasks.map((t) => t.shards[0]?.uri ?? ''),
        jobId: ctx.jobId,
        stage: ctx.stage.id,
      });
    }
    return ds;
  },

  kernel(input: KernelInput): KernelResult {
    const params = input.task.params as { mode: Mode; plan: FeaturesPlan; fields?: FieldDef[] };
    if (params.mode === 'fit') {
      const r = fitPassKernel(input, params as unknown as FitPassParams);
      // The first phase counts the stage's input rows.
      if ((params as unknown as FitPassParams).pass === 0) r.stats.rowsIn = r.stats.rows as number;
      return r;
    }
    if (params.mode === 'transform') {
      const r = transformKernel(input, params.plan);
      if (passesOf(params.plan) === 0) r.stats.rowsIn = r.stats.rows as number;
      return r;
    }
    return mergeKernel(input, params.fields!);
  },
};

