/**
 * Side-by-side comparison of the feature pipeline with scikit-learn 1.2 (Debian's
 * /usr/bin/python3) on generated data: numeric columns with NaNs and offsets, categories with a
 * long tail, missing values and unknown values at transform time, exact count ties, free text.
 * Ours is fitted on 4 shards and merged; sklearn on all rows. Both transform the training rows
 * and held-out rows; matrices must agree to 1e-9 relative per column (1e-6 for PCA, up to each
 * component's sign), with equal output column names. Also numpy's argsort order (ties, and
 * inputs that drive it into heapsort) that TfidfVectorizer's max_features cut depends on.
 * Without sklearn the suite skips, or fails when CI=true.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { logger } from '../../shared/log.js';
import { mulberry32 } from '../../shared/prng.js';
import { fitPipelineLocal, resolvePipeline, toMatrix, transformFrame } from '../../shared/ml/features/index.js';
import type { FittedPipeline, Frame, StepSpec } from '../../shared/ml/features/index.js';
import { argsortBy, npArgsort } from '../../shared/ml/features/argsort.js';
import { gauss, genFrame, shardFrame } from '../unit/features-gen.js';
import { PY, sklearnOrSkip } from '../helpers/sklearn.js';

const { haveSklearn, skip } = sklearnOrSkip();
const log = logger('test.sklearn-features');

const PYCODE = String.raw`
import json, sys, time, numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, MinMaxScaler
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.feature_selection import VarianceThreshold
cfg = json.load(open(sys.argv[1]))
def frame(d):
    out = {}
    for k, v in d.items():
        if k in cfg['text']: out[k] = np.array([np.nan if x is None else x for x in v], dtype=object)
        else: out[k] = np.array([np.nan if x is None else x for x in v], dtype=np.float64)
    return out
train, test = frame(cfg['train']), frame(cfg['test'])
def cols(f, names):
    return np.column_stack([f[c] for c in names]) if names[0] not in cfg['text'] else np.column_stack([f[c] for c in names]).astype(object)
def docs(f, c): return ['' if (isinstance(x, float) and np.isnan(x)) else x for x in f[c]]
res = {}
for c in cfg['cases']:
    k, p, names = c['kind'], c['py'], c['columns']
    t0 = time.perf_counter()
    if k == 'impute':
        m = SimpleImputer(strategy=p['strategy'], **({'fill_value': p['fill']} if 'fill' in p else {}))
        if names[0] in cfg['text']: m = make_pipeline(m, OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1))
    elif k == 'onehot': m = OneHotEncoder(sparse_output=False, **p)
    elif k == 'ordinal': m = OrdinalEncoder(**p)
    elif k == 'standard': m = StandardScaler()
    elif k == 'minmax': m = MinMaxScaler(feature_range=tuple(p['range']))
    elif k == 'pca': m = make_pipeline(SimpleImputer(strategy='mean'), PCA(n_components=p['k'], svd_solver='full'))
    elif k == 'variance': m = make_pipeline(SimpleImputer(strategy='mean'), VarianceThreshold(p['threshold']))
    elif k == 'hashing': m = HashingVectorizer(n_features=p['n'], ngram_range=tuple(p['ngram']))
    elif k == 'tfidf': m = TfidfVectorizer(**{**p, 'ngram_range': tuple(p['ngram_range'])})
    if k in ('hashing', 'tfidf'):
        A = m.fit(docs(train, names[0])); X = np.vstack([m.transform(docs(f, names[0])).toarray() for f in (train, test)])
    else:
        m.fit(cols(train, names)); X = np.vstack([m.transform(cols(f, names)) for f in (train, test)])
    ms = (time.perf_counter() - t0) * 1e3
    X = np.ascontiguousarray(X, dtype='<f8')
    X.tofile(cfg['dir'] + '/' + c['name'] + '.bin')
    names_out = list(map(str, m.get_feature_names_out(names))) if k in ('onehot', 'ordinal') else list(map(str, m.get_feature_names_out())) if k == 'tfidf' else None
    support = m[-1].get_support().tolist() if k == 'variance' else None
    res[c['name']] = {'shape': list(X.shape), 'names': names_out, 'support': support, 'ms': ms}
res['__argsort'] = [np.argsort(np.array(a, dtype=np.float64)).tolist() for a in cfg['argsort']]
print(json.dumps(res))
`;

interface Case {
  name: string;
  kind: string;
  columns: string[];
  steps: StepSpec[];
  py: Record<string, unknown>;
  /** How sklearn's feature names map to ours (null: do not compare names). */
  names?: (ours: string) => string;
  tol?: number;
  sign?: boolean;
}

