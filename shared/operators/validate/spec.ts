/**
 * Resolves the validate stage's `rules` and `onFail` against the input schema into a
 * {@link ValidatePlan}, rejecting every semantic error with SPEC_INVALID naming the field:
 * `stages[2].rules[1].range: needs a number, date or timestamp column, ...`.
 *
 * ```ts
 * const plan = resolvePlan(ctx, input.schema, input.shards.length);
 * ```
 */
import { COLUMN_TYPES } from '../../arrow/schema.js';
import type { ColumnType, FieldDef, SchemaDef } from '../../dataset.js';
import { isErrorCode } from '../../errors.js';
import { parseTimestamp } from '../../expr/dates.js';
import { compileExpression } from '../../expr/index.js';
import { describeColumns, specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';
import { FORMATS, ON_FAIL, VIOLATIONS_COLUMN } from './rules.js';
import type { Bound, Check, Format, OnFail, Rule, ValidatePlan } from './rules.js';
import { showBound } from './show.js';

/** Fields a rule object may have, in the order its checks run. */
export const RULE_FIELDS = ['name', 'column', 'required', 'type', 'range', 'format', 'allowed', 'regex', 'flags', 'minLength', 'maxLength', 'unique', 'outlier', 'check'] as const;

const NUMERIC: readonly ColumnType[] = ['int', 'float'];
const ORDERED: readonly ColumnType[] = ['int', 'float', 'date', 'timestamp'];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Default unique-key partitions: about one per 4 input shards, 1 to 16. */
export function defaultPartitions(inputShards: number): number {
  return Math.max(1, Math.min(16, Math.ceil(inputShards / 4)));
}

class RuleResolver {
  private readonly fields: Map<string, FieldDef>;
  readonly rules: Rule[] = [];

  constructor(
    private readonly ctx: PlanContext,
    private readonly schema: SchemaDef,
  ) {
    this.fields = new Map(schema.fields.map((f) => [f.name, f]));
  }

  private fail(path: string, message: string, cause?: unknown): never {
    throw specError(this.ctx, path, message, cause);
  }

  private field(path: string, name: unknown): FieldDef {
    const f = typeof name === 'string' ? this.fields.get(name) : undefined;
    return f ?? this.fail(path, `unknown column ${JSON.stringify(name)}; available columns: ${describeColumns(this.schema)}`);
  }

  private integer(path: string, v: unknown, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(path, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  private positive(path: string, v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(path, `${what} must be a number > 0, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A bound in the domain of `type` (numbers; ms for dates and timestamps), null for open. */
  private bound(path: string, v: unknown, type: ColumnType): Bound {
    if (v === null) return null;
    if (type === 'date' || type === 'timestamp') {
      const ms = typeof v === 'string' ? parseTimestamp(v) : null;
      if (ms === null) this.fail(path, `must be a ${type} as text, e.g. '2024-01-31', or null for no bound; got ${JSON.stringify(v)}`);
      return type === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms;
    }
    if (typeof v !== 'number' || Number.isNaN(v)) this.fail(path, `must be a number or null for no bound; got ${JSON.stringify(v)}`);
    return v;
  }

  /** A value of `allowed`, in the domain of `type`. */
  private allowedValue(path: string, v: unknown, type: ColumnType): string | number | boolean {
    const want = (what: string): never => this.fail(path, `the column is ${type}, so each allowed value must be ${what}; got ${JSON.stringify(v)}`);
    switch (type) {
      case 'string':
        return typeof v === 'string' ? v : want("text (quote numbers in YAML: '42')");
      case 'int':
        return typeof v === 'number' && Number.isInteger(v) ? v : want('an integer');
      case 'float':
        return typeof v === 'number' ? v : want('a number');
      case 'bool':
        return typeof v === 'boolean' ? v : want('true or false');
      case 'date':
      case 'timestamp':
        return this.bound(path, v, type) ?? want(`a ${type} as text`);
    }
  }

  private add(rule: Check, path: string, label: string, columns: string[]): void {
    this.rules.push({ ...rule, label, path: `${this.ctx.path}.${path}`, columns });
  }

  resolve(r: unknown, i: number): void {
    const p = `rules[${i}]`;
    if (!isObject(r)) this.fail(p, 'must be an object, e.g. { column: age, range: [0, 120] } or { name: ok, check: "a <= b" }');
    for (const k of Object.keys(r)) {
      if (!(RULE_FIELDS as readonly string[]).includes(k)) this.fail(`${p}.${k}`, `unknown rule field; use: ${RULE_FIELDS.join(', ')}`);
    }
    if (r.name !== undefined && (typeof r.name !== 'string' || r.name.trim() === '')) this.fail(`${p}.name`, 'must be a non-empty text');
    const name = r.name as string | undefined;
    const f = r.column === undefined ? undefined : this.field(`${p}.column`, r.column);
    const start = this.rules.length;
    const labels: string[] = [];
    const push = (check: Check, key: string, what: string, columns: string[] = f === undefined ? [] : [f.name]): void => {
      labels.push(what);
      this.add(check, `${p}.${key}`, f === undefined ? what : `${f.name}: ${what}`, columns);
    };
    const needColumn = (key: string): FieldDef => f ?? this.fail(`${p}.${key}`, `needs \`column\` (the column to check)`);
    const needText = (key: string): FieldDef => {
      const c = needColumn(key);
      if (c.type !== 'string') this.fail(`${p}.${key}`, `needs a string column, but '${c.name}' is ${c.type}`);
      return c;
    };

    if (r.required !== undefined) {
      if (typeof r.required !== 'boolean') this.fail(`${p}.required`, 'must be true or false');
      if (r.required) push({ kind: 'required', column: needColumn('required').name }, 'required', 'required');
    }
    let parseAs: ColumnType | null = null;
    if (r.type !== undefined) {
      const c = needColumn('type');
      const t = r.type as ColumnType;
      if (!COLUMN_TYPES.includes(t)) this.fail(`${p}.type`, `unknown type ${JSON.stringify(r.type)}; use one of: ${COLUMN_TYPES.join(', ')}`);
      const ok = c.type === 'string' || c.type === t || (c.type === 'float' && t === 'int') || (c.type === 'int' && t === 'float');
      if (!ok) this.fail(`${p}.type`, `column '${c.name}' is ${c.type}, so its values are never ${t}; type checks text columns (or whole numbers in a float column)`);
      if (c.type === 'string' && t !== 'string') parseAs = t;
      push({ kind: 'type', column: c.name, type: t }, 'type', `type ${t}`);
    }
    if (r.range !== undefined) {
      const c = needColumn('range');
      const valueType = parseAs ?? c.type;
      if (!ORDERED.includes(valueType)) {
        this.fail(`${p}.range`, `needs a number, date or timestamp column, but '${c.name}' is ${c.type}${c.type === 'string' ? '; add type: int (or float, date, timestamp) to compare its text as that type' : ''}`);
      }
      if (!Array.isArray(r.range) || r.range.length !== 2) this.fail(`${p}.range`, 'must be [min, max] (inclusive; null for an open end), e.g. [0, 120]');
      const min = this.bound(`${p}.range[0]`, r.range[0], valueType);
      const max = this.bound(`${p}.range[1]`, r.range[1], valueType);
      if (min !== null && max !== null && min > max) this.fail(`${p}.range`, `min ${String(r.range[0])} is greater than max ${String(r.range[1])}`);
      push({ kind: 'range', column: c.name, min, max, valueType, parseAs }, 'range', `range [${showBound(min, valueType)}, ${showBound(max, valueType)}]`);
    }
    if (r.format !== undefined) {
      const c = needText('format');
      if (!FORMATS.includes(r.format as Format)) this.fail(`${p}.format`, `unknown format ${JSON.stringify(r.format)}; use one of: ${FORMATS.join(', ')}`);
      push({ kind: 'format', column: c.name, format: r.format as Format }, 'format', `format ${String(r.format)}`);
    }
    if (r.allowed !== undefined) {
      const c = needColumn('allowed');
      if (!Array.isArray(r.allowed) || r.allowed.length === 0) this.fail(`${p}.allowed`, 'must be a non-empty list of values, e.g. [DE, FR, US]');
      const values = r.allowed.map((v, j) => this.allowedValue(`${p}.allowed[${j}]`, v, c.type));
      const shown = r.allowed.slice(0, 8).map(String).join(', ') + (r.allowed.length > 8 ? `, … (${r.allowed.length})` : '');
      push({ kind: 'allowed', column: c.name, values, valueType: c.type }, 'allowed', `allowed [${shown}]`);
    }
    if (r.flags !== undefined && r.regex === undefined) this.fail(`${p}.flags`, 'applies to `regex`; give a regex too');
    if (r.regex !== undefined) {
      const c = needText('regex');
      if (typeof r.regex !== 'string' || r.regex === '') this.fail(`${p}.regex`, "must be a regular expression as text, e.g. '^[A-Z]'");
      const flags = r.flags ?? '';
      if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags)) this.fail(`${p}.flags`, `must be some of the letters i, m, s, u; got ${JSON.stringify(r.flags)}`);
      try {
        new RegExp(r.regex, flags);
      } catch (err) {
        this.fail(`${p}.regex`, `does not compile: ${(err as Error).message}`, err);
      }
      push({ kind: 'regex', column: c.name, pattern: r.regex, flags }, 'regex', `regex /${r.regex}/${flags}`);
    }
    for (const key of ['minLength', 'maxLength'] as const) {
      if (r[key] === undefined) continue;
      const c = needText(key);
      push({ kind: key, column: c.name, limit: this.integer(`${p}.${key}`, r[key], 0) }, key, `${key} ${String(r[key])}`);
    }
    if (r.minLength !== undefined && r.maxLength !== undefined && (r.minLength as number) > (r.maxLength as number)) {
      this.fail(`${p}.minLength`, `${String(r.minLength)} is greater than maxLength ${String(r.maxLength)}`);
    }
    if (r.unique !== undefined) this.unique(r, p, f, push);
    if (r.outlier !== undefined) this.outlier(r.outlier, p, needColumn('outlier'), push);
    if (r.check !== undefined) this.check(r.check, p, push);

    const added = this.rules.length - start;
    if (added === 0) this.fail(p, `declares no check; give at least one of: ${RULE_FIELDS.filter((k) => k !== 'name' && k !== 'column' && k !== 'flags').join(', ')}`);
    if (name !== undefined) this.rules.slice(start).forEach((rule, k) => (rule.label = added === 1 ? name : `${name}: ${labels[k]!}`));
  }

  private unique(r: Obj, p: string, f: FieldDef | undefined, push: (c: Check, key: string, what: string, columns?: string[]) => void): void {
    let key: FieldDef[];
    if (r.unique === true) key = [f ?? this.fail(`${p}.unique`, 'needs `column` (or a list of key columns: unique: [a, b])')];
    else if (r.unique === false) return;
    else if (Array.isArray(r.unique) && r.unique.length > 0) key = r.unique.map((c, j) => this.field(`${p}.unique[${j}]`, c));
    else this.fail(`${p}.unique`, 'must be true (the rule column is a key) or a list of key columns, e.g. [first_name, last_name]');
    const names = key.map((k) => k.name);
    if (new Set(names).size !== names.length) this.fail(`${p}.unique`, 'lists a column twice');
    const what = Array.isArray(r.unique) ? `unique (${names.join(', ')})` : 'unique';
    push({ kind: 'unique', key: names, types: key.map((k) => k.type) }, 'unique', what, names);
  }

  private outlier(o: unknown, p: string, c: FieldDef, push: (c: Check, key: string, what: string) => void): void {
    const path = `${p}.outlier`;
    if (!NUMERIC.includes(c.type)) this.fail(path, `needs an int or float column, but '${c.name}' is ${c.type}; derive a number first, e.g. to_float(${c.name})`);
    if (!isObject(o)) this.fail(path, 'must be { method: zscore, threshold: 3 } or { method: iqr, k: 1.5 }');
    if (o.method === 'zscore') {
      for (const k of Object.keys(o)) if (k !== 'method' && k !== 'threshold') this.fail(`${path}.${k}`, 'unknown field; zscore takes threshold');
      const threshold = o.threshold === undefined ? 3 : this.positive(`${path}.threshold`, o.threshold, 'threshold');
      push({ kind: 'outlier', column: c.name, method: 'zscore', threshold }, 'outlier', `outlier zscore > ${threshold}`);
    } else if (o.method === 'iqr') {
      for (const k of Object.keys(o)) if (k !== 'method' && k !== 'k') this.fail(`${path}.${k}`, 'unknown field; iqr takes k');
      const k = o.k === undefined ? 1.5 : this.positive(`${path}.k`, o.k, 'k');
      push({ kind: 'outlier', column: c.name, method: 'iqr', k }, 'outlier', `outlier iqr k=${k}`);
    } else {
      this.fail(`${path}.method`, `unknown method ${JSON.stringify(o.method)}; use zscore or iqr`);
    }
  }

  private check(text: unknown, p: string, push: (c: Check, key: string, what: string, columns?: string[]) => void): void {
    if (typeof text !== 'string' || text.trim() === '') this.fail(`${p}.check`, 'must be a true/false expression, e.g. "total_spend >= monthly_spend"');
    let columns: readonly string[];
    try {
      const e = compileExpression(text, this.schema);
      if (e.type !== 'bool') this.fail(`${p}.check`, `the expression is ${e.type}, not true/false; compare it, e.g. ${text} > 0`);
      columns = e.columns;
    } catch (err) {
      if (!isErrorCode(err, 'EXPR_INVALID')) throw err;
      this.fail(`${p}.check`, (err as Error).message, err);
    }
    push({ kind: 'check', expr: text }, 'check', `check ${text}`, [...columns]);
  }
}

/** Labels must tell rules apart in the report: a repeated label gets its spec path appended. */
function uniqueLabels(rules: Rule[], ctxPath: string): void {
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.label)) r.label = `${r.label} (${r.path.slice(ctxPath.length + 1)})`;
    seen.add(r.label);
  }
}

export function resolvePlan(ctx: PlanContext, schema: SchemaDef, inputShards: number): ValidatePlan {
  const { rules, onFail = 'quarantine' } = ctx.stage;
  if (!Array.isArray(rules) || rules.length === 0) {
    throw specError(ctx, 'rules', 'must be a non-empty list, e.g. [{ column: id, required: true, unique: true }, { column: age, range: [0, 120] }]');
  }
  if (!ON_FAIL.includes(onFail as OnFail)) throw specError(ctx, 'onFail', `must be one of: ${ON_FAIL.join(', ')}; got ${JSON.stringify(onFail)}`);
  if (onFail === 'flag' && schema.fields.some((f) => f.name === VIOLATIONS_COLUMN)) {
    throw specError(ctx, 'onFail', `flag adds a column '${VIOLATIONS_COLUMN}', but the input already has one; drop or rename it first (select)`);
  }
  const resolver = new RuleResolver(ctx, schema);
  rules.forEach((r, i) => resolver.resolve(r, i));
  uniqueLabels(resolver.rules, ctx.path);
  const partitions = resolver.rules.some((r) => r.kind === 'unique') ? defaultPartitions(inputShards) : 1;
  return { rules: resolver.rules, onFail: onFail as OnFail, schema, partitions };
}
