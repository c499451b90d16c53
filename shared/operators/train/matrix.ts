/**
 * Builds a split's training and test matrices straight from the shards and their fold masks:
 * each shard is decoded, transformed by the split's fitted pipeline (the same code that serves
 * an online request), and its rows copied to train or test by their mask byte. Only the rows
 * of this split are ever held, and nothing is written back.
 */
import { readColumn } from '../../arrow/columns.js';
import { decodeTable } from '../../arrow/ipc.js';
import { QuiverError } from '../../errors.js';
import { frameFromTable, toMatrix } from '../../ml/features/index.js';
import type { FittedPipeline } from '../../ml/features/index.js';
import type { DesignMatrix, Label } from '../../ml/linear/types.js';
import { classIndex, EXCLUDED, inTest, inTrain, labelKey, labelValue, repeatSlice } from './masks.js';
import type { Split } from './masks.js';
import type { TrainPlan } from './spec.js';

export interface SplitData {
  train: DesignMatrix;
  yTrain: Float64Array;
  /** Null when the split is null (all usable rows train). */
  test: DesignMatrix | null;
  yTest: Float64Array | null;
}

function target(classes: Map<string, number> | null, v: Label): number {
  if (classes === null) return v as number;
  const c = classes.get(labelKey(v));
  if (c === undefined) throw QuiverError.nonRetryable('INTERNAL', `label ${String(v)} is not one of the counted classes`);
  return c;
}

/**
 * `shards[i]` and `masks[i]` are shard i's Arrow bytes and mask bytes. `split` null: every usable
 * row is a training row (final fit).
 */
export function assembleSplit(plan: TrainPlan, pipeline: FittedPipeline, classes: readonly Label[] | null, shards: Uint8Array[], masks: Uint8Array[], split: Split | null, uris: string[]): SplitData {
  const cols = pipeline.features.length;
  // Count first, so each matrix is allocated once.
  let nTrain = 0;
  let nTest = 0;
  const tables = shards.map((b, i) => ({ bytes: b, uri: uris[i] ?? `shard ${i}` }));
  const decoded = tables.map((t) => decodeTable(t.bytes, `shard ${t.uri}`));
  const slices = decoded.map((t, i) => repeatSlice(masks[i]!, t.numRows, split?.repeat ?? 0));
  for (const bytes of slices) {
    for (const v of bytes) {
      if (split !== null && inTest(v, split)) nTest++;
      else if (inTrain(v, split)) nTrain++;
    }
  }
  const train = new Float64Array(nTrain * cols);
  const yTrain = new Float64Array(nTrain);
  const test = split === null ? null : new Float64Array(nTest * cols);
  const yTest = split === null ? null : new Float64Array(nTest);
  const cls = classes === null ? null : classIndex(classes);
  let a = 0;
  let b = 0;
  decoded.forEach((table, i) => {
    const bytes = slices[i]!;
    const frame = frameFromTable(table, pipeline.input.map((f) => f.name));
    const X = toMatrix(pipeline, frame);
    const labels = readColumn(table, plan.label.name);
    for (let r = 0; r < table.numRows; r++) {
      const v = bytes[r]!;
      if (v === EXCLUDED) continue;
      const y = target(cls, labelValue(labels[r]!)!);
      if (split !== null && inTest(v, split)) {
        test!.set(X.data.subarray(r * cols, (r + 1) * cols), b * cols);
        yTest![b++] = y;
      } else if (inTrain(v, split)) {
        train.set(X.data.subarray(r * cols, (r + 1) * cols), a * cols);
        yTrain[a++] = y;
      }
    }
  });
  return {
    train: { data: train, rows: nTrain, cols },
    yTrain,
    test: test === null ? null : { data: test, rows: nTest, cols },
    yTest,
  };
}
