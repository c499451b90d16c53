/**
 * Per-row checks, one visitor per rule kind. A prepared rule binds to a record batch and
 * answers, per row: `undefined` (not checked: the value is missing, or a `check` expression is
 * null), `null` (passed) or the failure detail. The reason a row carries is
 * `<rule label>: <detail>`.
 *
 * ```ts
 * const check = prepareRule(plan.rules[0], 0, plan, global);
 * const at = check(batchContext);
 * at(7); // 'value is null'
 * ```
 */
import type { RecordBatch } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import type { ColumnType } from '../../dataset.js';
import { compileExpression } from '../../expr/index.js';
import { charLength, FORMAT_CHECKS, parseTextAs } from './formats.js';
import type { Rule, ValidatePlan } from './rules.js';
import { show } from './show.js';
import { isMissing } from './unique.js';

export type GlobalRule = { method: 'zscore'; n: number; mean: number; std: number } | { method: 'iqr'; n: number; q1: number; q3: number; lo: number; hi: number };

/** What the planner learnt from the whole input, by rule index (null for local rules). */
export interface GlobalStats {
  rules: (GlobalRule | null)[];
}

export type Outcome = string | null | undefined;
export type RowCheck = (i: number) => Outcome;

export interface BatchContext {
  batch: RecordBatch;
  /** Index in the shard of the batch's first row. */
  offset: number;
  /** Values of a column of the batch (cached). */
  values(name: string): Value[];
  /** Duplicate reasons by row index in the shard, by rule index. */
  duplicates: Map<number, { rule: number; reason: string }[]>;
}

export type PreparedRule = (ctx: BatchContext) => RowCheck;

/** A number as reasons show statistics: at most 6 significant digits. */
export function fmt(x: number): string {
  return Number.isInteger(x) || !Number.isFinite(x) ? String(x) : String(Number(x.toPrecision(6)));
}

const article = (t: string): string => (t === 'int' ? 'an' : 'a');

/** A check on one column's non-missing values. */
function onValues(column: string, f: (v: Value) => Outcome): PreparedRule {
  return (ctx) => {
    const values = ctx.values(column);
    return (i) => {
      const v = values[i]!;
      return isMissing(v) ? undefined : f(v);
    };
  };
}

function typeOf(plan: ValidatePlan, column: string): ColumnType {
  return plan.schema.fields.find((f) => f.name === column)!.type;
}

export function prepareRule(rule: Rule, index: number, plan: ValidatePlan, global: GlobalStats): PreparedRule {
  switch (rule.kind) {
    case 'required':
      return (ctx) => {
        const values = ctx.values(rule.column);
        return (i) => {
          const v = values[i]!;
          return v === null ? 'value is null' : isMissing(v) ? 'value is empty text' : null;
        };
      };
    case 'type': {
      const colType = typeOf(plan, rule.column);
      if (colType === 'string') return onValues(rule.column, (v) => (parseTextAs(rule.type, v as string) === null ? `${show(v, 'string')} is not ${article(rule.type)} ${rule.type}` : null));
      if (colType === 'float' && rule.type === 'int') return onValues(rule.column, (v) => (Number.isInteger(v) ? null : `${show(v, 'float')} is not a whole number`));
      return onValues(rule.column, () => null);
    }
    case 'range': {
      const { min, max, parseAs, valueType } = rule;
      return onValues(rule.column, (v) => {
        const x = parseAs === null ? v : parseTextAs(parseAs, v as string);
        if (x === null) return undefined; // not checked: the type rule reports text that does not parse
        const n = x as number;
        return (min === null || n >= min) && (max === null || n <= max) ? null : `${show(v, parseAs === null ? valueType : 'string')} is out of range`;
      });
    }
    case 'format': {
      const ok = FORMAT_CHECKS[rule.format];
      return onValues(rule.column, (v) => (ok(v as string) ? null : `${show(v, 'string')} is not a valid ${rule.format}`));
    }
    case 'allowed': {
      const set = new Set<unknown>(rule.values);
      return onValues(rule.column, (v) => (set.has(v) ? null : `${show(v, rule.valueType)} is not allowed`));
    }
    case 'regex': {
      const re = new RegExp(rule.pattern, rule.flags);
      return onValues(rule.column, (v) => (re.test(v as string) ? null : `${show(v, 'string')} does not match`));
    }
    case 'minLength':
    case 'maxLength': {
      const { kind, limit } = rule;
      return onValues(rule.column, (v) => {
        const n = charLength(v as string);
        const bad = kind === 'minLength' ? n < limit : n > limit;
        return bad ? `${show(v, 'string')} has ${n} characters` : null;
      });
    }
    case 'check': {
      const e = compileExpression(rule.expr, plan.schema);
      const types = new Map(plan.schema.fields.map((f) => [f.name, f.type]));
      return (ctx) => {
        const results = e.evaluate(ctx.batch);
        const cols = e.columns.map((c) => [c, ctx.values(c), types.get(c)!] as const);
        return (i) => {
          const r = results[i];
          if (r === null || r === undefined) return undefined;
          return r === true ? null : `false for ${cols.map(([c, vs, t]) => `${c}=${show(vs[i]!, t)}`).join(', ')}`;
        };
      };
    }
    case 'unique':
      return (ctx) => {
        const parts = rule.key.map((c) => ctx.values(c));
        return (i) => {
          if (parts.some((vs) => isMissing(vs[i]))) return undefined;
          const dup = ctx.duplicates.get(ctx.offset + i)?.find((d) => d.rule === index);
          return dup === undefined ? null : dup.reason;
        };
      };
    case 'outlier':
      return outlierRule(rule.column, rule.method === 'zscore' ? rule.threshold : 0, global.rules[index] ?? null);
  }
}

/** `threshold`: of a z-score rule (unused for IQR, whose fences the planner computed). */
function outlierRule(column: string, threshold: number, g: GlobalRule | null): PreparedRule {
  return onValues(column, (v) => {
    const x = v as number;
    if (!Number.isFinite(x)) return `${String(x)} is not a finite number`;
    if (g === null) return null;
    if (g.method === 'zscore') {
      if (g.std === 0) return null;
      const z = Math.abs(x - g.mean) / g.std;
      return z > threshold ? `${fmt(x)} has z-score ${fmt(z)} (mean ${fmt(g.mean)}, std ${fmt(g.std)})` : null;
    }
    return x < g.lo || x > g.hi ? `${fmt(x)} is outside [${fmt(g.lo)}, ${fmt(g.hi)}] (Q1 ${fmt(g.q1)}, Q3 ${fmt(g.q3)})` : null;
  });
}
