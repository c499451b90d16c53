/**
 * Grows one regression tree on quantized gradients, best-first (leaf-wise) like LightGBM and
 * scikit-learn's `TreeGrower`: the leaf whose best split gains most is split next, until
 * `maxLeafNodes` leaves or no leaf can split. Only the smaller child's histogram is built; the
 * larger one's is the parent's minus it, computed in the parent's buffer. A node's rows are an
 * index range of one array partitioned in place.
 *
 * ```ts
 * const grower = new TreeGrower(data, options, heap); // data.layout and packed on the kernel heap
 * const { tree, leafOf, values } = grower.grow(packed, g, h, sg, sh, importance);
 * ```
 */
import { columnGoLeft } from './bundling.js';
import type { ColumnLayout } from './bundling.js';
import { scratchI32 } from '../kernels/scratch.js';
import { KernelHeap } from '../kernels/heap.js';
import { buildHistogram, histogramScratch, histogramScratchBytes, partition, rowId, SLOTS, subtractHistogram, tableBlock } from './histogram.js';
import type { Block, HistogramScratch } from './histogram.js';
import { findBestSplit, newSplit } from './split.js';
import type { Split, SplitContext } from './split.js';

/** The threshold stored when a split sends every value left and only missing values right. */
export const ALL_VALUES_LEFT = Number.MAX_VALUE;

/** A tree as flat arrays, node 0 the root; leaves have feature −1 and left = right = −1. */
export interface TreeArrays {
  feature: number[];
  /** Raw threshold: x ≤ threshold goes left. */
  threshold: number[];
  /** Bin threshold (bin ≤ it goes left), for binned rows. */
  bin: number[];
  missingLeft: number[];
  left: number[];
  right: number[];
  /** Leaf values (learning rate applied); 0 on internal nodes. */
  value: number[];
}

export interface GrownTree {
  tree: TreeArrays;
  /** Per row: the index of its leaf (valid until the next `grow`). */
  leafOf: Int32Array;
  /** Per leaf index: its value (learning rate applied). */
  values: Float64Array;
}

export interface GrowerData {
  layout: ColumnLayout;
  n: number;
  d: number;
  nBins: Int32Array;
  hasMissing: Uint8Array;
  edges: number[][];
}

export interface GrowerOptions {
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  learningRate: number;
  /** Packing base of the quantized values (see quantize.ts). */
  S: number;
}

interface Leaf {
  node: number;
  /** Its rows: positions loc[lo..hi) in block `ref`. */
  lo: number;
  hi: number;
  ref: Block;
  depth: number;
  packed: number;
  hist: Float64Array | null;
  split: Split | null;
}

/** sklearn's `min_hessian_to_split`. */
const MIN_HESSIAN = 1e-3;
/** A node gets a compact copy of its rows when it holds at most this share of its block's. */
const COPY_BELOW = 1 / 4;

/**
 * Blocks of node rows, allocated per tree from one buffer (rows × (G words + 1 value)); when it
 * is full, nodes read their ancestors' blocks.
 */
class Arena {
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly vals: Float64Array;
  private readonly ids: Uint32Array;
  private top = 0;

  static bytes(G: number, capacity: number): number {
    return KernelHeap.u32Bytes(G * capacity) + KernelHeap.f64Bytes(capacity) + KernelHeap.u32Bytes(capacity);
  }

  constructor(private readonly G: number, private readonly capacity: number, heap: KernelHeap) {
    this.words = heap.u32(G * capacity);
    this.bytes = new Uint8Array(this.words.buffer, this.words.byteOffset, this.words.byteLength);
    this.vals = heap.f64(capacity);
    this.ids = heap.u32(capacity);
  }

  reset(): void {
    this.top = 0;
  }

  take(m: number): Block | null {
    if (this.top + m > this.capacity) return null;
    const b: Block = { words: this.words, bytes: this.bytes, base: this.G * this.top, m, vals: this.vals, ids: this.ids, vbase: this.top };
    this.top += m;
    return b;
  }
}

