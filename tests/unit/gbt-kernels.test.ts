/**
 * The trees' building blocks against naive versions: bin thresholds and the grid lookup that
 * bins values, exclusive feature bundling, the packed-histogram kernel, sibling subtraction,
 * the stable partition, and gradient quantization.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesignMatrix } from '../../shared/ml/linear/types.js';
import { binRows, fitBinEdges, MISSING_BIN } from '../../shared/ml/trees/binning.js';
import { bundleColumns, columnGoLeft } from '../../shared/ml/trees/bundling.js';
import { kernelHeap, KernelHeap } from '../../shared/ml/kernels/heap.js';
import { buildHistogram, histogramScratch, partition, SLOTS, subtractHistogram, tableBlock } from '../../shared/ml/trees/histogram.js';
import type { Block } from '../../shared/ml/trees/histogram.js';
import { quantize, quantizeLevels, RoundingNoise } from '../../shared/ml/trees/quantize.js';
import { mulberry32 } from '../../shared/prng.js';

function columns(n: number, seed: number, gen: ((r: () => number, i: number) => number)[]): DesignMatrix {
  const r = mulberry32(seed);
  const d = gen.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = gen[j]!(r, i);
  return { data, rows: n, cols: d };
}

/** First b with x ≤ t[b], else t.length; NaN → MISSING_BIN. */
function naiveBin(t: number[], x: number): number {
  if (Number.isNaN(x)) return MISSING_BIN;
  let b = 0;
  while (b < t.length && x > t[b]!) b++;
  return b;
}

