import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import type { QuarantineRecord } from '../../shared/formats/types.js';
import { validateOperator } from '../../shared/operators/validate.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { planContext, readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

const schema: SchemaDef = {
  fields: [
    { name: 'customer_id', type: 'int', nullable: true },
    { name: 'age', type: 'int', nullable: true },
    { name: 'age_text', type: 'string', nullable: true },
    { name: 'email', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'total_spend', type: 'float', nullable: true },
    { name: 'monthly_spend', type: 'float', nullable: true },
    { name: 'signup', type: 'date', nullable: true },
  ],
};

const good = (id: number): Row => ({
  customer_id: id,
  age: 30,
  age_text: '30',
  email: `u${id}@example.com`,
  country: 'DE',
  name: 'Ann',
  total_spend: 100,
  monthly_spend: 10,
  signup: day('2024-01-05'),
});

const RULES = [
  { column: 'customer_id', required: true },
  { column: 'age', range: [0, 120] },
  { column: 'age_text', type: 'int', range: [0, 120] },
  { column: 'email', format: 'email' },
  { column: 'country', allowed: ['DE', 'FR', 'US'] },
  { column: 'name', regex: '^[A-Z]', maxLength: 64 },
  { name: 'spend-consistent', check: 'total_spend >= monthly_spend' },
  { column: 'signup', range: ['2000-01-01', '2025-12-31'] },
];

// Shard 0 rows 1..6, shard 1 rows 1..3 (positions are 1-based).
const shard0: Row[] = [
  good(1),
  { ...good(2), customer_id: null, age: 150 },
  { ...good(3), email: 'not-an-email', country: 'XX', name: 'bob' },
  { ...good(4), age_text: 'abc', name: `A${'b'.repeat(69)}` },
  { ...good(5), total_spend: 5, monthly_spend: 10 },
  { ...good(6), age_text: '  ', email: null, country: null, name: '', total_spend: null },
];
const shard1: Row[] = [good(7), { ...good(8), age_text: '200', signup: day('2030-01-01') }, { ...good(9), age: -1, age_text: '-1', country: 'de' }];

const EXPECTED_REASONS: [shard: number, row: number, reasons: string[]][] = [
  [0, 2, ['customer_id: required: value is null', 'age: range [0, 120]: 150 is out of range']],
  [0, 3, ['email: format email: "not-an-email" is not a valid email', 'country: allowed [DE, FR, US]: "XX" is not allowed', 'name: regex /^[A-Z]/: "bob" does not match']],
  [0, 4, ['age_text: type int: "abc" is not an int', 'name: maxLength 64: "Abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" has 70 characters']],
  [0, 5, ['spend-consistent: false for total_spend=5, monthly_spend=10']],
  [1, 2, ['age_text: range [0, 120]: "200" is out of range', 'signup: range [2000-01-01, 2025-12-31]: 2030-01-01 is out of range']],
  [1, 3, ['age: range [0, 120]: -1 is out of range', 'age_text: range [0, 120]: "-1" is out of range', 'country: allowed [DE, FR, US]: "de" is not allowed']],
];

let dir: TempDir;
before(async () => {
  dir = await tempDir('validate');
});
after(() => dir.cleanup());

const stage = (id: string, extra: Record<string, unknown>): StageSpec => ({ id, op: 'validate', input: 'users', ...extra });

async function quarantineOf(run: StageRun): Promise<QuarantineRecord[]> {
  const out: QuarantineRecord[] = [];
  for (const t of run.phases.at(-1)!.tasks) for (const q of t.quarantine) out.push(...decodeQuarantine(await readFile(q.uri)));
  return out;
}

