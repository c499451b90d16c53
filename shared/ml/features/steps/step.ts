/**
 * What every step module provides. A step resolves its spec against the columns present at its
 * position (static check, before any data is read), and, when it learns from data, computes a
 * JSON partial over some rows, merges two partials exactly, and finishes the merged partial
 * into a JSON state. `transform` applies the state to a working frame and returns a new one
 * (input arrays are never written to).
 *
 * ```ts
 * const r = scale.resolve({ body: { columns: ['age'] }, path: 'p[0].scale', cols, gone: new Map() });
 * const state = scale.finish(r.spec, scale.merge(r.spec, scale.partial(r.spec, w1, null), scale.partial(r.spec, w2, null)));
 * const out = scale.transform(r.spec, state.state, w);
 * ```
 */
import type { ColumnType } from '../../../dataset.js';
import { QuiverError } from '../../../errors.js';
import type { Work } from '../frame.js';
import { specError as specErrorAt } from '../spec-check.js';

export { specErrorAt };

export const STEP_NAMES = ['impute', 'onehot', 'ordinal', 'scale', 'pca', 'hashing', 'tfidf', 'derive', 'variance'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** A column as known before fitting. `dynamic` marks a placeholder for columns named only after fitting. */
export interface Col {
  name: string;
  type: ColumnType;
  dynamic: boolean;
}

export interface ResolveInput {
  body: unknown;
  /** Path of the step body, e.g. `stages[3].pipeline[1].onehot`. */
  path: string;
  cols: readonly Col[];
  /** Why a column that is no longer present went away (`one-hot encoded by step 1`). */
  gone: ReadonlyMap<string, string>;
}

export interface Resolution<S> {
  /** The spec with defaults filled in (plain JSON). */
  spec: S;
  /** Columns the step reads (names; dynamic placeholders included). */
  reads: string[];
  /** Columns whose values or presence the step changes. */
  writes: string[];
  needsFit: boolean;
  /** The columns after this step. */
  cols: Col[];
  /** Columns this step removes, for later error messages. */
  removes: string[];
}

export interface Finished<T> {
  state: T;
  inputs: string[];
  outputs: string[];
}

export interface StepDef<S, P, T> {
  readonly name: StepName;
  /** JSON Schema of the step body. */
  readonly schema: Record<string, unknown>;
  resolve(r: ResolveInput): Resolution<S>;
  /** Inputs and outputs of a step that needs no fit (state null). */
  io?(spec: S): { inputs: string[]; outputs: string[] };
  partial(spec: S, w: Work, mask: Uint8Array | null): P;
  merge(spec: S, a: P, b: P): P;
  finish(spec: S, merged: P): Finished<T>;
  transform(spec: S, state: T, w: Work): Work;
  /** Throws when `state` read back from JSON does not fit `spec` (message names `path`). */
  checkState(spec: S, state: unknown, path: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = StepDef<any, any, any>;

/** Finds a column at this step or explains why it is not there. */
export function findCol(r: ResolveInput, name: string, at: string): Col {
  const c = r.cols.find((x) => x.name === name && !x.dynamic);
  if (c !== undefined) return c;
  const why = r.gone.get(name);
  const present = r.cols.filter((x) => !x.dynamic).map((x) => x.name);
  throw specErrorAt(at, why !== undefined ? `column '${name}' is no longer available here: it was ${why}; move this step before that one` : `no column '${name}' at this step; the columns here: ${present.join(', ') || '(none)'}`);
}

export function isNumeric(t: ColumnType): boolean {
  return t !== 'string';
}

/** Columns after replacing each of `names` in place with columns of `type`. */
export function retype(cols: readonly Col[], names: readonly string[], type: ColumnType | ((c: Col) => ColumnType)): Col[] {
  return cols.map((c) => (names.includes(c.name) && !c.dynamic ? { ...c, type: typeof type === 'function' ? type(c) : type } : c));
}

/** Columns after replacing `name` with `replacement` at its position. */
export function replaceCol(cols: readonly Col[], name: string, replacement: Col[]): Col[] {
  const out: Col[] = [];
  for (const c of cols) {
    if (c.name === name && !c.dynamic) out.push(...replacement);
    else out.push(c);
  }
  return out;
}

/** A fitted state read back from JSON that does not fit its spec. */
export function badState(path: string, what: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `pipeline.${path}: ${what}; refit the pipeline or load the artifact it was saved to`);
}

export function isNumberArray(v: unknown, len?: number): v is number[] {
  return Array.isArray(v) && (len === undefined || v.length === len) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
