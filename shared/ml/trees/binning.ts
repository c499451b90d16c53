/**
 * Feature binning, as scikit-learn's `_BinMapper`: each feature's bin thresholds come from the
 * distinct values (midpoints between them, when there are at most `maxBins`) or else from
 * `maxBins`-quantiles ('midpoint' interpolation) of a seeded subsample of at most 200,000 rows.
 * Value x falls in bin b, the first with x ≤ thresholds[b] (the last bin when there is none);
 * NaN falls in bin 255 ({@link MISSING_BIN}). Binned data is column-major (feature j's bins are
 * `bins[j * n .. (j + 1) * n)`, 1 byte per row), so a node's histogram and partition gather from
 * one small column at a time.
 *
 * ```ts
 * const edges = fitBinEdges(X, null, 255, seed);  // number[][]; stored in the model
 * const { bins, hasMissing } = binRows(X, null, edges);
 * ```
 */
import { scratchF64, scratchU32 } from '../kernels/scratch.js';
import { mulberry32 } from '../../prng.js';
import type { DesignMatrix } from '../linear/types.js';

/** The bin of missing (NaN) values; real values use bins 0..thresholds.length. */
export const MISSING_BIN = 255;
/** Rows sampled to place the thresholds (scikit-learn's `subsample=2e5`). */
export const BIN_SUBSAMPLE = 200_000;
/** Distinct values counted without sorting a column. */
const FEW = 16;
/** Rows binned per block. */
const BLOCK = 1024;

/** `k` distinct indices of 0..n−1 (seeded partial Fisher–Yates), ascending. */
function sampleRows(n: number, k: number, seed: number): Uint32Array {
  const all = scratchU32('binning.rows', n);
  for (let i = 0; i < n; i++) all[i] = i;
  const rand = mulberry32(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, k).sort();
}

/** Sorted thresholds of one feature from its sorted non-missing values `v`. */
function thresholdsOf(v: Float64Array, maxBins: number): number[] {
  const m = v.length;
  const distinct: number[] = [];
  for (let i = 0; i < m && distinct.length <= maxBins; i++) if (i === 0 || v[i] !== v[i - 1]) distinct.push(v[i]!);
  const out: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++) out.push((distinct[i - 1]! + distinct[i]!) * 0.5);
    return out;
  }
  // numpy.percentile(v, 100·k/maxBins, interpolation='midpoint'), k = 1..maxBins−1, positions exact.
  for (let k = 1; k < maxBins; k++) {
    const num = (m - 1) * k;
    const lo = Math.floor(num / maxBins);
    const hi = num % maxBins === 0 ? lo : lo + 1;
    const t = (v[lo]! + v[hi]!) * 0.5;
    if (out.length === 0 || t > out[out.length - 1]!) out.push(t);
  }
  return out;
}

/**
 * Bin thresholds per feature from the rows `rows` of X (all rows when null). Values must be
 * finite or NaN. The same seed and rows give the same thresholds.
 */
export function fitBinEdges(X: DesignMatrix, rows: Uint32Array | null, maxBins: number, seed: number): number[][] {
  const { data, cols: d } = X;
  const n = rows === null ? X.rows : rows.length;
  let pick: Uint32Array | null = null;
  if (n > BIN_SUBSAMPLE) {
    const s = sampleRows(n, BIN_SUBSAMPLE, seed);
    pick = rows === null ? s : s.map((i) => rows[i]!);
  } else if (rows !== null) {
    pick = rows;
  }
  const m = pick === null ? n : pick.length;
  // One pass over the sampled rows (row-major, so each row is read once), into columns (every
  // element written: the thread's scratch memory, not fresh pages).
  const sample = scratchF64('binning.sample', m * d);
  for (let i = 0; i < m; i++) {
    const src = (pick === null ? i : pick[i]!) * d;
    for (let j = 0; j < d; j++) sample[j * m + i] = data[src + j]!;
  }
  const edges: number[][] = [];
  const few = new Float64Array(FEW);
  for (let j = 0; j < d; j++) {
    const col = sample.subarray(j * m, (j + 1) * m);
    // Flags, one-hot columns, small counts: up to FEW distinct values need no sort of every row.
    let k = 0;
    for (let i = 0; i < m && k <= FEW; i++) {
      const x = col[i]!;
      if (x !== x) continue;
      let at = 0;
      while (at < k && few[at] !== x) at++;
      if (at === k) {
        if (k === FEW) k++;
        else few[k++] = x;
      }
    }
    if (k <= FEW && k <= maxBins) {
      edges.push(thresholdsOf(few.slice(0, k).sort(), maxBins));
      continue;
    }
    let c = 0;
    for (let i = 0; i < m; i++) if (col[i] === col[i]) col[c++] = col[i]!;
    edges.push(thresholdsOf(col.subarray(0, c).sort(), maxBins));
  }
  return edges;
}

