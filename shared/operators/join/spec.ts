/**
 * The join stage's fields, checked against both input schemas and resolved into the plan every
 * task carries (JSON), plus the stage's JSON Schema and its output schema.
 *
 * ```ts
 * const plan = resolveJoinPlan(ctx); // throws SPEC_INVALID naming `stages[3].on.right[0]`...
 * outputSchema(plan); // left columns, then the right side's non-key columns
 * ```
 */
import type { ColumnType, Dataset, FieldDef, SchemaDef } from '../../dataset.js';
import { stageInputs } from '../../spec/types.js';
import { describeColumns, specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';

export const JOIN_HOWS = ['inner', 'left', 'anti'] as const;
export type JoinHow = (typeof JOIN_HOWS)[number];
export const JOIN_STRATEGIES = ['auto', 'hash', 'broadcast'] as const;
export const DUPLICATE_MODES = ['error', 'allow', 'first'] as const;
export type DuplicatesMode = (typeof DUPLICATE_MODES)[number];

export const DEFAULT_BROADCAST_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SUFFIX = '_right';
export const MAX_PARTITIONS = 1000;
/** Default hash partitions: one per this many input bytes (both sides), 1 to 64. */
export const BYTES_PER_PARTITION = 64 * 1024 * 1024;

/** A right column carried to the output, possibly renamed. */
export interface RightColumn {
  /** Name in the right input. */
  name: string;
  /** Name in the output. */
  as: string;
  type: ColumnType;
  nullable: boolean;
}

/** What every join task carries (JSON). */
export interface JoinPlan {
  how: JoinHow;
  strategy: 'hash' | 'broadcast';
  duplicates: DuplicatesMode;
  /** Hash partitions (1 for broadcast). */
  partitions: number;
  leftKeys: FieldDef[];
  rightKeys: FieldDef[];
  /** Every left column, in order: the output's first columns. */
  left: FieldDef[];
  /** Right non-key columns in the output (none for anti). */
  right: RightColumn[];
  /** Input stage ids, for messages. */
  leftStage: string;
  rightStage: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names of a key side: a string or a non-empty list of strings. */
function keyNames(ctx: PlanContext, field: string, v: unknown): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x !== '')) {
    throw specError(ctx, field, 'must be a column name or a non-empty list of column names');
  }
  if (new Set(list).size !== list.length) throw specError(ctx, field, 'lists a column twice; list each key column once');
  return list as string[];
}

/** `on` in its three forms → the key column names of each side. */
interface OnKeys {
  left: string[];
  right: string[];
  /** Field path of one side's i-th key. */
  path: (side: 'left' | 'right', i: number) => string;
  /** Field path of the i-th key pair. */
  pair: (i: number) => string;
}

function parseOn(ctx: PlanContext): OnKeys {
  const on = ctx.stage.on;
  if (on === undefined) throw specError(ctx, 'on', 'required: the key column(s), e.g. on: customer_id, on: [a, b] or on: { left: id, right: customer_id }');
  if (isObject(on)) {
    const left = keyNames(ctx, 'on.left', on.left);
    const right = keyNames(ctx, 'on.right', on.right);
    if (left.length !== right.length) {
      throw specError(ctx, 'on', `lists ${left.length} left key column(s) but ${right.length} right one(s); pair them up one to one`);
    }
    const at = (side: 'left' | 'right', i: number): string => (typeof on[side] === 'string' ? `on.${side}` : `on.${side}[${i}]`);
    return { left, right, path: at, pair: () => 'on' };
  }
  const names = keyNames(ctx, 'on', on);
  const at = (i: number): string => (typeof on === 'string' ? 'on' : `on[${i}]`);
  return { left: names, right: names, path: (_side, i) => at(i), pair: at };
}

const CASTS: Partial<Record<ColumnType, string>> = { int: 'to_int', float: 'to_float', string: 'to_string', date: 'to_date', timestamp: 'to_timestamp' };

function castHint(col: string, to: ColumnType, stage: string): string | null {
  const fn = CASTS[to];
  return fn === undefined ? null : `\`columns: { ${col}: '${fn}(${col})' }\` on '${stage}'`;
}

