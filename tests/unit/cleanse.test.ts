import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { cleanseOperator } from '../../shared/operators/cleanse.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const D = 86_400_000;
let dir: TempDir;
before(async () => {
  dir = await tempDir('cleanse');
});
after(() => dir.cleanup());

let n = 0;
async function run(schema: SchemaDef, shards: Row[][], steps: unknown[]): Promise<StageRun & { rows: Row[] }> {
  const sub = `${dir.path}/t${n++}`;
  const input = await writeShards(sub, schema, shards);
  const r = await runStage(cleanseOperator, { id: 'clean', op: 'cleanse', input: 'users', steps } as StageSpec, [input], sub);
  return { ...r, rows: await readRows(r.output) };
}

async function section(r: StageRun) {
  const q = await cleanseOperator.quality!(r.ctx, r.phases, r.output);
  assert.ok(q !== null);
  return q;
}

const users: SchemaDef = {
  fields: [
    { name: 'name', type: 'string', nullable: true },
    { name: 'email', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'age', type: 'string', nullable: true },
    { name: 'note', type: 'string', nullable: true },
  ],
};

test('trim, case, map, coerce, clip, constant impute and drop give exact values and counts', async () => {
  const shards: Row[][] = [
    [
      { name: '  ada LOVELACE ', email: ' Ada@Example.COM', country: 'Deutschland', age: ' 36 ', note: 'x' },
      { name: "jean-luc o'neil", email: null, country: ' germany ', age: '150', note: null },
    ],
    [
      { name: 'bob', email: 'b@x.io', country: 'U.S.', age: 'n/a?', note: 'y' },
      { name: null, email: 'C@X.IO  ', country: 'France', age: '', note: 'z' },
      { name: 'eve', email: 'e@x.io', country: 'usa', age: '-4', note: null },
    ],
  ];
  const r = await run(users, shards, [
    { trim: ['name', 'email'] },
    { case: { email: 'lower', country: 'upper', name: 'title' } },
    { map: { column: 'country', values: { DEUTSCHLAND: 'DE', germany: 'DE', 'U.S.': 'US', USA: 'US' }, match: 'ignore-case' } },
    { coerce: { age: 'int' } },
    { clip: { column: 'age', min: 0, max: 120 } },
    { impute: { column: 'age', strategy: 'constant', value: 30 } },
    { drop: 'note' },
  ]);
  assert.deepEqual(r.rows, [
    { name: 'Ada Lovelace', email: 'ada@example.com', country: 'DE', age: 36 },
    { name: "Jean-Luc O'neil", email: null, country: 'DE', age: 120 },
    { name: 'Bob', email: 'b@x.io', country: 'US', age: 30 },
    { name: null, email: 'c@x.io', country: 'FRANCE', age: 30 },
    { name: 'Eve', email: 'e@x.io', country: 'US', age: 0 },
  ]);
  assert.deepEqual(r.output.schema.fields, [
    { name: 'name', type: 'string', nullable: true },
    { name: 'email', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'age', type: 'int', nullable: true },
  ]);
  assert.equal(r.phases.length, 1, 'no statistics needed: one apply phase');
  const q = await section(r);
  assert.equal(q.rowsIn, 5);
  assert.equal(q.rowsOut, 5);
  assert.equal(q.quarantined, 0);
  const act = (step: string, column: string) => q.actions!.find((a) => a.step === step && a.column === column);
  assert.equal(act('steps[0].trim', 'name')!.changed, 1);
  assert.equal(act('steps[0].trim', 'email')!.changed, 2);
  assert.equal(act('steps[1].case', 'email')!.changed, 2, 'Ada@example.com and C@X.IO lowered');
  assert.equal(act('steps[1].case', 'country')!.changed, 4, "'U.S.' is upper case already");
  assert.equal(act('steps[1].case', 'name')!.changed, 4);
  assert.equal(act('steps[2].map', 'country')!.changed, 4);
  assert.equal(act('steps[3].coerce', 'age')!.changed, 4, "'36', '150', '-4' converted, '' became null");
  assert.match(act('steps[3].coerce', 'age')!.detail!, /string → int; 1 unparsable value set to null/);
  assert.equal(act('steps[4].clip', 'age')!.changed, 2);
  assert.equal(act('steps[5].impute', 'age')!.changed, 2);
});

