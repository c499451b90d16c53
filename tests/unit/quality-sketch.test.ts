/**
 * The mergeable sketches behind the profile: KLL quantiles, HyperLogLog distinct counts,
 * Chan's moments, capped value counts, exact histograms — each against direct computation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../shared/prng.js';
import { binOf, binSpec, countBins, histogramOf } from '../../shared/quality/histogram.js';
import { HyperLogLog } from '../../shared/quality/hll.js';
import { Kll } from '../../shared/quality/kll.js';
import { mergeMoments, momentsOf, stdOf } from '../../shared/quality/moments.js';
import { EXACT_VALUES, mergeValueCounts, SHARD_TOP, shardValueCounts } from '../../shared/quality/value-counts.js';

/** Nearest-rank quantile of sorted values. */
const exactQuantile = (sorted: readonly number[], p: number): number => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
/** Share of values ≤ v. */
const rankOf = (sorted: readonly number[], v: number): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
};

test('KLL holds every value while small: exact nearest-rank quantiles', () => {
  const s = new Kll();
  const values = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
  for (const v of values) s.add(v);
  assert.equal(s.exact, true);
  assert.equal(s.n, 10);
  assert.deepEqual(s.quantiles([0.05, 0.25, 0.5, 0.75, 0.95, 1]), [1, 3, 5, 8, 10, 10]);
  assert.equal(new Kll().quantile(0.5), null);
});

test('KLL merged over 8 shards of 50,000 values: rank error under 1.5% at every quantile', () => {
  const rnd = mulberry32(42);
  const all: number[] = [];
  const shards: Kll[] = [];
  let firstShard: unknown;
  for (let s = 0; s < 8; s++) {
    const k = new Kll(undefined, s + 1);
    for (let i = 0; i < 50_000; i++) {
      // A skewed mix: log-normal-ish values plus a spike.
      const v = rnd() < 0.1 ? 42 : Math.exp(3 * rnd()) * (s + 1);
      k.add(v);
      all.push(v);
    }
    assert.equal(k.exact, false);
    if (s === 0) firstShard = k.toJSON();
    shards.push(Kll.fromJSON(JSON.parse(JSON.stringify(k.toJSON())) as ReturnType<Kll['toJSON']>));
  }
  const merged = shards[0]!;
  for (const k of shards.slice(1)) merged.merge(k);
  assert.equal(merged.n, 400_000);
  assert.ok(merged.toJSON().levels.flat().length < 1200, 'the sketch stays small');
  all.sort((a, b) => a - b);
  let worst = 0;
  for (const p of [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) {
    const q = merged.quantile(p)!;
    // The true rank of the answer brackets p within the error.
    const below = rankOf(all, q - 1e-12);
    const upTo = rankOf(all, q);
    const err = p < below ? below - p : p > upTo ? p - upTo : 0;
    worst = Math.max(worst, err);
  }
  assert.ok(worst < 0.015, `worst rank error ${worst}`);
  // Same input, same seeds: the same sketch.
  const again = new Kll(undefined, 1);
  const rnd2 = mulberry32(42);
  for (let i = 0; i < 50_000; i++) again.add(rnd2() < 0.1 ? 42 : Math.exp(3 * rnd2()));
  assert.deepEqual(again.toJSON(), firstShard);
  // The sketch's median is close to the exact one in value terms too.
  const median = exactQuantile(all, 0.5);
  assert.ok(Math.abs(merged.quantile(0.5)! - median) / median < 0.05);
});

test('HyperLogLog: within 5% of the true distinct count, merge = union, base64 round trip', () => {
  for (const n of [10, 1000, 20_000, 300_000]) {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) h.add(`user-${i}`);
    const e = h.estimate();
    assert.ok(Math.abs(e - n) / n < 0.05, `n=${n}: estimate ${e}`);
  }
  const a = new HyperLogLog();
  const b = new HyperLogLog();
  for (let i = 0; i < 60_000; i++) a.add(String(i));
  for (let i = 40_000; i < 100_000; i++) b.add(String(i));
  const u = HyperLogLog.fromBase64(a.toBase64());
  u.merge(b);
  assert.ok(Math.abs(u.estimate() - 100_000) / 100_000 < 0.05, `union ${u.estimate()}`);
  assert.throws(() => HyperLogLog.fromBase64('AAAA'), (err: Error & { code?: string }) => err.code === 'INTERNAL');
});