const NUM = ['x0', 'x1', 'x2', 'count'];
const SCALED = ['x0', 'x1', 'x2', 'x3', 'count', 'flag', 'zero'];
const PCOLS = ['p0', 'p1', 'p2', 'p3', 'p4'];
const onehotName = (s: string): string => s.replace('=__other__', '_infrequent_sklearn').replace('=__missing__', '_nan').replace('=', '_');

const CASES: Case[] = [
  ...(['mean', 'median', 'most_frequent'] as const).map((strategy) => ({ name: `impute ${strategy}`, kind: 'impute', columns: NUM, steps: [{ impute: { columns: NUM, strategy } }], py: { strategy } })),
  { name: 'impute constant', kind: 'impute', columns: NUM, steps: [{ impute: { columns: NUM, strategy: 'constant', fill: -7.5 } }], py: { strategy: 'constant', fill: -7.5 } },
  ...(['most_frequent', 'constant'] as const).map((strategy) => ({
    name: `impute ${strategy} text → ordinal`, kind: 'impute', columns: ['country', 'plan'],
    steps: [{ impute: { columns: ['country', 'plan'], strategy } }, { ordinal: { columns: ['country', 'plan'], unknown: 'value', unknownValue: -1 } }],
    py: { strategy },
  })),
  { name: 'onehot ignore', kind: 'onehot', columns: ['country', 'plan'], steps: [{ onehot: { columns: ['country', 'plan'] } }], py: { handle_unknown: 'ignore' }, names: onehotName },
  { name: 'onehot infrequent max_categories', kind: 'onehot', columns: ['country', 'tie'], steps: [{ onehot: { columns: ['country', 'tie'], maxCategories: 4, unknown: 'bucket' } }], py: { handle_unknown: 'infrequent_if_exist', max_categories: 4 }, names: onehotName },
  { name: 'onehot infrequent min_frequency count', kind: 'onehot', columns: ['country', 'tie'], steps: [{ onehot: { columns: ['country', 'tie'], minFrequency: 40, unknown: 'bucket' } }], py: { handle_unknown: 'infrequent_if_exist', min_frequency: 40 }, names: onehotName },
  { name: 'onehot infrequent min_frequency proportion + max', kind: 'onehot', columns: ['country'], steps: [{ onehot: { columns: ['country'], minFrequency: 0.01, maxCategories: 8, unknown: 'bucket' } }], py: { handle_unknown: 'infrequent_if_exist', min_frequency: 0.01, max_categories: 8 }, names: onehotName },
  { name: 'onehot ignore with max_categories', kind: 'onehot', columns: ['country', 'tie'], steps: [{ onehot: { columns: ['country', 'tie'], maxCategories: 5 } }], py: { handle_unknown: 'ignore', max_categories: 5 }, names: onehotName },
  {
    name: 'ordinal', kind: 'ordinal', columns: ['country', 'plan'],
    steps: [{ ordinal: { columns: ['country', 'plan'], unknown: 'value', unknownValue: -1, missingValue: -2 } }],
    py: { handle_unknown: 'use_encoded_value', unknown_value: -1, encoded_missing_value: -2 },
  },
  {
    name: 'ordinal given categories', kind: 'ordinal', columns: ['plan'],
    steps: [{ ordinal: { columns: ['plan'], categories: { plan: ['team', 'free', 'pro'] }, unknown: 'value', unknownValue: 9, missingValue: -1 } }],
    py: { categories: [['team', 'free', 'pro']], handle_unknown: 'use_encoded_value', unknown_value: 9, encoded_missing_value: -1 },
  },
  { name: 'standard', kind: 'standard', columns: SCALED, steps: [{ scale: { columns: SCALED } }], py: {} },
  { name: 'minmax', kind: 'minmax', columns: SCALED, steps: [{ scale: { columns: SCALED, method: 'minmax', range: [-1, 2] } }], py: { range: [-1, 2] } },
  { name: 'pca', kind: 'pca', columns: PCOLS, steps: [{ impute: { columns: PCOLS, strategy: 'mean' } }, { pca: { columns: PCOLS, components: 3 } }], py: { k: 3 }, tol: 1e-6, sign: true },
  { name: 'variance 0', kind: 'variance', columns: SCALED, steps: [{ impute: { columns: SCALED, strategy: 'mean' } }, { variance: {} }], py: { threshold: 0 } },
  { name: 'variance 0.3', kind: 'variance', columns: SCALED, steps: [{ impute: { columns: SCALED, strategy: 'mean' } }, { variance: { threshold: 0.3 } }], py: { threshold: 0.3 } },
  { name: 'hashing 64', kind: 'hashing', columns: ['notes'], steps: [{ hashing: { column: 'notes' } }], py: { n: 64, ngram: [1, 1] } },
  { name: 'hashing 1024 bigrams', kind: 'hashing', columns: ['notes'], steps: [{ hashing: { column: 'notes', features: 1024, ngram: [1, 2] } }], py: { n: 1024, ngram: [1, 2] } },
  { name: 'tfidf max_features', kind: 'tfidf', columns: ['notes'], steps: [{ tfidf: { column: 'notes', maxFeatures: 20 } }], py: { max_features: 20, ngram_range: [1, 1] }, names: (s) => s.replace(/^notes:/, '') },
  {
    name: 'tfidf df limits, sublinear, bigrams, tied cut', kind: 'tfidf', columns: ['notes'],
    steps: [{ tfidf: { column: 'notes', maxFeatures: 150, minDf: 2, maxDf: 0.5, sublinearTf: true, ngram: [1, 2] } }],
    py: { max_features: 150, min_df: 2, max_df: 0.5, sublinear_tf: true, ngram_range: [1, 2] }, names: (s) => s.replace(/^notes:/, ''),
  },
  { name: 'tfidf full vocabulary', kind: 'tfidf', columns: ['notes'], steps: [{ tfidf: { column: 'notes' } }], py: { ngram_range: [1, 1] }, names: (s) => s.replace(/^notes:/, '') },
];

