/**
 * The data-quality report's parts. Operators contribute a section each (Operator.quality) from
 * their merged task stats; the coordinator gathers them when a job ends and renders the report
 * (JSON and a self-contained HTML page) next to the job's outputs.
 */

/** One column's profile, merged exactly (or by mergeable sketches, flagged) across shards. */
export interface ColumnProfile {
  name: string;
  type: string;
  /** Values seen (rows), missing ones included. */
  count: number;
  /** Null values, plus NaN for floats and empty strings for strings. */
  missing: number;
  /** Distinct non-null values; `distinctExact` false when estimated by a sketch. */
  distinct: number;
  distinctExact: boolean;
  /** Finite numbers (dates and timestamps in ms since the epoch), or strings by code-unit order. */
  min?: number | string | null;
  max?: number | string | null;
  /** Mean of the finite numbers (booleans: the share of `true`). */
  mean?: number | null;
  /** Sample standard deviation (n - 1) of the finite numbers; null below 2 values. */
  std?: number | null;
  /** ±Infinity values: counted in distinct/top, left out of min, max, mean, std, quantiles and histogram. */
  nonFinite?: number;
  /** e.g. p = 0.05, 0.25, 0.5, 0.75, 0.95; `quantilesExact` false when from a sketch. */
  quantiles?: { p: number; value: number }[];
  quantilesExact?: boolean;
  /** Equal-width bins [lo, hi) (the last one closed), exact counts. */
  histogram?: { lo: number; hi: number; count: number }[];
  /** Most frequent non-missing values, count-descending (dates and timestamps as ISO text). */
  top?: { value: string; count: number }[];
  /** False when `top` counts are lower bounds from capped per-shard lists. */
  topExact?: boolean;
  /** When `topExact` is false: the most any `top` count may fall short. */
  topError?: number;
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

/** Rows a stage quarantined, grouped by reason (line numbers and values taken out). */
export interface QualityReason {
  reason: string;
  count: number;
  /** One quarantined row with this reason. */
  example?: QualityExample;
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
  /** Why rows were quarantined; `reasonsExact` false when counted over a capped sample. */
  reasons?: QualityReason[];
  reasonsExact?: boolean;
  notes?: string[];
}

/** A dataset the job wrote (a sink stage's output) and its columns. */
export interface QualityDataset {
  stage: string;
  uri: string;
  rows: number;
  bytes: number;
  files: number;
  columns: { name: string; type: string; nullable: boolean }[];
}

/** The whole report: `report.json` under `<root>/jobs/<jobId>/quality/`. */
export interface QualityReport {
  version: 1;
  jobId: string;
  name: string;
  status: string;
  /** ISO times. */
  generatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  seconds: number;
  records: { in: number; out: number; quarantined: number; filtered: number; deduplicated: number };
  datasets: QualityDataset[];
  stages: { id: string; op: string; rowsIn: number; rowsOut: number; quarantined: number; seconds: number }[];
  /** Quarantine outputs per stage: where the rejected rows are. */
  quarantine: { stage: string; uri: string; rows: number; files: number }[];
  sections: QualitySection[];
}
