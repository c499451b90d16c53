/**
 * The hot loops of tree growing. Rows are read from a {@link Block}: the whole binned table
 * (4 columns per 32-bit word, see bundling.ts) with each row's packed quantized gradient, or a
 * compact copy of one node's rows. A node names its rows by their positions `loc` in its block.
 *
 * - histograms: per feature 256 slots (bin 255 = missing), each the sum of its rows' packed
 *   values (see quantize.ts): integers below 2⁵³, so sums are exact and a sibling's histogram is
 *   its parent's minus the other child's. One word load gives a row's bins in 4 columns; rows
 *   alternate between 2 sub-histograms ("lanes") so consecutive rows in one bin do not wait on
 *   each other's store; lanes are then summed into each member feature's slots. Building a
 *   sparse node's histogram can also copy its rows into a new, dense block for its descendants;
 * - partition: a stable, branch-free split of a node's rows into left then right.
 *
 * The row loops of the histograms run in WebAssembly (../kernels/histogram.wat, about twice as
 * fast as the same loops in V8), so every Block's words and vals, the positions `loc` and the
 * scratch's lanes and ordered values must be views of this thread's kernel heap
 * (../kernels/heap.ts; TreeGrower lays them out there).
 *
 * ```ts
 * const root = tableBlock(layout, packed, n);
 * buildHistogram(hist, layout, root, null, 0, n, scratch, null);
 * const nLeft = partition(loc, scratch, lo, hi, root, column, goLeft);
 * ```
 */
import { histogramKernels, KernelHeap } from '../kernels/heap.js';
import type { ColumnLayout } from './bundling.js';

/** Slots per feature in a histogram: 255 value bins and the missing bin. */
export const SLOTS = 256;
const MISSING = SLOTS - 1;
/** Lane 1 of a group's 4 columns starts here; column c's lane 0 at c·SLOTS. */
const LANE1 = 4 * SLOTS;

/**
 * Rows to read: words[base + g·m + l] holds the bins of column group g of the row at position l,
 * vals[vbase + l] its packed value and ids[vbase + l] its row id (ids null: the position is the id).
 */
export interface Block {
  words: Uint32Array;
  bytes: Uint8Array;
  base: number;
  m: number;
  vals: Float64Array;
  ids: Uint32Array | null;
  vbase: number;
}

/** The whole table: row r at position r. */
export function tableBlock(layout: ColumnLayout, packed: Float64Array, n: number): Block {
  return { words: layout.words, bytes: layout.bytes, base: 0, m: n, vals: packed, ids: null, vbase: 0 };
}

/** The row id at position l of block b. */
export function rowId(b: Block, l: number): number {
  return b.ids === null ? l : b.ids[b.vbase + l]!;
}

/** Reusable buffers of the histogram kernels. */
export interface HistogramScratch {
  /** A node's packed values in node order (when not copied into a block). */
  ordered: Float64Array;
  /** 2 lanes × 4 columns × SLOTS. */
  lanes: Float64Array;
  /** One bundle's summed slots. */
  sum: Float64Array;
  /** Partition buffer for the right side. */
  right: Uint32Array;
  /** The partition's go-left table, by column bin. */
  goLeft: Uint8Array;
}

/** Kernel-heap bytes of {@link histogramScratch}. */
export function histogramScratchBytes(n: number): number {
  return KernelHeap.f64Bytes(n) + KernelHeap.f64Bytes(2 * LANE1) + KernelHeap.u32Bytes(n) + KernelHeap.u8Bytes(SLOTS);
}

/**
 * The scratch of a table of n rows: the kernels' arrays on `heap` (see histogramScratchBytes).
 * The lanes start at 0 (the kernel adds into them and each reduce clears what it used); heap
 * memory holds whatever an earlier fit on this thread left there, so they are cleared here.
 */
export function histogramScratch(n: number, heap: KernelHeap): HistogramScratch {
  const lanes = heap.f64(2 * LANE1).fill(0);
  return { ordered: heap.f64(n), lanes, sum: new Float64Array(SLOTS), right: heap.u32(n), goLeft: heap.u8(SLOTS) };
}