/** Training and held-out frames: the generated columns plus exact count ties, correlated PCA inputs and unknown categories. */
function makeData(): { train: Frame; test: Frame; schema: ReturnType<typeof genFrame>['schema'] } {
  const g = genFrame(3000, 11);
  const h = genFrame(800, 12);
  const r = mulberry32(5);
  const tie = (n: number): (string | null)[] => {
    // Counts 600, 600, 450, 450, 450, 300, 150: max_categories cuts inside the 450s.
    const pool: string[] = [];
    [['g', 600], ['b', 600], ['e', 450], ['a', 450], ['c', 450], ['f', 300], ['d', 150]].forEach(([c, k]) => { for (let i = 0; i < (k as number) * (n / 3000); i++) pool.push(c as string); });
    while (pool.length < n) pool.push('d');
    for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [pool[i], pool[j]] = [pool[j]!, pool[i]!]; }
    return pool.slice(0, n);
  };
  const mix = Float64Array.from({ length: 25 }, (_, k) => (k % 6 === 0 ? 3 - k / 10 : gauss(r)));
  const pcols = (n: number, missing: boolean): Record<string, Float64Array> => {
    const out = PCOLS.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const z = [4 * gauss(r), 2 * gauss(r), gauss(r), 0.5 * gauss(r), 0.2 * gauss(r)];
      for (let j = 0; j < 5; j++) {
        let s = 10 * j;
        for (let k = 0; k < 5; k++) s += z[k]! * mix[k * 5 + j]!;
        out[j]![i] = missing && r() < 0.03 ? NaN : s;
      }
    }
    return Object.fromEntries(PCOLS.map((c, j) => [c, out[j]!]));
  };
  const test: Frame = { rows: h.frame.rows, columns: { ...h.frame.columns, tie: tie(h.frame.rows), ...pcols(h.frame.rows, true) } };
  const country = test.columns.country as (string | null)[];
  for (let i = 0; i < country.length; i += 29) country[i] = i % 2 === 0 ? 'ZZ' : 'Atlantis';
  (test.columns.tie as (string | null)[])[3] = 'unseen';
  (test.columns.plan as (string | null)[])[7] = 'legacy';
  const schema = { fields: [...g.schema.fields, { name: 'tie', type: 'string' as const, nullable: true }, ...PCOLS.map((name) => ({ name, type: 'float' as const, nullable: true }))] };
  return { train: { rows: g.frame.rows, columns: { ...g.frame.columns, tie: tie(g.frame.rows), ...pcols(g.frame.rows, true) } }, test, schema };
}

interface PyResult {
  shape: [number, number];
  names: string[] | null;
  support: boolean[] | null;
  ms: number;
}

let dir: TempDir;
const data = makeData();
const TEXT = data.schema.fields.filter((f) => f.type === 'string').map((f) => f.name);
const sk = new Map<string, PyResult>();
let argsortRef: number[][] = [];

/** Tie-heavy arrays, plus McIlroy-style adversarial ones that push numpy's introsort into heapsort. */
function argsortInputs(): number[][] {
  const r = mulberry32(3);
  const out: number[][] = [];
  for (let t = 0; t < 60; t++) {
    const n = 1 + Math.floor(r() * 500);
    const k = 1 + Math.floor(r() * 12);
    out.push(Array.from({ length: n }, () => -Math.floor(r() * k)));
  }
  for (const n of [200, 2000]) out.push(adversary(n));
  return out;
}

/** Values that make numpy's median-of-3 quicksort degrade into heapsort: McIlroy's adversary, run on our copy. */
function adversary(n: number): number[] {
  const gas = n;
  const val = new Array<number>(n).fill(gas);
  let solid = 0;
  let candidate = 0;
  argsortBy(n, (x, y) => {
    if (val[x] === gas && val[y] === gas) val[x === candidate ? x : y] = solid++;
    if (val[x] === gas) candidate = x;
    else if (val[y] === gas) candidate = y;
    return val[x]! < val[y]!;
  });
  return val;
}

