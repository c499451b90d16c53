import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import {
  kFold,
  predefinedFolds,
  repeatedKFold,
  repeatedStratifiedKFold,
  stratifiedKFold,
  trainTestSplit,
} from '../../shared/ml/folds/index.js';
import { compareCodePoints } from '../../shared/ml/folds/labels.js';

function sizes(folds: Int32Array, k: number): number[] {
  const s = new Array<number>(k).fill(0);
  for (const f of folds) s[f]!++;
  return s;
}

function throwsCode(fn: () => unknown, code: 'OPTION_INVALID' | 'INPUT_INVALID', text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isErrorCode(e, code), `expected ${code}, got ${String(e)}`);
    assert.match((e as Error).message, text);
    return true;
  });
}

test('kFold without shuffle cuts contiguous folds, the first n % k one row larger', () => {
  assert.deepEqual(Array.from(kFold(10, 3)), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(kFold(4, 4)), [0, 1, 2, 3]);
});

test('kFold with shuffle keeps the fold sizes and matches the sklearn value for seed 42', () => {
  const f = kFold(10, 3, { shuffle: true, seed: 42 });
  assert.deepEqual(Array.from(f), [0, 0, 1, 2, 2, 0, 2, 1, 0, 1]);
  assert.deepEqual(sizes(kFold(1003, 7, { shuffle: true, seed: 5 }), 7), [144, 144, 143, 143, 143, 143, 143]);
  assert.deepEqual(kFold(50, 5, { shuffle: true }), kFold(50, 5, { shuffle: true, seed: 0 }));
  assert.notDeepEqual(kFold(50, 5, { shuffle: true, seed: 1 }), kFold(50, 5, { shuffle: true, seed: 2 }));
});

test('kFold option errors name the option', () => {
  throwsCode(() => kFold(10, 1), 'OPTION_INVALID', /^k: .*at least 2 folds/);
  throwsCode(() => kFold(10, 2.5), 'OPTION_INVALID', /^k: .*integer/);
  throwsCode(() => kFold(3, 4), 'OPTION_INVALID', /^k: cannot have 4 folds with only 3 rows/);
  throwsCode(() => kFold(10, 2, { seed: 3 }), 'OPTION_INVALID', /^seed: .*shuffle is false/);
  throwsCode(() => kFold(10, 2, { shuffle: true, seed: -1 }), 'OPTION_INVALID', /^seed: -1/);
  throwsCode(() => kFold(-1, 2), 'OPTION_INVALID', /^n: -1/);
});

test('stratifiedKFold deals each class round-robin over the folds (hand-computed)', () => {
  // class 0 (3 rows): one per fold; class 1 (7 rows): 3, 2, 2 — blocks in row order.
  assert.deepEqual(Array.from(stratifiedKFold([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], 3)), [0, 1, 2, 0, 0, 0, 1, 1, 2, 2]);
  // Labels only matter by equality and first appearance.
  assert.deepEqual(
    Array.from(stratifiedKFold(['b', 'b', 'b', 'a', 'a', 'a', 'a', 'a', 'a', 'a'], 3)),
    [0, 1, 2, 0, 0, 0, 1, 1, 2, 2],
  );
});

test('stratifiedKFold keeps class proportions per fold when shuffled', () => {
  const y = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0)); // 100 positives
  const f = stratifiedKFold(y, 5, { shuffle: true, seed: 3 });
  for (let fold = 0; fold < 5; fold++) {
    let pos = 0;
    let all = 0;
    f.forEach((g, i) => {
      if (g === fold) {
        all++;
        pos += y[i]!;
      }
    });
    assert.equal(all, 200);
    assert.equal(pos, 20);
  }
});

test('stratifiedKFold warns like sklearn on a small class and errors when every class is too small', () => {
  const warnings: string[] = [];
  stratifiedKFold([0, 0, 0, 0, 1, 1], 3, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, ['The least populated class in y has only 2 members, which is less than n_splits=3.']);
  throwsCode(() => stratifiedKFold([0, 0, 1, 1, 2, 2], 3), 'OPTION_INVALID', /^k: 3 folds cannot be greater than the number of members in each class/);
  throwsCode(() => stratifiedKFold([0, 1], 3), 'OPTION_INVALID', /^k: cannot have 3 folds with only 2 rows/);
  throwsCode(() => stratifiedKFold([0.5, 1, 2, 3], 2), 'INPUT_INVALID', /^y\[0\]: 0\.5 makes y a continuous target/);
  throwsCode(() => stratifiedKFold([0, null, 1, 1] as unknown as number[], 2), 'INPUT_INVALID', /^y\[1\]: missing label/);
  throwsCode(() => stratifiedKFold([0, 'a', 1, 1] as unknown as number[], 2), 'INPUT_INVALID', /^y\[1\]: .*one label type/);
});

