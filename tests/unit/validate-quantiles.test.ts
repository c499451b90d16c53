import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeMoments, momentsOf, stdOf } from '../../shared/operators/validate/moments.js';
import { answerCount, answerQuery, applyAnswer, COLLECT_LIMIT, initialState, mergeAnswers, pendingQueries, quartiles, resolved, rootQuery } from '../../shared/operators/validate/quantiles.js';

/** numpy.quantile(values, p) with the default method='linear', written out independently. */
function numpyLinear(values: readonly number[], p: number): number {
  // -0 counts as 0 (the search keys numbers by value).
  const x = values.map((v) => (v === 0 ? 0 : v)).sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  const t = h - lo;
  const a = x[lo]!;
  const b = x[hi]!;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** Runs the distributed search as the planner does, over `shards`; returns quartiles and rounds. */
function distributed(shards: readonly number[][]): { q1: number; q3: number; rounds: number } | null {
  const arrays = shards.map((s) => Float64Array.from(s));
  const merged = mergeAnswers(arrays.map((a) => answerQuery(a, rootQuery(0))));
  const state = initialState(0, answerCount(merged));
  applyAnswer(state, rootQuery(0), merged);
  let rounds = 0;
  while (!resolved(state)) {
    assert.ok(++rounds <= 6, 'at most 6 rounds after phase 0');
    for (const q of pendingQueries([state])) applyAnswer(state, q, mergeAnswers(arrays.map((a) => answerQuery(a, q))));
  }
  const q = quartiles(state);
  return q === null ? null : { ...q, rounds };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function split(values: number[], shards: number, r: () => number): number[][] {
  const out: number[][] = Array.from({ length: shards }, () => []);
  for (const v of values) out[Math.floor(r() * shards)]!.push(v);
  return out;
}

test('numpy linear quartiles, checked against numpy itself', () => {
  // np.quantile(x, [0.25, 0.75]) printed by numpy 1.x/2.x:
  const cases: [number[], number, number][] = [
    [[7, 15, 36, 39, 40, 41], 20.25, 39.75],
    [[0.1, 0.7, -3.5, 2.25, 1e6, 0.3, 0.3], 0.2, 1.475],
    [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1], 0.35, 0.8500000000000001],
    [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 0.325, 0.775],
  ];
  for (const [x, q1, q3] of cases) {
    assert.equal(numpyLinear(x, 0.25), q1);
    assert.equal(numpyLinear(x, 0.75), q3);
    const d = distributed([x.slice(0, 2), [], x.slice(2)]);
    assert.deepEqual([d!.q1, d!.q3], [q1, q3], String(x));
  }
});

test('exact quartiles on random data: signs, zeros, ties, one value, many shards', () => {
  const r = rng(7);
  const gens: [string, () => number][] = [
    ['normal-ish', () => (r() + r() + r() - 1.5) * 100],
    ['wide magnitudes', () => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 40 - 20)],
    ['ties and zeros', () => [0, -0, 1, 1, 1, 2.5, -7][Math.floor(r() * 7)]!],
    ['integers', () => Math.floor(r() * 1000) - 500],
  ];
  for (const [name, gen] of gens) {
    for (const n of [1, 2, 3, 4, 5, 17, 1000]) {
      const values = Array.from({ length: n }, gen);
      const d = distributed(split(values, 1 + Math.floor(r() * 7), r));
      assert.deepEqual([d!.q1, d!.q3], [numpyLinear(values, 0.25), numpyLinear(values, 0.75)], `${name} n=${n}`);
    }
  }
  assert.equal(distributed([[], []]), null, 'no values: no quartiles');
});

test('large buckets take refinement rounds and still give exact quartiles', () => {
  const r = rng(11);
  // 60k values in [100, 101): one top-16-bit bucket far over the collect limit.
  const narrow = Array.from({ length: 60_000 }, () => 100 + r());
  const d1 = distributed(split(narrow, 5, r))!;
  assert.ok(narrow.length > 2 * COLLECT_LIMIT);
  assert.ok(d1.rounds >= 2, `rounds ${d1.rounds}`);
  assert.deepEqual([d1.q1, d1.q3], [numpyLinear(narrow, 0.25), numpyLinear(narrow, 0.75)]);
  // 40k copies of one value: a bucket of one value is resolved at once...
  const ties = [...Array.from({ length: 40_000 }, () => 5.25), -1, 1e9, 6];
  const d2 = distributed(split(ties, 3, r))!;
  assert.deepEqual([d2.q1, d2.q3, d2.rounds], [5.25, 5.25, 0]);
  // ...but with its neighbours one ulp away in the same buckets, only the full 64-bit key tells.
  const ulp = 2 ** -50;
  const close = [...ties, 5.25 - ulp, 5.25 - ulp, 5.25 + ulp, 5.25 + ulp, 5.25 + ulp];
  const d3 = distributed(split(close, 4, r))!;
  assert.deepEqual([d3.q1, d3.q3, d3.rounds], [5.25, 5.25, 6]);
  // First and last ranks of a bucket are its min and max.
  const d4 = distributed([[1, 2, 3, 4, 5]])!;
  assert.deepEqual([d4.q1, d4.q3, d4.rounds], [2, 4, 0]);
});

test('Chan merge of per-shard moments equals one pass over everything', () => {
  const r = rng(3);
  const all = Array.from({ length: 5000 }, () => 1e6 + r() * 10);
  const parts = split(all, 9, r);
  const merged = parts.map(momentsOf).reduce(mergeMoments);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  assert.equal(merged.n, 5000);
  assert.ok(Math.abs(merged.mean - mean) < 1e-9, `${merged.mean} vs ${mean}`);
  assert.ok(Math.abs(stdOf(merged) - std) / std < 1e-9, `${stdOf(merged)} vs ${std}`);
  assert.equal(stdOf(momentsOf([4])), 0);
});
