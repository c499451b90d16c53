/**
 * Each feature step on small hand-checked data (expected values computed by hand or taken from
 * scikit-learn 1.2), through the public pipeline API.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import type { ColumnType } from '../../shared/dataset.js';
import { fitPipelineLocal, resolvePipeline, toMatrix, transformFrame } from '../../shared/ml/features/index.js';
import type { FittedPipeline, Frame, StepSpec } from '../../shared/ml/features/index.js';
import { npArgsort } from '../../shared/ml/features/argsort.js';
import { combine, ExactSum, mergeSums, roundSum } from '../../shared/ml/features/exact.js';
import { mulberry32 } from '../../shared/prng.js';
import { infrequentIndices } from '../../shared/ml/features/steps/onehot.js';
import { analyze, murmurhash3_32 } from '../../shared/ml/features/text.js';

type Col = { type: ColumnType; values: (number | string | boolean | null)[] };

/** A frame and schema from plain columns (numbers: null → NaN; bool → 0/1). */
function data(cols: Record<string, Col>): { frame: Frame; schema: { fields: { name: string; type: ColumnType; nullable: boolean }[] } } {
  const entries = Object.entries(cols);
  const rows = entries[0]?.[1].values.length ?? 0;
  const columns: Frame['columns'] = {};
  for (const [name, c] of entries) {
    columns[name] = c.type === 'string' ? (c.values as (string | null)[]) : Float64Array.from(c.values, (v) => (v === null ? NaN : v === true ? 1 : v === false ? 0 : (v as number)));
  }
  return { frame: { rows, columns }, schema: { fields: entries.map(([name, c]) => ({ name, type: c.type, nullable: true })) } };
}

function fit(steps: StepSpec[], d: ReturnType<typeof data>, features = d.schema.fields.map((f) => f.name)): FittedPipeline {
  return fitPipelineLocal(resolvePipeline(steps, d.schema, features, 'p'), [d.frame]);
}

function matrix(p: FittedPipeline, frame: Frame): number[][] {
  const X = toMatrix(p, frame);
  return Array.from({ length: X.rows }, (_, i) => Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)));
}

function close(a: number[], b: number[], tol = 1e-12): void {
  assert.equal(a.length, b.length, `${a} vs ${b}`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `[${i}] ${x} vs ${b[i]}`));
}

function throwsCode(fn: () => unknown, code: 'INPUT_INVALID' | 'SPEC_INVALID', text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isErrorCode(e, code), `expected ${code}, got ${String(e)}`);
    assert.match((e as Error).message, text);
    return true;
  });
}

const num = (...values: (number | null)[]): Col => ({ type: 'float', values });
const txt = (...values: (string | null)[]): Col => ({ type: 'string', values });

test('impute: mean, median (even count averages the middle two), most_frequent (ties → smallest), constant', () => {
  const d = data({ a: num(1, null, 4, 4, 10), b: num(3, 1, null, 2, 10), c: txt('y', 'x', null, 'y', 'x') });
  const rows = (strategy: string): number[][] => matrix(fit([{ impute: { columns: ['a', 'b'], strategy } }, { ordinal: { columns: ['c'], unknown: 'value', missingValue: -5 } }], d), d.frame);
  assert.deepEqual(rows('mean').map((r) => r.slice(0, 2)), [[1, 3], [4.75, 1], [4, 4], [4, 2], [10, 10]]);
  assert.deepEqual(rows('median').slice(1, 3).map((r) => r.slice(0, 2)), [[4, 1], [4, 2.5]]);
  assert.deepEqual(rows('most_frequent')[2]!.slice(0, 2), [4, 1]);
  assert.deepEqual(rows('constant').slice(1, 3).map((r) => r.slice(0, 2)), [[0, 1], [4, 0]]);
  // Text: x and y tie at 2 → 'x' (the smallest), coded 0.
  const p = fit([{ impute: { columns: ['c'], strategy: 'most_frequent' } }, { ordinal: { columns: ['c'] } }], d, ['c']);
  assert.deepEqual(matrix(p, d.frame).map((r) => r[0]), [1, 0, 0, 1, 0]);
  const q = fit([{ impute: { columns: ['c'], strategy: 'constant', fill: 'zz' } }, { onehot: { columns: ['c'] } }], d, ['c']);
  assert.deepEqual(q.features, ['c=x', 'c=y', 'c=zz']);
  assert.equal(q.steps[0]!.state, null, 'constant impute needs no fit');
});

