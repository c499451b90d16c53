/**
 * The cleanse stage's `steps`, checked against the input schema step by step (each step sees
 * the columns and types the steps before it left) and resolved into the {@link CleansePlan}
 * every task carries. Errors name the field path: `stages[2].steps[3].coerce.age: ...`.
 *
 * ```ts
 * const plan = resolveCleanse(ctx, input.schema);
 * plan.output; // the schema after the last step
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import { COLUMN_TYPES } from '../../arrow/schema.js';
import type { ColumnType, FieldDef, SchemaDef } from '../../dataset.js';
import { specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';
import { CONVERSIONS, convertValue } from './coerce.js';
import { CASE_MODES, MATCH_MODES, ON_ERROR, STRATEGIES } from './types.js';
import type { CaseMode, CleansePlan, MatchMode, OnError, Step, Strategy } from './types.js';
import { normalizeKey } from './values.js';

const STEP_KINDS = ['trim', 'case', 'map', 'coerce', 'impute', 'clip', 'drop'] as const;
type StepKind = (typeof STEP_KINDS)[number];
const NUMERIC: readonly ColumnType[] = ['int', 'float', 'date', 'timestamp'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The working schema while steps are resolved, with errors bound to the stage. */
class Resolver {
  fields: FieldDef[];

  constructor(
    readonly ctx: PlanContext,
    input: SchemaDef,
  ) {
    this.fields = input.fields.map((f) => ({ ...f }));
  }

  fail(path: string, message: string): never {
    throw specError(this.ctx, path, message);
  }

  field(path: string, name: unknown): FieldDef {
    const f = typeof name === 'string' ? this.fields.find((x) => x.name === name) : undefined;
    if (f === undefined) {
      const cols = this.fields.map((x) => x.name).join(', ') || '(none)';
      return this.fail(path, `unknown column ${JSON.stringify(name)}; columns at this step: ${cols}`);
    }
    return f;
  }

