/**
 * Alert rules over closed windows: a threshold on one window statistic
 * (`{ field: temperature, stat: max, above: 80 }`) or a bool expression over the window row
 * (`when: "temperature_max > 80 and humidity_mean < 20"`, quiver's expression language, see
 * shared/expr/README.md). A rule fires at most once per window.
 *
 * ```ts
 * const rules = compileAlertRules(plan.alerts, windowSchema(keyField, fields), { stream: 'sensors', key: 'device_id' });
 * for (const rule of rules) {
 *   const alert = rule.evaluate(windowRow);
 *   if (alert !== undefined) await publish(rule.publish, alert);
 * }
 * ```
 */
import type { Value } from '../arrow/columns.js';
import type { SchemaDef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { compileExpression } from '../expr/index.js';
import type { RowSource } from '../expr/index.js';
import type { AlertPublishSpec, AlertRulePlan, WindowStat } from './types.js';
import { statColumn, WINDOW_END, WINDOW_START } from './windows.js';
import type { WindowRow } from './windows.js';

/** An alert as published (JSON) and stored. Times are ISO 8601 UTC. */
export interface Alert {
  stream: string;
  rule: string;
  /** The window's key value (e.g. the device id). */
  key: Value;
  windowStart: string;
  windowEnd: string;
  /** What fired, in words: `temperature max 93.2 > 80`, or the expression. */
  condition: string;
  /** Threshold rules: the statistic's value and the bound it crossed. */
  value?: number;
  threshold?: number;
  /** The whole window row, times as ISO strings. */
  window: Record<string, Value>;
}

export interface CompiledAlertRule {
  readonly name: string;
  readonly publish: AlertPublishSpec | undefined;
  /** The alert when the rule fires for this window, else undefined. */
  evaluate(row: WindowRow): Alert | undefined;
}

export interface AlertContext {
  stream: string;
  /** Name of the key column in window rows. */
  key: string;
  /** Numeric fields the windows aggregate (threshold rules may only name these). */
  fields: readonly string[];
}

function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', message);
}

/** Window row → JSON-friendly object with ISO times. */
export function windowJson(row: WindowRow): Record<string, Value> {
  const out: Record<string, Value> = { ...row };
  for (const c of [WINDOW_START, WINDOW_END]) out[c] = new Date(row[c] as number).toISOString();
  return out;
}

function baseAlert(ctx: AlertContext, name: string, row: WindowRow, condition: string): Alert {
  return {
    stream: ctx.stream,
    rule: name,
    key: row[ctx.key] ?? null,
    windowStart: new Date(row[WINDOW_START] as number).toISOString(),
    windowEnd: new Date(row[WINDOW_END] as number).toISOString(),
    condition,
    window: windowJson(row),
  };
}

function thresholdRule(rule: AlertRulePlan, t: NonNullable<AlertRulePlan['threshold']>, ctx: AlertContext): CompiledAlertRule {
  if (!ctx.fields.includes(t.field)) {
    throw invalid(`${rule.path}.field: "${t.field}" is not aggregated by the window; use one of: ${ctx.fields.join(', ')} (or add it to window.fields)`);
  }
  const column = statColumn(t.field, t.stat as WindowStat);
  return {
    name: rule.name,
    publish: rule.publish,
    evaluate(row) {
      const v = row[column];
      if (typeof v !== 'number' || Number.isNaN(v)) return undefined;
      let bound: number | undefined;
      let op = '';
      if (t.above !== undefined && v > t.above) [bound, op] = [t.above, '>'];
      else if (t.below !== undefined && v < t.below) [bound, op] = [t.below, '<'];
      if (bound === undefined) return undefined;
      return { ...baseAlert(ctx, rule.name, row, `${t.field} ${t.stat} ${v} ${op} ${bound}`), value: v, threshold: bound };
    },
  };
}

function expressionRule(rule: AlertRulePlan, when: string, schema: SchemaDef, ctx: AlertContext): CompiledAlertRule {
  let expr;
  try {
    expr = compileExpression(when, schema);
  } catch (err) {
    const columns = schema.fields.map((f) => f.name).join(', ');
    throw invalid(`${rule.path}.when: ${(err as Error).message} (window row columns: ${columns})`);
  }
  if (expr.type !== 'bool') throw invalid(`${rule.path}.when: must be a true/false condition such as temperature_max > 80; "${when}" gives ${expr.type}`);
  return {
    name: rule.name,
    publish: rule.publish,
    evaluate(row) {
      const source: RowSource = { length: 1, reader: (name) => () => row[name] ?? null };
      return expr.bind(source)(0) === true ? baseAlert(ctx, rule.name, row, when) : undefined;
    },
  };
}

/** Compiles every rule against the window-row schema; errors name the rule's spec path. */
export function compileAlertRules(rules: readonly AlertRulePlan[], schema: SchemaDef, ctx: AlertContext): CompiledAlertRule[] {
  return rules.map((rule) => {
    if (rule.threshold !== undefined) return thresholdRule(rule, rule.threshold, ctx);
    if (rule.when !== undefined) return expressionRule(rule, rule.when, schema, ctx);
    throw invalid(`${rule.path}: give either field + stat + above/below, or when: <expression>`);
  });
}
