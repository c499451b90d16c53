/**
 * Comparison with scikit-learn 1.2 / numpy run side by side (Debian's /usr/bin/python3): for
 * many (n, k, seed, class balance) combinations every splitter's fold ids equal sklearn's, and
 * `RandomState.permutation` equals numpy's (including n > 2^16).
 * Without sklearn: skipped, or failed when CI=true.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  kFold,
  predefinedFolds,
  repeatedKFold,
  repeatedStratifiedKFold,
  stratifiedKFold,
  trainTestSplit,
} from '../../shared/ml/folds/index.js';
import { RandomState } from '../../shared/ml/random/mt19937.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';

function sklearnAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (process.env.CI === 'true') {
    assert.fail(`scikit-learn is missing at ${PYTHON}: apt-get install python3-sklearn (${r.stderr ?? r.error?.message})`);
  }
  return false;
}


/** Labels with the given class weights, drawn in random order. */
function labels(n: number, weights: number[], seed: number): number[] {
  const rand = prng(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    let u = rand() * total;
    for (let c = 0; c < weights.length; c++) {
      u -= weights[c]!;
      if (u < 0) return c;
    }
    return weights.length - 1;
  });
}

type Case =
  | { kind: 'perm'; n: number; seed: number }
  | { kind: 'kfold'; n: number; k: number; shuffle: boolean; seed: number | null }
  | { kind: 'skfold'; y: (number | string)[]; k: number; shuffle: boolean; seed: number | null }
  | { kind: 'rkfold'; n: number; k: number; repeats: number; seed: number }
  | { kind: 'rskfold'; y: number[]; k: number; repeats: number; seed: number }
  | { kind: 'tts'; n: number; test: number | null; train: number | null; seed: number; shuffle: boolean; y: number[] | null }
  | { kind: 'predefined'; values: number[] };

const SCRIPT = String.raw`
import json, sys, warnings
import numpy as np
from sklearn.model_selection import (KFold, StratifiedKFold, RepeatedKFold, RepeatedStratifiedKFold,
    PredefinedSplit, train_test_split)
warnings.simplefilter('ignore')
cases = json.load(open(sys.argv[1]))
def ids(splits, n, per):
    out = []
    f = None
    for i, (tr, te) in enumerate(splits):
        if i % per == 0:
            f = np.full(n, -1, dtype=int); out.append(f)
        f[te] = i % per
    return [o.tolist() for o in out]
res = []
for c in cases:
    k = c['kind']
    if k == 'perm':
        res.append([np.random.RandomState(c['seed']).permutation(c['n']).tolist()])
    elif k == 'kfold':
        n = c['n']
        res.append(ids(KFold(c['k'], shuffle=c['shuffle'], random_state=c['seed']).split(np.zeros(n)), n, c['k']))
    elif k == 'skfold':
        y = np.array(c['y']); n = len(y)
        res.append(ids(StratifiedKFold(c['k'], shuffle=c['shuffle'], random_state=c['seed']).split(np.zeros(n), y), n, c['k']))
    elif k == 'rkfold':
        n = c['n']
        res.append(ids(RepeatedKFold(n_splits=c['k'], n_repeats=c['repeats'], random_state=c['seed']).split(np.zeros(n)), n, c['k']))
    elif k == 'rskfold':
        y = np.array(c['y']); n = len(y)
        res.append(ids(RepeatedStratifiedKFold(n_splits=c['k'], n_repeats=c['repeats'], random_state=c['seed']).split(np.zeros(n), y), n, c['k']))
    elif k == 'tts':
        n = c['n']
        kw = dict(test_size=c['test'], train_size=c['train'], shuffle=c['shuffle'])
        if c['shuffle']: kw['random_state'] = c['seed']
        if c['y'] is not None: kw['stratify'] = c['y']
        tr, te = train_test_split(np.arange(n), **kw)
        f = np.full(n, -1, dtype=int); f[tr] = 0; f[te] = 1
        res.append([f.tolist()])
    elif k == 'predefined':
        v = c['values']
        res.append(ids(PredefinedSplit(v).split(), len(v), 10**9))
json.dump(res, sys.stdout)
`;
import { mulberry32 as prng } from '../../shared/prng.js';