  /** A list of column names (a single name is a list of one). */
  columns(path: string, v: unknown): FieldDef[] {
    const names = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(names) || names.length === 0) return this.fail(path, 'must be a column name or a non-empty list of column names');
    if (new Set(names).size !== names.length) this.fail(path, 'lists a column twice; list each column once');
    return names.map((n, i) => this.field(typeof v === 'string' ? path : `${path}[${i}]`, n));
  }

  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !allowed.includes(v as T)) this.fail(path, `must be one of: ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
    return v as T;
  }

  requireType(path: string, f: FieldDef, types: readonly ColumnType[], what: string): void {
    const list = types.length === 1 ? types[0]! : `${types.slice(0, -1).join(', ')} or ${types.at(-1)!}`;
    if (!types.includes(f.type)) this.fail(path, `${what} needs a column of type ${list}, but '${f.name}' is ${f.type} here; coerce it first, e.g. { coerce: { ${f.name}: ${types[0]} } }`);
  }

  /** A bound of `clip` or a `constant` value, as the column's JS value. */
  literal(path: string, v: unknown, f: FieldDef): Value {
    const from: ColumnType | undefined = typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : undefined;
    const ok = from !== undefined && (from === f.type || from === 'string' || CONVERSIONS[from].includes(f.type));
    const value = ok ? convertValue(v as Value, from, f.type) : undefined;
    if (value === undefined || value === null) this.fail(path, `${JSON.stringify(v)} is not a valid ${f.type} value for column '${f.name}'`);
    return value;
  }
}

function stepKind(r: Resolver, path: string, step: unknown): StepKind {
  if (!isObject(step)) return r.fail(path, `must be an object with one of: ${STEP_KINDS.join(', ')}; e.g. { trim: [name] }`);
  const kinds = STEP_KINDS.filter((k) => k in step);
  if (kinds.length !== 1) return r.fail(path, `must have exactly one of: ${STEP_KINDS.join(', ')}; got ${Object.keys(step).join(', ') || 'no keys'}`);
  const kind = kinds[0]!;
  const extra = Object.keys(step).filter((k) => k !== kind && !(kind === 'coerce' && k === 'onError'));
  if (extra.length > 0) r.fail(`${path}.${extra[0]!}`, `unknown option for a ${kind} step${kind === 'coerce' ? '; coerce takes onError: null | quarantine' : ''}`);
  return kind;
}

function resolveStep(r: Resolver, path: string, raw: Record<string, unknown>, kind: StepKind): Step {
  const p = `${path}.${kind}`;
  const body = raw[kind];
  switch (kind) {
    case 'trim': {
      const cols = body === 'all-strings' ? r.fields.filter((f) => f.type === 'string') : r.columns(p, body);
      for (const f of cols) r.requireType(p, f, ['string'], 'trim');
      return { kind, path: p, columns: cols.map((f) => f.name) };
    }
    case 'case': {
      if (!isObject(body) || Object.keys(body).length === 0) r.fail(p, 'must map columns to lower, upper or title, e.g. { email: lower }');
      const columns = Object.entries(body).map(([name, mode]) => {
        const f = r.field(`${p}.${name}`, name);
        r.requireType(`${p}.${name}`, f, ['string'], 'case');
        return { column: name, mode: r.oneOf<CaseMode>(`${p}.${name}`, mode, CASE_MODES) };
      });
      return { kind, path: p, columns };
    }
    case 'map':
      return resolveMap(r, p, body);
    case 'coerce': {
      if (!isObject(body) || Object.keys(body).length === 0) r.fail(p, 'must map columns to types, e.g. { age: int, signup: date }');
      const onError = raw.onError === undefined ? 'null' : r.oneOf<OnError>(`${path}.onError`, raw.onError, ON_ERROR);
      const columns = Object.entries(body).map(([name, to]) => {
        const f = r.field(`${p}.${name}`, name);
        const type = r.oneOf<ColumnType>(`${p}.${name}`, to, COLUMN_TYPES);
        if (type !== f.type && !CONVERSIONS[f.type].includes(type)) {
          r.fail(`${p}.${name}`, `cannot coerce ${f.type} to ${type}; a ${f.type} column converts to: ${CONVERSIONS[f.type].join(', ')}`);
        }
        const from = f.type;
        f.type = type;
        f.nullable = true;
        return { column: name, from, to: type };
      });
      return { kind, path: p, columns, onError };
    }
    case 'impute':
      return resolveImpute(r, p, body);
    case 'clip': {
      if (!isObject(body)) return r.fail(p, 'must be { column, min?, max? }');
      const f = r.field(`${p}.column`, body.column);
      r.requireType(`${p}.column`, f, NUMERIC, 'clip');
      const unknown = Object.keys(body).find((k) => !['column', 'min', 'max'].includes(k));
      if (unknown !== undefined) r.fail(`${p}.${unknown}`, 'unknown option; clip takes column, min and max');
      if (body.min === undefined && body.max === undefined) r.fail(p, 'needs min, max or both');
      const step: Step = { kind, path: p, column: f.name };
      if (body.min !== undefined) step.min = r.literal(`${p}.min`, body.min, f) as number;
      if (body.max !== undefined) step.max = r.literal(`${p}.max`, body.max, f) as number;
      if (step.min !== undefined && step.max !== undefined && step.min > step.max) r.fail(`${p}.min`, `min ${String(body.min)} is greater than max ${String(body.max)}`);
      return step;
    }
    case 'drop': {
      const cols = r.columns(p, body).map((f) => f.name);
      r.fields = r.fields.filter((f) => !cols.includes(f.name));
      return { kind, path: p, columns: cols };
    }
  }
}

function resolveMap(r: Resolver, p: string, body: unknown): Step {
  if (!isObject(body)) return r.fail(p, 'must be { column, values: { spelling: canonical, ... }, match?: exact | trim | ignore-case }');
  const unknown = Object.keys(body).find((k) => !['column', 'values', 'match'].includes(k));
  if (unknown !== undefined) r.fail(`${p}.${unknown}`, 'unknown option; map takes column, values and match');
  const f = r.field(`${p}.column`, body.column);
  r.requireType(`${p}.column`, f, ['string'], 'map');
  const match = body.match === undefined ? 'exact' : r.oneOf<MatchMode>(`${p}.match`, body.match, MATCH_MODES);
  if (!isObject(body.values) || Object.keys(body.values).length === 0) r.fail(`${p}.values`, 'must map spellings to canonical values, e.g. { Germany: DE, Deutschland: DE }');
  const seen = new Map<string, { from: string; to: string | null }>();
  for (const [from, to] of Object.entries(body.values)) {
    if (to !== null && typeof to !== 'string' && typeof to !== 'number' && typeof to !== 'boolean') r.fail(`${p}.values.${from}`, 'must be a text value or null');
    const target = to === null ? null : String(to);
    const key = normalizeKey(from, match);
    const prev = seen.get(key);
    if (prev !== undefined && prev.to !== target) {
      r.fail(`${p}.values.${from}`, `matches the same values as ${JSON.stringify(prev.from)} under match: ${match} but maps them to ${JSON.stringify(target)} instead of ${JSON.stringify(prev.to)}`);
    }
    seen.set(key, { from, to: target });
  }
  if ([...seen.values()].some((v) => v.to === null)) f.nullable = true;
  return { kind: 'map', path: p, column: f.name, values: [...seen].map(([k, v]) => [k, v.to]), match };
}

function resolveImpute(r: Resolver, p: string, body: unknown): Step {
  if (!isObject(body)) return r.fail(p, 'must be { column, strategy: mean | median | mode | constant | ffill, value?, by?, order? }');
  const unknown = Object.keys(body).find((k) => !['column', 'strategy', 'value', 'by', 'order'].includes(k));
  if (unknown !== undefined) r.fail(`${p}.${unknown}`, 'unknown option; impute takes column, strategy, value (constant), by and order (ffill)');
  const f = r.field(`${p}.column`, body.column);
  const strategy = r.oneOf<Strategy>(`${p}.strategy`, body.strategy, STRATEGIES);
  if (strategy === 'mean' || strategy === 'median') r.requireType(`${p}.strategy`, f, NUMERIC, `impute ${strategy}`);
  const step: Step = { kind: 'impute', path: p, column: f.name, type: f.type, strategy };
  if (strategy === 'constant') {
    if (body.value === undefined) r.fail(`${p}.value`, 'constant needs a value, e.g. value: 0');
    step.value = r.literal(`${p}.value`, body.value, f);
  } else if (body.value !== undefined) r.fail(`${p}.value`, `only the constant strategy takes a value; ${strategy} computes it`);
  if (strategy === 'ffill') {
    step.by = body.by === undefined ? [] : r.columns(`${p}.by`, body.by).map((x) => x.name);
    if (step.by.includes(f.name)) r.fail(`${p}.by`, `cannot group by the column being filled ('${f.name}')`);
    if (body.order !== undefined) {
      const o = r.field(`${p}.order`, body.order);
      if (o.name === f.name) r.fail(`${p}.order`, `cannot order by the column being filled ('${f.name}')`);
      step.order = o.name;
    }
  } else if (body.by !== undefined || body.order !== undefined) {
    r.fail(`${p}.${body.by !== undefined ? 'by' : 'order'}`, 'only the ffill strategy takes by and order');
  }
  return step;
}

/** Checks `ctx.stage.steps` against `input` and resolves them. Throws SPEC_INVALID naming the field. */
export function resolveCleanse(ctx: PlanContext, input: SchemaDef): CleansePlan {
  const r: Resolver = new Resolver(ctx, input);
  const steps = ctx.stage.steps;
  if (!Array.isArray(steps) || steps.length === 0) r.fail('steps', 'must be a non-empty list of steps, e.g. [{ trim: all-strings }, { coerce: { age: int } }]');
  const resolved = steps.map((raw, i) => {
    const path = `steps[${i}]`;
    const kind = stepKind(r, path, raw);
    return resolveStep(r, path, raw as Record<string, unknown>, kind);
  });
  if (r.fields.length === 0) r.fail('steps', 'drops every column; keep at least one');
  return { steps: resolved, input, output: { fields: r.fields } };
}

const COLUMNS = { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] };

/** JSON Schema of the stage's own fields (the code above checks the details and names paths). */
export const CLEANSE_PROPERTIES = {
  steps: {
    type: 'array',
    minItems: 1,
    description: 'Cleansing steps, applied in order; each sees the columns the steps before it left.',
    items: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        trim: { description: 'Strip surrounding whitespace: a column, a list, or all-strings.', anyOf: [{ const: 'all-strings' }, COLUMNS] },
        case: { type: 'object', description: 'column: lower | upper | title', additionalProperties: { enum: [...CASE_MODES] } },
        map: {
          type: 'object',
          description: 'Canonical spellings: { column, values: { spelling: canonical }, match: exact | trim | ignore-case }.',
          required: ['column', 'values'],
          properties: { column: { type: 'string' }, values: { type: 'object' }, match: { enum: [...MATCH_MODES] } },
        },
        coerce: { type: 'object', description: 'column: target type (int, float, bool, string, date, timestamp).', additionalProperties: { enum: [...COLUMN_TYPES] } },
        onError: { enum: [...ON_ERROR], description: 'coerce: unparsable values become null (default) or quarantine the row.' },
        impute: {
          type: 'object',
          description: 'Fill nulls: { column, strategy: mean | median | mode | constant | ffill, value (constant), by, order (ffill) }.',
          required: ['column', 'strategy'],
          properties: { column: { type: 'string' }, strategy: { enum: [...STRATEGIES] }, value: {}, by: COLUMNS, order: { type: 'string' } },
        },
        clip: { type: 'object', description: 'Bound a numeric column: { column, min?, max? }.', required: ['column'], properties: { column: { type: 'string' }, min: {}, max: {} } },
        drop: { description: 'Remove columns.', ...COLUMNS },
      },
    },
  },
};
