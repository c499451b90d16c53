/**
 * The distributed property, for every step and for a multi-pass pipeline: fitting on 5 random
 * shards, each through a random row mask, and merging the partials (in any order, in any
 * grouping) gives the same fitted pipeline as fitting on exactly those rows at once. Sums are
 * exact (shared/ml/features/exact.ts), so "the same" is bit for bit: equal states, equal
 * version. (The brief asks for 1e-12; `closeDeep` checks that bound first so a regression to
 * inexact merging fails with the size of the difference.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../shared/prng.js';
import { buildPipeline, finishPass, fitPipelineLocal, mergePassPartials, passPartial, passPartials, resolvePipeline, transformFrame } from '../../shared/ml/features/index.js';
import type { FittedPipeline, FittedStep, Frame, PassPartial, ResolvedPipeline, StepSpec } from '../../shared/ml/features/index.js';
import { genFrame, selectRows, shardFrame } from './features-gen.js';

const X = ['x0', 'x1', 'x2', 'x3'];

const CASES: { name: string; features: string[]; steps: StepSpec[] }[] = [
  {
    name: 'impute (numeric)',
    features: [...X, 'count'],
    steps: [{ impute: { columns: ['x0', 'x1'], strategy: 'mean' } }, { impute: { columns: ['x2'], strategy: 'median' } }, { impute: { columns: ['count'], strategy: 'most_frequent' } }],
  },
  {
    name: 'impute (text) + onehot',
    features: ['country', 'plan'],
    steps: [{ impute: { columns: ['country'], strategy: 'most_frequent' } }, { onehot: { columns: ['country'], maxCategories: 6, unknown: 'bucket' } }, { onehot: { columns: ['plan'], minFrequency: 0.2 } }],
  },
  { name: 'ordinal', features: ['country', 'plan'], steps: [{ ordinal: { columns: ['country', 'plan'], unknown: 'value', missingValue: -1 } }] },
  {
    name: 'scale',
    features: [...X, 'count', 'flag', 'zero'],
    steps: [{ scale: { columns: [...X, 'count', 'zero'] } }, { scale: { columns: ['flag'], method: 'minmax', range: [-2, 2] } }],
  },
  { name: 'pca', features: X, steps: [{ impute: { columns: X, strategy: 'mean' } }, { pca: { columns: X, components: 3 } }] },
  { name: 'hashing', features: ['notes', 'x3'], steps: [{ hashing: { column: 'notes', features: 32, ngram: [1, 2] } }] },
  { name: 'tfidf', features: ['notes'], steps: [{ tfidf: { column: 'notes', maxFeatures: 30, minDf: 2, maxDf: 0.8, ngram: [1, 2], sublinearTf: true } }] },
  {
    name: 'derive → impute → scale (3 passes)',
    features: ['x1', 'x3'],
    steps: [{ derive: { columns: { r: 'x1 / x3', big: 'x3 > 50' } } }, { impute: { columns: ['r', 'x1'], strategy: 'median' } }, { scale: { columns: ['r', 'x1'] } }, { pca: { columns: ['r', 'x1', 'x3'], components: 2 } }],
  },
  {
    name: 'variance over one-hot and numeric columns',
    features: [...X, 'zero', 'country'],
    steps: [{ impute: { columns: X, strategy: 'mean' } }, { onehot: { columns: ['country'] } }, { variance: { threshold: 0.01 } }],
  },
];

interface Shard {
  frame: Frame;
  mask: Uint8Array;
}

function shards(frame: Frame, seed: number): Shard[] {
  const r = mulberry32(seed);
  return shardFrame(frame, 5, seed).map((f) => ({ frame: f, mask: Uint8Array.from({ length: f.rows }, () => (r() < 0.7 ? 1 : 0)) }));
}

/** The distributed path: every pass over every shard with its mask, merged in `order`, grouped as a tree or a fold. */
function fitDistributed(p: ResolvedPipeline, parts: Shard[], order: number[], tree: boolean): FittedPipeline {
  let fitted: FittedStep[] = [];
  for (let pass = 0; pass < p.passes.length; pass++) {
    const partials = order.map((k) => JSON.parse(JSON.stringify(passPartial(p, pass, fitted, parts[k]!.frame, parts[k]!.mask))) as PassPartial);
    const merge = (a: PassPartial, b: PassPartial): PassPartial => mergePassPartials(p, pass, a, b);
    let merged: PassPartial;
    if (tree) {
      let level = partials;
      while (level.length > 1) level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => (level[2 * i + 1] === undefined ? level[2 * i]! : merge(level[2 * i]!, level[2 * i + 1]!)));
      merged = level[0]!;
    } else merged = partials.reduce(merge);
    fitted = [...fitted, ...JSON.parse(JSON.stringify(finishPass(p, pass, merged))) as FittedStep[]];
  }
  const rows = parts.reduce((n, s) => n + s.mask.reduce((a, b) => a + b, 0), 0);
  return buildPipeline(p, fitted, rows);
}

