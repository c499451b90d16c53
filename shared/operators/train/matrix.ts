/**
 * Builds a split's training and test matrices straight from the shards and their fold masks:
 * each shard's input columns are transformed by the split's fitted pipeline (the same code that
 * serves an online request), and each output column is scattered into the train or test matrix
 * by the rows' mask bytes. Only the rows of this split are ever held, and nothing is written
 * back. The decoded input columns of a shard are kept per thread (./shard-cache.ts): the
 * (candidate × split) tasks of one stage read the same shards again and again.
 */
import { QuiverError } from '../../errors.js';
import { featureColumns, sliceFrame } from '../../ml/features/index.js';
import { scratchF64 } from '../../ml/kernels/scratch.js';
import type { FittedPipeline } from '../../ml/features/index.js';
import type { DesignMatrix, Label } from '../../ml/linear/types.js';
import { EXCLUDED, inTest, inTrain, repeatSlice } from './masks.js';
import type { Split } from './masks.js';
import { shardColumns } from './shard-cache.js';
import type { ShardColumns } from './shard-cache.js';
import type { TrainPlan } from './spec.js';

export interface SplitData {
  train: DesignMatrix;
  yTrain: Float64Array;
  /** Null when the split is null (all usable rows train). */
  test: DesignMatrix | null;
  yTest: Float64Array | null;
}

/** Class index (classification) or value (regression) of every row; NaN where the label is null. */
function targets(labels: readonly (Label | null)[], classes: readonly Label[] | null): Float64Array {
  const out = new Float64Array(labels.length);
  // Numbers and strings in separate maps, so 1 and '1' stay different classes (as labelKey does).
  const byNumber = new Map<number, number>();
  const byText = new Map<string, number>();
  classes?.forEach((c, i) => (typeof c === 'number' ? byNumber.set(c, i) : byText.set(c, i)));
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v === null) out[i] = NaN;
    else if (classes === null) out[i] = v as number;
    else {
      const c = typeof v === 'number' ? byNumber.get(v) : byText.get(v);
      if (c === undefined) throw QuiverError.nonRetryable('INTERNAL', `label ${String(v)} is not one of the counted classes`);
      out[i] = c;
    }
  }
  return out;
}

/**
 * Copies block columns (rows from…from+len of the shard) into the rows `at[i]` (skipping −1) of a
 * row-major matrix, a row at a time: each destination row is written whole, in order.
 */
function scatter(columns: readonly Float64Array[], at: Int32Array, from: number, out: Float64Array): void {
  const cols = columns.length;
  const len = columns.length === 0 ? 0 : columns[0]!.length;
  for (let i = 0; i < len; i++) {
    const r = at[from + i]!;
    if (r < 0) continue;
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[o + j] = columns[j]![i]!;
  }
}

/**
 * Shard rows transformed at a time: the pipeline's output columns for a block stay small (in
 * cache for the scatter, and reused memory rather than fresh pages for a whole shard's columns).
 */
const TRANSFORM_BLOCK = 4096;

/** Targets of a shard's labels, per class list: computed once per cached shard. */
const targetCache = new WeakMap<ShardColumns, { key: string; y: Float64Array }>();

function shardTargets(input: ShardColumns, classes: readonly Label[] | null): Float64Array {
  const key = JSON.stringify(classes);
  const hit = targetCache.get(input);
  if (hit !== undefined && hit.key === key) return hit.y;
  const y = targets(input.labels, classes);
  targetCache.set(input, { key, y });
  return y;
}

/**
 * `shards[i]` and `masks[i]` are shard i's Arrow bytes and mask bytes. `split` null: every usable
 * row is a training row (final fit).
 */
export function assembleSplit(plan: TrainPlan, pipeline: FittedPipeline, classes: readonly Label[] | null, shards: Uint8Array[], masks: Uint8Array[], split: Split | null, uris: string[]): SplitData {
  const cols = pipeline.features.length;
  const names = pipeline.input.map((f) => f.name);
  const inputs = shards.map((b, i) => shardColumns(uris[i] ?? `shard ${i}`, b, names, plan.label.name));
  const slices = inputs.map((s, i) => repeatSlice(masks[i]!, s.frame.rows, split?.repeat ?? 0));
  // Destination row of every input row: in train, in test, or nowhere (-1); counted first so each
  // matrix is allocated once.
  let nTrain = 0;
  let nTest = 0;
  const at = slices.map((bytes) => {
    const tr = new Int32Array(bytes.length).fill(-1);
    const te = new Int32Array(bytes.length).fill(-1);
    for (let r = 0; r < bytes.length; r++) {
      if (inTrain(bytes[r]!, split)) tr[r] = nTrain++;
      else if (split !== null && inTest(bytes[r]!, split)) te[r] = nTest++;
    }
    return { tr, te };
  });
  // The thread's previous task's matrices are reused (scratch memory: no fresh pages); every cell
  // of both is written below, so they need no clearing. The train matrix is made large enough
  // for every usable row, so the final fit after the folds reuses the folds' pages.
  const train = scratchF64('split.train', nTrain * cols, (nTrain + nTest) * cols);
  const yTrain = new Float64Array(nTrain);
  const test = split === null ? null : scratchF64('split.test', nTest * cols);
  const yTest = split === null ? null : new Float64Array(nTest);
  inputs.forEach((input, i) => {
    const bytes = slices[i]!;
    const y = shardTargets(input, classes);
    const { tr, te } = at[i]!;
    for (let r = 0; r < bytes.length; r++) {
      if (bytes[r] === EXCLUDED) continue;
      if (Number.isNaN(y[r]!)) throw QuiverError.nonRetryable('INTERNAL', `row ${r} of ${input.uri} has no label but its fold mask keeps it`);
      if (tr[r]! >= 0) yTrain[tr[r]!] = y[r]!;
      else if (te[r]! >= 0) yTest![te[r]!] = y[r]!;
    }
    for (let i0 = 0; i0 < bytes.length; i0 += TRANSFORM_BLOCK) {
      const i1 = Math.min(bytes.length, i0 + TRANSFORM_BLOCK);
      const { columns } = featureColumns(pipeline, sliceFrame(input.frame, i0, i1), i0);
      scatter(columns, tr, i0, train);
      if (test !== null) scatter(columns, te, i0, test);
    }
  });
  return {
    train: { data: train, rows: nTrain, cols },
    yTrain,
    test: test === null ? null : { data: test, rows: nTest, cols },
    yTest,
  };
}