test("Chan's merge of moments equals the moments of all values", () => {
  const rnd = mulberry32(7);
  const parts = [300, 1, 0, 4000, 17].map((n) => Array.from({ length: n }, () => 1e6 + rnd() * 100));
  const all = parts.flat();
  const merged = parts.map((p) => momentsOf(p)).reduce(mergeMoments);
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  const variance = all.reduce((s, x) => s + (x - mean) ** 2, 0) / (all.length - 1);
  assert.equal(merged.n, all.length);
  assert.ok(Math.abs(merged.mean - mean) < 1e-7, `${merged.mean} vs ${mean}`);
  assert.ok(Math.abs(stdOf(merged)! - Math.sqrt(variance)) < 1e-9 * Math.sqrt(variance) + 1e-9);
  assert.equal(stdOf(momentsOf([3])), null);
});

test('value counts: exact below the cap, lower bounds with a stated error above it', () => {
  const small = [new Map([['a', 3], ['b', 1]]), new Map([['b', 5], ['c', 2]])].map(shardValueCounts);
  const m = mergeValueCounts(small, 10);
  assert.deepEqual(m, { distinct: 3, distinctExact: true, top: [{ value: 'b', count: 6 }, { value: 'a', count: 3 }, { value: 'c', count: 2 }], topExact: true, topError: 0 });

  // Shard 0 has EXACT_VALUES + 500 distinct values, 'hot' 900 times, 'warm' 40 times, others once.
  const big = new Map<string, number>([['hot', 900], ['warm', 40]]);
  for (let i = 0; i < EXACT_VALUES + 500; i++) big.set(`v${i}`, 1);
  const s0 = shardValueCounts(big);
  assert.equal(s0.exact, null);
  assert.equal(s0.top!.length, SHARD_TOP);
  assert.equal(s0.threshold, 1);
  const s1 = shardValueCounts(new Map([['warm', 10], ['v1', 4]]));
  const merged = mergeValueCounts([s0, s1], 3);
  assert.equal(merged.distinctExact, false);
  assert.ok(Math.abs(merged.distinct - (EXACT_VALUES + 502)) / (EXACT_VALUES + 502) < 0.05, `distinct ${merged.distinct}`);
  assert.deepEqual(merged.top.slice(0, 2), [{ value: 'hot', count: 900 }, { value: 'warm', count: 50 }]);
  assert.equal(merged.topExact, false);
  assert.equal(merged.topError, 1);
  // v1: 1 (if listed in shard 0) + 4; its true count is 5, within topError of what is reported.
  const v1 = merged.top.find((t) => t.value === 'v1');
  assert.ok(v1 === undefined || (v1.count <= 5 && v1.count >= 5 - merged.topError));
});

test('histogram bins: whole units for ints and dates, equal widths for floats, exact counts', () => {
  const ints = binSpec('int', 0, 99);
  assert.deepEqual(ints, { lo: 0, width: 5, bins: 20 });
  const small = binSpec('int', 3, 7);
  assert.deepEqual(small, { lo: 3, width: 1, bins: 5 });
  assert.deepEqual(countBins(small, [3, 3, 7, null, 5, 'x']), [2, 0, 1, 0, 1]);
  const days = binSpec('date', 0, 9 * 86_400_000);
  assert.deepEqual(days, { lo: 0, width: 86_400_000, bins: 10 });
  const floats = binSpec('float', -1, 1);
  assert.equal(floats.bins, 20);
  assert.equal(binOf(floats, 1), 19, 'the last bin is closed');
  assert.equal(binOf(floats, -1), 0);
  assert.deepEqual(binSpec('float', 2, 2), { lo: 2, width: 0, bins: 1 });
  const h = histogramOf(small, [2, 0, 1, 0, 1]);
  assert.deepEqual(h[0], { lo: 3, hi: 4, count: 2 });
  assert.equal(h.reduce((s, b) => s + b.count, 0), 4);
});