test('thresholds: midpoints of few distinct values, quantiles of many; lookup equals a linear scan', () => {
  const n = 30_000;
  const X = columns(n, 1, [
    (r) => Math.floor(r() * 5), // 5 values
    (r) => (r() < 0.1 ? NaN : r() * 100), // uniform, NaN
    (r) => Math.exp(8 * r()), // heavy right tail: thresholds crowd at the left of the grid
    (r) => (r() < 0.5 ? 0 : -Math.log(1 - r())), // half zeros
    () => 7, // constant
    (r) => (r() < 0.3 ? -0 : 0) + Math.round(r() * 3) * 1e-300, // signed zeros, tiny values
  ]);
  const edges = fitBinEdges(X, null, 255, 3);
  assert.deepEqual(edges[0], [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(edges[4], []);
  for (const j of [1, 2, 3]) {
    const t = edges[j]!;
    // Feature 3: half the quantiles are 0 and collapse into one threshold.
    assert.ok(t.length <= 254 && t.length > (j === 3 ? 120 : 250), `feature ${j}: ${t.length} thresholds`);
    for (let k = 1; k < t.length; k++) assert.ok(t[k]! > t[k - 1]!, 'ascending, distinct');
  }
  const { bins, hasMissing } = binRows(X, null, edges);
  assert.deepEqual(Array.from(hasMissing), [0, 1, 0, 0, 0, 0]);
  const counts = new Float64Array(256);
  for (let j = 0; j < X.cols; j++) {
    for (let i = 0; i < n; i++) {
      const x = X.data[i * X.cols + j]!;
      assert.equal(bins[j * n + i], naiveBin(edges[j]!, x), `feature ${j}, row ${i}, x = ${x}`);
      if (j === 1) counts[bins[j * n + i]!] = counts[bins[j * n + i]!]! + 1;
    }
  }
  // Quantile bins of the uniform feature hold about n·0.9/255 rows each.
  for (let b = 0; b < edges[1]!.length + 1; b++) assert.ok(Math.abs(counts[b]! - (0.9 * n) / 255) < 60, `bin ${b}: ${counts[b]}`);
  // Rows of a subset, and a seeded subsample above 200k rows, are deterministic.
  const rows = Uint32Array.from({ length: 1000 }, (_, i) => 3 * i);
  assert.deepEqual(fitBinEdges(X, rows, 16, 1), fitBinEdges(X, rows, 16, 1));
  assert.deepEqual(binRows(X, rows, edges).bins.subarray(0, 1000), Uint8Array.from(rows, (r) => bins[r]!));
});

test('exclusive bundling: one-hot columns share a column and histograms are unchanged', () => {
  const n = 5000;
  const cat = (k: number) => (_r: () => number, i: number) => ((i * 7) % 5 === k ? 1 : 0);
  const X = columns(n, 2, [cat(0), cat(1), cat(2), cat(3), cat(4), (r) => r(), (r) => (r() < 0.2 ? 1 : 0), (r) => (r() < 0.05 ? NaN : r() < 0.5 ? 1 : 0)]);
  const edges = fitBinEdges(X, null, 255, 1);
  const nBins = Int32Array.from(edges, (e) => e.length + 1);
  const { bins, hasMissing } = binRows(X, null, edges);
  const layout = bundleColumns(bins, n, nBins, hasMissing);
  // The 5 one-hot columns are pairwise exclusive → 1 column; feature 6 clashes with them; 7 has NaN.
  assert.equal(layout.D, 4);
  const col = layout.columnOf;
  assert.ok([1, 2, 3, 4].every((f) => col[f] === col[0]));
  assert.ok(col[5] !== col[0] && col[6] !== col[0] && col[7] !== col[0] && layout.offsetOf[7] === -1);

  const r = mulberry32(5);
  const packed = Float64Array.from({ length: n }, () => Math.floor(r() * 9 - 4) * 2 ** 20 + Math.floor(r() * 5));
  const idx = Uint32Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.3);
  const naive = (rows: ArrayLike<number>): Float64Array => {
    const h = new Float64Array(X.cols * SLOTS);
    for (let k = 0; k < rows.length; k++) {
      for (let j = 0; j < X.cols; j++) {
        const at = j * SLOTS + bins[j * n + rows[k]!]!;
        h[at] = h[at]! + packed[rows[k]!]!;
      }
    }
    return h;
  };
  // The kernels read every array from the thread's kernel heap (WebAssembly memory).
  const heap = kernelHeap();
  heap.begin(64 << 20);
  const u32 = (a: ArrayLike<number>): Uint32Array => {
    const v = heap.u32(a.length);
    v.set(a);
    return v;
  };
  const words = u32(layout.words);
  const hl = { ...layout, words, bytes: new Uint8Array(words.buffer, words.byteOffset, words.byteLength) };
  const hp = heap.f64(n);
  hp.set(packed);
  const s = histogramScratch(n, heap);
  const table = tableBlock(hl, hp, n);
  const all = new Float64Array(X.cols * SLOTS);
  buildHistogram(all, hl, table, null, 0, n, s, null);
  assert.deepEqual(all, naive(Uint32Array.from({ length: n }, (_, i) => i)));
  const sub = new Float64Array(X.cols * SLOTS);
  // A node that is a range in the middle of its positions array (lo > 0, odd length).
  const padded = u32([7, 7, 7, ...idx, 9]);
  buildHistogram(sub, hl, table, padded, 3, 3 + idx.length, s, null);
  assert.deepEqual(sub, naive(idx));
  // The same node copied into a block, then every third of its rows read back from the block.
  const m = idx.length;
  const bw = heap.u32(layout.G * m + 3);
  const block: Block = { words: bw, bytes: new Uint8Array(bw.buffer, bw.byteOffset, bw.byteLength), base: 3, m, vals: heap.f64(m + 5), ids: heap.u32(m + 5), vbase: 5 };
  const loc = u32(idx);
  const copied = new Float64Array(X.cols * SLOTS);
  buildHistogram(copied, hl, table, loc, 0, m, s, block);
  assert.deepEqual(copied, sub);
  assert.deepEqual(Array.from(loc), Array.from({ length: m }, (_, k) => k), 'positions now point into the block');
  assert.deepEqual(block.ids!.subarray(5), idx, 'the block knows its rows');
  const third = u32(Array.from({ length: Math.ceil(m / 3) }, (_, k) => 3 * k));
  const fromBlock = new Float64Array(X.cols * SLOTS);
  buildHistogram(fromBlock, hl, block, third, 0, third.length, s, null);
  assert.deepEqual(fromBlock, naive(Array.from(third, (k) => idx[k]!)));
  subtractHistogram(all, sub, nBins);
  const rest = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => !idx.includes(i));
  assert.deepEqual(all, naive(rest));

  // Partition on a bundled feature (f = 2, "value ≤ 0.5" left) through the column's table.
  const goLeft = new Uint8Array(SLOTS);
  goLeft[0] = 1;
  const byColumn = columnGoLeft(layout, 2, nBins[2]!, goLeft, new Uint8Array(SLOTS));
  const order = u32(Array.from({ length: n }, (_, i) => i));
  const nl = partition(order, s, 0, n, table, col[2]!, byColumn);
  const want = Array.from({ length: n }, (_, i) => i);
  const left = want.filter((i) => X.data[i * X.cols + 2] === 0);
  assert.equal(nl, left.length);
  assert.deepEqual(Array.from(order), [...left, ...want.filter((i) => X.data[i * X.cols + 2] !== 0)], 'stable, left first');
});