test('each rule kind: exact quarantine reasons, positions, counts and quality section', async () => {
  const input = await writeShards(dir.path, schema, [shard0, shard1], 'local');
  const run = await runStage(validateOperator, stage('v', { rules: RULES }), [input], dir.path);
  assert.equal(run.phases.length, 1, 'local rules need one phase');
  const bad = new Set(EXPECTED_REASONS.map(([s, r]) => `${s}/${r}`));
  const kept = [shard0, shard1].flatMap((rows, s) => rows.filter((_, i) => !bad.has(`${s}/${i + 1}`)));
  assert.deepEqual(await readRows(run.output), kept);
  assert.deepEqual(run.output.schema, schema);

  const q = await quarantineOf(run);
  assert.deepEqual(
    q.map((r) => [r.source, r.line, r.reason]),
    EXPECTED_REASONS.map(([s, row, reasons]) => [input.shards[s]!.uri, row, reasons.join('; ')]),
  );
  // The raw text is the whole row as JSON, dates as text.
  assert.deepEqual(JSON.parse(q[0]!.raw), { ...shard0[1], signup: '2024-01-05' });

  // rowsIn = rowsOut + quarantined, per task.
  const stats = run.phases[0]!.tasks.map((t) => [t.stats.rowsIn, t.stats.rowsOut, t.stats.quarantined]);
  assert.deepEqual(stats, [
    [6, 2, 4],
    [3, 1, 2],
  ]);

  const section = await validateOperator.quality!(run.ctx, run.phases, run.output);
  assert.ok(section !== null);
  assert.equal(section.op, 'validate');
  assert.deepEqual([section.rowsIn, section.rowsOut, section.quarantined], [9, 3, 6]);
  const counts = section.rules!.map((r) => [r.rule, r.kind, r.checked, r.failed, r.passed]);
  assert.deepEqual(counts, [
    ['customer_id: required', 'required', 9, 1, 8],
    ['age: range [0, 120]', 'range', 9, 2, 7],
    ['age_text: type int', 'type', 8, 1, 7], // blank text is missing: not checked
    ['age_text: range [0, 120]', 'range', 7, 2, 5], // text that is not an int is left to the type rule
    ['email: format email', 'format', 8, 1, 7],
    ['country: allowed [DE, FR, US]', 'allowed', 8, 2, 6],
    ['name: regex /^[A-Z]/', 'regex', 8, 1, 7], // '' is missing
    ['name: maxLength 64', 'maxLength', 8, 1, 7],
    ['spend-consistent', 'check', 8, 1, 7], // null total_spend: the check is null, not counted
    ['signup: range [2000-01-01, 2025-12-31]', 'range', 9, 1, 8],
  ]);
  const ex = section.rules![1]!.examples;
  assert.deepEqual(ex, [
    { position: `${input.shards[0]!.uri} row 2`, values: { age: 150 }, reason: 'age: range [0, 120]: 150 is out of range' },
    { position: `${input.shards[1]!.uri} row 3`, values: { age: -1 }, reason: 'age: range [0, 120]: -1 is out of range' },
  ]);
  assert.deepEqual(section.rules![8]!.examples, [{ position: `${input.shards[0]!.uri} row 5`, values: { total_spend: 5, monthly_spend: 10 }, reason: 'spend-consistent: false for total_spend=5, monthly_spend=10' }]);
});

test('onFail: flag keeps every row and adds _violations (null when the row passes)', async () => {
  const input = await writeShards(dir.path, schema, [shard0, shard1], 'flag');
  const run = await runStage(validateOperator, stage('vf', { rules: RULES, onFail: 'flag' }), [input], dir.path);
  const rows = await readRows(run.output);
  const want = [shard0, shard1].flatMap((rs, s) =>
    rs.map((r, i) => ({ ...r, _violations: EXPECTED_REASONS.find(([ss, row]) => ss === s && row === i + 1)?.[2].join('; ') ?? null })),
  );
  assert.deepEqual(rows, want);
  assert.deepEqual(run.output.schema.fields.at(-1), { name: '_violations', type: 'string', nullable: true });
  assert.deepEqual(run.phases[0]!.tasks.map((t) => [t.stats.rowsIn, t.stats.rowsOut, t.stats.quarantined, t.stats.flagged, t.quarantine.length]), [
    [6, 6, 0, 4, 0],
    [3, 3, 0, 2, 0],
  ]);
});

