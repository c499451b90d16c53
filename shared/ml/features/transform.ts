/**
 * Applying a fitted pipeline: a whole shard (`transformFrame`, `toMatrix`) or one online record
 * (`transformRecord`, a 1-row frame through the same code). Column-at-a-time over typed arrays;
 * the only per-row work is inside the steps' tight loops.
 *
 * ```ts
 * const X = toMatrix(pipeline, frameFromTable(table, pipeline.input.map((f) => f.name)));
 * X.data; // rows × pipeline.features.length, row-major
 * const x = transformRecord(pipeline, { age: 31, country: 'DE' }); // Float64Array(features.length)
 * ```
 */
import { QuiverError } from '../../errors.js';
import { frameFromRecord, frameOfWork, inputError, workOf } from './frame.js';
import type { Work } from './frame.js';
import { STEPS } from './steps/index.js';
import type { ColumnData, FittedPipeline, FittedStep, Frame } from './types.js';

function applySteps(steps: readonly FittedStep[], w: Work): Work {
  for (const s of steps) w = STEPS[s.step as keyof typeof STEPS].transform(s.spec, s.state, w);
  return w;
}

/** The output column order of `steps` over inputs of these types (a 0-row run of the transform). */
export function outputOrder(input: readonly { name: string; type: string }[], steps: readonly FittedStep[]): string[] {
  const cols = new Map<string, ColumnData>();
  for (const f of input) cols.set(f.name, f.type === 'string' ? [] : new Float64Array(0));
  const w = applySteps(steps, { rows: 0, cols, order: input.map((f) => f.name) });
  const seen = new Set<string>();
  for (const name of w.order) {
    if (seen.has(name)) throw inputError(`the feature pipeline would output two columns named '${name}'; rename a derived column or a pca prefix, or check for a category named like '__other__'/'__missing__'`);
    seen.add(name);
    if (!(w.cols.get(name) instanceof Float64Array)) throw QuiverError.nonRetryable('INTERNAL', `feature pipeline output column '${name}' is not numeric`);
  }
  return w.order;
}

/** Every step applied to `frame`; the result holds the output columns, in `pipeline.features` order. */
export function transformFrame(pipeline: FittedPipeline, frame: Frame): Frame {
  return frameOfWork(applySteps(pipeline.steps, workOf(frame, pipeline.input)));
}

/**
 * The pipeline's output columns, in `pipeline.features` order. A missing (or infinite) value left
 * after the pipeline fails with INPUT_INVALID naming the column and the row (`firstRow` + its
 * index, when the frame is a slice of a larger input).
 */
export function featureColumns(pipeline: FittedPipeline, frame: Frame, firstRow = 0): { rows: number; columns: Float64Array[] } {
  const w = applySteps(pipeline.steps, workOf(frame, pipeline.input));
  const columns = pipeline.features.map((name) => {
    const c = w.cols.get(name);
    if (!(c instanceof Float64Array)) throw QuiverError.nonRetryable('INTERNAL', `feature column '${name}' is ${c === undefined ? 'missing' : 'text'} after the pipeline`);
    let bad = false;
    for (let i = 0; i < c.length; i++) bad ||= c[i]! - c[i]! !== 0;
    if (bad) missingError(name, c, firstRow);
    return c;
  });
  return { rows: w.rows, columns };
}

/** Rows per block when columns are interleaved into rows: the strided writes stay in cache. */
export const ROW_BLOCK = 512;

/** The pipeline's output as a row-major matrix, columns in `pipeline.features` order (see featureColumns). */
export function toMatrix(pipeline: FittedPipeline, frame: Frame): { data: Float64Array; rows: number; cols: number } {
  const { rows, columns } = featureColumns(pipeline, frame);
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  for (let i0 = 0; i0 < rows; i0 += ROW_BLOCK) {
    const i1 = Math.min(rows, i0 + ROW_BLOCK);
    for (let j = 0; j < cols; j++) {
      const c = columns[j]!;
      for (let i = i0, at = i0 * cols + j; i < i1; i++, at += cols) data[at] = c[i]!;
    }
  }
  return { data, rows, cols };
}

/** `c` holds rows firstRow… of the input; the message names the input row. */
function missingError(name: string, c: Float64Array, firstRow: number): never {
  let k = 0;
  while (c[k]! - c[k]! === 0) k++;
  const i = firstRow + k;
  if (!Number.isNaN(c[k]!)) throw inputError(`feature column '${name}' has an infinite value (row ${i}) after the feature pipeline; replace it before the pipeline (e.g. a derive step with if(...))`);
  throw inputError(`feature column '${name}' has a missing value (row ${i}) after the feature pipeline; add an impute step for it (or for the column it is made from), e.g. { impute: { columns: [${name.split(/[=#:]/)[0]}], strategy: median } }`);
}

/** One record through the same code as a batch: a 1-row frame → {@link toMatrix}. */
export function transformRecord(pipeline: FittedPipeline, record: Record<string, unknown>): Float64Array {
  return toMatrix(pipeline, frameFromRecord(pipeline.input, record)).data;
}
