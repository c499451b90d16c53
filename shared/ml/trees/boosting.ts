/**
 * The boosting loop: bin the training rows, start from the intercept-only score, then each
 * iteration compute gradients, quantize them, grow one tree per output (per class for
 * multiclass) and add its leaf values to the rows' scores. With early stopping a seeded
 * hold-out is scored after every iteration and the fit ends when none of the last `patience`
 * iterations lowered its loss by more than `tol` (scikit-learn's rule; every tree is kept).
 * One thread, no allocation per iteration beyond the tree itself; same seed and data give a
 * bit-identical model.
 *
 * ```ts
 * const model = fitGbt({ X, y, task: 'binary', classes: [0, 1], seed: 7, featureNames }, { maxIter: 200 });
 * ```
 */
import { performance } from 'node:perf_hooks';
import { logger } from '../../log.js';
import { kernelHeap, KernelHeap } from '../kernels/heap.js';
import { scratchF64, scratchU32, scratchU8 } from '../kernels/scratch.js';
import type { DesignMatrix } from '../linear/types.js';
import type { FitInput, LearningTask } from '../models/types.js';
import { binRows, fitBinEdges } from './binning.js';
import { bundleColumns } from './bundling.js';
import type { ColumnLayout } from './bundling.js';
import { TreeGrower } from './grower.js';
import type { TreeArrays } from './grower.js';
import { checkFitInput, holdOut } from './input.js';
import { baseline, binaryGradients, meanLoss, softmax, softmaxGradients, squaredGradients } from './loss.js';
import { resolveGbtParams } from './params.js';
import { addTreeScores } from './predict.js';
import type { GbtParams, GbtParamsInput } from './params.js';
import { quantize, quantizeLevels, RoundingNoise } from './quantize.js';
import type { GbtModel, GbtTree } from './types.js';

function gather(v: Float64Array, rows: Uint32Array | null): Float64Array {
  return rows === null ? v : Float64Array.from(rows, (r) => v[r]!);
}

/**
 * The training rows binned and bundled. Both tables live in the thread's scratch memory (a fit
 * copies the bundled words into its kernel heap next), so a fit after the first takes no fresh
 * pages for them.
 */
function binnedColumns(X: DesignMatrix, rows: Uint32Array | null, edges: number[][], nBins: Int32Array): { layout: ColumnLayout; hasMissing: Uint8Array } {
  const n = rows === null ? X.rows : rows.length;
  const { bins, hasMissing } = binRows(X, rows, edges, scratchU8('gbt.bins', n * X.cols));
  return { layout: bundleColumns(bins, n, nBins, hasMissing, (length) => scratchU32('gbt.words', length)), hasMissing };
}

/** The layout with its words copied into the kernel heap. */
function onHeap(layout: ColumnLayout, heap: KernelHeap): ColumnLayout {
  const words = heap.u32(layout.words.length);
  words.set(layout.words);
  return { ...layout, words, bytes: new Uint8Array(words.buffer, words.byteOffset, words.byteLength) };
}

/** scikit-learn's `_should_stop` on losses (lower is better). */
function shouldStop(losses: number[], patience: number, tol: number): boolean {
  if (losses.length < patience + 1) return false;
  const reference = losses[losses.length - patience - 1]! - tol;
  for (let i = losses.length - patience; i < losses.length; i++) if (losses[i]! < reference) return false;
  return true;
}

/**
 * Adds a tree's leaf values to column k of the n×T scores, or for binary (multiplicative)
 * multiplies e = exp(−raw) by exp(−value).
 */
function applyTree(state: Float64Array, leafOf: Int32Array, values: Float64Array, n: number, T: number, k: number, multiplicative: boolean): void {
  if (multiplicative) {
    const f = values.map((v) => Math.exp(-v));
    for (let r = 0; r < n; r++) state[r] = state[r]! * f[leafOf[r]!]!;
    return;
  }
  for (let r = 0; r < n; r++) {
    const at = r * T + k;
    state[at] = state[at]! + values[leafOf[r]!]!;
  }
}

function toJson(t: TreeArrays): GbtTree {
  return { feature: t.feature, threshold: t.threshold, bin: t.bin, missingLeft: t.missingLeft, left: t.left, right: t.right, value: t.value };
}

interface Scores {
  task: LearningTask;
  /** Binary: e = exp(−raw) per row. Others: raw scores, n×T. */
  state: Float64Array;
  prob: Float64Array | null;
}

