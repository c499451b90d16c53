import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Value } from '../../shared/arrow/columns.js';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { aggregateOperator } from '../../shared/operators/aggregate.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { planContext, readRows, readTable, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const D = 86_400_000;
const schema: SchemaDef = {
  fields: [
    { name: 'shop', type: 'string', nullable: true },
    { name: 'n', type: 'int', nullable: true },
    { name: 'ok', type: 'bool', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'qty', type: 'int', nullable: true },
    { name: 'price', type: 'float', nullable: true },
    { name: 'tag', type: 'string', nullable: true },
    { name: 'id', type: 'int', nullable: false },
  ],
};

function randomRows(count: number, seed: number): Row[] {
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const maybe = <T>(v: T, p = 0.1): T | null => (rnd() < p ? null : v);
  return Array.from({ length: count }, (_, i) => ({
    shop: maybe(['north', 'süd', 'east', 'west', ''][Math.floor(rnd() * 5)]!),
    n: maybe(Math.floor(rnd() * 4) - 1),
    ok: maybe(rnd() < 0.5, 0.2),
    day: maybe(Math.floor(rnd() * 6) * D),
    qty: maybe(Math.floor(rnd() * 200) - 50, 0.3),
    price: maybe(Math.round(rnd() * 1e4) / 100, 0.25),
    tag: maybe(`t${Math.floor(rnd() * 12)}`, 0.2),
    id: i,
  }));
}

/** Splits rows into k shards of uneven sizes (one of them empty). */
function split(rows: Row[], k: number): Row[][] {
  const out: Row[][] = Array.from({ length: k }, () => []);
  rows.forEach((r, i) => out[(i * i) % (k - 1) === 0 ? 0 : 1 + (i % (k - 1))]!.push(r));
  out.splice(2, 0, []);
  return out;
}

type Agg = { fn: string; column?: string; as: string };
const aggs: Agg[] = [
  { fn: 'count', as: 'rows' },
  { fn: 'count', column: 'qty', as: 'qtys' },
  { fn: 'sum', column: 'qty', as: 'qty_sum' },
  { fn: 'sum', column: 'price', as: 'revenue' },
  { fn: 'mean', column: 'price', as: 'avg_price' },
  { fn: 'mean', column: 'qty', as: 'avg_qty' },
  { fn: 'min', column: 'tag', as: 'first_tag' },
  { fn: 'max', column: 'price', as: 'top_price' },
  { fn: 'min', column: 'day', as: 'first_day' },
  { fn: 'max', column: 'ok', as: 'any_ok' },
  { fn: 'count_distinct', column: 'tag', as: 'tags' },
  { fn: 'count_distinct', column: 'qty', as: 'distinct_qty' },
];

const keyText = (vals: Value[]): string => JSON.stringify(vals.map((v) => (v === null ? '∅' : `${typeof v}:${String(v)}`)));

/** The single-pass reference: plain JS over all rows. */
function naive(rows: Row[], by: string[], list: Agg[]): Map<string, Row> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = keyText(by.map((b) => r[b]!));
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  if (by.length === 0 && groups.size === 0) groups.set(keyText([]), []);
  const out = new Map<string, Row>();
  for (const [k, rs] of groups) {
    const row: Row = Object.fromEntries(by.map((b) => [b, rs[0]![b]!]));
    for (const a of list) {
      const vals = a.column === undefined ? rs.map(() => 1) : rs.map((r) => r[a.column!]!).filter((v) => v !== null);
      const nums = vals as number[];
      const sorted = [...vals].sort((x, y) => (x! < y! ? -1 : x! > y! ? 1 : 0));
      row[a.as] =
        a.fn === 'count' ? vals.length
        : a.fn === 'sum' ? (vals.length === 0 ? null : nums.reduce((x, y) => x + y, 0))
        : a.fn === 'mean' ? (vals.length === 0 ? null : nums.reduce((x, y) => x + y, 0) / vals.length)
        : a.fn === 'min' ? (sorted[0] ?? null)
        : a.fn === 'max' ? (sorted.at(-1) ?? null)
        : new Set(vals).size;
    }
    out.set(k, row);
  }
  return out;
}