test('impute: a column with no values at all fails, naming it', () => {
  const d = data({ a: num(null, null), b: num(1, 2) });
  throwsCode(() => fit([{ impute: { columns: ['a', 'b'], strategy: 'median' } }], d), 'INPUT_INVALID', /column 'a' has no values/);
});

test('onehot: sorted categories, missing as its own last category, unknown values ignored', () => {
  const d = data({ c: txt('b', 'a', null, 'c', 'a') });
  const p = fit([{ onehot: { columns: ['c'] } }], d);
  assert.deepEqual(p.features, ['c=a', 'c=b', 'c=c', 'c=__missing__']);
  const t = data({ c: txt('c', 'zz', null) });
  assert.deepEqual(matrix(p, t.frame), [[0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]);
  const n = data({ k: { type: 'int', values: [3, 1, 3, null] }, f: { type: 'bool', values: [true, false, true, true] } });
  assert.deepEqual(fit([{ onehot: { columns: ['k', 'f'] } }], n).features, ['k=1', 'k=3', 'k=__missing__', 'f=false', 'f=true']);
});

test('onehot: infrequent categories as sklearn 1.2 picks them (ties: the category sorting first goes)', () => {
  // counts of a..g: 450 600 450 150 450 300 600; max_categories 4 keeps 3 + other: b, e, g.
  assert.deepEqual([...infrequentIndices([450, 600, 450, 150, 450, 300, 600], 3000, null, 4)].sort(), [0, 2, 3, 5]);
  // min_frequency as a count and as a proportion; __other__ counts toward max_categories.
  assert.deepEqual([...infrequentIndices([5, 1, 9, 2], 17, 3, null)].sort(), [1, 3]);
  assert.deepEqual([...infrequentIndices([5, 1, 9, 2], 17, 0.2, null)].sort(), [1, 3]);
  assert.deepEqual([...infrequentIndices([5, 1, 9, 2], 17, null, 4)].sort(), [1]);
  assert.equal(infrequentIndices([5, 1, 9, 2], 17, null, 5).size, 0);
  const d = data({ c: txt('a', 'a', 'a', 'b', 'b', 'c', 'd') });
  const bucket = fit([{ onehot: { columns: ['c'], maxCategories: 3, unknown: 'bucket' } }], d);
  assert.deepEqual(bucket.features, ['c=a', 'c=b', 'c=__other__']);
  const t = data({ c: txt('c', 'zz', 'a') });
  assert.deepEqual(matrix(bucket, t.frame), [[0, 0, 1], [0, 0, 1], [1, 0, 0]]);
  const ignore = fit([{ onehot: { columns: ['c'], maxCategories: 3 } }], d);
  assert.deepEqual(matrix(ignore, t.frame), [[0, 0, 1], [0, 0, 0], [1, 0, 0]], 'ignore: infrequent → other, unknown → zeros');
  // bucket without infrequent categories: an unknown value is all zeros (infrequent_if_exist).
  assert.deepEqual(matrix(fit([{ onehot: { columns: ['c'], unknown: 'bucket' } }], d), data({ c: txt('zz') }).frame), [[0, 0, 0, 0]]);
});

test('ordinal: learned and given categories, missing → missingValue, unknown → error or unknownValue', () => {
  const d = data({ s: txt('M', 'S', null, 'L') });
  const p = fit([{ ordinal: { columns: ['s'], unknown: 'value', unknownValue: -1, missingValue: -9 } }], d);
  assert.deepEqual(matrix(p, data({ s: txt('L', 'M', 'S', null, 'XL') }).frame).flat(), [0, 1, 2, -9, -1]);
  const nan = transformFrame(fit([{ ordinal: { columns: ['s'] } }], d), d.frame).columns.s as Float64Array;
  assert.ok(Number.isNaN(nan[2]!), 'missing encodes as NaN by default');
  const given = fit([{ ordinal: { columns: ['s'], categories: { s: ['S', 'M', 'L', null] } } }], d);
  assert.equal(given.steps[0]!.state, null, 'given categories need no fit');
  assert.deepEqual(transformFrame(given, data({ s: txt('S', 'L') }).frame).columns.s, Float64Array.of(0, 2));
  throwsCode(() => toMatrix(given, data({ s: txt('XL') }).frame), 'INPUT_INVALID', /column 's' has 'XL'.*unknown: value/);
  throwsCode(() => fit([{ ordinal: { columns: ['s'], unknown: 'value', unknownValue: 1 } }], d), 'INPUT_INVALID', /unknownValue 1 is the code of a category/);
});

test('scale: standard (population std, constant → 1) and minmax with a range', () => {
  const d = data({ a: num(1, 2, 3, null), k: num(7, 7, 7, 7), b: num(0, 5, 10, 20) });
  const p = fit([{ scale: { columns: ['a', 'k'] } }, { scale: { columns: ['b'], method: 'minmax', range: [-1, 1] } }], d);
  const t = transformFrame(p, d.frame).columns;
  const s = Math.sqrt(2 / 3);
  close(Array.from(t.a as Float64Array).slice(0, 3), [-1 / s, 0, 1 / s]);
  assert.ok(Number.isNaN((t.a as Float64Array)[3]!), 'missing stays missing');
  assert.deepEqual(Array.from(t.k as Float64Array), [0, 0, 0, 0]);
  close(Array.from(t.b as Float64Array), [-1, -0.5, 0, 1]);
});

test('pca: the first component of points near a line, as sklearn finds it (up to sign)', () => {
  const d = data({ x: num(1, 2, 3, 4, 5), y: num(2, 4.1, 5.9, 8.2, 9.8) });
  const p = fit([{ pca: { columns: ['x', 'y'], components: 1, prefix: 'z' } }], d);
  assert.deepEqual(p.features, ['z0']);
  const state = p.steps[0]!.state as { components: number[]; explainedVariance: number[] };
  close(state.components, [0.4519666009623171, 0.8920348600893184], 1e-10);
  close(state.explainedVariance, [12.220345876411752], 1e-10);
  close(matrix(p, d.frame).flat(), [-4.472072642281908, -2.1468328351320225, -0.08920348600893152, 2.414443293158817, 4.293665670264045], 1e-10);
  throwsCode(() => fit([{ pca: { columns: ['x', 'y'], components: 1 } }], data({ x: num(1, null), y: num(1, 2) })), 'INPUT_INVALID', /'x' has missing values; add an impute step/);
});

test('hashing: sklearn tokens, murmurhash3_32, signed columns, L2 norm; missing text → zeros', () => {
  assert.deepEqual([murmurhash3_32('hello'), murmurhash3_32('fox'), murmurhash3_32('東京'), murmurhash3_32('ab')], [613153351, -1621867415, -1765863102, -1681926305]);
  assert.deepEqual(analyze("It's a naïve e-mail, x2!", [1, 2]), ['it', 'naïve', 'mail', 'x2', 'it naïve', 'naïve mail', 'mail x2']);
  const d = data({ t: txt('The fox, the FOX!', '', null) });
  const p = fit([{ hashing: { column: 't', features: 8 } }], d);
  assert.deepEqual(p.features, ['t#0', 't#1', 't#2', 't#3', 't#4', 't#5', 't#6', 't#7']);
  close(matrix(p, d.frame)[0]!, [0, 0, 0, 0, 0, 0, -0.7071067811865475, -0.7071067811865475]);
  assert.deepEqual(matrix(p, d.frame).slice(1), [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
});

test('tfidf: vocabulary, smooth idf and L2 rows as sklearn computes them', () => {
  const d = data({ t: txt('the cat sat', 'the dog', 'a cat and a dog and a cat') });
  const p = fit([{ tfidf: { column: 't' } }], d);
  assert.deepEqual(p.features, ['t:and', 't:cat', 't:dog', 't:sat', 't:the']);
  close((p.steps[0]!.state as { idf: number[] }).idf, [1.6931471805599454, 1.2876820724517808, 1.2876820724517808, 1.6931471805599454, 1.2876820724517808]);
  const X = matrix(p, data({ t: txt('the cat sat', 'cat cat dog zzz') }).frame);
  close(X[0]!, [0, 0.5178561161676974, 0, 0.680918560398684, 0.5178561161676974]);
  close(X[1]!, [0, 0.8944271909999159, 0.4472135954999579, 0, 0]);
  const top = fit([{ tfidf: { column: 't', maxFeatures: 2 } }], d);
  assert.deepEqual(top.features, ['t:and', 't:cat'], 'the two highest total counts (and: 2, cat: 3)');
  throwsCode(() => fit([{ tfidf: { column: 't', minDf: 3 } }], d), 'INPUT_INVALID', /no terms of 't' remain/);
});

test('derive: typed expressions, in order, replacing or appending columns', () => {
  const d = data({ a: num(1, 2, null), b: num(4, 0, 1), day: { type: 'date', values: [19000, 19001, 19002] } });
  const p = fit([{ derive: { columns: { ratio: 'a / b', a: 'coalesce(a, 0) * 10', late: 'day > to_date(\'2022-01-09\')', twice: 'a + a' } } }], d, ['a', 'b', 'day']);
  assert.deepEqual(p.features, ['a', 'b', 'day', 'ratio', 'late', 'twice']);
  const t = transformFrame(p, d.frame).columns;
  assert.deepEqual(Array.from(t.a as Float64Array), [10, 20, 0]);
  assert.deepEqual(Array.from(t.late as Float64Array), [0, 0, 1]);
  assert.deepEqual(Array.from(t.twice as Float64Array), [20, 40, 0]);
  assert.equal((t.ratio as Float64Array)[0], 0.25);
  assert.ok(Number.isNaN((t.ratio as Float64Array)[2]!), 'null → missing');
});

test('variance: keeps variance > threshold; threshold 0 drops constant columns exactly', () => {
  const d = data({ a: num(0.1, 0.1, 0.1), b: num(1, 2, 3), c: num(0, 0, 1) });
  assert.deepEqual(fit([{ variance: {} }], d).features, ['b', 'c']);
  assert.deepEqual(fit([{ variance: { threshold: 0.2 } }], d).features, ['b', 'c'], 'c has variance 2/9');
  assert.deepEqual(fit([{ variance: { threshold: 0.5 } }], d).features, ['b'], 'b has variance 2/3');
  throwsCode(() => fit([{ variance: { threshold: 5 } }], d), 'INPUT_INVALID', /no column has variance above 5/);
});

test('npArgsort reproduces numpy 1.24 argsort order on ties', () => {
  const v = Float64Array.from([-2, -6, 0, -6, -6, -1, -6, -5, -4, -2, -7, -7, -4, -4, -6, -1, -3, -4, 0, -2, -6, -7, -2, -2, -2]);
  assert.deepEqual(Array.from(npArgsort(v)), [21, 10, 11, 1, 14, 3, 4, 6, 20, 7, 12, 13, 8, 17, 16, 22, 19, 0, 23, 9, 24, 5, 15, 18, 2]);
});

test('exact sums: correctly rounded, whatever the order and grouping (checked against BigInt arithmetic)', () => {
  const s = new ExactSum();
  for (const x of [1e16, 1, -1e16]) s.add(x);
  assert.equal(roundSum(s.parts()), 1);
  const r = mulberry32(17);
  const big = (x: number): bigint => BigInt(x * 2 ** 200);
  for (let t = 0; t < 200; t++) {
    const n = 1 + Math.floor(r() * 60);
    const xs = Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 15 - 3) * (r() < 0.2 ? 1e6 : 1));
    if (t % 3 === 0) xs.push(-xs[0]!, xs[0]! * (1 + 2 ** -52));
    const exact = xs.reduce((acc, x) => acc + big(x), 0n);
    const want = Number(exact) / 2 ** 200;
    const a = new ExactSum();
    xs.forEach((x) => a.add(x));
    const left = new ExactSum();
    const right = new ExactSum();
    [...xs].reverse().forEach((x, i) => (i % 2 === 0 ? left : right).add(x));
    assert.equal(roundSum(a.parts()), want, `case ${t}`);
    assert.equal(roundSum(mergeSums(left.parts(), right.parts())), want, `case ${t} split`);
    // n·Σx² − (Σx)², exactly rounded.
    const sq = new ExactSum();
    xs.forEach((x) => sq.addProduct(x, x));
    const num = BigInt(xs.length) * xs.reduce((acc, x) => acc + big(x) * big(x), 0n) - exact * exact;
    assert.equal(combine(xs.length, sq.parts(), a.parts(), a.parts()), Number(num) / 2 ** 400, `case ${t} combine`);
  }
});
