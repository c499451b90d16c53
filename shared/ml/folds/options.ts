/**
 * Option checks shared by the splitters, with scikit-learn's rules and quiver's error style
 * (OPTION_INVALID naming the option), plus the warning sink.
 *
 * ```ts
 * const k = checkSplits(5, 100, 'k'); // throws OPTION_INVALID for k < 2 or k > n
 * ```
 */
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import { MAX_SEED, RandomState } from '../random/mt19937.js';

/** Options common to the k-fold splitters. */
export interface KFoldOptions {
  /** Shuffle rows before cutting folds (sklearn `shuffle`). Default false. */
  shuffle?: boolean;
  /**
   * numpy `RandomState` seed, an integer in 0..2^32-1 (sklearn `random_state`). Only valid with
   * `shuffle: true`; defaults to 0 there (sklearn's `None` would use the global RNG, which a
   * retried task could not reproduce).
   */
  seed?: number;
  /** Receives warnings sklearn would `warnings.warn`; default logs them at warn level. */
  onWarning?: (message: string) => void;
}

/** Options of the repeated k-fold splitters. */
export interface RepeatedKFoldOptions {
  /** Number of repetitions (sklearn `n_repeats`). Default 10. */
  nRepeats?: number;
  /** Seed of the one `RandomState` all repeats draw from (sklearn `random_state`). Default 0. */
  seed?: number;
  onWarning?: (message: string) => void;
}

const log = logger('ml.folds');

export function warnWith(onWarning: ((message: string) => void) | undefined): (message: string) => void {
  return onWarning ?? ((message: string) => log.warn(message));
}

export function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

/** Checks the row count `n`. */
export function checkRows(n: number, what = 'n'): number {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw invalid(`${what}: ${String(n)} is not a row count; pass a non-negative integer`);
  }
  return n;
}

/** sklearn `_BaseKFold`: an integer k ≥ 2, and k ≤ n. */
export function checkSplits(k: number, n: number, what = 'k'): number {
  if (!Number.isInteger(k)) {
    throw invalid(`${what}: the number of folds must be an integer, got ${String(k)}`);
  }
  if (k < 2) {
    throw invalid(`${what}: k-fold cross-validation needs at least 2 folds, got ${k}; set ${what} to 2 or more`);
  }
  if (k > n) {
    throw invalid(`${what}: cannot have ${k} folds with only ${n} rows; use at most ${n} folds`);
  }
  return k;
}

/** Checks a seed: an integer in numpy's 0..2^32-1 range. */
export function checkSeed(seed: number | undefined, what = 'seed'): number {
  if (seed === undefined) return 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw invalid(`${what}: ${String(seed)} is not an integer in 0..${MAX_SEED}; pass such an integer`);
  }
  return seed;
}

/** The RNG for `shuffle`/`seed` k-fold options, or null when not shuffling (sklearn's rule: a seed without shuffle is an error). */
export function shuffleRng(options: KFoldOptions): RandomState | null {
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') {
    throw invalid(`shuffle: must be true or false, got ${String(shuffle)}`);
  }
  if (!shuffle) {
    if (options.seed !== undefined) {
      throw invalid('seed: a seed has no effect when shuffle is false; set shuffle: true or remove seed');
    }
    return null;
  }
  return new RandomState(checkSeed(options.seed));
}

/** Checks `nRepeats`: an integer ≥ 1. */
export function checkRepeats(nRepeats: number | undefined): number {
  const r = nRepeats ?? 10;
  if (!Number.isInteger(r) || r < 1) {
    throw invalid(`nRepeats: must be an integer of 1 or more, got ${String(r)}`);
  }
  return r;
}