before(async () => {
  if (!haveSklearn) return;
  dir = await tempDir('sklearn-features');
  const plain = (f: Frame): Record<string, unknown[]> =>
    Object.fromEntries(Object.entries(f.columns).map(([k, c]) => [k, Array.from(c as ArrayLike<number | string | null>, (v) => (typeof v === 'number' && Number.isNaN(v) ? null : v))]));
  const argsort = argsortInputs();
  const cfg = { dir: dir.path, text: TEXT, train: plain(data.train), test: plain(data.test), cases: CASES.map((c) => ({ name: c.name, kind: c.kind, columns: c.columns, py: c.py })), argsort };
  const cfgPath = join(dir.path, 'cfg.json');
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const run = spawnSync(PY, ['-c', PYCODE, cfgPath], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(run.status, 0, `python failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as Record<string, PyResult> & { __argsort: number[][] };
  argsortRef = out.__argsort;
  for (const c of CASES) sk.set(c.name, out[c.name]!);
});
after(() => dir?.cleanup());

function readMatrix(name: string): Float64Array {
  const b = readFileSync(join(dir.path, `${name}.bin`));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Our output (train rows then test rows), row-major, and the feature names. */
function ours(c: Case, pipeline: FittedPipeline): Float64Array {
  const nanOk = c.kind === 'standard' || c.kind === 'minmax';
  const parts = [data.train, data.test].map((f) => {
    if (!nanOk) return toMatrix(pipeline, f).data;
    const t = transformFrame(pipeline, f);
    const cols = pipeline.features;
    const out = new Float64Array(t.rows * cols.length);
    cols.forEach((n, j) => (t.columns[n] as Float64Array).forEach((v, i) => { out[i * cols.length + j] = v; }));
    return out;
  });
  const all = new Float64Array(parts[0]!.length + parts[1]!.length);
  all.set(parts[0]!);
  all.set(parts[1]!, parts[0]!.length);
  return all;
}

for (const c of CASES) {
  test(`sklearn agreement: ${c.name}`, { skip }, () => {
    const ref = sk.get(c.name)!;
    const features = [...new Set([...c.columns])];
    const p = resolvePipeline(c.steps, data.schema, features, 'test.pipeline');
    const t0 = performance.now();
    const pipeline = fitPipelineLocal(p, shardFrame(data.train, 4, 9));
    const fitMs = performance.now() - t0;
    const X = ours(c, pipeline);
    const [rows, cols] = ref.shape;
    assert.equal(pipeline.features.length, cols, `columns: ours ${pipeline.features.join(',')}`);
    if (ref.support !== null) {
      assert.deepEqual(pipeline.features, features.filter((_, j) => ref.support![j]));
    }
    if (c.names !== undefined) assert.deepEqual(pipeline.features.map(c.names), ref.names);
    const Y = readMatrix(c.name);
    assert.equal(X.length, rows * cols);
    let worst = 0;
    for (let j = 0; j < cols; j++) {
      // Relative to the column's largest value, floored so columns of rounding noise (a constant
      // column standardized: sklearn gives ±1e-16, we give 0) compare absolutely.
      let scale = 1e-3;
      let dot = 0;
      for (let i = 0; i < rows; i++) {
        const b = Y[i * cols + j]!;
        if (!Number.isNaN(b)) scale = Math.max(scale, Math.abs(b));
        dot += Number.isNaN(b) ? 0 : b * X[i * cols + j]!;
      }
      const sign = c.sign === true && dot < 0 ? -1 : 1;
      for (let i = 0; i < rows; i++) {
        const a = sign * X[i * cols + j]!;
        const b = Y[i * cols + j]!;
        assert.equal(Number.isNaN(a), Number.isNaN(b), `${c.name}: missing value mismatch at row ${i}, column ${pipeline.features[j]}`);
        if (!Number.isNaN(b)) worst = Math.max(worst, Math.abs(a - b) / scale);
      }
    }
    log.info({ case: c.name, relErr: worst, columns: cols, oursFitMs: fitMs, sklearnMs: ref.ms }, 'features vs sklearn');
    assert.ok(worst <= (c.tol ?? 1e-9), `${c.name}: max relative error ${worst}`);
  });
}

test('npArgsort returns numpy 1.24 argsort order (ties, heapsort fallback)', { skip }, () => {
  const inputs = argsortInputs();
  inputs.forEach((a, k) => assert.deepEqual(Array.from(npArgsort(Float64Array.from(a))), argsortRef[k], `array ${k} (n=${a.length})`));
});
