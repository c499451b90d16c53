/**
 * The fitted gradient-boosted trees as plain JSON, and `parseGbtModel`, which checks one read
 * back from a file or a KV store before it predicts. Trees are flat arrays indexed by node id
 * (0 = root); a leaf has feature −1 and children −1; x ≤ threshold goes left, NaN goes left
 * where missingLeft is 1. Leaf values already include the learning rate, so a row's raw score
 * is baseline + Σ leaf values.
 *
 * ```ts
 * const model = parseGbtModel(JSON.parse(text));
 * model.trees.length; // iterations × treesPerIteration
 * ```
 */
import { QuiverError } from '../../errors.js';
import type { Label } from '../linear/types.js';
import type { LearningTask, ModelState } from '../models/types.js';
import type { GbtParams } from './params.js';

export interface GbtTree {
  /** Split feature per node; −1 on leaves. */
  feature: number[];
  /** Raw threshold per node: x ≤ threshold goes left (Number.MAX_VALUE: every value left, NaN right). */
  threshold: number[];
  /** The same threshold as a bin index into `binEdges[feature]` (bin ≤ it goes left). */
  bin: number[];
  /** 1 where NaN goes left. */
  missingLeft: number[];
  left: number[];
  right: number[];
  /** Leaf values (learning rate applied); 0 on internal nodes. */
  value: number[];
}

export interface GbtFitInfo {
  /** Boosting iterations run (fewer than maxIter when early stopping ended the fit). */
  nIter: number;
  earlyStopped: boolean;
  trainRows: number;
  validationRows: number;
  /** Weighted mean validation loss before the first tree and after each iteration, or null. */
  validationLoss: number[] | null;
  /** Gradients were rounded to this many levels each side of 0 (see docs/ml/trees.md). */
  gradientLevels: number;
}

export interface GbtModel extends ModelState {
  kind: 'gbt';
  version: 1;
  task: LearningTask;
  nFeatures: number;
  featureNames: string[];
  /** Classification: sorted class labels, when the fit was given them. */
  classes: Label[] | null;
  /** 1, or the number of classes for multiclass (tree t·K + k adds to class k). */
  treesPerIteration: number;
  /** Raw score before any tree, one per tree of an iteration. */
  baseline: number[];
  /** Bin thresholds per feature, fitted on the training rows. */
  binEdges: number[][];
  trees: GbtTree[];
  /** Total split gain per feature, normalized to sum 1 (all 0 when no tree split). */
  importances: number[];
  params: GbtParams;
  fit: GbtFitInfo;
}

function bad(path: string, what: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `model.${path}: ${what}; refit the model or load the file it was saved to`);
}

function numbers(v: unknown, path: string, len: number | null, ok: (x: number) => boolean, what: string): number[] {
  if (!Array.isArray(v) || (len !== null && v.length !== len)) throw bad(path, len === null ? 'must be an array of numbers' : `must be an array of ${len} numbers`);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !ok(x)) throw bad(`${path}[${i}]`, `${String(x)} ${what}`);
  }
  return v as number[];
}

const finite = (x: number): boolean => Number.isFinite(x);

function checkTree(t: unknown, path: string, d: number): void {
  if (typeof t !== 'object' || t === null) throw bad(path, 'is not an object');
  const o = t as Record<string, unknown>;
  const feature = numbers(o.feature, `${path}.feature`, null, (x) => Number.isInteger(x) && x >= -1 && x < d, `is not a feature index below ${d} (or −1)`);
  const m = feature.length;
  if (m === 0) throw bad(`${path}.feature`, 'is empty');
  numbers(o.threshold, `${path}.threshold`, m, (x) => !Number.isNaN(x), 'is not a number');
  numbers(o.bin, `${path}.bin`, m, (x) => Number.isInteger(x) && x >= 0 && x < 255, 'is not a bin index');
  numbers(o.missingLeft, `${path}.missingLeft`, m, (x) => x === 0 || x === 1, 'is not 0 or 1');
  numbers(o.value, `${path}.value`, m, finite, 'is not a finite number');
  const left = numbers(o.left, `${path}.left`, m, Number.isInteger, 'is not an integer');
  const right = numbers(o.right, `${path}.right`, m, Number.isInteger, 'is not an integer');
  for (let i = 0; i < m; i++) {
    const leaf = feature[i] === -1;
    const okChild = (c: number): boolean => (leaf ? c === -1 : c > i && c < m);
    if (!okChild(left[i]!) || !okChild(right[i]!)) throw bad(`${path}.left/right[${i}]`, 'children must be later nodes of the same tree (−1 on leaves)');
  }
}

/** Checks the shape and values of a model state; returns it typed. Throws INPUT_INVALID. */
export function parseGbtModel(value: unknown): GbtModel {
  if (typeof value !== 'object' || value === null) throw bad('', 'is not an object');
  const m = value as Record<string, unknown>;
  if (m.kind !== 'gbt') throw bad('kind', `${String(m.kind)} is not gbt`);
  if (m.version !== 1) throw bad('version', `${String(m.version)} is not a supported version (1)`);
  if (m.task !== 'binary' && m.task !== 'multiclass' && m.task !== 'regression') throw bad('task', `${String(m.task)} is not binary, multiclass or regression`);
  const d = m.nFeatures;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw bad('nFeatures', `${String(d)} must be a positive integer`);
  const K = m.treesPerIteration;
  const wantK = m.task === 'multiclass' ? (Array.isArray(m.classes) ? m.classes.length : K) : 1;
  if (typeof K !== 'number' || !Number.isInteger(K) || K < 1 || K !== wantK) throw bad('treesPerIteration', `${String(K)} must be 1, or the number of classes for multiclass`);
  numbers(m.baseline, 'baseline', K, finite, 'is not a finite number');
  if (!Array.isArray(m.binEdges) || m.binEdges.length !== d) throw bad('binEdges', `must hold ${d} arrays`);
  m.binEdges.forEach((e, j) => numbers(e, `binEdges[${j}]`, null, finite, 'is not a finite number'));
  numbers(m.importances, 'importances', d, finite, 'is not a finite number');
  if (!Array.isArray(m.trees) || m.trees.length % K !== 0) throw bad('trees', `must be an array of iterations × ${K} trees`);
  m.trees.forEach((t, i) => checkTree(t, `trees[${i}]`, d));
  return value as GbtModel;
}