function concat(frames: Frame[]): Frame {
  const columns: Frame['columns'] = {};
  for (const name of Object.keys(frames[0]!.columns)) {
    const parts = frames.map((f) => f.columns[name]!);
    if (parts[0] instanceof Float64Array) {
      const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p as Float64Array, at);
        at += p.length;
      }
      columns[name] = out;
    } else columns[name] = parts.flatMap((p) => p as (string | null)[]);
  }
  return { rows: frames.reduce((n, f) => n + f.rows, 0), columns };
}

/** Deep equality with numbers within 1e-12 relative (absolute below 1: a standardized mean is 0 ± rounding). */
function closeDeep(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b), 1), `${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: length`);
    a.forEach((x, i) => closeDeep(x, b[i], `${path}[${i}]`));
    return;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: keys`);
    for (const k of Object.keys(a)) closeDeep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.equal(a, b, path);
}

/** Equal missing values, and values within 1e-12 of the column's largest magnitude. */
function closeColumn(a: Float64Array, b: Float64Array, name: string): void {
  assert.equal(a.length, b.length);
  let scale = 1;
  for (const v of b) if (!Number.isNaN(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    assert.equal(Number.isNaN(a[i]!), Number.isNaN(b[i]!), `${name}[${i}] missing`);
    if (!Number.isNaN(b[i]!)) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12 * scale, `${name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

const { frame, schema } = genFrame(2500, 21);

for (const c of CASES) {
  test(`distributed fit equals one fit on the same rows: ${c.name}`, () => {
    const p = resolvePipeline(c.steps, schema, c.features, `case.${c.name}`);
    const parts = shards(frame, 4);
    const all = concat(parts.map((s) => selectRows(s.frame, s.mask)));
    const whole = fitPipelineLocal(p, [all]);
    for (const [order, tree] of [[[0, 1, 2, 3, 4], false], [[3, 0, 4, 2, 1], true], [[4, 3, 2, 1, 0], false]] as const) {
      const dist = fitDistributed(p, parts, [...order], tree);
      assert.equal(dist.fittedRows, all.rows);
      assert.deepEqual(dist.features, whole.features);
      closeDeep(dist.steps, whole.steps, 'steps');
      const a = transformFrame(dist, frame);
      const b = transformFrame(whole, frame);
      for (const name of whole.features) closeColumn(a.columns[name] as Float64Array, b.columns[name] as Float64Array, name);
      assert.deepEqual(dist.steps, whole.steps, 'bit-for-bit equal states');
      assert.equal(dist.version, whole.version);
    }
  });
}

test('masks pass straight to the first pass and select rows for later ones', () => {
  const p = resolvePipeline(CASES[7]!.steps, schema, CASES[7]!.features, 'p');
  assert.deepEqual(p.passes, [[1], [2], [3]]);
  const parts = shards(frame, 8);
  const none = parts.map((s) => ({ frame: s.frame, mask: new Uint8Array(s.frame.rows) }));
  // A shard whose mask selects nothing contributes nothing.
  const withEmpty = fitDistributed(p, [...parts, ...none], [0, 5, 1, 6, 2, 7, 3, 8, 4, 9], false);
  closeDeep(withEmpty.steps, fitDistributed(p, parts, [0, 1, 2, 3, 4], false).steps, 'steps');
});

test('passPartials over several masks equals one passPartial per mask, shared transform or not', () => {
  const r = mulberry32(33);
  for (const c of CASES) {
    const p = resolvePipeline(c.steps, schema, c.features, `case.${c.name}`);
    const masks = [0.5, 0.8, 0.8, 1].map((keep) => Uint8Array.from({ length: frame.rows }, () => (r() < keep ? 1 : 0)));
    // Per mask, the steps fitted in earlier passes: the first two masks share theirs (as CV splits
    // do in the first pass); the others have their own (as in later passes).
    let fitted: FittedStep[][] = masks.map(() => []);
    for (let pass = 0; pass < p.passes.length; pass++) {
      const fittedNow = fitted;
      const alone = masks.map((m, k) => passPartial(p, pass, fittedNow[k]!, frame, m));
      const together = passPartials(p, pass, fittedNow, frame, masks);
      assert.deepEqual(together, alone, `${c.name}, pass ${pass}`);
      fitted = masks.map((_, k) => [...fittedNow[k]!, ...finishPass(p, pass, alone[k === 1 ? 0 : k]!)]);
    }
  }
});