function positiveInt(ctx: PlanContext, field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw specError(ctx, field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(ctx: PlanContext, field: string, allowed: readonly T[], fallback: T): T {
  const v = ctx.stage[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw specError(ctx, field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** The two input datasets of the join (checks arity). */
export function joinInputs(ctx: PlanContext): { left: Dataset; right: Dataset; leftStage: string; rightStage: string } {
  const [left, right] = ctx.inputs;
  const ids = stageInputs(ctx.stage);
  if (ctx.inputs.length !== 2 || left === undefined || right === undefined) {
    throw specError(ctx, 'input', `operator "join" takes exactly 2 input stages ([left, right]), got ${ctx.inputs.length}`);
  }
  return { left, right, leftStage: ids[0] ?? 'left', rightStage: ids[1] ?? 'right' };
}

/** Default hash partitions: about one per 64 MiB of input (both sides), 1 to 64. */
export function defaultPartitions(bytes: number): number {
  return Math.max(1, Math.min(64, Math.ceil(bytes / BYTES_PER_PARTITION)));
}

function resolveKeys(ctx: PlanContext, leftSchema: SchemaDef, rightSchema: SchemaDef, leftStage: string, rightStage: string): { leftKeys: FieldDef[]; rightKeys: FieldDef[] } {
  const on = parseOn(ctx);
  const find = (side: 'left' | 'right', schema: SchemaDef, stage: string, name: string, i: number): FieldDef => {
    const f = schema.fields.find((x) => x.name === name);
    if (f === undefined) {
      throw specError(ctx, on.path(side, i), `unknown column '${name}' in the ${side} input '${stage}'; its columns: ${describeColumns(schema)}`);
    }
    return f;
  };
  const leftKeys = on.left.map((n, i) => find('left', leftSchema, leftStage, n, i));
  const rightKeys = on.right.map((n, i) => find('right', rightSchema, rightStage, n, i));
  leftKeys.forEach((l, i) => {
    const r = rightKeys[i]!;
    if (l.type === r.type) return;
    const hints = [castHint(r.name, l.type, rightStage), castHint(l.name, r.type, leftStage)].filter((h): h is string => h !== null);
    const fix = hints.length > 0 ? `add a derive stage before the join that casts one side, e.g. ${hints.join(' or ')}` : 'add a derive stage before the join that gives both keys one type';
    throw specError(
      ctx,
      on.pair(i),
      `key types differ: left '${leftStage}'.${l.name} is ${l.type} but right '${rightStage}'.${r.name} is ${r.type}; keys are never cast implicitly: ${fix}`,
    );
  });
  return { leftKeys, rightKeys };
}

/** Right non-key columns, renamed with `suffix` where they clash with a left column. */
function resolveRight(ctx: PlanContext, how: JoinHow, left: SchemaDef, right: SchemaDef, rightKeys: FieldDef[], rightStage: string): RightColumn[] {
  if (how === 'anti') return [];
  const suffix = ctx.stage.suffix ?? DEFAULT_SUFFIX;
  if (typeof suffix !== 'string' || suffix === '') throw specError(ctx, 'suffix', 'must be a non-empty string, e.g. _right');
  const keys = new Set(rightKeys.map((k) => k.name));
  const taken = new Set(left.fields.map((f) => f.name));
  const rightNames = new Set(right.fields.map((f) => f.name));
  const out: RightColumn[] = [];
  for (const f of right.fields) {
    if (keys.has(f.name)) continue;
    let as = f.name;
    if (taken.has(as)) {
      as = f.name + suffix;
      if (taken.has(as) || rightNames.has(as)) {
        throw specError(ctx, 'suffix', `the right input '${rightStage}' column '${f.name}' clashes with a left column, and '${as}' is taken too; choose another suffix or rename the column in a select stage first`);
      }
    }
    taken.add(as);
    out.push({ name: f.name, as, type: f.type, nullable: how === 'left' ? true : f.nullable });
  }
  return out;
}

/** Checks every field of the stage and resolves the plan. */
export function resolveJoinPlan(ctx: PlanContext): JoinPlan {
  const { left, right, leftStage, rightStage } = joinInputs(ctx);
  const how = oneOf(ctx, 'how', JOIN_HOWS, 'inner');
  const duplicates = oneOf(ctx, 'duplicates', DUPLICATE_MODES, 'error');
  const strategy = oneOf(ctx, 'strategy', JOIN_STRATEGIES, 'auto');
  const { leftKeys, rightKeys } = resolveKeys(ctx, left.schema, right.schema, leftStage, rightStage);
  const rightCols = resolveRight(ctx, how, left.schema, right.schema, rightKeys, rightStage);
  const maxBytes = ctx.stage.broadcastMaxBytes === undefined ? DEFAULT_BROADCAST_MAX_BYTES : positiveInt(ctx, 'broadcastMaxBytes', ctx.stage.broadcastMaxBytes, 0, Number.MAX_SAFE_INTEGER);
  const partitions = ctx.stage.partitions === undefined ? defaultPartitions(left.bytes + right.bytes) : positiveInt(ctx, 'partitions', ctx.stage.partitions, 1, MAX_PARTITIONS);
  // Broadcast ships the right side to every task: auto picks it while the right side is small.
  const chosen = strategy === 'auto' ? (right.bytes <= maxBytes ? 'broadcast' : 'hash') : strategy;
  return {
    how,
    strategy: chosen,
    duplicates,
    partitions: chosen === 'hash' ? partitions : 1,
    leftKeys,
    rightKeys,
    left: left.schema.fields.map((f) => ({ ...f })),
    right: rightCols,
    leftStage,
    rightStage,
  };
}

export function outputSchema(plan: JoinPlan): SchemaDef {
  return { fields: [...plan.left, ...plan.right.map((c): FieldDef => ({ name: c.as, type: c.type, nullable: c.nullable }))] };
}

const KEY_NAMES = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
  ],
};

/** The JSON Schema (draft 2020-12) of a join stage. */
export const JOIN_SCHEMA: Record<string, unknown> = {
  type: 'object',
  title: 'join',
  description: 'Merges two inputs by key (inner, left or anti), as a distributed hash join or a broadcast join.',
  required: ['id', 'op', 'input', 'on'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: 'Stage id, unique in the job; later stages name it in `input`.' },
    op: { const: 'join', description: 'The operator: join.' },
    input: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 2,
      maxItems: 2,
      description: 'The two stages to join: [left, right]. Left rows drive the output; the right side is looked up by key.',
    },
    on: {
      description: 'Key column(s): one name or a list when both sides name them alike, else { left, right } (names or lists, paired in order). Key types must be equal.',
      oneOf: [
        ...KEY_NAMES.oneOf,
        { type: 'object', required: ['left', 'right'], additionalProperties: false, properties: { left: KEY_NAMES, right: KEY_NAMES } },
      ],
    },
    how: { enum: [...JOIN_HOWS], description: 'inner (default): matched rows only; left: every left row, right columns null when unmatched; anti: left rows with no match (left columns only).' },
    strategy: {
      enum: [...JOIN_STRATEGIES],
      description: 'auto (default): broadcast when the right side is at most broadcastMaxBytes, else hash; hash: both sides hash-partitioned by key; broadcast: the right side goes to every task.',
    },
    broadcastMaxBytes: { type: 'integer', minimum: 0, description: `Largest right side (bytes of its Arrow shards) that auto broadcasts. Default ${DEFAULT_BROADCAST_MAX_BYTES} (64 MiB).` },
    partitions: { type: 'integer', minimum: 1, maximum: MAX_PARTITIONS, description: 'Hash partitions (join tasks) of a hash join. Default: one per 64 MiB of input, 1 to 64.' },
    suffix: { type: 'string', minLength: 1, description: 'Appended to right non-key columns whose name a left column has. Default _right.' },
    duplicates: {
      enum: [...DUPLICATE_MODES],
      description: "Right rows sharing a key: error (default) fails naming counts and example keys; allow: one output row per match (SQL); first: keep the right side's first row per key.",
    },
  },
};