/**
 * Per-feature lookup tables: a value's cell on a uniform grid over [t₀, t_last] bounds its bin
 * between `start[cell]` and `start[cell + 1]` (the thresholds whose own cell is lower, resp. not
 * higher: the grid index is monotone in x), so most values need one or two comparisons.
 */
interface Lookup {
  thr: Float64Array;
  /** Per feature: offset into `thr`, threshold count, first threshold, grid scale, offset into `start`, cells. */
  off: Int32Array;
  count: Int32Array;
  lo: Float64Array;
  scale: Float64Array;
  startOff: Int32Array;
  cells: Int32Array;
  start: Int32Array;
}

function buildLookup(edges: number[][]): Lookup {
  const d = edges.length;
  const total = edges.reduce((s, e) => s + e.length, 0);
  const lk: Lookup = {
    thr: new Float64Array(Math.max(total, 1)), off: new Int32Array(d), count: new Int32Array(d), lo: new Float64Array(d),
    scale: new Float64Array(d), startOff: new Int32Array(d), cells: new Int32Array(d), start: new Int32Array(0),
  };
  const starts: number[] = [];
  let o = 0;
  for (let j = 0; j < d; j++) {
    const e = edges[j]!;
    const T = e.length;
    lk.off[j] = o;
    lk.count[j] = T;
    lk.thr.set(e, o);
    o += T;
    lk.startOff[j] = starts.length;
    const lo = T > 0 ? e[0]! : 0;
    const span = T > 1 ? e[T - 1]! - lo : 0;
    const G = T > 8 && span > 0 && Number.isFinite(span) ? Math.min(4096, 4 * T) : 1;
    const scale = G > 1 ? G / span : 0;
    lk.lo[j] = lo;
    lk.scale[j] = scale;
    lk.cells[j] = G;
    const cellOf = (x: number): number => Math.min(G - 1, Math.max(0, Math.floor((x - lo) * scale)));
    const first = new Int32Array(G + 1);
    for (let b = 0; b < T; b++) {
      const c = cellOf(e[b]!) + 1;
      first[c] = first[c]! + 1;
    }
    for (let c = 0; c < G; c++) first[c + 1] = first[c + 1]! + first[c]!;
    for (let c = 0; c <= G; c++) starts.push(first[c]!);
  }
  lk.start = Int32Array.from(starts);
  return lk;
}

/**
 * Bins rows `rows` of X (all when null) into a column-major Uint8Array (`out` when given: n·d
 * bytes, every one written); also reports which features had a missing value among them.
 */
export function binRows(X: DesignMatrix, rows: Uint32Array | null, edges: number[][], out?: Uint8Array): { bins: Uint8Array; hasMissing: Uint8Array } {
  const { data, cols: d } = X;
  const n = rows === null ? X.rows : rows.length;
  const lk = buildLookup(edges);
  const { thr, off, count, lo, scale, startOff, cells, start } = lk;
  if (out !== undefined && out.length !== n * d) throw new RangeError(`binRows: out holds ${out.length} bytes, needs ${n * d}`);
  const bins = out ?? new Uint8Array(n * d);
  const hasMissing = new Uint8Array(d);
  const src = new Int32Array(BLOCK);
  // Blocks of rows (cache-resident), each scanned feature by feature with that feature's tables.
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    for (let i = i0; i < i1; i++) src[i - i0] = (rows === null ? i : rows[i]!) * d;
    for (let j = 0; j < d; j++) {
      const T = count[j]!;
      const o = off[j]!;
      const first = T > 0 ? thr[o]! : Infinity;
      const last = T > 0 ? thr[o + T - 1]! : Infinity;
      const G = cells[j]!;
      const x0 = lo[j]!;
      const sc = scale[j]!;
      const so0 = startOff[j]!;
      const dst = j * n;
      for (let i = i0; i < i1; i++) {
        const x = data[src[i - i0]! + j]!;
        let b: number;
        if (x <= first) {
          b = 0;
        } else if (x > last) {
          b = T;
        } else if (x !== x) {
          b = MISSING_BIN;
          hasMissing[j] = 1;
        } else {
          let c = Math.floor((x - x0) * sc);
          c = c < 0 ? 0 : c >= G ? G - 1 : c;
          b = start[so0 + c]!;
          let e = start[so0 + c + 1]!;
          while (e - b > 8) {
            const mid = (b + e) >>> 1;
            if (x > thr[o + mid]!) b = mid + 1;
            else e = mid;
          }
          while (b < e && x > thr[o + b]!) b++;
        }
        bins[dst + i] = b;
      }
    }
  }
  return { bins, hasMissing };
}