test('onFail: fail stops the job naming the rule, the shard, the row and the reason', async () => {
  const input = await writeShards(dir.path, schema, [[good(1)], shard1], 'fail');
  await assert.rejects(runStage(validateOperator, stage('vx', { rules: RULES, onFail: 'fail' }), [input], dir.path), (e: unknown) => {
    assert.ok(isErrorCode(e, 'INPUT_INVALID'));
    assert.equal((e as QuiverError).retryable, false);
    assert.equal(
      (e as Error).message,
      `validation failed (onFail: fail): rule 'age_text: range [0, 120]' (stages[1].rules[2].range) failed; 2 of 3 rows of shard ${input.shards[1]!.uri} fail a rule; ` +
        `first: row 2: age_text: range [0, 120]: "200" is out of range. Fix the data, or use onFail: quarantine to set failing rows aside`,
    );
    return true;
  });
  // Clean data passes in fail mode.
  const clean = await writeShards(dir.path, schema, [[good(1), good(2)]], 'clean');
  const run = await runStage(validateOperator, stage('vc', { rules: RULES, onFail: 'fail' }), [clean], dir.path);
  assert.equal(run.output.rows, 2);
});

test('type on string columns parses like ingest; on float columns int means whole numbers', async () => {
  const s: SchemaDef = { fields: [{ name: 't', type: 'string', nullable: true }, { name: 'f', type: 'float', nullable: true }] };
  const cases: [string, string[], string[]][] = [
    ['int', ['42', ' -7 ', '+3', '9223372036854775807'], ['4.5', '1e3', 'x', '9223372036854775808']],
    ['float', ['1.5', '-2', '1e-3', 'NaN', 'inf', '.5'], ['1,5', 'abc', '1e']],
    ['bool', ['true', 'FALSE', 't', '0'], ['yes', '2']],
    ['date', ['2024-02-29', ' 2023-12-31 '], ['2023-02-29', '2024-13-01', '2024-1-1']],
    ['timestamp', ['2024-01-01T10:00:00Z', '2024-01-01 10:00', '2024-01-01', '2024-01-01T10:00:00+02:00'], ['2024-01-01T25:00', 'noon']],
  ];
  for (const [type, ok, bad] of cases) {
    const rows = [...ok, ...bad].map((t) => ({ t, f: 1 }));
    const input = await writeShards(dir.path, s, [rows], `type-${type}`);
    const run = await runStage(validateOperator, stage(`t${type}`, { rules: [{ column: 't', type }] }), [input], dir.path);
    assert.deepEqual((await readRows(run.output)).map((r) => r.t), ok, type);
    assert.deepEqual((await quarantineOf(run)).map((r) => r.reason), bad.map((b) => `t: type ${type}: ${JSON.stringify(b)} is not ${type === 'int' ? 'an' : 'a'} ${type}`), type);
  }
  const input = await writeShards(dir.path, s, [[{ t: 'a', f: 2 }, { t: 'a', f: 2.5 }, { t: 'a', f: null }]], 'type-float');
  const run = await runStage(validateOperator, stage('tf', { rules: [{ column: 'f', type: 'int' }] }), [input], dir.path);
  assert.deepEqual((await quarantineOf(run)).map((r) => [r.line, r.reason]), [[2, 'f: type int: 2.5 is not a whole number']]);
});

test('formats: email, date, datetime, iso-country, uuid, url', async () => {
  const s: SchemaDef = { fields: [{ name: 'x', type: 'string', nullable: true }] };
  const cases: [string, string[], string[]][] = [
    ['email', ['a@b.de', 'first.last+tag@sub.example.co.uk', "o'neil@x.io"], ['a@b', 'a b@c.de', '@c.de', 'a@-b.de', 'a@@b.de', 'plain']],
    ['date', ['2024-02-29', '1999-12-31'], ['2023-02-29', '2024-02-29T00:00', ' 2024-01-01', '24-01-01']],
    ['datetime', ['2024-01-01T10:00:00Z', '2024-01-01 10:00', '2024-06-30T23:59:59.123+02:00'], ['2024-01-01', '2024-01-01T24:00', 'today']],
    ['iso-country', ['DE', 'US', 'AX', 'ZW'], ['de', 'XX', 'UK', 'DEU']],
    ['uuid', ['123e4567-e89b-12d3-a456-426614174000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'], ['123e4567e89b12d3a456426614174000', '123e4567-e89b-12d3-a456-42661417400g']],
    ['url', ['https://example.com/a?b=1', 'http://localhost:8080', 'ftp://files.example.org/x'], ['example.com', 'mailto:a@b.de', 'https://', 'http://a b.com', 'javascript:alert(1)']],
  ];
  for (const [format, ok, bad] of cases) {
    const input = await writeShards(dir.path, s, [[...ok, ...bad].map((x) => ({ x }))], `fmt-${format}`);
    const run = await runStage(validateOperator, stage(`f${format.length}${format[0]}`, { rules: [{ column: 'x', format }] }), [input], dir.path);
    assert.deepEqual((await readRows(run.output)).map((r) => r.x), ok, format);
    assert.deepEqual((await quarantineOf(run)).map((r) => r.reason), bad.map((b) => `x: format ${format}: ${JSON.stringify(b)} is not a valid ${format}`), format);
  }
});

