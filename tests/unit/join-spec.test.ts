/**
 * The join's plan-time checks (key types, spec fields, the job-spec schema, the strategy auto
 * picks) and exact key matching on awkward values. Row-level results: ./join.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeTable } from '../../shared/arrow/ipc.js';
import { RawColumnBuilder, tableFromRawBuilders } from '../../shared/arrow/raw-builder.js';
import { datasetOf } from '../../shared/dataset.js';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import type { QuiverError } from '../../shared/errors.js';
import { joinOperator } from '../../shared/operators/join.js';
import { validateSpec } from '../../shared/spec/load.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { planContext, readRows, readTable, runStage, writeShards } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const leftSchema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: true },
    { name: 'region', type: 'string', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'amount', type: 'float', nullable: true },
    { name: 'seq', type: 'int', nullable: false },
  ],
};
const rightSchema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: true },
    { name: 'region', type: 'string', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'tier', type: 'string', nullable: true },
    { name: 'points', type: 'int', nullable: false },
  ],
};

let dir: TempDir;
let left: Dataset;
let right: Dataset;
before(async () => {
  dir = await tempDir('join-spec');
  const row = (i: number) => ({ id: i, region: 'eu', name: `n${i}`, amount: i / 2, seq: i, tier: 'gold', points: i });
  left = await writeShards(dir.path, leftSchema, [[row(1), row(2)], [row(3)], [row(4)]], 'left');
  right = await writeShards(dir.path, rightSchema, [[row(2)], [row(4), row(5)]], 'right');
});
after(() => dir.cleanup());

let stageNo = 0;
const stage = (fields: Record<string, unknown>): StageSpec => ({ id: `j${++stageNo}`, op: 'join', input: ['users', 'loyalty'], ...fields });

test('key type mismatches fail at plan time naming both columns and suggesting a cast', async () => {
  const strRight = await writeShards(dir.path, { fields: [{ name: 'customer_id', type: 'string', nullable: true }, { name: 'x', type: 'float', nullable: true }] }, [[{ customer_id: '1', x: 1 }]], 'str');
  const ctx = planContext(stage({ on: { left: 'id', right: 'customer_id' } }), [left, strRight], dir.path);
  await assert.rejects(joinOperator.plan(ctx), (err: QuiverError) => {
    assert.equal(err.code, 'SPEC_INVALID');
    assert.equal(err.message.split(':')[0], 'stages[1].on');
    assert.ok(err.message.includes("left 'users'.id is int but right 'loyalty'.customer_id is string"), err.message);
    assert.ok(err.message.includes("to_int(customer_id)"), err.message);
    assert.ok(err.message.includes("to_string(id)"), err.message);
    return true;
  });
  const floatCtx = planContext(stage({ on: { left: ['region', 'amount'], right: ['region', 'points'] } }), [left, right], dir.path);
  await assert.rejects(joinOperator.plan(floatCtx), (err: QuiverError) => {
    assert.equal(err.code, 'SPEC_INVALID');
    assert.ok(err.message.startsWith('stages[1].on: key types differ: left \'users\'.amount is float but right \'loyalty\'.points is int'), err.message);
    assert.ok(err.message.includes('to_float(points)') && err.message.includes('to_int(amount)'), err.message);
    return true;
  });
  await assert.rejects(joinOperator.plan(planContext(stage({ on: ['id', 'x'] }), [left, strRight], dir.path)), /stages\[1\]\.on\[1\]: unknown column 'x' in the left input 'users'; its columns: id, region, name, amount, seq/);
  await assert.rejects(joinOperator.plan(planContext(stage({ on: { left: 'id', right: 'nope' } }), [left, strRight], dir.path)), /stages\[1\]\.on\.right: unknown column 'nope' in the right input 'loyalty'; its columns: customer_id, x/);
  await assert.rejects(joinOperator.plan(planContext(stage({ on: { left: ['id'], right: ['x'] } }), [left, strRight], dir.path)), /^QuiverError: stages\[1\]\.on: key types differ: left 'users'\.id is int but right 'loyalty'\.x is float/);
});

test('spec mistakes name the field', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /stages\[1\]\.on: required/],
    [{ on: 'nope' }, /stages\[1\]\.on: unknown column 'nope' in the left input 'users'; its columns: id, region, name, amount, seq/],
    [{ on: { left: ['id', 'region'], right: 'id' } }, /stages\[1\]\.on: lists 2 left key column\(s\) but 1 right one\(s\)/],
    [{ on: ['id', 'id'] }, /stages\[1\]\.on: lists a column twice/],
    [{ on: 'id', how: 'outer' }, /stages\[1\]\.how: must be one of inner, left, anti/],
    [{ on: 'id', duplicates: 'last' }, /stages\[1\]\.duplicates: must be one of error, allow, first/],
    [{ on: 'id', partitions: 0 }, /stages\[1\]\.partitions: must be an integer from 1 to 1000/],
    [{ on: 'id', suffix: '' }, /stages\[1\]\.suffix: must be a non-empty string/],
  ];
  for (const [fields, re] of cases) {
    await assert.rejects(joinOperator.plan(planContext(stage(fields), [left, right], dir.path)), (err: QuiverError) => {
      assert.equal(err.code, 'SPEC_INVALID');
      assert.match(err.message, re);
      return true;
    });
  }
  // A suffixed name that is still taken.
  const clash = await writeShards(dir.path, { fields: [{ name: 'id', type: 'int', nullable: true }, { name: 'name', type: 'string', nullable: true }, { name: 'name_right', type: 'int', nullable: true }] }, [[]], 'clash');
  await assert.rejects(joinOperator.plan(planContext(stage({ on: 'id' }), [left, clash], dir.path)), /stages\[1\]\.suffix: the right input 'loyalty' column 'name' clashes with a left column, and 'name_right' is taken too/);
  await assert.rejects(joinOperator.plan(planContext(stage({ on: 'id' }), [left], dir.path)), /takes exactly 2 input stages/);
});

test('auto picks broadcast while the right side is at most broadcastMaxBytes, else hash', async () => {
  const auto = await joinOperator.plan(planContext(stage({ on: 'id', duplicates: 'allow' }), [left, right], dir.path));
  assert.equal(auto.tasks.length, left.shards.length, 'broadcast: one task per left shard');
  assert.deepEqual(auto.tasks[2]!.inputs.map((i) => i.uri), [left.shards[2]!.uri, ...right.shards.map((s) => s.uri)]);
  const big = await joinOperator.plan(planContext(stage({ on: 'id', broadcastMaxBytes: right.bytes - 1 }), [left, right], dir.path));
  assert.equal(big.tasks.length, left.shards.length + right.shards.length, 'hash: phase 0 partitions every shard of both sides');
  assert.ok(big.tasks.every((t) => t.outputPrefix?.endsWith('/partitions/')));
  const exact = await joinOperator.plan(planContext(stage({ on: 'id', broadcastMaxBytes: right.bytes }), [left, right], dir.path));
  assert.equal(exact.tasks.length, left.shards.length);
});

async function bigIntShard(name: string, keys: (bigint | null)[], tags: string[]): Promise<Dataset> {
  const schema: SchemaDef = { fields: [{ name: 'k', type: 'int', nullable: true }, { name: `tag_${name}`, type: 'string', nullable: false }] };
  const k = new RawColumnBuilder('int', keys.length);
  const t = new RawColumnBuilder('string', keys.length);
  keys.forEach((v, i) => {
    if (v === null) k.appendNull();
    else k.appendBigInt(v);
    t.appendString(tags[i]!);
  });
  const bytes = encodeTable(tableFromRawBuilders(schema, [k, t]));
  const uri = join(dir.path, name, 'shard-00000.arrow');
  await new LocalStore().put(uri, bytes);
  return datasetOf([{ uri, rows: keys.length, bytes: bytes.length }], schema);
}

test('keys match exactly: ints beyond 2^53, -0 and 0, NaN, strings with any characters, dates', async () => {
  const big = 2n ** 53n;
  const l = await bigIntShard('bl', [big, big + 1n, -(big + 3n), 5n, null], ['a', 'b', 'c', 'd', 'e']);
  const r = await bigIntShard('br', [big + 1n, big + 2n, -(big + 3n), 5n, null], ['B', 'X', 'C', 'D', 'N']);
  for (const strategy of ['hash', 'broadcast']) {
    const run = await runStage(joinOperator, stage({ on: 'k', strategy, partitions: 7 }), [l, r], dir.path);
    const rows = await Promise.all(run.output.shards.map((s) => readTable(s.uri)));
    const pairs = rows.flatMap((t) => {
      const k = t.getChild('k')!;
      const a = t.getChild('tag_bl')!;
      const b = t.getChild('tag_br')!;
      return Array.from({ length: t.numRows }, (_, i) => `${String(k.get(i))}:${String(a.get(i))}${String(b.get(i))}`);
    });
    assert.deepEqual(pairs.sort(), [`${big + 1n}:bB`, `${-(big + 3n)}:cC`, '5:dD'].sort(), strategy);
  }
  const fSchema: SchemaDef = { fields: [{ name: 'f', type: 'float', nullable: true }, { name: 's', type: 'string', nullable: true }, { name: 'd', type: 'date', nullable: true }] };
  const D = 86_400_000;
  const fl = await writeShards(dir.path, fSchema, [[{ f: -0, s: 'a\u0001b', d: 3 * D }, { f: NaN, s: '1:x', d: 4 * D }], [{ f: 1.5, s: 'ü', d: null }]], 'fl');
  const fr = await writeShards(dir.path, { fields: [{ name: 'f', type: 'float', nullable: true }, { name: 's', type: 'string', nullable: true }, { name: 'd', type: 'date', nullable: true }, { name: 'v', type: 'int', nullable: false }] }, [[{ f: 0, s: 'a\u0001b', d: 3 * D, v: 1 }, { f: NaN, s: '1:x', d: 4 * D, v: 2 }, { f: 1.5, s: 'ü', d: null, v: 3 }, { f: 1.5, s: 'a', d: 3 * D, v: 4 }]], 'fr');
  for (const strategy of ['hash', 'broadcast']) {
    const run = await runStage(joinOperator, stage({ on: ['f', 's', 'd'], how: 'left', strategy, partitions: 3 }), [fl, fr], dir.path);
    const got = (await readRows(run.output)).map((row) => `${String(row.s)}=${String(row.v)}`).sort();
    assert.deepEqual(got, ['1:x=2', 'a\u0001b=1', 'ü=null'].sort(), `${strategy}: -0 = 0, NaN = NaN, a null date never matches`);
  }
});

test('the job-spec schema accepts the three forms of on and exactly two inputs', () => {
  const spec = (join: Record<string, unknown>): unknown => ({
    name: 'j',
    stages: [
      { id: 'a', op: 'ingest', source: { uri: 'a.csv' } },
      { id: 'b', op: 'ingest', source: { uri: 'b.csv' } },
      { id: 'c', op: 'join', input: ['a', 'b'], ...join },
    ],
  });
  for (const on of ['id', ['id', 'x'], { left: 'id', right: ['y'] }]) assert.doesNotThrow(() => validateSpec(spec({ on, how: 'anti', strategy: 'hash', duplicates: 'first', partitions: 3, suffix: '_b', broadcastMaxBytes: 10 })));
  assert.throws(() => validateSpec(spec({ on: 'id', input: ['a'] })), /stages\[2\]\.input: must NOT have fewer than 2 items/);
  assert.throws(() => validateSpec(spec({ on: 'id', how: 'full' })), /stages\[2\]\.how: must be one of "inner", "left", "anti"/);
  assert.throws(() => validateSpec(spec({ on: { left: 'id' } })), /stages\[2\]\.on/);
  assert.throws(() => validateSpec(spec({ on: 'id', bogus: 1 })), /stages\[2\]: unknown field "bogus"/);
});