test('repeated splitters return one fold array per repeat, drawn from one seeded stream', () => {
  const r = repeatedKFold(30, 3, { nRepeats: 4, seed: 8 });
  assert.equal(r.length, 4);
  for (const f of r) assert.deepEqual(sizes(f, 3), [10, 10, 10]);
  assert.notDeepEqual(r[0], r[1]);
  assert.deepEqual(repeatedKFold(30, 3, { nRepeats: 4, seed: 8 }), r);
  assert.equal(repeatedKFold(30, 3).length, 10);
  throwsCode(() => repeatedKFold(30, 3, { nRepeats: 0 }), 'OPTION_INVALID', /^nRepeats: /);
  const warnings: string[] = [];
  const s = repeatedStratifiedKFold([0, 0, 0, 0, 1, 1, 1, 1, 1], 3, { nRepeats: 3, seed: 1, onWarning: (m) => warnings.push(m) });
  assert.equal(s.length, 3);
  assert.equal(warnings.length, 0);
  repeatedStratifiedKFold([0, 0, 0, 1, 1], 3, { nRepeats: 3, onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1, 'a too-small class warns once, not once per repeat');
});

test('trainTestSplit rounds the test size up and the train size down', () => {
  const count = (f: Int32Array, v: number): number => f.filter((x) => x === v).length;
  const a = trainTestSplit(10, { testSize: 0.33, seed: 42 });
  assert.equal(count(a, 1), 4); // ceil(3.3)
  assert.equal(count(a, 0), 6);
  assert.deepEqual(Array.from(a), [1, 1, 0, 0, 0, 1, 0, 0, 1, 0]); // sklearn's test rows for seed 42: [8, 1, 5, 0]
  const d = trainTestSplit(100);
  assert.equal(count(d, 1), 25);
  const t = trainTestSplit(10, { trainSize: 0.55, seed: 1 });
  assert.equal(count(t, 0), 5); // floor(5.5)
  assert.equal(count(t, 1), 5);
  const both = trainTestSplit(10, { trainSize: 5, testSize: 2, seed: 1 });
  assert.deepEqual([count(both, 0), count(both, 1), count(both, -1)], [5, 2, 3]);
  assert.deepEqual(Array.from(trainTestSplit(5, { testSize: 2, shuffle: false })), [0, 0, 0, 1, 1]);
});

test('trainTestSplit with stratify keeps each class in proportion', () => {
  const y = Array.from({ length: 200 }, (_, i) => (i < 150 ? 'no' : 'yes'));
  const f = trainTestSplit(200, { testSize: 0.2, seed: 4, stratify: y });
  let testYes = 0;
  let test = 0;
  f.forEach((g, i) => {
    if (g === 1) {
      test++;
      if (y[i] === 'yes') testYes++;
    }
  });
  assert.equal(test, 40);
  assert.equal(testYes, 10);
});

test('trainTestSplit errors name the option', () => {
  throwsCode(() => trainTestSplit(10, { testSize: 1.5 }), 'OPTION_INVALID', /^testSize: 1\.5/);
  throwsCode(() => trainTestSplit(10, { testSize: 10 }), 'OPTION_INVALID', /^testSize: 10 .*from 1 to 9/);
  throwsCode(() => trainTestSplit(10, { trainSize: 0 }), 'OPTION_INVALID', /^trainSize: 0/);
  throwsCode(() => trainTestSplit(10, { testSize: 0.6, trainSize: 0.6 }), 'OPTION_INVALID', /^testSize \+ trainSize: .*over 1/);
  throwsCode(() => trainTestSplit(10, { testSize: 6, trainSize: 6 }), 'OPTION_INVALID', /^testSize \+ trainSize: 12 rows/);
  throwsCode(() => trainTestSplit(1, { testSize: 0.5 }), 'OPTION_INVALID', /^testSize: .*train set would be empty/);
  throwsCode(() => trainTestSplit(4, { shuffle: false, stratify: [0, 0, 1, 1] }), 'OPTION_INVALID', /^stratify: .*shuffle: true/);
  throwsCode(() => trainTestSplit(4, { stratify: [0, 0, 1] }), 'OPTION_INVALID', /^stratify: has 3 labels but n is 4/);
  throwsCode(() => trainTestSplit(5, { stratify: [0, 0, 1, 1, 2] }), 'INPUT_INVALID', /^stratify: the least populated class has only 1 member/);
  throwsCode(() => trainTestSplit(6, { testSize: 2, stratify: [0, 0, 1, 1, 2, 2] }), 'OPTION_INVALID', /^testSize: 2 test rows are fewer than the 3 classes/);
});

test('predefinedFolds numbers distinct values in sorted order and keeps -1 out of every test fold', () => {
  const p = predefinedFolds([2, 0, -1, 2, 5, -3]);
  assert.deepEqual(Array.from(p.folds), [2, 1, -1, 2, 3, 0]);
  assert.deepEqual(p.foldValues, [-3, 0, 2, 5]);
  const s = predefinedFolds(['b', 'a', 'b']);
  assert.deepEqual(Array.from(s.folds), [1, 0, 1]);
  throwsCode(() => predefinedFolds([0, 1.5]), 'INPUT_INVALID', /^folds\[1\]: fold value 1\.5/);
  throwsCode(() => predefinedFolds([0, Number.NaN]), 'INPUT_INVALID', /^folds\[1\]/);
});

test('strings compare by code point, as numpy sorts them', () => {
  assert.ok(compareCodePoints('\u{1F600}', '\uFFFD') > 0); // UTF-16 order would say the opposite
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.ok(compareCodePoints('B', 'a') < 0);
  assert.equal(compareCodePoints('x', 'x'), 0);
});
