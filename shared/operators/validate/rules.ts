/**
 * The validate stage's resolved plan: every rule object of the spec expanded into atomic
 * checks (one per kind), each with a label for the quality report, the spec path it came
 * from (for errors) and the columns an example row shows. What every validate task carries.
 *
 * ```ts
 * const plan = resolvePlan(ctx, inputSchema, inputShards); // throws SPEC_INVALID naming rules[i].<field>
 * plan.rules[0]; // { kind: 'required', column: 'customer_id', label: 'customer_id: required', ... }
 * ```
 */
import type { ColumnType, SchemaDef } from '../../dataset.js';

export const FORMATS = ['email', 'date', 'datetime', 'iso-country', 'uuid', 'url'] as const;
export type Format = (typeof FORMATS)[number];

export const ON_FAIL = ['quarantine', 'flag', 'fail'] as const;
export type OnFail = (typeof ON_FAIL)[number];

/** Name of the column `onFail: flag` adds. */
export const VIOLATIONS_COLUMN = '_violations';

/** Example rows kept per rule for the quality report (per task, and after merging). */
export const EXAMPLES_PER_RULE = 5;

interface RuleCommon {
  /** `customer_id: required`, or the rule's `name`. Unique within the stage. */
  label: string;
  /** Spec path of the field that declared it: `stages[2].rules[0].required`. */
  path: string;
  /** Columns an example row shows. */
  columns: string[];
}

/** A numeric bound of a range, in the compared domain (ms for dates and timestamps). */
export type Bound = number | null;

export type Check =
  | { kind: 'required'; column: string }
  /** Text of a string column parses as `type`; or a float column holds whole numbers (type int). */
  | { kind: 'type'; column: string; type: ColumnType }
  /** Inclusive bounds; `parseAs` set when a string column's text is compared as that type. */
  | { kind: 'range'; column: string; min: Bound; max: Bound; valueType: ColumnType; parseAs: ColumnType | null }
  | { kind: 'format'; column: string; format: Format }
  /** Values in the column's domain (ms for dates and timestamps). */
  | { kind: 'allowed'; column: string; values: (string | number | boolean)[]; valueType: ColumnType }
  | { kind: 'regex'; column: string; pattern: string; flags: string }
  | { kind: 'minLength' | 'maxLength'; column: string; limit: number }
  | { kind: 'check'; expr: string }
  | { kind: 'unique'; key: string[]; types: ColumnType[] }
  | { kind: 'outlier'; column: string; method: 'zscore'; threshold: number }
  | { kind: 'outlier'; column: string; method: 'iqr'; k: number };

export type Rule = RuleCommon & Check;
export type RuleKind = Rule['kind'];

/** What every validate task carries (JSON). */
export interface ValidatePlan {
  rules: Rule[];
  onFail: OnFail;
  /** The input schema the rules were checked against. */
  schema: SchemaDef;
  /** Hash partitions of the unique-key phase (1 when there is no unique rule). */
  partitions: number;
}

export function hasGlobalRules(plan: ValidatePlan): boolean {
  return plan.rules.some((r) => r.kind === 'unique' || r.kind === 'outlier');
}

/** Indices of the IQR outlier rules. */
export function iqrRules(plan: ValidatePlan): number[] {
  return plan.rules.flatMap((r, i) => (r.kind === 'outlier' && r.method === 'iqr' ? [i] : []));
}

export function hasUnique(plan: ValidatePlan): boolean {
  return plan.rules.some((r) => r.kind === 'unique');
}
