/**
 * The recommendation core against plain references: CSR building, ALS half-steps against a
 * dense exact solve and a brute-force loss, top-K against a full sort (with seen and excluded
 * items), the ranking metrics worked by hand, and similar items.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGram, alsHalfStep, alsHalfStepJs, alsHalfStepWasm, totalLoss } from '../../shared/ml/recs/als.js';
import type { AlsParams } from '../../shared/ml/recs/als.js';
import { csrFromPairs, transpose } from '../../shared/ml/recs/csr.js';
import type { Csr } from '../../shared/ml/recs/csr.js';
import { initialFactors, similarItems } from '../../shared/ml/recs/factors.js';
import { mergeRanking, popularLists, rankingMetrics, rankingPartial } from '../../shared/ml/recs/ranking.js';
import { prepareItems, topK } from '../../shared/ml/recs/topk.js';
import { mulberry32 } from '../../shared/prng.js';

/** Random interactions: each user sees 1..maxPer distinct items, weights 1..5. */
function interactions(users: number, items: number, maxPer: number, seed: number): Csr {
  const r = mulberry32(seed);
  const row: number[] = [];
  const col: number[] = [];
  const w: number[] = [];
  for (let u = 0; u < users; u++) {
    const n = 1 + Math.floor(r() * maxPer);
    for (let j = 0; j < n; j++) {
      row.push(u);
      col.push(Math.floor(r() * items));
      w.push(1 + Math.floor(r() * 5));
    }
  }
  return csrFromPairs(Int32Array.from(row), users, Int32Array.from(col), items, Float32Array.from(w));
}

function randomFactors(n: number, r: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n * r }, () => (rand() - 0.5) * scale);
}

/** Solves A x = b (A n×n, row-major) by Gaussian elimination with partial pivoting. */
function solveDense(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(M[i]![c]!) > Math.abs(M[piv]![c]!)) piv = i;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let i = c + 1; i < n; i++) {
      const f = M[i]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[i]![j] = M[i]![j]! - f * M[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * x[j]!;
    x[i] = s / M[i]![i]!;
  }
  return x;
}

/** The exact least-squares row of each user: (YᵀC_uY + reg·I) x = YᵀC_u p over all items. */
function denseSolution(m: Csr, Y: Float32Array, items: number, p: AlsParams): number[][] {
  const r = p.rank;
  const out: number[][] = [];
  for (let u = 0; u < m.rows; u++) {
    const c = new Array<number>(items).fill(1);
    const pref = new Array<number>(items).fill(0);
    for (let k = m.ptr[u]!; k < m.ptr[u + 1]!; k++) {
      c[m.idx[k]!] = 1 + p.alpha * m.val[k]!;
      pref[m.idx[k]!] = 1;
    }
    const A = Array.from({ length: r }, (_, a) => Array.from({ length: r }, (_, b) => {
      let s = a === b ? p.reg : 0;
      for (let i = 0; i < items; i++) s += c[i]! * Y[i * r + a]! * Y[i * r + b]!;
      return s;
    }));
    const bv = Array.from({ length: r }, (_, a) => {
      let s = 0;
      for (let i = 0; i < items; i++) s += c[i]! * pref[i]! * Y[i * r + a]!;
      return s;
    });
    out.push(solveDense(A, bv));
  }
  return out;
}

function gramOf(F: Float32Array, n: number, r: number): Float64Array {
  const G = new Float64Array(r * r);
  addGram(F, n, r, G);
  return G;
}

/** Σ over every (user, item) of c (p − x·y)² + reg (‖X‖² + ‖Y‖²), summed naively. */
function bruteLoss(m: Csr, X: Float32Array, Y: Float32Array, items: number, p: AlsParams): number {
  const r = p.rank;
  let loss = 0;
  for (let u = 0; u < m.rows; u++) {
    for (let i = 0; i < items; i++) {
      let s = 0;
      for (let a = 0; a < r; a++) s += X[u * r + a]! * Y[i * r + a]!;
      let c = 1;
      let pref = 0;
      for (let k = m.ptr[u]!; k < m.ptr[u + 1]!; k++) {
        if (m.idx[k] === i) {
          c = 1 + p.alpha * m.val[k]!;
          pref = 1;
        }
      }
      loss += c * (pref - s) ** 2;
    }
  }
  for (const v of X) loss += p.reg * v * v;
  for (const v of Y) loss += p.reg * v * v;
  return loss;
}