function ours(c: Case): Int32Array[] {
  switch (c.kind) {
    case 'perm':
      return [new RandomState(c.seed).permutation(c.n)];
    case 'kfold':
      return [kFold(c.n, c.k, c.shuffle ? { shuffle: true, seed: c.seed ?? 0 } : {})];
    case 'skfold':
      return [
        stratifiedKFold(c.y as number[] | string[], c.k, {
          ...(c.shuffle ? { shuffle: true, seed: c.seed ?? 0 } : {}),
          onWarning: () => {},
        }),
      ];
    case 'rkfold':
      return repeatedKFold(c.n, c.k, { nRepeats: c.repeats, seed: c.seed });
    case 'rskfold':
      return repeatedStratifiedKFold(c.y, c.k, { nRepeats: c.repeats, seed: c.seed, onWarning: () => {} });
    case 'tts':
      return [
        trainTestSplit(c.n, {
          ...(c.test === null ? {} : { testSize: c.test }),
          ...(c.train === null ? {} : { trainSize: c.train }),
          ...(c.shuffle ? { seed: c.seed } : { shuffle: false }),
          ...(c.y === null ? {} : { stratify: c.y }),
        }),
      ];
    case 'predefined':
      return [predefinedFolds(c.values).folds];
  }
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const seeds = [0, 1, 42, 2024, 123456789, 4294967295];
  for (const n of [1, 2, 3, 10, 1000, 65535, 65536, 65537, 200000]) {
    for (const seed of [0, 7, 4294967295]) cases.push({ kind: 'perm', n, seed });
  }
  for (const n of [2, 3, 7, 10, 101, 1000, 70001]) {
    for (const k of [2, 3, 5, 10]) {
      if (k > n) continue;
      cases.push({ kind: 'kfold', n, k, shuffle: false, seed: null });
      for (const seed of n > 10000 ? [3] : seeds) cases.push({ kind: 'kfold', n, k, shuffle: true, seed });
    }
  }
  const balances: number[][] = [[1, 1], [9, 1], [1, 1, 1], [5, 3, 1, 0.2], [10, 1, 1, 1, 1, 0.5]];
  let dataSeed = 100;
  for (const n of [12, 37, 250, 3001]) {
    for (const w of balances) {
      const y = labels(n, w, dataSeed++);
      for (const k of [2, 3, 5, 10]) {
        const counts = new Map<number, number>();
        for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
        if (k > n || Math.max(...counts.values()) < k) continue;
        cases.push({ kind: 'skfold', y, k, shuffle: false, seed: null });
        for (const seed of [0, 42, 99991]) cases.push({ kind: 'skfold', y, k, shuffle: true, seed });
        cases.push({ kind: 'rskfold', y, k, repeats: 3, seed: 5 });
      }
      const counts = new Map<number, number>();
      for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
      const stratifiable = Math.min(...counts.values()) >= 2;
      for (const [test, train] of [[0.25, null], [0.1, null], [0.33, null], [5, null], [null, 0.6], [0.2, 0.5]] as const) {
        for (const seed of [0, 42]) {
          cases.push({ kind: 'tts', n, test, train, seed, shuffle: true, y: null });
          const nTest = test === null ? n - Math.floor(train! * n) : test < 1 ? Math.ceil(test * n) : test;
          const nTrain = train === null ? n - nTest : Math.floor(train * n);
          if (stratifiable && nTest >= counts.size && nTrain >= counts.size) {
            cases.push({ kind: 'tts', n, test, train, seed, shuffle: true, y });
          }
        }
      }
      cases.push({ kind: 'tts', n, test: 0.3, train: null, seed: 0, shuffle: false, y: null });
    }
    // string labels: first-appearance and code-point order matter
    const s = labels(n, [2, 1, 1], dataSeed++).map((c) => ['zeta', 'Alpha', 'éclair'][c]!);
    cases.push({ kind: 'skfold', y: s, k: 3, shuffle: true, seed: 11 });
  }
  for (const n of [20, 1000]) {
    for (const k of [2, 5]) for (const seed of [0, 31337]) cases.push({ kind: 'rkfold', n, k, repeats: 4, seed });
  }
  cases.push({ kind: 'rkfold', n: 70001, k: 3, repeats: 2, seed: 9 });
  cases.push({ kind: 'predefined', values: [2, 0, -1, 2, 5, 0, -1, 5, -3] });
  cases.push({ kind: 'predefined', values: labels(500, [1, 1, 1, 1, 0.5], 77).map((v) => v - 1) });
  return cases;
}

test('every splitter assigns the same folds as scikit-learn 1.2 (and permutations match numpy)', async (t) => {
  if (!sklearnAvailable()) {
    t.skip('scikit-learn not installed at /usr/bin/python3 (apt-get install python3-sklearn)');
    return;
  }
  const dir = await tempDir('quiver-sklearn-folds');
  t.after(() => dir.cleanup());
  const cases = buildCases();
  const file = join(dir.path, 'cases.json');
  await writeFile(file, JSON.stringify(cases));
  const r = spawnSync(PYTHON, ['-c', SCRIPT, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  const expected = JSON.parse(r.stdout) as number[][][];
  assert.equal(expected.length, cases.length);
  const kinds = new Map<string, number>();
  cases.forEach((c, i) => {
    const got = ours(c).map((a) => Array.from(a));
    const { y: _y, values: _v, ...brief } = c as Case & { y?: unknown; values?: unknown };
    assert.deepEqual(got, expected[i], `case ${i}: ${JSON.stringify(brief)}`);
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
  });
  // The comparison really covered every splitter, many times.
  for (const kind of ['perm', 'kfold', 'skfold', 'rkfold', 'rskfold', 'tts', 'predefined']) {
    assert.ok((kinds.get(kind) ?? 0) >= 2, `${kind}: only ${kinds.get(kind) ?? 0} cases`);
  }
  assert.ok(cases.length > 400, `only ${cases.length} cases`);
  t.diagnostic(`cases: ${JSON.stringify(Object.fromEntries(kinds))}`);
});
