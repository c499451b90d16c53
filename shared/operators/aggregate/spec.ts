/**
 * The aggregate stage's fields, resolved against the input schema into the plan every task
 * carries, and the schemas of the partial (phase 0) and final (phase 1) files.
 */
import type { ColumnType, FieldDef, SchemaDef } from '../../dataset.js';
import { describeColumns, specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';

export const AGG_FNS = ['sum', 'count', 'mean', 'min', 'max', 'count_distinct'] as const;
export type AggFn = (typeof AGG_FNS)[number];

export interface AggPlanItem {
  fn: AggFn;
  /** Input column; absent for count(*) (counts rows). */
  column?: string;
  /** Input column type. */
  type?: ColumnType;
  /** Whether the input column may hold nulls. */
  nullable?: boolean;
  as: string;
}

/** What every aggregate task carries (JSON). */
export interface AggPlan {
  by: FieldDef[];
  aggs: AggPlanItem[];
  partitions: number;
}

export const MAX_PARTITIONS = 1000;

/** Default reduce tasks: about one per 4 input shards, 1 to 16. */
export function defaultPartitions(inputShards: number): number {
  return Math.max(1, Math.min(16, Math.ceil(inputShards / 4)));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function resolvePlan(ctx: PlanContext, schema: SchemaDef, inputShards: number): AggPlan {
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  const { by = [], aggs, partitions } = ctx.stage;
  const unknown = (path: string, name: unknown): never => {
    throw specError(ctx, path, `unknown column ${JSON.stringify(name)}; available columns: ${describeColumns(schema)}`);
  };
  if (!Array.isArray(by)) throw specError(ctx, 'by', 'must be a list of column names (or [] for one global group)');
  const keys = by.map((name, i): FieldDef => {
    const f = typeof name === 'string' ? fields.get(name) : undefined;
    return f ?? unknown(`by[${i}]`, name);
  });
  if (new Set(by).size !== by.length) throw specError(ctx, 'by', 'lists a column twice; list each grouping column once');
  if (!Array.isArray(aggs) || aggs.length === 0) {
    throw specError(ctx, 'aggs', 'must be a non-empty list, e.g. [{ fn: count, as: n }, { fn: sum, column: amount, as: total }]');
  }
  const names = new Set<string>(by as string[]);
  const items = aggs.map((a, i): AggPlanItem => {
    const path = `aggs[${i}]`;
    if (!isObject(a)) throw specError(ctx, path, 'must be an object { fn, column?, as }');
    const fn = a.fn as AggFn;
    if (!AGG_FNS.includes(fn)) throw specError(ctx, `${path}.fn`, `unknown function ${JSON.stringify(a.fn)}; use one of: ${AGG_FNS.join(', ')}`);
    if (typeof a.as !== 'string' || a.as === '') throw specError(ctx, `${path}.as`, 'must name the output column, e.g. as: total');
    if (names.has(a.as)) throw specError(ctx, `${path}.as`, `output column '${a.as}' is already a grouping column or another aggregate; choose a distinct name`);
    names.add(a.as);
    if (a.column === undefined) {
      if (fn !== 'count') throw specError(ctx, `${path}.column`, `${fn} needs a column; only count may omit it (to count rows)`);
      return { fn, as: a.as };
    }
    const f = typeof a.column === 'string' ? fields.get(a.column) : undefined;
    if (f === undefined) return unknown(`${path}.column`, a.column);
    if ((fn === 'sum' || fn === 'mean') && f.type !== 'int' && f.type !== 'float') {
      throw specError(ctx, `${path}.column`, `${fn} needs an int or float column, but '${f.name}' is ${f.type}; derive a number first, e.g. to_float(${f.name})`);
    }
    return { fn, column: f.name, type: f.type, nullable: f.nullable, as: a.as };
  });
  let r = defaultPartitions(inputShards);
  if (partitions !== undefined) {
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw specError(ctx, 'partitions', `must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(partitions)}`);
    }
    r = partitions;
  }
  // One global group lives in one partition: more reduce tasks would sit idle.
  if (keys.length === 0) r = 1;
  return { by: keys, aggs: items, partitions: r };
}

/** Type of an aggregate's final column. */
export function resultField(plan: AggPlan, a: AggPlanItem): FieldDef {
  // A group has at least one row, so a non-null column gives a non-null result, except the
  // one global group of an empty input.
  const maybeEmpty = a.nullable === true || plan.by.length === 0;
  switch (a.fn) {
    case 'count':
    case 'count_distinct':
      return { name: a.as, type: 'int', nullable: false };
    case 'mean':
      return { name: a.as, type: 'float', nullable: maybeEmpty };
    case 'sum':
    case 'min':
    case 'max':
      return { name: a.as, type: a.type!, nullable: maybeEmpty };
  }
}

export function outputSchema(plan: AggPlan): SchemaDef {
  return { fields: [...plan.by, ...plan.aggs.map((a) => resultField(plan, a))] };
}

/** JSON Schema of the stage's own fields. */
export const AGGREGATE_PROPERTIES = {
  by: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    uniqueItems: true,
    description: 'Grouping columns; [] or absent for one global group. A null key is a group of its own.',
  },
  aggs: {
    type: 'array',
    minItems: 1,
    description: 'Aggregates to compute per group.',
    items: {
      type: 'object',
      required: ['fn', 'as'],
      additionalProperties: false,
      properties: {
        fn: { enum: [...AGG_FNS], description: 'sum, count, mean, min, max or count_distinct; nulls are ignored, as in SQL.' },
        column: { type: 'string', minLength: 1, description: 'Input column; count without a column counts rows.' },
        as: { type: 'string', minLength: 1, description: 'Name of the output column.' },
      },
    },
  },
  partitions: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PARTITIONS,
    description: 'Reduce tasks (hash partitions of the groups). Default: one per 4 input shards, 1 to 16.',
  },
};
