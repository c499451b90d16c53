/**
 * The data-quality report's parts. Operators contribute a section each (Operator.quality) from
 * their merged task stats; the coordinator gathers them when a job ends and renders the report
 * (JSON and a self-contained HTML page) next to the job's outputs.
 */

/** One column's profile, merged exactly (or by mergeable sketches, flagged) across shards. */
export interface ColumnProfile {
  name: string;
  type: string;
  count: number;
  missing: number;
  /** Distinct non-null values; `distinctExact` false when estimated by a sketch. */
  distinct: number;
  distinctExact: boolean;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  std?: number | null;
  /** e.g. p = 0.05, 0.25, 0.5, 0.75, 0.95; `quantilesExact` false when from a sketch. */
  quantiles?: { p: number; value: number }[];
  quantilesExact?: boolean;
  histogram?: { lo: number; hi: number; count: number }[];
  top?: { value: string; count: number }[];
}

/** An example of a failed rule: where the row came from, its values, why it failed. */
export interface QualityExample {
  /** Source position: `file.csv line 17`, or `<shard uri> row 42`. */
  position: string;
  values: Record<string, unknown>;
  reason: string;
}

export interface QualityRuleResult {
  /** Rule name as the spec gives it or a generated one: `age: range [0, 120]`. */
  rule: string;
  kind: string;
  column?: string;
  checked: number;
  passed: number;
  failed: number;
  examples: QualityExample[];
}

/** What a cleansing step did. */
export interface QualityAction {
  step: string;
  column?: string;
  /** Values (or rows) it changed. */
  changed: number;
  detail?: string;
}

export interface QualitySection {
  stage: string;
  op: string;
  title: string;
  rowsIn?: number;
  rowsOut?: number;
  quarantined?: number;
  deduplicated?: number;
  columns?: ColumnProfile[];
  rules?: QualityRuleResult[];
  actions?: QualityAction[];
  notes?: string[];
}
