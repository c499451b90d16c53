/**
 * Train/test holdout identical to scikit-learn 1.2's `train_test_split` (which draws one split
 * of `ShuffleSplit`, or of `StratifiedShuffleSplit` with `stratify`): fold id 0 = train,
 * 1 = test, -1 = in neither (only when `trainSize` + `testSize` leave rows out).
 *
 * ```ts
 * trainTestSplit(10, { testSize: 0.33, seed: 42 }); // = train_test_split(..., test_size=0.33, random_state=42)
 * trainTestSplit(y.length, { testSize: 0.2, seed: 1, stratify: y });
 * ```
 */
import { QuiverError } from '../../errors.js';
import { RandomState } from '../random/mt19937.js';
import { classRows } from './kfold.js';
import { encodeLabels } from './labels.js';
import type { Labels } from './labels.js';
import { checkRows, checkSeed, invalid } from './options.js';

export interface TrainTestSplitOptions {
  /**
   * Test share: a number in (0, 1) is a fraction of the rows (rounded up), an integer ≥ 1 a row
   * count. Default: the complement of `trainSize`, or 0.25 when both are unset.
   */
  testSize?: number;
  /** Train share, same rules (a fraction rounds down). Default: the complement of `testSize`. */
  trainSize?: number;
  /** numpy `RandomState` seed in 0..2^32-1 (sklearn `random_state`). Default 0. */
  seed?: number;
  /** Shuffle before splitting (default true); false takes the first rows as train. */
  shuffle?: boolean;
  /** Class label per row: split each class in the same proportion (`StratifiedShuffleSplit`). */
  stratify?: Labels;
}

/** Row counts (train, test) from the size options, following sklearn `_validate_shuffle_split`. */
export function holdoutSizes(n: number, testSize: number | undefined, trainSize: number | undefined): [number, number] {
  if (testSize === undefined && trainSize === undefined) testSize = 0.25;
  const count = (size: number | undefined, what: string, round: (x: number) => number): number | undefined => {
    if (size === undefined) return undefined;
    if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0 || (size >= 1 && !Number.isInteger(size)) || size >= n) {
      throw invalid(
        `${what}: ${String(size)} should be a fraction in (0, 1) or a row count from 1 to ${n - 1} (there are ${n} rows)`,
      );
    }
    return size < 1 ? round(size * n) : size;
  };
  const testRows = count(testSize, 'testSize', Math.ceil);
  const trainRows = count(trainSize, 'trainSize', Math.floor);
  if (testSize !== undefined && trainSize !== undefined && testSize < 1 && trainSize < 1 && testSize + trainSize > 1) {
    throw invalid(`testSize + trainSize: ${testSize + trainSize} is over 1; reduce testSize and/or trainSize`);
  }
  const nTrain = trainRows ?? n - (testRows ?? 0);
  const nTest = testRows ?? n - nTrain;
  if (nTrain + nTest > n) {
    throw invalid(`testSize + trainSize: ${nTrain + nTest} rows but there are only ${n}; reduce testSize and/or trainSize`);
  }
  if (nTrain === 0) {
    throw invalid(`testSize: with ${n} rows the train set would be empty; lower testSize or set trainSize`);
  }
  return [nTrain, nTest];
}

/** sklearn `train_test_split` as a row mask: 0 = train, 1 = test, -1 = neither. */
export function trainTestSplit(n: number, options: TrainTestSplitOptions = {}): Int32Array {
  checkRows(n);
  const [nTrain, nTest] = holdoutSizes(n, options.testSize, options.trainSize);
  const shuffle = options.shuffle ?? true;
  const folds = new Int32Array(n).fill(-1);
  if (!shuffle) {
    if (options.stratify !== undefined) {
      throw invalid('stratify: a stratified split needs shuffle: true; remove stratify or set shuffle: true');
    }
    if (options.seed !== undefined) throw invalid('seed: a seed has no effect when shuffle is false; remove it');
    folds.fill(0, 0, nTrain);
    folds.fill(1, nTrain, nTrain + nTest);
    return folds;
  }
  const rng = new RandomState(checkSeed(options.seed));
  if (options.stratify === undefined) {
    const perm = rng.permutation(n);
    for (let i = 0; i < nTest; i++) folds[perm[i]!] = 1;
    for (let i = nTest; i < nTest + nTrain; i++) folds[perm[i]!] = 0;
    return folds;
  }
  if (options.stratify.length !== n) {
    throw invalid(`stratify: has ${options.stratify.length} labels but n is ${n}; pass one label per row`);
  }
  stratifiedHoldout(options.stratify, nTrain, nTest, rng, folds);
  return folds;
}

function stratifiedHoldout(y: Labels, nTrain: number, nTest: number, rng: RandomState, folds: Int32Array): void {
  const { codes, counts } = encodeLabels(y, 'sorted', 'stratify');
  const nClasses = counts.length;
  if (Math.min(...counts) < 2) {
    throw QuiverError.nonRetryable(
      'INPUT_INVALID',
      'stratify: the least populated class has only 1 member; every class needs at least 2 rows to be split, so drop or merge rare classes',
    );
  }
  if (nTrain < nClasses) throw invalid(`trainSize: ${nTrain} train rows are fewer than the ${nClasses} classes; raise trainSize`);
  if (nTest < nClasses) throw invalid(`testSize: ${nTest} test rows are fewer than the ${nClasses} classes; raise testSize`);
  const perClassTrain = approximateMode(counts, nTrain, rng);
  const remaining = counts.map((c, i) => c - perClassTrain[i]!);
  const perClassTest = approximateMode(remaining, nTest, rng);
  const rows = classRows(codes, counts);
  for (let c = 0; c < nClasses; c++) {
    const classRowsC = rows[c]!;
    const perm = rng.permutation(counts[c]!);
    const a = perClassTrain[c]!;
    const b = Math.min(a + perClassTest[c]!, perm.length);
    for (let i = 0; i < a; i++) folds[classRowsC[perm[i]!]!] = 0;
    for (let i = a; i < b; i++) folds[classRowsC[perm[i]!]!] = 1;
  }
  // sklearn then permutes the train and test index lists; that only reorders them.
}

/**
 * sklearn `_approximate_mode`: split `nDraws` across classes in proportion to `counts`,
 * rounding down, then hand out the rest by largest remainder, breaking ties with
 * `rng.choice(..., replace=False)` (= the head of a permutation).
 */
export function approximateMode(counts: Int32Array, nDraws: number, rng: RandomState): Int32Array {
  let total = 0;
  for (const c of counts) total += c;
  const continuous = Array.from(counts, (c) => (c / total) * nDraws);
  const floored = Int32Array.from(continuous, Math.floor);
  let needToAdd = nDraws;
  for (const f of floored) needToAdd -= f;
  if (needToAdd > 0) {
    const remainder = continuous.map((x, i) => x - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => r === value && inds.push(i));
      const addNow = Math.min(inds.length, needToAdd);
      const chosen = rng.permutation(inds.length).subarray(0, addNow);
      for (const j of chosen) floored[inds[j]!]!++;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}
