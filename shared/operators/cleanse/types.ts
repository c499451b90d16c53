/**
 * The resolved cleanse plan every task carries (JSON): the steps, checked against the input
 * schema, with the column types each step sees. Built by ./spec.ts at plan time.
 *
 * ```ts
 * const plan: CleansePlan = resolveCleanse(ctx, input.schema);
 * plan.steps[0]; // { kind: 'trim', path: 'steps[0].trim', columns: ['name', 'email'] }
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { ColumnType, SchemaDef } from '../../dataset.js';

export const CASE_MODES = ['lower', 'upper', 'title'] as const;
export type CaseMode = (typeof CASE_MODES)[number];

export const MATCH_MODES = ['exact', 'trim', 'ignore-case'] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

export const ON_ERROR = ['null', 'quarantine'] as const;
export type OnError = (typeof ON_ERROR)[number];

export const STRATEGIES = ['mean', 'median', 'mode', 'constant', 'ffill'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Strategies whose value needs statistics over all shards (extra phases). */
export const STAT_STRATEGIES: readonly Strategy[] = ['mean', 'median', 'mode', 'ffill'];

export interface TrimStep {
  kind: 'trim';
  path: string;
  columns: string[];
}

export interface CaseStep {
  kind: 'case';
  path: string;
  columns: { column: string; mode: CaseMode }[];
}

export interface MapStep {
  kind: 'map';
  path: string;
  column: string;
  /** Normalized spelling (per `match`) → canonical value. */
  values: [string, string | null][];
  match: MatchMode;
}

export interface CoerceStep {
  kind: 'coerce';
  path: string;
  columns: { column: string; from: ColumnType; to: ColumnType }[];
  onError: OnError;
}

export interface ImputeStep {
  kind: 'impute';
  path: string;
  column: string;
  type: ColumnType;
  strategy: Strategy;
  /** The fill value of `constant`, in the column's JS representation. */
  value?: Value;
  /** ffill: series key columns ([] = one series). */
  by?: string[];
  /** ffill: the column rows are ordered by within a series (checked). */
  order?: string;
}

export interface ClipStep {
  kind: 'clip';
  path: string;
  column: string;
  min?: number;
  max?: number;
}

export interface DropStep {
  kind: 'drop';
  path: string;
  columns: string[];
}

export type Step = TrimStep | CaseStep | MapStep | CoerceStep | ImputeStep | ClipStep | DropStep;

export interface CleansePlan {
  steps: Step[];
  input: SchemaDef;
  output: SchemaDef;
}

/** One counter of what a step did, in a fixed order derived from the plan (see actionSlots). */
export interface ActionSlot {
  step: number;
  kind: Step['kind'];
  column?: string;
}

export function needsStats(step: Step): step is ImputeStep {
  return step.kind === 'impute' && STAT_STRATEGIES.includes(step.strategy);
}

/** The counters every apply task reports, in this order. */
export function actionSlots(plan: CleansePlan): ActionSlot[] {
  return plan.steps.flatMap((s, step): ActionSlot[] => {
    switch (s.kind) {
      case 'trim':
      case 'drop':
        return s.columns.map((column) => ({ step, kind: s.kind, column }));
      case 'case':
      case 'coerce':
        return s.columns.map(({ column }) => ({ step, kind: s.kind, column }));
      case 'map':
      case 'impute':
      case 'clip':
        return [{ step, kind: s.kind, column: s.column }];
    }
  });
}