test('map with match: exact only maps identical spellings; trim ignores surrounding spaces', async () => {
  const schema: SchemaDef = { fields: [{ name: 'c', type: 'string', nullable: true }] };
  const shards = [[{ c: 'Germany' }, { c: ' Germany ' }, { c: 'germany' }, { c: null }]];
  const exact = await run(schema, shards, [{ map: { column: 'c', values: { Germany: 'DE' } } }]);
  assert.deepEqual(exact.rows.map((x) => x.c), ['DE', ' Germany ', 'germany', null]);
  const trimmed = await run(schema, shards, [{ map: { column: 'c', values: { Germany: 'DE', germany: null }, match: 'trim' } }]);
  assert.deepEqual(trimmed.rows.map((x) => x.c), ['DE', 'DE', null, null]);
  assert.equal(trimmed.output.schema.fields[0]!.nullable, true);
});

test('coerce with onError: quarantine moves unparsable rows to quarantine with their reason and position', async () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'id', type: 'int', nullable: false },
      { name: 'signup', type: 'string', nullable: true },
      { name: 'ok', type: 'string', nullable: true },
    ],
  };
  const shards = [
    [
      { id: 1, signup: '2024-02-29', ok: 'yes' },
      { id: 2, signup: '2023-02-29', ok: 'no' },
    ],
    [
      { id: 3, signup: '2024-01-05T10:00:00Z', ok: 'maybe' },
      { id: 4, signup: null, ok: 'T' },
    ],
  ];
  const r = await run(schema, shards, [{ coerce: { signup: 'date', ok: 'bool' }, onError: 'quarantine' }, { coerce: { id: 'string' } }]);
  assert.deepEqual(r.rows, [
    { id: '1', signup: Date.UTC(2024, 1, 29), ok: true },
    { id: '4', signup: null, ok: true },
  ]);
  const stats = r.results[0]!.map((x) => x.stats);
  assert.deepEqual(
    stats.map((s) => [s.rowsIn, s.rowsOut, s.quarantined]),
    [
      [2, 1, 1],
      [2, 1, 1],
    ],
  );
  const q0 = decodeQuarantine(await readFile(r.phases[0]!.tasks[0]!.quarantine[0]!.uri));
  assert.equal(q0.length, 1);
  assert.equal(q0[0]!.line, 2);
  assert.match(q0[0]!.source, /shard-00000\.arrow$/);
  assert.equal(q0[0]!.reason, 'steps[0].coerce.signup: "2023-02-29" is not a valid date');
  assert.deepEqual(JSON.parse(q0[0]!.raw), { id: 2, signup: '2023-02-29', ok: 'no' });
  const q1 = decodeQuarantine(await readFile(r.phases[0]!.tasks[1]!.quarantine[0]!.uri));
  assert.equal(q1[0]!.reason, 'steps[0].coerce.ok: "maybe" is not a valid bool');
  assert.equal((await section(r)).quarantined, 2);
});