test('quantization: levels fit 2⁵³, rounding is unbiased, packed sums decode exactly', () => {
  assert.deepEqual(quantizeLevels(100_000), { Q: 512, S: 2 ** 26 });
  assert.equal(quantizeLevels(1_000_000).Q, 64);
  assert.equal(quantizeLevels(1000).Q, 2 ** 15);
  assert.throws(() => quantizeLevels(1e9), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && /subsample/.test(e.message));
  for (const n of [1000, 100_000, 1_000_000, 8_000_000]) {
    const { Q, S } = quantizeLevels(n);
    assert.ok(((Q + 1) * n + 1) * S <= 2 ** 53 && (Q + 1) * n < S, `n = ${n}`);
  }
  const n = 200_000;
  const r = mulberry32(9);
  const g = Float64Array.from({ length: n }, () => (r() - 0.3) * 0.01);
  const h = Float64Array.from({ length: n }, () => r() * 0.25);
  g[7] = -1; // one large gradient sets the scale: the others round to 0 or ±1 level
  const packed = new Float64Array(n);
  const levels = quantizeLevels(n);
  const { sg, sh } = quantize(g, h, n, levels, new RoundingNoise(1), packed);
  let P = 0;
  let G = 0;
  let H = 0;
  for (let i = 0; i < n; i++) {
    P += packed[i]!;
    G += g[i]!;
    H += h[i]!;
  }
  const Gq = Math.floor(P / levels.S);
  const Hq = P - Gq * levels.S;
  assert.ok(Math.abs(Gq * sg - G) < 5 * sg * Math.sqrt(n), `Σg ${G} vs quantized ${Gq * sg}`);
  assert.ok(Math.abs(Hq * sh - H) < 5 * sh * Math.sqrt(n), `Σh ${H} vs quantized ${Hq * sh}`);
  let gq = 0;
  for (let i = 0; i < n; i++) gq += Math.floor(packed[i]! / levels.S);
  assert.equal(gq, Gq, 'decoding the sum equals summing the decoded rows');
});

test('kernel memory: a layout past 2 GiB fails with INPUT_INVALID that says what to do; views are taken within the reservation', () => {
  const heap = kernelHeap();
  assert.throws(() => heap.begin(2 ** 31), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && /fewer rows per task/.test(e.message));
  heap.begin(KernelHeap.u32Bytes(10) + KernelHeap.f64Bytes(3));
  const a = heap.u32(10);
  const b = heap.f64(3);
  assert.equal(a.buffer, b.buffer, 'one memory');
  assert.ok(b.byteOffset >= a.byteOffset + a.byteLength && b.byteOffset % 64 === 0, 'aligned, not overlapping');
  assert.throws(() => heap.u32(1), (e: Error & { code?: string }) => e.code === 'INTERNAL', 'past the reservation');
});
