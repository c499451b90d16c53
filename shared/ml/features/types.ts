/**
 * The feature-pipeline contract: columnar frames in, a dense feature matrix out.
 *
 * A pipeline is an ordered list of steps (impute, onehot, ordinal, scale, pca, hashing, tfidf,
 * derive, variance). Steps that learn from data are fitted from *partial statistics*: each shard
 * (or each fold's rows of a shard, by a row mask) computes a JSON partial, partials merge
 * exactly (associative, commutative), and `finish` turns the merged partial into the fitted
 * step. Fitting on shards and merging equals fitting on all rows at once.
 *
 * Steps fit in *passes*: a pass holds consecutive steps whose input columns do not depend on a
 * step of the same pass that still has to be fitted; a pass sees rows transformed by all the
 * steps fitted before it. The fitted pipeline is one JSON artifact (`FittedPipeline`) whose
 * `version` is the SHA-256 of its content; the same `transformFrame` code serves a batch shard
 * and a single online record (`transformRecord` wraps the record as a 1-row frame).
 */

/** Numeric column: NaN marks a missing value. bool → 0/1, date → days since epoch, timestamp → ms since epoch. */
export type NumericColumn = Float64Array;
/** Categorical or free-text column: null marks a missing value. */
export type TextColumn = (string | null)[];
export type ColumnData = NumericColumn | TextColumn;

export interface Frame {
  rows: number;
  columns: Record<string, ColumnData>;
}

/** JSON partial statistics of one pass over some rows (one entry per step of the pass). */
export type PassPartial = unknown[];

/** One fitted step: its spec plus what it learned (plain JSON). */
export interface FittedStep {
  step: string;
  spec: unknown;
  state: unknown;
  /** Columns this step reads and the columns it outputs (replacing or adding). */
  inputs: string[];
  outputs: string[];
}

export interface FittedPipeline {
  kind: 'quiver-feature-pipeline';
  format: 1;
  /** SHA-256 (hex) of the canonical JSON of everything below. */
  version: string;
  /** Raw input columns the pipeline reads, with their quiver types. */
  input: { name: string; type: string }[];
  steps: FittedStep[];
  /** Names of the output feature columns, in matrix column order. */
  features: string[];
  /** Rows the pipeline was fitted on. */
  fittedRows: number;
}