export function fitGbt(input: FitInput, paramsInput: Record<string, unknown> | GbtParamsInput = {}): GbtModel {
  const t0 = performance.now();
  const params: GbtParams = resolveGbtParams(paramsInput);
  const { K: nClasses, w: wAll } = checkFitInput(input, params);
  const { X, task, seed } = input;
  const d = X.cols;
  const es = params.earlyStopping;
  const split = es === null ? null : holdOut(input.y, task, es.validationFraction, seed ^ 0x1b873593);
  const trainRows = split === null ? null : split.train;
  const y = gather(input.y, trainRows);
  const w = gather(wAll, trainRows);
  const n = y.length;

  const edges = fitBinEdges(X, trainRows, params.maxBins, seed);
  const nBins = Int32Array.from(edges, (e) => e.length + 1);
  const binned = binnedColumns(X, trainRows, edges, nBins);
  const { hasMissing } = binned;
  // The histogram kernels read the table, the packed values and the grower's arrays from this
  // thread's kernel heap: lay them out there, once per fit.
  const heap = kernelHeap();
  heap.begin(KernelHeap.u32Bytes(binned.layout.words.length) + KernelHeap.f64Bytes(n) + TreeGrower.heapBytes(n, binned.layout.G));
  const layout = onHeap(binned.layout, heap);
  const val = split === null ? null : { rows: split.validation, y: gather(input.y, split.validation), w: gather(wAll, split.validation) };
  const tBinned = performance.now();

  const T = task === 'multiclass' ? nClasses : 1;
  const base = baseline(task, y, w, nClasses);
  const levels = quantizeLevels(n);
  const noise = new RoundingNoise(seed);
  const packed = heap.f64(n);
  const grower = new TreeGrower({ layout, n, d, nBins, hasMissing, edges }, { ...params, S: levels.S }, heap);
  // Every element of these is written before it is read (gradients, the filled start scores).
  const g = scratchF64('gbt.g', n);
  const h = scratchF64('gbt.h', n);
  const scores: Scores = { task, state: scratchF64('gbt.scores', n * T), prob: task === 'multiclass' ? scratchF64('gbt.prob', n * T) : null };
  if (task === 'binary') scores.state.fill(Math.exp(-base[0]!));
  else for (let i = 0; i < n * T; i++) scores.state[i] = base[i % T]!;
  const valRaw = val === null ? null : Float64Array.from({ length: val.y.length * T }, (_, i) => base[i % T]!);
  const valLoss = val === null ? null : [meanLoss(task, valRaw!, val.y, val.w, T)];

  const trees: GbtTree[] = [];
  const importance = new Float64Array(d);
  let nIter = 0;
  let earlyStopped = false;
  for (let it = 0; it < params.maxIter; it++) {
    if (scores.prob !== null) softmax(scores.state, n, T, scores.prob);
    for (let k = 0; k < T; k++) {
      if (task === 'binary') binaryGradients(scores.state, y, w, g, h, n);
      else if (task === 'regression') squaredGradients(scores.state, y, w, g, h, n);
      else softmaxGradients(scores.prob!, T, k, y, w, g, h, n);
      const { sg, sh } = quantize(g, h, n, levels, noise, packed);
      const grown = grower.grow(packed, g, h, sg, sh, importance);
      applyTree(scores.state, grown.leafOf, grown.values, n, T, k, task === 'binary');
      const tree = toJson(grown.tree);
      trees.push(tree);
      if (val !== null) addTreeScores(tree, X, val.rows, valRaw!, T, k);
    }
    nIter++;
    if (val !== null) {
      valLoss!.push(meanLoss(task, valRaw!, val.y, val.w, T));
      if (shouldStop(valLoss!, es!.patience, es!.tol)) {
        earlyStopped = true;
        break;
      }
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) total += importance[j]!;
  const importances = Array.from(importance, (v) => (total > 0 ? v / total : 0));
  logger('ml.trees').debug(
    { rows: n, features: d, columns: layout.D, iterations: nIter, earlyStopped, binMs: tBinned - t0, boostMs: performance.now() - tBinned, gradientLevels: levels.Q },
    'gbt fitted',
  );
  return {
    kind: 'gbt',
    version: 1,
    task,
    nFeatures: d,
    featureNames: [...input.featureNames],
    classes: task === 'regression' ? null : input.classes ? [...input.classes] : null,
    treesPerIteration: T,
    baseline: base,
    binEdges: edges,
    trees,
    importances,
    params,
    fit: {
      nIter,
      earlyStopped,
      trainRows: n,
      validationRows: val === null ? 0 : val.y.length,
      validationLoss: valLoss,
      gradientLevels: levels.Q,
    },
  };
}