test('csr: rows sorted by column, duplicates summed, transpose, bad weights refused', () => {
  const m = csrFromPairs(Int32Array.from([1, 0, 1, 1, 0]), 3, Int32Array.from([4, 2, 0, 4, 1]), 5, Float32Array.from([1, 2, 3, 4, 5]));
  assert.deepEqual([...m.ptr], [0, 2, 4, 4]);
  assert.deepEqual([...m.idx], [1, 2, 0, 4]);
  assert.deepEqual([...m.val], [5, 2, 3, 5]);
  const t = transpose(m, 5);
  assert.deepEqual([...t.ptr], [0, 1, 2, 3, 3, 4]);
  assert.deepEqual([...t.idx], [1, 0, 0, 1]);
  assert.deepEqual([...t.val], [3, 5, 2, 5]);
  assert.throws(() => csrFromPairs(Int32Array.from([0]), 1, Int32Array.from([0]), 1, Float32Array.from([0])), (e: Error & { code?: string }) => e.code === 'INPUT_INVALID' && /weight 0/.test(e.message));
});

test('als: a half-step with rank CG steps equals the dense exact solve of every row (float64 JavaScript and the float32 SIMD kernel)', () => {
  const users = 30;
  const items = 25;
  // Rank 5 runs the JavaScript path, rank 8 the WebAssembly kernel (ranks that are multiples of 4).
  for (const [rank, tol] of [[5, 1e-4], [8, 2e-3]] as const) {
    const p: AlsParams = { rank, reg: 0.3, alpha: 2, cgSteps: rank };
    const m = interactions(users, items, 6, 1);
    const Y = randomFactors(items, p.rank, 2);
    const X = randomFactors(users, p.rank, 3, 0.1);
    alsHalfStep(m, X, Y, gramOf(Y, items, p.rank), p, false);
    const exact = denseSolution(m, Y, items, p);
    for (let u = 0; u < users; u++) {
      const scale = Math.max(...exact[u]!.map(Math.abs));
      for (let a = 0; a < p.rank; a++) assert.ok(Math.abs(X[u * p.rank + a]! - exact[u]![a]!) < tol * (1 + scale), `rank ${rank}, user ${u}, factor ${a}: ${X[u * p.rank + a]} vs ${exact[u]![a]}`);
    }
  }
});

test('als: the SIMD kernel and the JavaScript reference agree on a 3-step half-step and its loss', () => {
  const users = 200;
  const items = 120;
  const p: AlsParams = { rank: 16, reg: 0.1, alpha: 10, cgSteps: 3 };
  const m = interactions(users, items, 20, 9);
  const Y = randomFactors(items, p.rank, 10, 0.5);
  const G = gramOf(Y, items, p.rank);
  const X0 = randomFactors(users, p.rank, 11, 0.1);
  const a = X0.slice();
  const b = X0.slice();
  const ra = alsHalfStepWasm(m, a, Y, G, p, true);
  const rb = alsHalfStepJs(m, b, Y, G, p, true);
  let worst = 0;
  for (let t = 0; t < a.length; t++) worst = Math.max(worst, Math.abs(a[t]! - b[t]!) / (1 + Math.abs(b[t]!)));
  assert.ok(worst < 1e-3, `largest relative difference ${worst}`);
  assert.ok(Math.abs(ra.loss - rb.loss) < 1e-3 * Math.abs(rb.loss), `loss ${ra.loss} vs ${rb.loss}`);
  assert.ok(Math.abs(ra.sqNorm - rb.sqNorm) < 1e-3 * rb.sqNorm, `norm ${ra.sqNorm} vs ${rb.sqNorm}`);
  const direct = gramOf(a, users, p.rank);
  for (let t = 0; t < direct.length; t++) assert.ok(Math.abs(ra.gram[t]! - direct[t]!) < 1e-5 * (1 + Math.abs(direct[t]!)), `XᵀX[${t}]: ${ra.gram[t]} vs ${direct[t]}`);
});

test('als: the half-step loss terms equal the loss summed over every pair, and iterations lower it', () => {
  const users = 40;
  const items = 30;
  const p: AlsParams = { rank: 4, reg: 0.1, alpha: 5, cgSteps: 3 };
  const byUser = interactions(users, items, 8, 4);
  const byItem = transpose(byUser, items);
  const X = initialFactors(Array.from({ length: users }, (_, u) => `u${u}`), p.rank, 7);
  const Y = initialFactors(Array.from({ length: items }, (_, i) => `i${i}`), p.rank, 7);
  let sumConfidence = 0;
  for (const v of byUser.val) sumConfidence += 1 + p.alpha * v;
  let last = Infinity;
  for (let it = 0; it < 6; it++) {
    const u = alsHalfStep(byUser, X, Y, gramOf(Y, items, p.rank), p, false);
    const i = alsHalfStep(byItem, Y, X, gramOf(X, users, p.rank), p, true);
    const total = totalLoss({ loss: i.loss, sqNormUsers: u.sqNorm, sqNormItems: i.sqNorm, reg: p.reg, users, items, nnz: byUser.idx.length, sumConfidence });
    const brute = bruteLoss(byUser, X, Y, items, p);
    assert.ok(Math.abs(total.loss - brute) < 1e-6 * brute, `iteration ${it}: ${total.loss} vs ${brute}`);
    assert.ok(total.loss <= last * (1 + 1e-9), `iteration ${it}: loss rose from ${last} to ${total.loss}`);
    last = total.loss;
  }
});

