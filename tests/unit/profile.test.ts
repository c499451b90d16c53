/**
 * The profile operator over several shards: every exact statistic equals a direct computation
 * over all rows; sketched ones (quantiles past 2,048 values, distinct counts past 1,000 values
 * per shard) stay within their stated bounds; the stage passes its input through untouched.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Value } from '../../shared/arrow/columns.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { profileOperator } from '../../shared/operators/profile.js';
import { mulberry32 } from '../../shared/prng.js';
import type { ColumnProfile, QualitySection } from '../../shared/quality/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { planContext, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const schema: SchemaDef = {
  fields: [
    { name: 'age', type: 'int', nullable: true },
    { name: 'score', type: 'float', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'active', type: 'bool', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
    { name: 'id', type: 'string', nullable: false },
  ],
};

function rows(count: number, seed: number, offset: number): Row[] {
  const rnd = mulberry32(seed);
  const maybe = <T>(v: T, p: number): T | null => (rnd() < p ? null : v);
  return Array.from({ length: count }, (_, i) => ({
    age: maybe(Math.floor(rnd() * 90), 0.05),
    score: rnd() < 0.03 ? NaN : maybe(Math.round(rnd() * 1e6) / 100 - 2000, 0.1),
    country: maybe(['DE', 'FR', 'US', '', 'ES', '<b>&"x\''][Math.floor(rnd() * 6)]!, 0.1),
    active: maybe(rnd() < 0.3, 0.2),
    day: maybe(19_000 * DAY + Math.floor(rnd() * 400) * DAY, 0.05),
    at: maybe(1_700_000_000_000 + Math.floor(rnd() * 1e9), 0),
    id: `u${offset + i}`,
  }));
}

const isMissing = (v: Value | undefined): boolean => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
const nearestRank = (sorted: readonly number[], p: number): number => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;

let dir: TempDir;
let shards: Row[][];
let all: Row[];
let section: QualitySection;
let outputUris: string[];
let inputUris: string[];

before(async () => {
  dir = await tempDir('profile');
  // Sizes chosen so that the small columns stay exact and `id` overflows the exact cap.
  shards = [rows(900, 1, 0), [], rows(1200, 2, 900), rows(350, 3, 2100)];
  all = shards.flat();
  const input = await writeShards(dir.path, schema, shards);
  inputUris = input.shards.map((s) => s.uri);
  const run = await runStage(profileOperator, { id: 'prof', op: 'profile', input: 'in' }, [input], dir.path, (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  outputUris = run.output.shards.map((s) => s.uri);
  assert.equal(run.phases.length, 2, 'a scan phase and a histogram phase');
  section = (await profileOperator.quality!(run.ctx, run.phases, run.output))!;
});
after(async () => {
  await dir.cleanup();
});

function col(name: string): ColumnProfile {
  const c = section.columns?.find((x) => x.name === name);
  assert.ok(c !== undefined, `no profile for ${name}`);
  return c;
}

test('pass-through: the output dataset is the input dataset, counted once', () => {
  assert.deepEqual(outputUris, inputUris);
  assert.equal(section.rowsIn, 2450);
  assert.equal(section.rowsOut, 2450);
  assert.equal(section.quarantined, 0);
  assert.deepEqual(section.columns?.map((c) => c.name), schema.fields.map((f) => f.name));
});

test('numeric columns: count, missing, min/max/mean/std, histogram exact; quantiles exact below 2,048 values', () => {
  for (const name of ['age', 'score', 'day', 'at']) {
    const c = col(name);
    const values = all.map((r) => r[name]);
    const present = values.filter((v) => !isMissing(v)) as number[];
    assert.equal(c.count, 2450, name);
    assert.equal(c.missing, values.length - present.length, name);
    assert.equal(c.min, Math.min(...present), name);
    assert.equal(c.max, Math.max(...present), name);
    const mean = present.reduce((s, x) => s + x, 0) / present.length;
    const std = Math.sqrt(present.reduce((s, x) => s + (x - mean) ** 2, 0) / (present.length - 1));
    assert.ok(Math.abs(c.mean! - mean) <= 1e-9 * Math.abs(mean) + 1e-9, `${name} mean ${c.mean} vs ${mean}`);
    assert.ok(Math.abs(c.std! - std) <= 1e-6 * std, `${name} std ${c.std} vs ${std}`);
    // Exact while every shard has at most 1,000 distinct values, else HyperLogLog within 5%.
    const distinct = new Set(present).size;
    const exact = shards.every((rs) => new Set(rs.map((r) => r[name]).filter((v) => !isMissing(v))).size <= 1000);
    assert.equal(c.distinctExact, exact, name);
    if (exact) assert.equal(c.distinct, distinct, name);
    else assert.ok(Math.abs(c.distinct - distinct) / distinct < 0.05, `${name}: ${c.distinct} vs ${distinct}`);
    // Histogram: exact counts that add up to the values present, in bins [lo, hi).
    const h = c.histogram!;
    assert.ok(h.length >= 1 && h.length <= 20, `${name} bins ${h.length}`);
    assert.equal(h.reduce((s, b) => s + b.count, 0), present.length, name);
    h.forEach((b, i) => {
      const last = i === h.length - 1;
      const direct = present.filter((x) => x >= b.lo && (last ? x <= b.hi : x < b.hi)).length;
      if (name !== 'score' && name !== 'at') assert.equal(b.count, direct, `${name} bin ${i}`);
      else assert.ok(Math.abs(b.count - direct) <= 1, `${name} bin ${i}: ${b.count} vs ${direct}`);
    });
    const sorted = [...present].sort((a, b) => a - b);
    if (sorted.length <= 2048) {
      assert.equal(c.quantilesExact, true, name);
      assert.deepEqual(c.quantiles, [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => ({ p, value: nearestRank(sorted, p) })), name);
    } else {
      assert.equal(c.quantilesExact, false, name);
      for (const q of c.quantiles!) {
        const rank = sorted.filter((x) => x <= q.value).length / sorted.length;
        assert.ok(Math.abs(rank - q.p) < 0.02, `${name} p${q.p}: rank ${rank}`);
      }
    }
  }
  assert.equal(col('age').histogram!.length, 18, 'ints 0..89: 18 bins of width 5');
  assert.deepEqual(col('age').histogram![0], { lo: col('age').min, hi: (col('age').min as number) + 5, count: col('age').histogram![0]!.count });
});

test('string and bool columns: missing counts empty strings, exact distinct and top values', () => {
  const c = col('country');
  const values = all.map((r) => r.country);
  const present = values.filter((v) => !isMissing(v)) as string[];
  assert.equal(c.missing, values.length - present.length);
  assert.ok(c.missing > values.filter((v) => v === null).length, 'empty strings are missing');
  assert.equal(c.distinct, 5);
  const counts = new Map<string, number>();
  for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
  const expected = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count }));
  assert.deepEqual(c.top, expected);
  assert.equal(c.topExact, true);
  assert.equal(c.min, [...present].sort()[0]);
  assert.equal(c.mean, undefined);
  const b = col('active');
  const bools = all.map((r) => r.active).filter((v) => v !== null);
  assert.equal(b.distinct, 2);
  assert.ok(Math.abs(b.mean! - bools.filter((v) => v === true).length / bools.length) < 1e-12);
  assert.equal(b.min, undefined);
});

test('dates and timestamps: min/max/quantiles in ms, top values as ISO text', () => {
  const d = col('day');
  assert.equal(typeof d.min, 'number');
  assert.match(d.top![0]!.value, /^\d{4}-\d{2}-\d{2}$/);
  const t = col('at');
  assert.equal(t.distinctExact, false, 'timestamps: over 1,000 distinct values in a shard');
  assert.match(t.top![0]!.value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

test('a column past the exact cap: distinct estimated within 5%, flagged, noted', () => {
  const c = col('id');
  assert.equal(c.distinctExact, false);
  assert.ok(Math.abs(c.distinct - 2450) / 2450 < 0.05, `distinct ${c.distinct}`);
  assert.equal(c.topExact, false);
  assert.equal(c.topError, 1, 'one shard (1,200 ids) overflows; each of its ids occurs once');
  assert.ok(section.notes?.some((n) => n.includes('HyperLogLog') && n.includes('id')));
});

test('columns: only the listed ones; an unknown one is SPEC_INVALID naming the path', async () => {
  const input = await writeShards(dir.path, schema, [rows(10, 9, 0)], 'small');
  const run = await runStage(profileOperator, { id: 'p', op: 'profile', input: 'in', columns: ['country', 'age'] }, [input], dir.path);
  const s = (await profileOperator.quality!(run.ctx, run.phases, run.output))!;
  assert.deepEqual(s.columns?.map((c) => c.name), ['country', 'age']);
  const sorted = (rows(10, 9, 0).map((r) => r.age).filter((v) => v !== null) as number[]).sort((a, b) => a - b);
  const age = s.columns!.find((c) => c.name === 'age')!;
  assert.equal(age.quantilesExact, true);
  assert.deepEqual(age.quantiles, [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => ({ p, value: nearestRank(sorted, p) })));
  const bad: StageSpec = { id: 'p', op: 'profile', input: 'in', columns: ['age', 'nope'] };
  await assert.rejects(profileOperator.plan(planContext(bad, [input], dir.path)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SPEC_INVALID');
    assert.match(err.message, /^stages\[1\]\.columns\[1\]: unknown column "nope"; the input has: age, score/);
    return true;
  });
});

test('an input with no rows: counts are zero, no histogram phase', async () => {
  const input = await writeShards(dir.path, schema, [[]], 'empty');
  const run = await runStage(profileOperator, { id: 'p', op: 'profile', input: 'in' }, [input], dir.path);
  assert.equal(run.phases.length, 1);
  const s = (await profileOperator.quality!(run.ctx, run.phases, run.output))!;
  const age = s.columns!.find((c) => c.name === 'age')!;
  assert.deepEqual([age.count, age.missing, age.distinct, age.min, age.mean, age.std], [0, 0, 0, null, null, null]);
  assert.deepEqual(age.quantiles, []);
  assert.equal(age.histogram, undefined);
});
