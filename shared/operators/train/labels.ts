/**
 * Phases 0 and 1 of `train`. Phase 0 (a task per shard) reads the label (and fold column),
 * quarantines rows without a label, counts classes, and writes the labels as
 * `labels/part-<i>.json`. Phase 1 (one task) reads every shard's labels in order, assigns folds
 * over all usable rows exactly as scikit-learn would on the concatenated table, and writes one
 * mask per shard (`folds/part-<i>.bin`, see ./masks.ts).
 */
import { readColumn } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { QuiverError } from '../../errors.js';
import { kFold, predefinedFolds, repeatedKFold, repeatedStratifiedKFold, stratifiedKFold, trainTestSplit } from '../../ml/folds/index.js';
import type { Label } from '../../ml/linear/types.js';
import { decodeInput } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { EXCLUDED, labelKey, labelValue, MAX_FOLDS, NEVER_TEST } from './masks.js';
import type { TrainPlan } from './spec.js';

export interface LabelsFile {
  labels: (Label | null)[];
  fold?: Value[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function labelsName(shard: number): string {
  return `labels/part-${String(shard).padStart(5, '0')}.json`;
}

export function maskName(shard: number): string {
  return `folds/part-${String(shard).padStart(5, '0')}.bin`;
}

export function labelsKernel(input: KernelInput, plan: TrainPlan): KernelResult {
  const table = decodeInput(input);
  const raw = readColumn(table, plan.label.name);
  const labels = raw.map(labelValue);
  const file: LabelsFile = { labels };
  if (plan.cv.column !== null) file.fold = readColumn(table, plan.cv.column);
  const classCounts: Record<string, number> = {};
  const quarantine: string[] = [];
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v === null) {
      quarantine.push(JSON.stringify({ shard: input.task.inputs[0]?.uri, row: i, reasons: [`label '${plan.label.name}' is null: a row without a label cannot train or be scored`] }));
      continue;
    }
    if (plan.task === 'regression') {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw QuiverError.nonRetryable('INPUT_INVALID', `label '${plan.label.name}' has the non-numeric value ${JSON.stringify(v)} in a regression task`);
      sum += v;
    } else {
      const k = labelKey(v);
      classCounts[k] = (classCounts[k] ?? 0) + 1;
    }
  }
  const objects: KernelObject[] = [{ name: labelsName(input.task.index), bytes: enc.encode(JSON.stringify(file)), rows: 0 }];
  if (quarantine.length > 0) {
    objects.push({ name: `quarantine/labels-${String(input.task.index).padStart(5, '0')}.ndjson`, bytes: enc.encode(quarantine.join('\n') + '\n'), rows: quarantine.length, kind: 'quarantine' });
  }
  return {
    objects,
    stats: { rowsIn: table.numRows, rowsOut: 0, quarantined: quarantine.length, trainPhase: 'labels', rows: table.numRows, usable: table.numRows - quarantine.length, classCounts, sum },
  };
}

export interface FoldsParams {
  plan: TrainPlan;
  /** Rows of each shard, in order. */
  rows: number[];
}

/** Decodes a labels file written by phase 0. */
export function readLabelsFile(bytes: Uint8Array): LabelsFile {
  return JSON.parse(dec.decode(bytes)) as LabelsFile;
}

function assign(plan: TrainPlan, y: Label[], foldValues: Value[] | null): { masks: Int32Array[]; folds: number } {
  const { cv } = plan;
  const n = y.length;
  const opts = cv.shuffle ? { shuffle: true, seed: cv.seed ?? 0 } : {};
  switch (cv.kind) {
    case 'stratified-kfold':
      return { masks: [stratifiedKFold(y as number[] | string[], cv.folds, opts)], folds: cv.folds };
    case 'kfold':
      return { masks: [kFold(n, cv.folds, opts)], folds: cv.folds };
    case 'repeated-stratified-kfold':
      return { masks: repeatedStratifiedKFold(y as number[] | string[], cv.folds, { nRepeats: cv.repeats, seed: cv.seed ?? 0 }), folds: cv.folds };
    case 'repeated-kfold':
      return { masks: repeatedKFold(n, cv.folds, { nRepeats: cv.repeats, seed: cv.seed ?? 0 }), folds: cv.folds };
    case 'holdout': {
      const split = trainTestSplit(n, { testSize: cv.testSize, seed: cv.seed ?? 0, ...(plan.task === 'regression' ? {} : { stratify: y as number[] | string[] }) });
      // train_test_split: 0 = train, 1 = test → the single split's test fold is 0.
      return { masks: [split.map((v) => (v === 1 ? 0 : v === 0 ? -2 : -3))], folds: 1 };
    }
    case 'column': {
      const values = foldValues!.map((v) => (typeof v === 'boolean' ? Number(v) : v)) as number[] | string[];
      if (values.some((v) => v === null)) throw QuiverError.nonRetryable('INPUT_INVALID', `fold column '${cv.column}' has null values; give every row a fold (-1 = never in a test fold)`);
      const pre = predefinedFolds(values, `fold column '${cv.column}'`);
      return { masks: [pre.folds.map((v) => (v === -1 ? -2 : v))], folds: pre.foldValues.length };
    }
  }
}

/** Phase 1: one task over every shard's labels file. */
export function foldsKernel(input: KernelInput, params: FoldsParams): KernelResult {
  const files = input.inputs.map(readLabelsFile);
  const y: Label[] = [];
  const foldValues: Value[] = [];
  for (const f of files) {
    f.labels.forEach((v, i) => {
      if (v === null) return;
      y.push(v);
      if (f.fold !== undefined) foldValues.push(f.fold[i] ?? null);
    });
  }
  const { masks, folds } = assign(params.plan, y, params.plan.cv.column === null ? null : foldValues);
  if (folds > MAX_FOLDS) throw QuiverError.nonRetryable('INPUT_INVALID', `${folds} folds: at most ${MAX_FOLDS} are supported`);
  const repeats = masks.length;
  const objects: KernelObject[] = [];
  const testRows = masks.map(() => new Array<number>(folds).fill(0));
  let k = 0;
  files.forEach((f, s) => {
    const rows = f.labels.length;
    const bytes = new Uint8Array(rows * repeats).fill(EXCLUDED);
    let kk = k;
    for (let i = 0; i < rows; i++) {
      if (f.labels[i] === null) continue;
      for (let r = 0; r < repeats; r++) {
        const v = masks[r]![kk]!;
        bytes[r * rows + i] = v >= 0 ? v : v === -2 ? NEVER_TEST : EXCLUDED;
        if (v >= 0) testRows[r]![v]! += 1;
      }
      kk++;
    }
    k = kk;
    objects.push({ name: maskName(s), bytes, rows: 0 });
  });
  return { objects, stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, trainPhase: 'folds', repeats, folds, usable: y.length, testRows } };
}