test('als: starting factors depend on the key and seed only', () => {
  const a = initialFactors(['x', 'y', 7], 3, 1);
  const b = initialFactors([7, 'x'], 3, 1);
  assert.deepEqual([...a.subarray(0, 3)], [...b.subarray(3, 6)]);
  assert.deepEqual([...a.subarray(6, 9)], [...b.subarray(0, 3)]);
  assert.notDeepEqual([...initialFactors(['x'], 3, 2)], [...a.subarray(0, 3)]);
  for (const v of a) assert.ok(v >= 0 && v < 0.01);
});

/** Brute force: every allowed, unseen item scored in float64, sorted by (score desc, item asc). */
function bruteTopK(U: Float32Array, users: number, Y: Float32Array, items: number, r: number, k: number, seen: Csr | null, excluded: Uint8Array | null): { items: number[]; scores: number[] }[] {
  const out = [];
  for (let u = 0; u < users; u++) {
    const cand: { item: number; s: number }[] = [];
    for (let i = 0; i < items; i++) {
      if (excluded?.[i] === 1) continue;
      if (seen !== null && seen.idx.subarray(seen.ptr[u]!, seen.ptr[u + 1]!).includes(i)) continue;
      let s = 0;
      for (let a = 0; a < r; a++) s += U[u * r + a]! * Y[i * r + a]!;
      cand.push({ item: i, s });
    }
    cand.sort((a, b) => b.s - a.s || a.item - b.item);
    const top = cand.slice(0, k);
    out.push({ items: top.map((c) => c.item), scores: top.map((c) => Math.fround(c.s)) });
  }
  return out;
}

test('topK equals a full sort (to float32 accuracy), with seen and excluded items left out, and skips tiles it can bound', () => {
  const r = 8;
  const users = 203;
  const items = 1000;
  const rand = mulberry32(5);
  // Popularity-like norms: a few items with large factors.
  const Y = Float32Array.from({ length: items * r }, (_, t) => (rand() - 0.5) * (Math.floor(t / r) % 97 === 0 ? 3 : 1) / (1 + Math.floor(t / r) / 100));
  const U = randomFactors(users, r, 6);
  const seen = interactions(users, items, 40, 7);
  const excluded = Uint8Array.from({ length: items }, (_, i) => (i % 13 === 0 ? 1 : 0));
  const maxNorm = Math.max(...Array.from({ length: items }, (_, i) => Math.hypot(...Y.subarray(i * r, (i + 1) * r))));
  for (const k of [1, 10, 37]) {
    const got = topK(prepareItems(Y, items, r), U, users, { k, seen, excluded });
    const want = bruteTopK(U, users, Y, items, r, k, seen, excluded);
    let same = 0;
    for (let u = 0; u < users; u++) {
      const list = [...got.items.subarray(u * k, (u + 1) * k)];
      const scores = [...got.scores.subarray(u * k, (u + 1) * k)];
      const w = want[u]!;
      assert.equal(list.filter((i) => i >= 0).length, w.items.length, `k ${k}, user ${u}: as many items as qualify`);
      assert.equal(new Set(list).size, list.length, `k ${k}, user ${u}: distinct`);
      // Scores are float32 sums: each equals its exact (float64) score to float32 accuracy, they
      // descend, and no item left out scores above the last one taken.
      const eps = 1e-5 * Math.hypot(...U.subarray(u * r, (u + 1) * r)) * maxNorm;
      const exact = (i: number): number => Y.subarray(i * r, (i + 1) * r).reduce((acc, y, a) => acc + y * U[u * r + a]!, 0);
      const taken = new Set(list);
      for (let j = 0; j < list.length; j++) {
        if (j > 0) assert.ok(scores[j - 1]! >= scores[j]!, `k ${k}, user ${u}: scores descend`);
        assert.ok(Math.abs(exact(list[j]!) - scores[j]!) <= eps, `k ${k}, user ${u}: score of item ${list[j]}`);
        assert.ok(!seen.idx.subarray(seen.ptr[u]!, seen.ptr[u + 1]!).includes(list[j]!) && excluded[list[j]!] === 0, `k ${k}, user ${u}: item ${list[j]} is seen or excluded`);
      }
      const last = Math.min(...list.map(exact));
      for (let i = 0; i < items; i++) {
        if (taken.has(i) || excluded[i] === 1 || seen.idx.subarray(seen.ptr[u]!, seen.ptr[u + 1]!).includes(i)) continue;
        assert.ok(exact(i) <= last + 2 * eps, `k ${k}, user ${u}: item ${i} (${exact(i)}) was left out but beats ${last}`);
      }
      for (let j = 0; j < k; j++) if (list[j] === w.items[j]) same++;
    }
    assert.ok(same >= 0.99 * users * k, `k ${k}: ${same} of ${users * k} slots equal the float64 sort (only near-ties may differ)`);
    if (k === 10) assert.ok(got.tilesScored < got.tilesTotal, `the norm bound skipped no tile (${got.tilesScored} of ${got.tilesTotal})`);
  }
  // Ties: equal scores come out by item index.
  const same = new Float32Array(5 * 2).fill(1);
  const tied = topK(prepareItems(same, 5, 2), Float32Array.from([1, 1]), 1, { k: 3, seen: null, excluded: null });
  assert.deepEqual([...tied.items], [0, 1, 2]);
  // Fewer qualifying items than k: the rest of the row is empty.
  const few = topK(prepareItems(same, 5, 2), Float32Array.from([1, 1]), 1, { k: 4, seen: null, excluded: Uint8Array.from([1, 1, 0, 1, 0]) });
  assert.deepEqual([...few.items], [2, 4, -1, -1]);
  assert.deepEqual([...few.scores].slice(2), [-Infinity, -Infinity]);
});

