/**
 * The hot loops of tree growing, over the column-major binned columns of a {@link ColumnLayout}
 * (`columns[p * n + r]`):
 *
 * - histograms: per feature 256 slots (bin 255 = missing), each the sum of the rows' packed
 *   quantized gradient/hessian values (see quantize.ts): one add per (row, column). The sums are
 *   integers below 2⁵³, hence exact, and a sibling's histogram is its parent's minus the other
 *   child's. A node's packed values are first gathered in row order; then columns are scanned
 *   two at a time, each into 2 interleaved sub-histograms ("lanes": even rows, odd rows), so
 *   consecutive rows in one bin (common with few-valued columns) do not wait on each other's
 *   store; the lanes are then summed into each member feature's slots;
 * - partition: a stable, branch-free split of a node's row indices into left then right.
 *
 * ```ts
 * const hist = new Float64Array(d * SLOTS);
 * const scratch = histogramScratch(n);
 * buildHistogram(hist, layout, packed, n, scratch, null, 0, n); // the root: every row
 * const nLeft = partition(idx, rowScratch, lo, hi, layout.columns, n, column, goLeft);
 * ```
 */
import type { ColumnLayout } from './bundling.js';

/** Slots per feature in a histogram: 255 value bins and the missing bin. */
export const SLOTS = 256;
const MISSING = SLOTS - 1;

/** Reusable buffers of the histogram kernels. */
export interface HistogramScratch {
  /** The node's packed values in row order. */
  ordered: Float64Array;
  /** 4 × SLOTS: column a's lanes at 0 and 2·SLOTS, column b's at SLOTS and 3·SLOTS. */
  lanes: Float64Array;
  /** One bundle's summed slots. */
  sum: Float64Array;
}

export function histogramScratch(n: number): HistogramScratch {
  return { ordered: new Float64Array(n), lanes: new Float64Array(4 * SLOTS), sum: new Float64Array(SLOTS) };
}

/**
 * Sums and clears two lanes of column p (`a` from offset ao, `b` from bo) into its features'
 * slots of `hist`.
 */
function reduceColumn(hist: Float64Array, layout: ColumnLayout, p: number, a: Float64Array, ao: number, b: Float64Array, bo: number, sum: Float64Array): void {
  const width = layout.width[p]!;
  const first = layout.memberStart[p]!;
  const end = layout.memberStart[p + 1]!;
  if (end - first === 1 && layout.offsetOf[layout.members[first]!]! < 0) {
    const h = layout.members[first]! * SLOTS;
    for (let k = 0; k < width; k++) {
      hist[h + k] = a[ao + k]! + b[bo + k]!;
      a[ao + k] = 0;
      b[bo + k] = 0;
    }
    hist[h + MISSING] = a[ao + MISSING]! + b[bo + MISSING]!;
    a[ao + MISSING] = 0;
    b[bo + MISSING] = 0;
    return;
  }
  let total = 0;
  for (let k = 0; k < width; k++) {
    const v = a[ao + k]! + b[bo + k]!;
    sum[k] = v;
    total += v;
    a[ao + k] = 0;
    b[bo + k] = 0;
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
 * Histogram of the rows idx[lo..hi) (every row 0..n−1 when idx is null), written over every
 * slot a feature uses; the other slots of `hist` are left as they are (0).
 */
export function buildHistogram(
  hist: Float64Array, layout: ColumnLayout, packed: Float64Array, n: number, s: HistogramScratch,
  idx: Uint32Array | null, lo: number, hi: number,
): void {
  const { columns, D } = layout;
  const lanes = s.lanes;
  const m = hi - lo;
  let vals = packed;
  if (idx !== null) {
    vals = s.ordered;
    for (let k = 0; k < m; k++) vals[k] = packed[idx[lo + k]!]!;
  }
  const m2 = m - (m & 1);
  let p = 0;
  for (; p + 1 < D; p += 2) {
    const ca = p * n;
    const cb = ca + n;
    let k = 0;
    if (idx === null) {
      for (; k < m2; k += 2) {
        const v0 = vals[k]!;
        const v1 = vals[k + 1]!;
        const a0 = columns[ca + k]!;
        const b0 = SLOTS + columns[cb + k]!;
        const a1 = 2 * SLOTS + columns[ca + k + 1]!;
        const b1 = 3 * SLOTS + columns[cb + k + 1]!;
        lanes[a0] = lanes[a0]! + v0;
        lanes[b0] = lanes[b0]! + v0;
        lanes[a1] = lanes[a1]! + v1;
        lanes[b1] = lanes[b1]! + v1;
      }
    } else {
      for (; k < m2; k += 2) {
        const r0 = idx[lo + k]!;
        const r1 = idx[lo + k + 1]!;
        const v0 = vals[k]!;
        const v1 = vals[k + 1]!;
        const a0 = columns[ca + r0]!;
        const b0 = SLOTS + columns[cb + r0]!;
        const a1 = 2 * SLOTS + columns[ca + r1]!;
        const b1 = 3 * SLOTS + columns[cb + r1]!;
        lanes[a0] = lanes[a0]! + v0;
        lanes[b0] = lanes[b0]! + v0;
        lanes[a1] = lanes[a1]! + v1;
        lanes[b1] = lanes[b1]! + v1;
      }
    }
    for (; k < m; k++) {
      const r = idx === null ? k : idx[lo + k]!;
      const a = columns[ca + r]!;
      const b = SLOTS + columns[cb + r]!;
      lanes[a] = lanes[a]! + vals[k]!;
      lanes[b] = lanes[b]! + vals[k]!;
    }
    reduceColumn(hist, layout, p, lanes, 0, lanes, 2 * SLOTS, s.sum);
    reduceColumn(hist, layout, p + 1, lanes, SLOTS, lanes, 3 * SLOTS, s.sum);
  }
  if (p < D) {
    const ca = p * n;
    let k = 0;
    for (; k < m2; k += 2) {
      const a0 = columns[ca + (idx === null ? k : idx[lo + k]!)]!;
      const a1 = 2 * SLOTS + columns[ca + (idx === null ? k + 1 : idx[lo + k + 1]!)]!;
      lanes[a0] = lanes[a0]! + vals[k]!;
      lanes[a1] = lanes[a1]! + vals[k + 1]!;
    }
    for (; k < m; k++) {
      const a = columns[ca + (idx === null ? k : idx[lo + k]!)]!;
      lanes[a] = lanes[a]! + vals[k]!;
    }
    reduceColumn(hist, layout, p, lanes, 0, lanes, 2 * SLOTS, s.sum);
  }
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
 * Reorders idx[lo..hi) so rows whose bin in column `column` has goLeft[bin] = 1 come first, each
 * side in its former order (ascending stays ascending); returns how many went left.
 */
export function partition(
  idx: Uint32Array, scratch: Uint32Array, lo: number, hi: number, columns: Uint8Array, n: number, column: number, goLeft: Uint8Array,
): number {
  const c = column * n;
  let nl = lo;
  let nr = 0;
  for (let k = lo; k < hi; k++) {
    const r = idx[k]!;
    const left = goLeft[columns[c + r]!]!;
    idx[nl] = r;
    scratch[nr] = r;
    nl += left;
    nr += 1 - left;
  }
  idx.set(scratch.subarray(0, nr), nl);
  return nl - lo;
}
