/**
 * Repeated (stratified) k-fold, identical to scikit-learn 1.2's `RepeatedKFold` and
 * `RepeatedStratifiedKFold`: one `RandomState(seed)` feeds every repeat in turn (sklearn passes
 * the same RandomState instance to each repeat's shuffled splitter), so repeat r's folds are
 * what sklearn yields for splits r*k .. r*k+k-1.
 *
 * ```ts
 * const repeats = repeatedKFold(100, 5, { nRepeats: 3, seed: 7 }); // Int32Array[3], fold ids per row
 * ```
 */
import { RandomState } from '../random/mt19937.js';
import { kFoldWith, stratifiedKFoldWith } from './kfold.js';
import type { Labels } from './labels.js';
import { checkRepeats, checkRows, checkSeed, checkSplits, warnWith } from './options.js';
import type { RepeatedKFoldOptions } from './options.js';

/** sklearn `RepeatedKFold(n_splits=k, n_repeats, random_state=seed)`: fold ids per repeat. */
export function repeatedKFold(n: number, k: number, options: RepeatedKFoldOptions = {}): Int32Array[] {
  checkRows(n);
  checkSplits(k, n);
  const nRepeats = checkRepeats(options.nRepeats);
  const rng = new RandomState(checkSeed(options.seed));
  const out: Int32Array[] = [];
  for (let r = 0; r < nRepeats; r++) out.push(kFoldWith(n, k, rng));
  return out;
}

/** sklearn `RepeatedStratifiedKFold(n_splits=k, n_repeats, random_state=seed)`: fold ids per repeat. */
export function repeatedStratifiedKFold(y: Labels, k: number, options: RepeatedKFoldOptions = {}): Int32Array[] {
  checkSplits(k, y.length);
  const nRepeats = checkRepeats(options.nRepeats);
  const rng = new RandomState(checkSeed(options.seed));
  const warn = warnWith(options.onWarning);
  let warned = false;
  const warnOnce = (message: string): void => {
    if (!warned) warn(message);
    warned = true;
  };
  const out: Int32Array[] = [];
  for (let r = 0; r < nRepeats; r++) out.push(stratifiedKFoldWith(y, k, rng, warnOnce));
  return out;
}
