/**
 * Class labels → dense integer codes, in the two orders scikit-learn uses: order of first
 * appearance (`StratifiedKFold`) and sorted order (`np.unique`, used by
 * `StratifiedShuffleSplit`). Labels may be numbers, bigints or strings (one kind per column);
 * strings sort by Unicode code point, as numpy sorts `<U` arrays.
 *
 * ```ts
 * encodeLabels(['b', 'a', 'b'], 'appearance'); // { codes: [0, 1, 0], counts: [2, 1], classes: ['b', 'a'] }
 * ```
 */
import { QuiverError } from '../../errors.js';

/** One label per row: any array-like of numbers, bigints or strings (a plain array, a typed array). */
export type Labels = ArrayLike<number> | ArrayLike<bigint> | ArrayLike<string>;
export type Label = number | bigint | string;

export interface EncodedLabels {
  /** Class code per row, 0..classes.length-1. */
  codes: Int32Array;
  /** Rows per class. */
  counts: Int32Array;
  /** The label of each class code. */
  classes: Label[];
}

/** Compares two strings by Unicode code point (numpy's order), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'string') return compareCodePoints(a, b as string);
  const y = b as number | bigint;
  return a < y ? -1 : a > y ? 1 : 0;
}

/**
 * Encodes `labels`; `what` names the option in error messages (e.g. `y`, `stratify`).
 * Throws INPUT_INVALID for a missing label (null/undefined/NaN) or mixed label kinds.
 */
export function encodeLabels(labels: Labels, order: 'appearance' | 'sorted', what: string): EncodedLabels {
  const n = labels.length;
  const index = new Map<Label, number>();
  const firstCodes = new Int32Array(n);
  const classes: Label[] = [];
  let kind: string | undefined;
  for (let i = 0; i < n; i++) {
    const v = labels[i] as Label | null | undefined;
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      throw QuiverError.nonRetryable(
        'INPUT_INVALID',
        `${what}[${i}]: missing label (${String(v)}); every row needs a class label, so drop or fill missing labels first`,
      );
    }
    const k = typeof v;
    if (kind === undefined) kind = k;
    else if (k !== kind) {
      throw QuiverError.nonRetryable(
        'INPUT_INVALID',
        `${what}[${i}]: label ${String(v)} is a ${k} but earlier labels are ${kind}s; use one label type per column`,
      );
    }
    let code = index.get(v);
    if (code === undefined) {
      code = classes.length;
      index.set(v, code);
      classes.push(v);
    }
    firstCodes[i] = code;
  }
  if (order === 'appearance') return { codes: firstCodes, counts: countCodes(firstCodes, classes.length), classes };

  const sortedIdx = classes.map((_, i) => i).sort((a, b) => compareLabels(classes[a]!, classes[b]!));
  const remap = new Int32Array(classes.length);
  sortedIdx.forEach((old, rank) => (remap[old] = rank));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = remap[firstCodes[i]!]!;
  return { codes, counts: countCodes(codes, classes.length), classes: sortedIdx.map((i) => classes[i]!) };
}

function countCodes(codes: Int32Array, nClasses: number): Int32Array {
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
  return counts;
}