/** A deterministic pseudo-random generator. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function lowMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function floatMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
}

function modeOf<T extends string | number>(values: T[]): T {
  const c = new Map<T, number>();
  for (const v of values) c.set(v, (c.get(v) ?? 0) + 1);
  return [...c].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

const metrics: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'small', type: 'int', nullable: true },
    { name: 'spend', type: 'float', nullable: true },
    { name: 'big', type: 'int', nullable: true },
    { name: 'city', type: 'string', nullable: true },
  ],
};

function metricShards(sizes: number[], seed: number): Row[][] {
  const rnd = rng(seed);
  let id = 0;
  return sizes.map((size, s) =>
    Array.from({ length: size }, () => ({
      id: id++,
      small: rnd() < 0.1 ? null : Math.floor(rnd() * 50) + s * 7,
      spend: rnd() < 0.1 ? null : rnd() < 0.01 ? NaN : Math.round(rnd() ** 3 * 1e6) / 100 + s,
      big: rnd() < 0.1 ? null : Math.floor((rnd() - 0.3) * 1e9),
      city: rnd() < 0.1 ? null : rnd() < 0.5 ? `c${Math.floor(rnd() * 3000)}` : `hot${Math.floor(rnd() * 4) + s}`,
    })),
  );
}

test('mean, median and mode across shards equal the values computed over all rows', async () => {
  const shards = metricShards([1500, 0, 1200, 900, 1], 7);
  const all = shards.flat();
  const r = await run(metrics, shards, [
    { impute: { column: 'small', strategy: 'mean' } },
    { impute: { column: 'spend', strategy: 'median' } },
    { impute: { column: 'big', strategy: 'median' } },
    { impute: { column: 'city', strategy: 'mode' } },
  ]);
  const present = (k: string): number[] => all.map((x) => x[k]).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  const small = present('small');
  const mean = Math.round(small.reduce((a, b) => a + b, 0) / small.length);
  const spendMedian = floatMedian(present('spend'));
  const bigMedian = lowMedian(present('big'));
  const cityMode = modeOf(all.map((x) => x.city).filter((v): v is string => v !== null));
  assert.ok(new Set(present('spend')).size > 2000 && new Set(present('big')).size > 2000, 'many distinct values: the median needs selection rounds');
  assert.ok(r.phases.length >= 3, `stats phases with selection rounds, then apply (got ${r.phases.length})`);
  assert.equal(r.rows.length, all.length);
  r.rows.forEach((row, i) => {
    const src = all[i]!;
    assert.equal(row.id, src.id);
    assert.equal(row.small, src.small ?? mean);
    assert.equal(row.spend, src.spend === null || Number.isNaN(src.spend) ? spendMedian : src.spend);
    assert.equal(row.big, src.big ?? bigMedian);
    assert.equal(row.city, src.city ?? cityMode);
  });
  const q = await section(r);
  const detail = (step: string) => q.actions!.find((a) => a.step === step)!;
  assert.equal(detail('steps[0].impute').changed, all.filter((x) => x.small === null).length);
  assert.equal(detail('steps[1].impute').changed, all.filter((x) => x.spend === null || Number.isNaN(x.spend)).length);
  assert.match(detail('steps[1].impute').detail!, new RegExp(`median = ${spendMedian} over ${present('spend').length} values \\(exact, after \\d+ selection rounds?\\)`));
  assert.match(detail('steps[3].impute').detail!, new RegExp(`mode = "${cityMode}" \\(\\d+ of \\d+ values; exact`));
  // Stats phases write nothing; rowsIn of phase 0 counts the input once.
  assert.equal(r.phases[0]!.tasks.reduce((s, t) => s + (t.stats.rowsIn as number), 0), all.length);
  assert.ok(r.phases.slice(0, -1).every((p) => p.tasks.every((t) => t.shards.length === 0)));
});

test('median from merged value counts (few distinct values) is exact; independent imputations share one stats phase', async () => {
  const shards = metricShards([300, 301, 299], 11);
  const all = shards.flat();
  const r = await run(metrics, shards, [{ impute: { column: 'small', strategy: 'median' } }, { impute: { column: 'id', strategy: 'mode' } }]);
  const small = all.map((x) => x.small).filter((v): v is number => v !== null);
  assert.equal(r.phases.length, 2);
  const median = lowMedian(small);
  assert.deepEqual(
    r.rows.map((x) => x.small),
    all.map((x) => x.small ?? median),
  );
  const q = await section(r);
  assert.match(q.actions![0]!.detail!, new RegExp(`median = ${median} over ${small.length} values \\(exact, from merged value counts\\)`));
  assert.equal(q.actions![1]!.changed, 0, 'id has no nulls to fill');
  assert.match(q.actions![1]!.detail!, /mode = 0 \(1 of 900 values; exact\)$/);
});

test('an imputation of a column an earlier imputation fills waits for it: a third phase', async () => {
  const shards = metricShards([50, 50], 3);
  const r = await run(metrics, shards, [{ impute: { column: 'small', strategy: 'median' } }, { impute: { column: 'small', strategy: 'mode' } }]);
  assert.equal(r.phases.length, 3);
  assert.equal((await section(r)).actions![1]!.changed, 0);
});

test('an imputation that reads a column an earlier imputation fills waits for it (two stats phases)', async () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'g', type: 'string', nullable: true },
      { name: 'x', type: 'float', nullable: true },
    ],
  };
  const shards = [
    [
      { g: 'a', x: 1 },
      { g: null, x: null },
    ],
    [
      { g: 'a', x: null },
      { g: 'b', x: 5 },
      { g: 'b', x: null },
    ],
  ];
  const r = await run(schema, shards, [{ impute: { column: 'g', strategy: 'mode' } }, { impute: { column: 'x', strategy: 'ffill', by: 'g' } }]);
  assert.equal(r.phases.length, 3);
  // g: mode of a, a, b, b is 'a' (ties: smallest). x ffill by g: row 2 (g=a now) gets 1 carried from row 1.
  assert.deepEqual(r.rows, [
    { g: 'a', x: 1 },
    { g: 'a', x: 1 },
    { g: 'a', x: 1 },
    { g: 'b', x: 5 },
    { g: 'b', x: 5 },
  ]);
});

const sensors: SchemaDef = {
  fields: [
    { name: 'device', type: 'string', nullable: false },
    { name: 'ts', type: 'timestamp', nullable: false },
    { name: 'temp', type: 'float', nullable: true },
  ],
};

test('ffill carries the last value per series across shard boundaries, in dataset order', async () => {
  const t = (m: number): number => Date.UTC(2024, 0, 1, 0, m);
  const shards: Row[][] = [
    [
      { device: 'a', ts: t(0), temp: null },
      { device: 'a', ts: t(1), temp: 20 },
      { device: 'b', ts: t(1), temp: 5 },
    ],
    [
      { device: 'a', ts: t(2), temp: null },
      { device: 'c', ts: t(2), temp: null },
    ],
    [],
    [
      { device: 'b', ts: t(3), temp: null },
      { device: 'a', ts: t(3), temp: null },
      { device: 'a', ts: t(4), temp: 22 },
      { device: 'a', ts: t(5), temp: null },
    ],
  ];
  const r = await run(sensors, shards, [{ impute: { column: 'temp', strategy: 'ffill', by: ['device'], order: 'ts' } }]);
  assert.deepEqual(
    r.rows.map((x) => [x.device, x.temp]),
    [
      ['a', null],
      ['a', 20],
      ['b', 5],
      ['a', 20],
      ['c', null],
      ['b', 5],
      ['a', 20],
      ['a', 22],
      ['a', 22],
    ],
  );
  const q = await section(r);
  assert.equal(q.actions![0]!.changed, 4);
  assert.match(q.actions![0]!.detail!, /3 series, 3 carried across shard boundaries/);
});

test('ffill refuses series out of order, within a shard and across shards, naming where', async () => {
  const t = (m: number): number => Date.UTC(2024, 0, 1, 0, m);
  const within = [
    [
      { device: 'a', ts: t(5), temp: 1 },
      { device: 'b', ts: t(1), temp: 1 },
      { device: 'a', ts: t(4), temp: null },
    ],
  ];
  const step = [{ impute: { column: 'temp', strategy: 'ffill', by: 'device', order: 'ts' } }];
  await assert.rejects(run(sensors, within, step), (err: Error) => {
    assert.ok(isErrorCode(err, 'INPUT_INVALID'));
    assert.match(err.message, /steps\[0\]\.impute: shard .*shard-00000\.arrow row 3 of series device="a" has ts=.* sort the input first/);
    return true;
  });
  const across = [[{ device: 'a', ts: t(5), temp: 1 }], [{ device: 'a', ts: t(4), temp: null }]];
  await assert.rejects(run(sensors, across, step), (err: Error) => {
    assert.ok(isErrorCode(err, 'INPUT_INVALID'));
    assert.match(err.message, /shard 1 starts a series at ts=.*before where shard 0 left it/);
    return true;
  });
});

test('statistics see the rows and values the steps before them leave (quarantined rows excluded)', async () => {
  const schema: SchemaDef = { fields: [{ name: 'v', type: 'string', nullable: true }] };
  const shards = [[{ v: ' 10' }, { v: 'bad' }, { v: null }], [{ v: '1000' }, { v: '20 ' }, { v: null }]];
  const r = await run(schema, shards, [
    { coerce: { v: 'int' }, onError: 'quarantine' },
    { clip: { column: 'v', max: 100 } },
    { impute: { column: 'v', strategy: 'mean' } },
  ]);
  // After coerce and clip: 10, 100, 20 → mean 43.33 → 43 in an int column.
  assert.deepEqual(
    r.rows.map((x) => x.v),
    [10, 43, 100, 20, 43],
  );
  assert.equal(r.phases.at(-1)!.tasks.reduce((s, t) => s + (t.stats.quarantined as number), 0), 1);
});

test('spec errors name the field path and say what to do', async () => {
  const cases: [unknown[], RegExp][] = [
    [[{ trim: ['name', 'nmae'] }], /^stages\[1\]\.steps\[0\]\.trim\[1\]: unknown column "nmae"; columns at this step: name, email, country, age, note$/],
    [[{ drop: 'note' }, { case: { note: 'lower' } }], /^stages\[1\]\.steps\[1\]\.case\.note: unknown column "note"/],
    [[{ coerce: { age: 'integer' } }], /^stages\[1\]\.steps\[0\]\.coerce\.age: must be one of: int, float, bool, string, timestamp, date; got "integer"$/],
    [[{ impute: { column: 'name', strategy: 'mean' } }], /^stages\[1\]\.steps\[0\]\.impute\.strategy: impute mean needs a column of type int, float, date or timestamp, but 'name' is string here; coerce it first/],
    [[{ coerce: { age: 'int' } }, { case: { age: 'upper' } }], /^stages\[1\]\.steps\[1\]\.case\.age: case needs a column of type string, but 'age' is int here/],
    [[{ coerce: { age: 'int' }, onError: 'drop' }], /^stages\[1\]\.steps\[0\]\.onError: must be one of: null, quarantine; got "drop"$/],
    [[{ coerce: { age: 'int' } }, { clip: { column: 'age', min: 5, max: 1 } }], /^stages\[1\]\.steps\[1\]\.clip\.min: min 5 is greater than max 1$/],
    [[{ coerce: { age: 'int' } }, { clip: { column: 'age', min: 0.5 } }], /^stages\[1\]\.steps\[1\]\.clip\.min: 0\.5 is not a valid int value for column 'age'$/],
    [[{ impute: { column: 'age', strategy: 'constant' } }], /^stages\[1\]\.steps\[0\]\.impute\.value: constant needs a value/],
    [[{ map: { column: 'country', values: { de: 'DE', DE: 'GER' }, match: 'ignore-case' } }], /^stages\[1\]\.steps\[0\]\.map\.values\.DE: matches the same values as "de" under match: ignore-case/],
    [[{ trim: 'name', case: { name: 'lower' } }], /^stages\[1\]\.steps\[0\]: must have exactly one of: .*; got trim, case$/],
    [[{ impute: { column: 'age', strategy: 'ffill', order: 'ts' } }], /^stages\[1\]\.steps\[0\]\.impute\.order: unknown column "ts"/],
    [[{ drop: ['name', 'email', 'country', 'age', 'note'] }], /^stages\[1\]\.steps: drops every column/],
    [[], /^stages\[1\]\.steps: must be a non-empty list/],
  ];
  for (const [steps, re] of cases) {
    await assert.rejects(run(users, [[]], steps), (err: Error) => {
      assert.ok(isErrorCode(err, 'SPEC_INVALID'), err.message);
      assert.match(err.message, re);
      return true;
    });
  }
});

test('coerce between types: numbers, bools, dates and timestamps', async () => {
  const schema: SchemaDef = {
    fields: [
      { name: 'f', type: 'float', nullable: true },
      { name: 'd', type: 'date', nullable: true },
      { name: 's', type: 'string', nullable: true },
    ],
  };
  const r = await run(schema, [[{ f: 2, d: 3 * D, s: ' 1.5e3 ' }, { f: 2.5, d: null, s: 'inf' }, { f: null, d: 0, s: 'x' }]], [{ coerce: { f: 'int', d: 'string', s: 'float' } }]);
  assert.deepEqual(r.rows, [
    { f: 2, d: '1970-01-04', s: 1500 },
    { f: null, d: null, s: Infinity },
    { f: null, d: '1970-01-01', s: null },
  ]);
});
