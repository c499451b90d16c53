/**
 * Fold assignment as a row mask over the shards: one byte per row and repeat, written once per
 * shard (`folds/part-<i>.bin`, repeat-major). Data is never copied per fold: a (candidate ×
 * split) task reads the shards and the masks and picks each split's rows by the byte.
 *
 * Byte values: 0..249 the test fold of the row in that repeat; NEVER_TEST (a predefined fold
 * of -1, or holdout's train side) trains in every split; EXCLUDED (null label, or left out of
 * a holdout) is in no split.
 */
import type { Label } from '../../ml/linear/types.js';
import type { Value } from '../../arrow/columns.js';

export const NEVER_TEST = 254;
export const EXCLUDED = 255;
export const MAX_FOLDS = 250;

/** One train/test split: the rows whose byte in `repeat` is `fold` are its test rows. */
export interface Split {
  repeat: number;
  fold: number;
}

export function splitsOf(repeats: number, folds: number): Split[] {
  const out: Split[] = [];
  for (let r = 0; r < repeats; r++) for (let f = 0; f < folds; f++) out.push({ repeat: r, fold: f });
  return out;
}

/** Is a row with mask byte `v` in the training rows of `split` (null: every usable row)? */
export function inTrain(v: number, split: Split | null): boolean {
  if (v === EXCLUDED) return false;
  return split === null || v !== split.fold;
}

export function inTest(v: number, split: Split): boolean {
  return v === split.fold;
}

/** Mask bytes of `split`'s repeat within one shard's mask file. */
export function repeatSlice(mask: Uint8Array, rows: number, repeat: number): Uint8Array {
  return mask.subarray(repeat * rows, (repeat + 1) * rows);
}

/** Labels as the models see them: bool → 0/1, everything else as is. */
export function labelValue(v: Value): Label | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** String key of a label, for class maps that keep numbers and strings apart. */
export function labelKey(v: Label): string {
  return typeof v === 'number' ? `n:${v}` : `s:${v}`;
}

/** numpy.unique order: numbers ascending, strings by code point. */
export function sortClasses(values: Label[]): Label[] {
  return [...values].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Label → class index. */
export function classIndex(classes: readonly Label[]): Map<string, number> {
  return new Map(classes.map((c, i) => [labelKey(c), i]));
}