/** Sums and clears column p's two lanes (its slots at `at` and at + LANE1) into its features' slots. */
function reduceColumn(hist: Float64Array, layout: ColumnLayout, p: number, lanes: Float64Array, at: number, sum: Float64Array): void {
  const width = layout.width[p]!;
  const first = layout.memberStart[p]!;
  const end = layout.memberStart[p + 1]!;
  const bt = at + LANE1;
  if (end - first === 1 && layout.offsetOf[layout.members[first]!]! < 0) {
    const h = layout.members[first]! * SLOTS;
    for (let k = 0; k < width; k++) {
      hist[h + k] = lanes[at + k]! + lanes[bt + k]!;
      lanes[at + k] = 0;
      lanes[bt + k] = 0;
    }
    hist[h + MISSING] = lanes[at + MISSING]! + lanes[bt + MISSING]!;
    lanes[at + MISSING] = 0;
    lanes[bt + MISSING] = 0;
    return;
  }
  let total = 0;
  for (let k = 0; k < width; k++) {
    const v = lanes[at + k]! + lanes[bt + k]!;
    sum[k] = v;
    total += v;
    lanes[at + k] = 0;
    lanes[bt + k] = 0;
  }
  // Each member: its bins ≥ 1 are bundle slots offset + bin; its bin 0 holds every other row.
  for (let k = first; k < end; k++) {
    const f = layout.members[k]!;
    const off = layout.offsetOf[f]!;
    const last = k + 1 < end ? layout.offsetOf[layout.members[k + 1]!]! : width - 1;
    const h = f * SLOTS;
    let rest = total;
    for (let v = 1; off + v <= last; v++) {
      hist[h + v] = sum[off + v]!;
      rest -= sum[off + v]!;
    }
    hist[h] = rest;
    hist[h + MISSING] = 0;
  }
}

/**
 * Histogram of a node, written over every slot a feature uses (other slots stay as they are, 0).
 * The node is the rows at positions loc[lo..hi) of `ref`, or, when loc is null, all of `ref`.
 * With `out` (a block of hi − lo rows), its rows are also copied there in node order and
 * loc[lo..hi) becomes 0..hi−lo−1: positions in `out`.
 */
export function buildHistogram(
  hist: Float64Array, layout: ColumnLayout, ref: Block, loc: Uint32Array | null, lo: number, hi: number, s: HistogramScratch, out: Block | null,
): void {
  const { D, G } = layout;
  const k = histogramKernels();
  const lanes = s.lanes;
  const m = hi - lo;
  let ov = ref.vals;
  let ob = ref.vbase;
  const locAt = loc === null ? 0 : loc.byteOffset + 4 * lo;
  if (loc !== null) {
    ov = out === null ? s.ordered : out.vals;
    ob = out === null ? 0 : out.vbase;
    k.gather(ov.byteOffset + 8 * ob, ref.vals.byteOffset + 8 * ref.vbase, locAt, m);
    if (out !== null) for (let i = 0; i < m; i++) out.ids![ob + i] = rowId(ref, loc[lo + i]!);
  }
  const vals = ov.byteOffset + 8 * ob;
  for (let g = 0; g < G; g++) {
    const words = ref.words.byteOffset + 4 * (ref.base + g * ref.m);
    k.accumulate(lanes.byteOffset, words, loc === null ? -1 : locAt, m, vals, out === null ? -1 : out.words.byteOffset + 4 * (out.base + g * m));
    for (let c = 0; c < 4; c++) {
      const p = 4 * g + c;
      if (p < D) {
        reduceColumn(hist, layout, p, lanes, c * SLOTS, s.sum);
      } else {
        lanes[c * SLOTS] = 0; // padding columns: bin 0 only
        lanes[LANE1 + c * SLOTS] = 0;
      }
    }
  }
  if (loc !== null && out !== null) for (let k = 0; k < m; k++) loc[lo + k] = k;
}

/** parent ← parent − child over the used slots (exact: the sums are integers below 2⁵³). */
export function subtractHistogram(parent: Float64Array, child: Float64Array, nBins: Int32Array): void {
  for (let j = 0; j < nBins.length; j++) {
    const h = j * SLOTS;
    const nb = nBins[j]!;
    for (let b = 0; b < nb; b++) parent[h + b] = parent[h + b]! - child[h + b]!;
    parent[h + MISSING] = parent[h + MISSING]! - child[h + MISSING]!;
  }
}

/**
 * Reorders the node rows loc[lo..hi) (positions in block `ref`) so rows whose bin in `column`
 * has goLeft[bin] = 1 come first, each side in its former order; returns how many went left.
 */
export function partition(loc: Uint32Array, s: HistogramScratch, lo: number, hi: number, ref: Block, column: number, goLeft: Uint8Array): number {
  s.goLeft.set(goLeft.subarray(0, SLOTS));
  const col = ref.bytes.byteOffset + (ref.base + (column >> 2) * ref.m) * 4 + (column & 3);
  return histogramKernels().partition(loc.byteOffset, lo, hi, col, s.goLeft.byteOffset, s.right.byteOffset);
}