test('named rules, regex flags, minLength, allowed numbers and bools, open ranges', async () => {
  const s: SchemaDef = {
    fields: [
      { name: 'code', type: 'string', nullable: true },
      { name: 'n', type: 'int', nullable: true },
      { name: 'ok', type: 'bool', nullable: true },
      { name: 'at', type: 'timestamp', nullable: true },
    ],
  };
  const rows: Row[] = [
    { code: 'abc', n: 1, ok: true, at: Date.parse('2024-01-01T00:00:00Z') },
    { code: 'ABC', n: 2, ok: false, at: Date.parse('2023-12-31T23:59:59.999Z') },
    { code: 'x', n: 5, ok: true, at: null },
  ];
  const input = await writeShards(dir.path, s, [rows], 'misc');
  const rules = [
    { name: 'code-shape', column: 'code', regex: '^[a-z]+$', flags: 'i', minLength: 2 },
    { column: 'n', allowed: [1, 2, 3] },
    { column: 'ok', allowed: [true] },
    { column: 'at', range: ['2024-01-01T00:00:00Z', null] },
  ];
  const run = await runStage(validateOperator, stage('misc', { rules }), [input], dir.path);
  assert.deepEqual((await quarantineOf(run)).map((r) => [r.line, r.reason]), [
    [2, 'ok: allowed [true]: false is not allowed; at: range [2024-01-01T00:00:00.000Z, null]: 2023-12-31T23:59:59.999Z is out of range'],
    [3, 'code-shape: minLength 2: "x" has 1 characters; n: allowed [1, 2, 3]: 5 is not allowed'],
  ]);
  const section = await validateOperator.quality!(run.ctx, run.phases, run.output);
  assert.deepEqual(section!.rules!.map((r) => r.rule), ['code-shape: regex /^[a-z]+$/i', 'code-shape: minLength 2', 'n: allowed [1, 2, 3]', 'ok: allowed [true]', 'at: range [2024-01-01T00:00:00.000Z, null]']);
});

