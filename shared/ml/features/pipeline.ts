/**
 * Resolving a pipeline spec against the input schema, before any data is read: every step's
 * fields and columns are checked (SPEC_INVALID naming the field), defaults filled in, and the
 * steps that learn from data grouped into passes. A pass holds consecutive fitted steps none of
 * which reads a column that an unfitted step of the same pass changes; each pass sees rows
 * transformed by everything fitted before it. Steps that need no fit (hashing, derive, constant
 * impute, ordinal with given categories) belong to no pass and run wherever they stand.
 *
 * ```ts
 * const p = resolvePipeline([{ impute: { columns: ['age'], strategy: 'median' } }, { scale: { columns: ['age'] } }], schema, ['age'], 'stages[2].pipeline');
 * p.passes; // [[0], [1]]: scale reads what impute writes, so it is fitted in a second pass
 * ```
 */
import type { ColumnType } from '../../dataset.js';
import { specError } from './spec-check.js';
import { REMOVED_BY, STEP_NAMES, STEPS } from './steps/index.js';
import type { StepName } from './steps/index.js';
import type { Col } from './steps/step.js';

/** One step as it appears in a job spec: a one-key object, e.g. `{ onehot: { columns: [country] } }`. */
export type StepSpec = Record<string, unknown>;

export interface ResolvedStep {
  index: number;
  step: StepName;
  /** Path of the step body in the job spec. */
  path: string;
  /** The step's spec with defaults filled in (plain JSON). */
  spec: unknown;
  /** The pass that fits it, or -1 when it needs no fit. */
  pass: number;
  /**
   * For a step without fit that reads columns an unfitted step of the pass open at its position
   * changes: that pass (it is skipped while that pass computes partials). Otherwise -1.
   */
  pendingIn: number;
  /** Columns it reads and writes (dynamic placeholders such as one-hot outputs included). */
  reads: string[];
  writes: string[];
}

export interface ResolvedPipeline {
  /** Path of the steps list in the job spec (for messages). */
  path: string;
  steps: ResolvedStep[];
  /** Step indices fitted in each pass, in order. */
  passes: number[][];
  /** Raw columns the pipeline reads, in order, with their quiver types. */
  input: { name: string; type: ColumnType }[];
  /** Output columns as known before fitting; `dynamic` entries (`country=*`) stand for columns named by fitting. */
  columns: { name: string; type: ColumnType; dynamic: boolean }[];
}

export interface PipelineSchema {
  fields: { name: string; type: ColumnType; nullable: boolean }[];
}

function stepOf(raw: unknown, path: string): { name: StepName; body: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw specError(path, `must be a one-key object naming the step, e.g. { onehot: { columns: [country] } }; steps: ${STEP_NAMES.join(', ')}`);
  const keys = Object.keys(raw);
  if (keys.length !== 1) throw specError(path, `must have exactly one key (the step name), not ${keys.length === 0 ? 'none' : keys.join(', ')}; steps: ${STEP_NAMES.join(', ')}`);
  const name = keys[0]!;
  if (!(STEP_NAMES as readonly string[]).includes(name)) throw specError(`${path}.${name}`, `unknown step; steps: ${STEP_NAMES.join(', ')}`);
  return { name: name as StepName, body: (raw as Record<string, unknown>)[name] };
}

/**
 * Checks `steps` against the schema and the raw `features` to use, and plans the passes.
 * Throws QuiverError SPEC_INVALID whose message starts with the offending path under `path`.
 */
export function resolvePipeline(steps: StepSpec[], schema: PipelineSchema, features: string[], path: string): ResolvedPipeline {
  if (!Array.isArray(steps)) throw specError(path, 'must be a list of steps');
  if (!Array.isArray(features) || features.length === 0) throw specError(path, 'the pipeline has no feature columns to read');
  const input = features.map((name) => {
    const f = schema.fields.find((x) => x.name === name);
    if (f === undefined) throw specError(path, `feature column '${name}' is not in the input; its columns: ${schema.fields.map((x) => x.name).join(', ')}`);
    return { name, type: f.type };
  });
  const dup = features.find((f, i) => features.indexOf(f) !== i);
  if (dup !== undefined) throw specError(path, `feature column '${dup}' is listed twice`);

  let cols: Col[] = input.map((f) => ({ name: f.name, type: f.type, dynamic: false }));
  const gone = new Map<string, string>();
  const tainted = new Set<string>();
  const passes: number[][] = [];
  const resolved: ResolvedStep[] = steps.map((raw, index) => {
    const { name, body } = stepOf(raw, `${path}[${index}]`);
    const stepPath = `${path}[${index}].${name}`;
    const r = STEPS[name].resolve({ body, path: stepPath, cols, gone });
    const dependsOnOpen = r.reads.some((c) => tainted.has(c));
    let pass = -1;
    let pendingIn = -1;
    if (r.needsFit) {
      if (passes.length === 0 || dependsOnOpen) {
        passes.push([]);
        tainted.clear();
      }
      pass = passes.length - 1;
      passes[pass]!.push(index);
      for (const w of r.writes) tainted.add(w);
    } else if (dependsOnOpen) {
      pendingIn = passes.length - 1;
      for (const w of r.writes) tainted.add(w);
    }
    for (const c of r.removes) gone.set(c, `${REMOVED_BY[name]} at ${path}[${index}]`);
    for (const c of r.cols) gone.delete(c.name);
    cols = r.cols;
    return { index, step: name, path: stepPath, spec: r.spec, pass, pendingIn, reads: [...r.reads], writes: [...r.writes] };
  });

  const text = cols.find((c) => !c.dynamic && c.type === 'string');
  if (text !== undefined) {
    throw specError(path, `column '${text.name}' is text and no step turns it into numbers; add an onehot/ordinal/hashing step for column ${text.name} (or tfidf), or leave it out of the features`);
  }
  return { path, steps: resolved, passes, input, columns: cols.map((c) => ({ name: c.name, type: c.type, dynamic: c.dynamic })) };
}
