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
 * ```ts
 * const root = tableBlock(layout, packed, n);
 * buildHistogram(hist, layout, root, null, 0, n, scratch, null);
 * const nLeft = partition(loc, scratch, lo, hi, root, column, goLeft);
 * ```
 */
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
}

export function histogramScratch(n: number): HistogramScratch {
  return {
    ordered: new Float64Array(n), lanes: new Float64Array(2 * LANE1), sum: new Float64Array(SLOTS),
    right: new Uint32Array(n),
  };
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

/** Adds the 4 columns of `w0` (value v0) to lane 0 and of `w1` (v1) to lane 1. */
function add2(lanes: Float64Array, w0: number, v0: number, w1: number, v1: number): void {
  const a = w0 & 255;
  const b = SLOTS + ((w0 >>> 8) & 255);
  const c = 2 * SLOTS + ((w0 >>> 16) & 255);
  const d = 3 * SLOTS + (w0 >>> 24);
  const e = LANE1 + (w1 & 255);
  const f = LANE1 + SLOTS + ((w1 >>> 8) & 255);
  const g = LANE1 + 2 * SLOTS + ((w1 >>> 16) & 255);
  const h = LANE1 + 3 * SLOTS + (w1 >>> 24);
  lanes[a] = lanes[a]! + v0;
  lanes[b] = lanes[b]! + v0;
  lanes[c] = lanes[c]! + v0;
  lanes[d] = lanes[d]! + v0;
  lanes[e] = lanes[e]! + v1;
  lanes[f] = lanes[f]! + v1;
  lanes[g] = lanes[g]! + v1;
  lanes[h] = lanes[h]! + v1;
}

/** Group of the block rows lo..lo+m in order (the root). */
function accumulateAll(lanes: Float64Array, words: Uint32Array, wb: number, vals: Float64Array, vb: number, m: number): void {
  const m2 = m - (m & 1);
  for (let k = 0; k < m2; k += 2) add2(lanes, words[wb + k]!, vals[vb + k]!, words[wb + k + 1]!, vals[vb + k + 1]!);
  if (m2 < m) add2(lanes, words[wb + m2]!, vals[vb + m2]!, 0, 0);
}

/** Group of the rows at positions loc[lo..lo+m); ordered values ov[0..m). */
function accumulateAt(lanes: Float64Array, words: Uint32Array, wb: number, loc: Uint32Array, lo: number, m: number, ov: Float64Array, ob: number): void {
  const m2 = m - (m & 1);
  for (let k = 0; k < m2; k += 2) add2(lanes, words[wb + loc[lo + k]!]!, ov[ob + k]!, words[wb + loc[lo + k + 1]!]!, ov[ob + k + 1]!);
  if (m2 < m) add2(lanes, words[wb + loc[lo + m2]!]!, ov[ob + m2]!, 0, 0);
}

/** The same, also copying the words to out[cb..cb+m). */
function accumulateCopy(
  lanes: Float64Array, words: Uint32Array, wb: number, loc: Uint32Array, lo: number, m: number, ov: Float64Array, ob: number, out: Uint32Array, cb: number,
): void {
  const m2 = m - (m & 1);
  for (let k = 0; k < m2; k += 2) {
    const w0 = words[wb + loc[lo + k]!]!;
    const w1 = words[wb + loc[lo + k + 1]!]!;
    out[cb + k] = w0;
    out[cb + k + 1] = w1;
    add2(lanes, w0, ov[ob + k]!, w1, ov[ob + k + 1]!);
  }
  if (m2 < m) {
    const w = words[wb + loc[lo + m2]!]!;
    out[cb + m2] = w;
    add2(lanes, w, ov[ob + m2]!, 0, 0);
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
  const lanes = s.lanes;
  const m = hi - lo;
  let ov = ref.vals;
  let ob = ref.vbase;
  if (loc !== null) {
    ov = out === null ? s.ordered : out.vals;
    ob = out === null ? 0 : out.vbase;
    for (let k = 0; k < m; k++) ov[ob + k] = ref.vals[ref.vbase + loc[lo + k]!]!;
    if (out !== null) for (let k = 0; k < m; k++) out.ids![ob + k] = rowId(ref, loc[lo + k]!);
  }
  for (let g = 0; g < G; g++) {
    const wb = ref.base + g * ref.m;
    if (loc === null) accumulateAll(lanes, ref.words, wb, ov, ob, m);
    else if (out === null) accumulateAt(lanes, ref.words, wb, loc, lo, m, ov, ob);
    else accumulateCopy(lanes, ref.words, wb, loc, lo, m, ov, ob, out.words, out.base + g * m);
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
  const bytes = ref.bytes;
  const cb = (ref.base + (column >> 2) * ref.m) * 4 + (column & 3);
  const right = s.right;
  let nl = lo;
  let nr = 0;
  for (let k = lo; k < hi; k++) {
    const l = loc[k]!;
    const left = goLeft[bytes[cb + l * 4]!]!;
    loc[nl] = l;
    right[nr] = l;
    nl += left;
    nr += 1 - left;
  }
  loc.set(right.subarray(0, nr), nl);
  return nl - lo;
}