test('spec errors name the field path and say what to do', async () => {
  const input = await writeShards(dir.path, schema, [[]], 'errs');
  const err = async (extra: Record<string, unknown>): Promise<string> => {
    try {
      await validateOperator.plan(planContext(stage('e', extra), [input], dir.path));
    } catch (e) {
      assert.ok(isErrorCode(e, 'SPEC_INVALID'), String(e));
      return (e as Error).message;
    }
    return assert.fail('planned');
  };
  const rules = (...r: unknown[]): Record<string, unknown> => ({ rules: r });
  assert.match(await err(rules({ column: 'agee', required: true })), /^stages\[1\]\.rules\[0\]\.column: unknown column "agee"; available columns: customer_id, age, /);
  assert.match(await err(rules({ column: 'age', range: [0, 1] }, { column: 'name', regex: '([a-z' })), /^stages\[1\]\.rules\[1\]\.regex: does not compile: Invalid regular expression/);
  assert.equal(await err(rules({ column: 'name', range: [0, 10] })), "stages[1].rules[0].range: needs a number, date or timestamp column, but 'name' is string; add type: int (or float, date, timestamp) to compare its text as that type");
  assert.equal(await err(rules({ column: 'age', range: [10, 1] })), 'stages[1].rules[0].range: min 10 is greater than max 1');
  assert.equal(await err(rules({ column: 'age', range: [0] })), 'stages[1].rules[0].range: must be [min, max] (inclusive; null for an open end), e.g. [0, 120]');
  assert.equal(await err(rules({ column: 'signup', range: ['2020-01-01', 5] })), "stages[1].rules[0].range[1]: must be a date as text, e.g. '2024-01-31', or null for no bound; got 5");
  assert.equal(await err(rules({ column: 'email', format: 'phone' })), 'stages[1].rules[0].format: unknown format "phone"; use one of: email, date, datetime, iso-country, uuid, url');
  assert.equal(await err(rules({ column: 'age', format: 'email' })), "stages[1].rules[0].format: needs a string column, but 'age' is int");
  assert.equal(await err(rules({ column: 'age', allowed: [1, 'two'] })), 'stages[1].rules[0].allowed[1]: the column is int, so each allowed value must be an integer; got "two"');
  assert.equal(await err(rules({ column: 'age', type: 'date' })), "stages[1].rules[0].type: column 'age' is int, so its values are never date; type checks text columns (or whole numbers in a float column)");
  assert.equal(await err(rules({ column: 'age', rnage: [0, 1] })), 'stages[1].rules[0].rnage: unknown rule field; use: name, column, required, type, range, format, allowed, regex, flags, minLength, maxLength, unique, outlier, check');
  assert.equal(await err(rules({ column: 'age' })), 'stages[1].rules[0]: declares no check; give at least one of: required, type, range, format, allowed, regex, minLength, maxLength, unique, outlier, check');
  assert.equal(await err(rules({ required: true })), 'stages[1].rules[0].required: needs `column` (the column to check)');
  assert.equal(await err(rules({ name: 'x', check: 'total_spend + 1' })), 'stages[1].rules[0].check: the expression is float, not true/false; compare it, e.g. total_spend + 1 > 0');
  assert.match(await err(rules({ name: 'x', check: 'total_spnd > 1' })), /^stages\[1\]\.rules\[0\]\.check: at 1: unknown column 'total_spnd'; did you mean 'total_spend'\?/);
  assert.equal(await err(rules({ column: 'name', outlier: { method: 'zscore' } })), "stages[1].rules[0].outlier: needs an int or float column, but 'name' is string; derive a number first, e.g. to_float(name)");
  assert.equal(await err(rules({ column: 'age', outlier: { method: 'mad' } })), 'stages[1].rules[0].outlier.method: unknown method "mad"; use zscore or iqr');
  assert.equal(await err(rules({ column: 'age', outlier: { method: 'iqr', threshold: 2 } })), 'stages[1].rules[0].outlier.threshold: unknown field; iqr takes k');
  assert.equal(await err(rules({ column: 'age', outlier: { method: 'iqr', k: 0 } })), 'stages[1].rules[0].outlier.k: k must be a number > 0, got 0');
  assert.equal(await err(rules({ unique: ['age', 'nope'] })), 'stages[1].rules[0].unique[1]: unknown column "nope"; available columns: customer_id, age, age_text, email, country, name, total_spend, monthly_spend, signup');
  assert.equal(await err(rules({ column: 'name', regex: 'a', flags: 'g' })), 'stages[1].rules[0].flags: must be some of the letters i, m, s, u; got "g"');
  assert.equal(await err(rules({ column: 'name', maxLength: -1 })), 'stages[1].rules[0].maxLength: must be an integer >= 0, got -1');
  assert.equal(await err({ rules: [] }), 'stages[1].rules: must be a non-empty list, e.g. [{ column: id, required: true, unique: true }, { column: age, range: [0, 120] }]');
  assert.equal(await err({ ...rules({ column: 'age', required: true }), onFail: 'drop' }), 'stages[1].onFail: must be one of: quarantine, flag, fail; got "drop"');
});

test('stage schema: rules required, every field described', () => {
  const s = validateOperator.schema as { required: string[]; properties: Record<string, { description?: string }> };
  assert.deepEqual(s.required, ['id', 'op', 'input', 'rules']);
  for (const [k, v] of Object.entries(s.properties)) assert.ok(v.description, k);
  const rule = (s.properties.rules as unknown as { items: { properties: Record<string, { description?: string }> } }).items;
  for (const [k, v] of Object.entries(rule.properties)) assert.ok(v.description, `rules.${k}`);
});
