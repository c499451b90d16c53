/**
 * K-fold and stratified k-fold fold assignment, identical to scikit-learn 1.2's `KFold` and
 * `StratifiedKFold`: one fold id (0..k-1) per row, the row's test fold. Rows are never copied;
 * fold `f`'s training set is every row whose id is not `f`.
 *
 * ```ts
 * kFold(10, 3);                                // Int32Array [0,0,0,0,1,1,1,2,2,2]
 * kFold(10, 3, { shuffle: true, seed: 42 });   // = KFold(3, shuffle=True, random_state=42)
 * stratifiedKFold(['a', 'b', 'a', 'b'], 2);    // = StratifiedKFold(2)
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { RandomState } from '../random/mt19937.js';
import { encodeLabels } from './labels.js';
import type { Labels } from './labels.js';
import { checkRows, checkSplits, shuffleRng, warnWith } from './options.js';
import type { KFoldOptions } from './options.js';

/** sklearn `KFold(n_splits=k, shuffle, random_state=seed)`: the test fold of each of `n` rows. */
export function kFold(n: number, k: number, options: KFoldOptions = {}): Int32Array {
  checkRows(n);
  checkSplits(k, n);
  return kFoldWith(n, k, shuffleRng(options));
}

/** KFold's assignment drawing from `rng` (null: no shuffle). */
export function kFoldWith(n: number, k: number, rng: RandomState | null): Int32Array {
  const folds = new Int32Array(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  if (rng === null) {
    let row = 0;
    for (let f = 0; f < k; f++) {
      const size = base + (f < extra ? 1 : 0);
      folds.fill(f, row, row + size);
      row += size;
    }
    return folds;
  }
  const order = rng.permutation(n);
  let pos = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let end = pos + size; pos < end; pos++) folds[order[pos]!] = f;
  }
  return folds;
}

/**
 * sklearn `StratifiedKFold(n_splits=k, shuffle, random_state=seed)` on labels `y`: each fold
 * gets (nearly) the same share of every class. Warns (like sklearn) when a class has fewer than
 * `k` rows; throws when every class has fewer than `k` rows or `y` is continuous.
 */
export function stratifiedKFold(y: Labels, k: number, options: KFoldOptions = {}): Int32Array {
  checkSplits(k, y.length);
  const rng = shuffleRng(options);
  return stratifiedKFoldWith(y, k, rng, warnWith(options.onWarning));
}

/** StratifiedKFold's assignment drawing from `rng` (null: no shuffle). */
export function stratifiedKFoldWith(
  y: Labels,
  k: number,
  rng: RandomState | null,
  warn: (message: string) => void,
): Int32Array {
  checkTarget(y);
  const { codes, counts } = encodeLabels(y, 'appearance', 'y');
  const n = codes.length;
  const nClasses = counts.length;
  let minCount = Infinity;
  let anyEnough = false;
  for (const c of counts) {
    minCount = Math.min(minCount, c);
    if (c >= k) anyEnough = true;
  }
  if (!anyEnough) {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `k: ${k} folds cannot be greater than the number of members in each class (largest class has ${Math.max(...counts)}); lower k`,
    );
  }
  if (k > minCount) {
    warn(`The least populated class in y has only ${minCount} members, which is less than n_splits=${k}.`);
  }

  // allocation[f * nClasses + c]: rows of class c in test fold f, dealt round-robin over the
  // class-sorted labels (sklearn: bincount(sort(y)[f::k])).
  const allocation = new Int32Array(k * nClasses);
  let pos = 0;
  for (let c = 0; c < nClasses; c++) {
    for (let end = pos + counts[c]!; pos < end; pos++) allocation[(pos % k) * nClasses + c]!++;
  }

  const folds = new Int32Array(n);
  const rowsOfClass = classRows(codes, counts);
  for (let c = 0; c < nClasses; c++) {
    const forClass = new Int32Array(counts[c]!);
    let at = 0;
    for (let f = 0; f < k; f++) {
      const m = allocation[f * nClasses + c]!;
      forClass.fill(f, at, at + m);
      at += m;
    }
    if (rng !== null) rng.shuffle(forClass);
    const rows = rowsOfClass[c]!;
    for (let i = 0; i < rows.length; i++) folds[rows[i]!] = forClass[i]!;
  }
  return folds;
}

/** Row indices of each class, ascending. */
export function classRows(codes: Int32Array, counts: Int32Array): Int32Array[] {
  const rows = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(counts.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    rows[c]![fill[c]!++] = i;
  }
  return rows;
}

/** sklearn's `type_of_target` gate: non-integer numbers make a continuous target, not classes. */
function checkTarget(y: Labels): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) {
      throw QuiverError.nonRetryable(
        'INPUT_INVALID',
        `y[${i}]: ${v} makes y a continuous target; stratified folds need class labels (binary or multiclass), so bin the values first`,
      );
    }
  }
}