function assertClose(actual: Row, expected: Row, what: string): void {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (typeof want === 'number' && typeof got === 'number' && !Number.isInteger(want)) {
      assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}.${name}: ${got} vs ${want}`);
    } else assert.deepEqual(got, want, `${what}.${name}`);
  }
  assert.deepEqual(Object.keys(actual), Object.keys(expected), what);
}

let dir: TempDir;
let rows: Row[];
let input: Dataset;
before(async () => {
  dir = await tempDir('aggregate');
  rows = randomRows(3000, 42);
  input = await writeShards(dir.path, schema, split(rows, 7));
});
after(() => dir.cleanup());

let stageNo = 0;
const stage = (fields: Record<string, unknown>): StageSpec => ({ id: `agg${++stageNo}`, op: 'aggregate', input: 'raw', ...fields });

async function checkAgainstNaive(run: StageRun, by: string[], list: Agg[], source: Row[]): Promise<Row[]> {
  const got = await readRows(run.output);
  const want = naive(source, by, list);
  assert.equal(got.length, want.size, 'one output row per group');
  for (const row of got) {
    const k = keyText(by.map((b) => row[b]!));
    const w = want.get(k);
    assert.ok(w !== undefined, `unexpected group ${k}`);
    assertClose(row, w, k);
  }
  return got;
}

test('two phases: partials hash-partitioned per shard, then one merge task per partition; results equal a naive pass', async () => {
  const by = ['shop', 'n'];
  const run = await runStage(aggregateOperator, stage({ by, aggs, partitions: 5 }), [input], dir.path);
  assert.equal(run.phases.length, 2);
  const [p0, p1] = run.phases as [(typeof run.phases)[0], (typeof run.phases)[0]];
  assert.equal(p0.tasks.length, input.shards.length);
  assert.equal(p1.tasks.length, 5);
  // Partial names and their stats.
  p0.tasks.forEach((t, i) => {
    const parts = t.stats.partials as { partition: number; rows: number }[];
    assert.deepEqual(t.shards.map((s) => s.uri.split('/').pop()), parts.map((p) => `partial-${String(i).padStart(5, '0')}-${String(p.partition).padStart(3, '0')}.arrow`));
    assert.deepEqual(t.shards.map((s) => s.rows), parts.map((p) => p.rows));
    assert.ok(t.shards.every((s) => s.uri.includes('/partials/')));
  });
  // Record counts: input rows in phase 0; partial rows flow from phase 0 to phase 1; groups out of phase 1.
  const sum = (ts: typeof p0.tasks, k: string): number => ts.reduce((n, t) => n + (t.stats[k] as number), 0);
  assert.equal(sum(p0.tasks, 'rowsIn'), rows.length);
  assert.equal(sum(p0.tasks, 'rowsOut'), sum(p1.tasks, 'rowsIn'));
  assert.equal(sum(p1.tasks, 'rowsOut'), run.output.rows);
  for (const t of [...p0.tasks, ...p1.tasks]) assert.equal(t.stats.rowsIn, (t.stats.rowsOut as number) + (t.stats.merged as number) + (t.stats.quarantined as number));
  // Each reduce task read its partition's partials in shard order.
  await checkAgainstNaive(run, by, aggs, rows);
  assert.deepEqual(fromArrowSchema((await readTable(run.output.shards[0]!.uri)).schema), run.output.schema);
  assert.equal(await aggregateOperator.next!(run.ctx, run.phases), null);
});

test('output types follow the input types; keys keep their nullability', async () => {
  const run = await runStage(aggregateOperator, stage({ by: ['shop'], aggs, partitions: 2 }), [input], dir.path);
  const types = Object.fromEntries(run.output.schema.fields.map((f) => [f.name, `${f.type}${f.nullable ? '?' : ''}`]));
  assert.deepEqual(types, {
    shop: 'string?', rows: 'int', qtys: 'int', qty_sum: 'int?', revenue: 'float?', avg_price: 'float?', avg_qty: 'float?',
    first_tag: 'string?', top_price: 'float?', first_day: 'date?', any_ok: 'bool?', tags: 'int', distinct_qty: 'int',
  });
  const nonNull = await runStage(aggregateOperator, stage({ by: ['shop'], aggs: [{ fn: 'sum', column: 'id', as: 's' }, { fn: 'max', column: 'id', as: 'm' }] }), [input], dir.path);
  assert.deepEqual(nonNull.output.schema.fields.slice(1).map((f) => f.nullable), [false, false], 'a group has a row, so sum/max of a non-null column are non-null');
});

test('partitions=1 and partitions=5 give the same rows; reruns in any task order give identical bytes', async () => {
  const by = ['ok', 'day'];
  const one = await runStage(aggregateOperator, stage({ by, aggs, partitions: 1 }), [input], dir.path);
  const five = await runStage(aggregateOperator, stage({ by, aggs, partitions: 5 }), [input], dir.path);
  const sortRows = (rs: Row[]): string[] => rs.map((r) => JSON.stringify(r)).sort();
  const a = await checkAgainstNaive(one, by, aggs, rows);
  const b = await checkAgainstNaive(five, by, aggs, rows);
  assert.deepEqual(sortRows(a), sortRows(b), 'same values exactly, not just within tolerance');
  const again = await runStage(aggregateOperator, stage({ by, aggs, partitions: 5 }), [input], dir.path, (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  for (let phase = 0; phase < 2; phase++) {
    five.results[phase]!.forEach((r, i) => {
      const other = again.results[phase]![i]!;
      assert.deepEqual(other.objects.map((o) => o.name), r.objects.map((o) => o.name));
      r.objects.forEach((o, k) => assert.deepEqual(other.objects[k]!.bytes, o.bytes, `phase ${phase} task ${i} ${o.name}`));
    });
  }
  // Within a partition the final rows are sorted by key (nulls last).
  const first = await readRows({ ...five.output, shards: [five.output.shards[0]!] });
  const keys = first.map((r) => [r.ok, r.day]);
  const cmp = (x: Value, y: Value): number => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1);
  assert.deepEqual(keys, [...keys].sort((x, y) => cmp(x[0]!, y[0]!) || cmp(x[1]!, y[1]!)));
});

test('global aggregates (by: []) give one row, also over no input at all', async () => {
  const run = await runStage(aggregateOperator, stage({ aggs, partitions: 7 }), [input], dir.path);
  assert.equal(run.phases[1]!.tasks.length, 1, 'one global group needs one reduce task');
  await checkAgainstNaive(run, [], aggs, rows);
  const empty = await writeShards(dir.path, schema, [], 'empty');
  const none = await runStage(aggregateOperator, stage({ aggs }), [empty], dir.path);
  assert.equal(none.phases[0]!.tasks.length, 0);
  const got = await checkAgainstNaive(none, [], aggs, []);
  assert.equal(got[0]!.rows, 0);
  assert.equal(got[0]!.revenue, null);
  const emptyShards = await writeShards(dir.path, schema, [[], []], 'empty2');
  const grouped = await runStage(aggregateOperator, stage({ by: ['shop'], aggs }), [emptyShards], dir.path);
  assert.equal(grouped.output.rows, 0);
});

test('float keys: -0 and 0 are one group, NaN and null are groups of their own', async () => {
  const fs: SchemaDef = { fields: [{ name: 'k', type: 'float', nullable: true }, { name: 'v', type: 'int', nullable: false }] };
  const data = [{ k: 0, v: 1 }, { k: -0, v: 2 }, { k: NaN, v: 3 }, { k: null, v: 4 }, { k: NaN, v: 5 }, { k: 1.5, v: 6 }];
  const ds = await writeShards(dir.path, fs, [data.slice(0, 3), data.slice(3)], 'floatkeys');
  const run = await runStage(aggregateOperator, stage({ by: ['k'], aggs: [{ fn: 'sum', column: 'v', as: 's' }], partitions: 3 }), [ds], dir.path);
  const got = (await readRows(run.output)).map((r) => [r.k, r.s]).sort((x, y) => (x[1] as number) - (y[1] as number));
  assert.deepEqual(got, [[0, 3], [null, 4], [1.5, 6], [NaN, 8]]);
});

test('int sums stay exact past 2^53; min/max order NaN above numbers', async () => {
  const is: SchemaDef = { fields: [{ name: 'x', type: 'int', nullable: false }, { name: 'f', type: 'float', nullable: false }] };
  const big = 2 ** 52;
  const ds = await writeShards(dir.path, is, [[{ x: big, f: 1 }, { x: big, f: NaN }], [{ x: big, f: -1 }], [{ x: big + 1, f: 2 }]], 'bigsum');
  const run = await runStage(aggregateOperator, stage({ aggs: [{ fn: 'sum', column: 'x', as: 's' }, { fn: 'min', column: 'f', as: 'lo' }, { fn: 'max', column: 'f', as: 'hi' }, { fn: 'mean', column: 'x', as: 'm' }] }), [ds], dir.path);
  const table = await readTable(run.output.shards[0]!.uri);
  assert.equal(table.getChild('s')!.get(0), BigInt(big) * 4n + 1n);
  assert.equal(table.getChild('lo')!.get(0), -1);
  assert.ok(Number.isNaN(table.getChild('hi')!.get(0) as number));
  assert.equal(table.getChild('m')!.get(0), (big * 4 + 1) / 4);
});

test('spec errors name the field and what is allowed', async () => {
  const err = async (fields: Record<string, unknown>): Promise<string> => {
    try {
      await aggregateOperator.plan(planContext(stage(fields), [input], dir.path));
    } catch (e) {
      assert.ok(isErrorCode(e, 'SPEC_INVALID'), String(e));
      return (e as QuiverError).message;
    }
    assert.fail('planned');
  };
  assert.match(await err({ by: ['shp'], aggs }), /^stages\[1\]\.by\[0\]: unknown column "shp"; available columns: shop, n, ok, day, qty, price, tag, id$/);
  assert.match(await err({ aggs: [{ fn: 'sum', column: 'tag', as: 't' }] }), /^stages\[1\]\.aggs\[0\]\.column: sum needs an int or float column, but 'tag' is string/);
  assert.match(await err({ aggs: [{ fn: 'median', column: 'qty', as: 't' }] }), /^stages\[1\]\.aggs\[0\]\.fn: unknown function "median"; use one of: sum, count, mean, min, max, count_distinct$/);
  assert.match(await err({ aggs: [{ fn: 'max', as: 't' }] }), /^stages\[1\]\.aggs\[0\]\.column: max needs a column/);
  assert.match(await err({ aggs: [{ fn: 'count', column: 'nope', as: 't' }] }), /^stages\[1\]\.aggs\[0\]\.column: unknown column "nope"/);
  assert.match(await err({ by: ['shop'], aggs: [{ fn: 'count', as: 'shop' }] }), /^stages\[1\]\.aggs\[0\]\.as: output column 'shop' is already/);
  assert.match(await err({ aggs: [] }), /^stages\[1\]\.aggs: must be a non-empty list/);
  assert.match(await err({ aggs, partitions: 0 }), /^stages\[1\]\.partitions: must be an integer from 1 to 1000, got 0$/);
});

test('default partitions scale with the input shards; the stage schema documents every field', async () => {
  const many = { ...input, shards: Array.from({ length: 40 }, (_, i) => ({ uri: `${dir.path}/x${i}`, rows: 0, bytes: 0 })) };
  const plan = await aggregateOperator.plan(planContext(stage({ by: ['shop'], aggs }), [many], dir.path));
  assert.equal((plan.tasks[0]!.params as { partitions: number }).partitions, 10);
  const s = aggregateOperator.schema as { required: string[]; properties: Record<string, { description?: string }> };
  assert.deepEqual(s.required, ['id', 'op', 'input', 'aggs']);
  for (const [k, v] of Object.entries(s.properties)) assert.ok(v.description, k);
});