export class TreeGrower {
  private readonly loc: Uint32Array;
  private readonly leafOf: Int32Array;
  private readonly arena: Arena;
  private readonly pool: Float64Array[] = [];
  private readonly goLeft = new Uint8Array(SLOTS);
  private readonly columnTable = new Uint8Array(SLOTS);
  private readonly hs: HistogramScratch;

  /**
   * Kernel-heap bytes the grower of n rows in G column groups lays out (the caller's
   * `heap.begin` must cover them along with the table and packed values it passes in).
   */
  static heapBytes(n: number, G: number): number {
    return KernelHeap.u32Bytes(n) + Arena.bytes(G, n) + histogramScratchBytes(n);
  }

  /** `data.layout` and the packed values given to grow() must be views of `heap` (histogram.ts). */
  constructor(private readonly data: GrowerData, private readonly opt: GrowerOptions, heap: KernelHeap) {
    this.loc = heap.u32(data.n);
    // Every row is in one leaf, so grow() writes every element.
    this.leafOf = scratchI32('gbt.leafOf', data.n);
    this.arena = new Arena(data.layout.G, data.n, heap);
    this.hs = histogramScratch(data.n, heap);
  }

  /** A histogram buffer; the kernels overwrite every slot a feature uses, and the others stay 0. */
  private take(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.data.d * SLOTS);
  }

  private give(leaf: Leaf): void {
    if (leaf.hist !== null) this.pool.push(leaf.hist);
    leaf.hist = null;
  }

  /**
   * Grows a tree on quantized `packed` values (scales sg, sh) and sets each leaf to
   * −learningRate · Σg / (Σh + λ) from the exact g and h. Adds each split's gain to `importance`.
   */
  grow(packed: Float64Array, g: Float64Array, h: Float64Array, sg: number, sh: number, importance: Float64Array): GrownTree {
    const { layout, n, d, nBins, hasMissing, edges } = this.data;
    const { maxLeafNodes, maxDepth, minSamplesLeaf, l2Regularization: lambda, S } = this.opt;
    const { loc, arena } = this;
    for (let i = 0; i < n; i++) loc[i] = i;
    arena.reset();
    const table = tableBlock(layout, packed, n);
    const ctx: SplitContext = {
      d, nBins, hasMissing, S, invS: 1 / S, lambdaQ: lambda / sh, minHessQ: MIN_HESSIAN / sh, minLeaf: minSamplesLeaf,
    };
    const tree: TreeArrays = { feature: [], threshold: [], bin: [], missingLeft: [], left: [], right: [], value: [] };
    const addNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.bin.push(0);
      tree.missingLeft.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    const canSplit = (count: number, depth: number): boolean => count >= 2 * minSamplesLeaf && (maxDepth === null || depth < maxDepth);
    const trySplit = (leaf: Leaf): void => {
      const s = newSplit();
      if (findBestSplit(ctx, leaf.hist!, leaf.packed, leaf.hi - leaf.lo, s)) leaf.split = s;
      else this.give(leaf);
    };

    const rootHist = this.take();
    buildHistogram(rootHist, layout, table, null, 0, n, this.hs, null);
    let rootP = 0;
    for (let b = 0; b < SLOTS; b++) rootP += rootHist[b]!;
    const root: Leaf = { node: addNode(), lo: 0, hi: n, ref: table, depth: 0, packed: rootP, hist: rootHist, split: null };
    const leaves: Leaf[] = [root];
    if (canSplit(n, 0) && (maxLeafNodes === null || maxLeafNodes > 1)) trySplit(root);
    else this.give(root);
    const gainScale = (sg * sg) / sh;

    for (;;) {
      let at = -1;
      for (let i = 0; i < leaves.length; i++) {
        const s = leaves[i]!.split;
        if (s !== null && (at < 0 || s.gain > leaves[at]!.split!.gain)) at = i;
      }
      if (at < 0) break;
      const parent = leaves[at]!;
      const s = parent.split!;
      parent.split = null;
      const goLeft = this.goLeft;
      for (let b = 0; b < SLOTS - 1; b++) goLeft[b] = b <= s.bin ? 1 : 0;
      goLeft[SLOTS - 1] = s.missingLeft ? 1 : 0;
      const byColumn = columnGoLeft(layout, s.feature, nBins[s.feature]!, goLeft, this.columnTable);
      const nl = partition(loc, this.hs, parent.lo, parent.hi, parent.ref, layout.columnOf[s.feature]!, byColumn);
      const nr = parent.hi - parent.lo - nl;
      // No missing values in training: none moved, and NaN at prediction follows the larger child.
      const missingLeft = hasMissing[s.feature] === 1 ? s.missingLeft : nl > nr;
      const p = parent.node;
      tree.feature[p] = s.feature;
      tree.bin[p] = s.bin;
      tree.threshold[p] = s.bin < nBins[s.feature]! - 1 ? edges[s.feature]![s.bin]! : ALL_VALUES_LEFT;
      tree.missingLeft[p] = missingLeft ? 1 : 0;
      importance[s.feature] = importance[s.feature]! + s.gain * gainScale;
      const depth = parent.depth + 1;
      const ref = parent.ref;
      const L: Leaf = { node: addNode(), lo: parent.lo, hi: parent.lo + nl, ref, depth, packed: s.leftPacked, hist: null, split: null };
      const R: Leaf = { node: addNode(), lo: parent.lo + nl, hi: parent.hi, ref, depth, packed: parent.packed - s.leftPacked, hist: null, split: null };
      tree.left[p] = L.node;
      tree.right[p] = R.node;
      leaves[at] = L;
      leaves.push(R);
      const full = maxLeafNodes !== null && leaves.length >= maxLeafNodes;
      const splitL = !full && canSplit(nl, depth);
      const splitR = !full && canSplit(nr, depth);
      if (!splitL && !splitR) {
        this.give(parent);
        if (full) for (const leaf of leaves) leaf.split = null;
        if (full) break;
        continue;
      }
      const [small, large] = nl <= nr ? [L, R] : [R, L];
      small.hist = this.take();
      const m = small.hi - small.lo;
      // A sparse node that may split again gets its rows copied: its descendants then read densely.
      const copy = (small === L ? splitL : splitR) && m <= COPY_BELOW * ref.m ? arena.take(m) : null;
      buildHistogram(small.hist, layout, ref, loc, small.lo, small.hi, this.hs, copy);
      if (copy !== null) small.ref = copy;
      subtractHistogram(parent.hist!, small.hist, nBins);
      large.hist = parent.hist;
      parent.hist = null;
      for (const [child, ok] of [[L, splitL], [R, splitR]] as const) {
        if (ok) trySplit(child);
        else this.give(child);
      }
    }
    for (const leaf of leaves) this.give(leaf);

    // Leaf values from the exact g and h, summed in row order (sequential reads).
    const leafOf = this.leafOf;
    leaves.forEach((leaf, li) => {
      for (let k = leaf.lo; k < leaf.hi; k++) leafOf[rowId(leaf.ref, loc[k]!)] = li;
    });
    const L = leaves.length;
    const G = new Float64Array(L);
    const H = new Float64Array(L);
    for (let r = 0; r < n; r++) {
      const li = leafOf[r]!;
      G[li] = G[li]! + g[r]!;
      H[li] = H[li]! + h[r]!;
    }
    const lr = this.opt.learningRate;
    const values = new Float64Array(L);
    leaves.forEach((leaf, li) => {
      const v = H[li]! + lambda > 0 ? (-lr * G[li]!) / (H[li]! + lambda) : 0;
      tree.value[leaf.node] = v;
      values[li] = v;
    });
    return { tree, leafOf, values };
  }
}