test('ranking metrics: worked by hand, merged across shards, and the popularity baseline', () => {
  // k = 3. User 0: list [5, 1, 2], held out {1, 9}: hit at rank 1 (0-based).
  // User 1: list [3, 4, -1], held out {3}: hit at rank 0. User 2: nothing held out.
  const lists = Int32Array.from([5, 1, 2, 3, 4, -1, 7, 8, 9]);
  const heldOut = csrFromPairs(Int32Array.from([0, 0, 1]), 3, Int32Array.from([1, 9, 3]), 10, Float32Array.from([1, 1, 1]));
  const m = rankingMetrics(rankingPartial(lists, 3, heldOut, 10));
  assert.equal(m.users, 2);
  assert.ok(Math.abs(m.precision - (1 / 3 + 1 / 3) / 2) < 1e-12);
  assert.ok(Math.abs(m.recall - (1 / 2 + 1) / 2) < 1e-12);
  const ndcg0 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
  assert.ok(Math.abs(m.ndcg - (ndcg0 + 1) / 2) < 1e-12);
  assert.ok(Math.abs(m.map - ((1 / 2) / 2 + 1) / 2) < 1e-12);
  assert.equal(m.coverage, 8 / 10);
  // Split in two shards and merged: the same numbers.
  const a = rankingPartial(lists.subarray(0, 3), 3, { rows: 1, ptr: heldOut.ptr.slice(0, 2), idx: heldOut.idx, val: heldOut.val }, 10);
  const rest: Csr = { rows: 2, ptr: Int32Array.from([0, 1, 1]), idx: heldOut.idx.subarray(2), val: heldOut.val.subarray(2) };
  assert.deepEqual(rankingMetrics(mergeRanking([a, rankingPartial(lists.subarray(3), 3, rest, 10)])), m);
  // Popularity: most popular first, skipping seen and excluded items.
  const seen = csrFromPairs(Int32Array.from([0]), 2, Int32Array.from([4]), 10, Float32Array.from([1]));
  assert.deepEqual([...popularLists(Int32Array.from([4, 2, 8, 1]), 2, 2, seen, Uint8Array.from({ length: 10 }, (_, i) => (i === 2 ? 1 : 0)))], [8, 1, 4, 8]);
});

test('similar items: the nearest by cosine, never the item itself', () => {
  const Y = Float32Array.from([1, 0, 0.9, 0.1, 0, 1, -1, 0, 0.1, 0.9]);
  const s = similarItems(Y, 5, 2, 2);
  assert.deepEqual([...s.items.subarray(0, 2)], [1, 4]);
  assert.deepEqual([...s.items.subarray(4, 6)], [4, 1]);
  assert.ok(Math.abs(s.scores[0]! - 0.9 / Math.hypot(0.9, 0.1)) < 1e-6);
});
