/**
 * The join's rows and counts: inner, left and anti joins by hash and by broadcast against a
 * nested-loop reference on generated data (several shards per side, null keys, duplicates),
 * composite keys, clashing names, duplicate-key failures, task order. Plan-time checks:
 * ./join-spec.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import type { QuiverError } from '../../shared/errors.js';
import { joinOperator } from '../../shared/operators/join.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { readRows, readTable, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
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

function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function leftRows(count: number, seed: number): Row[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: rnd() < 0.08 ? null : Math.floor(rnd() * 160),
    region: rnd() < 0.05 ? null : ['eu', 'us', 'ü-asia'][Math.floor(rnd() * 3)]!,
    name: `L${i}`,
    amount: rnd() < 0.1 ? null : Math.round(rnd() * 1e4) / 100,
    seq: i,
  }));
}

/** Right rows; `unique` gives every (id) at most one row. */
function rightRows(count: number, seed: number, unique = false): Row[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: unique ? (i % 17 === 5 ? null : i * 2) : rnd() < 0.06 ? null : Math.floor(rnd() * 200),
    region: rnd() < 0.05 ? null : ['eu', 'us', 'ü-asia'][Math.floor(rnd() * 3)]!,
    name: rnd() < 0.2 ? null : `R${i}`,
    tier: ['gold', 'silver', null][i % 3]!,
    points: i * 10,
  }));
}

/** Uneven shards, one of them empty. */
function split(rows: Row[], k: number): Row[][] {
  const out: Row[][] = Array.from({ length: k }, () => []);
  rows.forEach((r, i) => out[i % 7 === 0 ? 0 : 1 + (i % (k - 1))]!.push(r));
  out.splice(1, 0, []);
  return out;
}

type How = 'inner' | 'left' | 'anti';
interface Ref {
  rows: Row[];
  matchedLeft: number;
  unmatchedLeft: number;
  leftNullKeys: number;
  rightNullKeys: number;
  rightDuplicateKeys: number;
  rightDuplicateRows: number;
  leftDuplicateKeys: number;
}

/** The reference: a nested-loop join over all rows, in SQL semantics. */
function nestedLoop(left: Row[], right: Row[], lk: string[], rk: string[], how: How, duplicates: 'allow' | 'first', rename: Record<string, string>): Ref {
  const rightCols = rightSchema.fields.map((f) => f.name).filter((n) => !rk.includes(n));
  const hasNull = (r: Row, ks: string[]): boolean => ks.some((k) => r[k] === null);
  const out: Row[] = [];
  let matchedLeft = 0;
  for (const l of left) {
    const matches = hasNull(l, lk) ? [] : right.filter((r) => !hasNull(r, rk) && lk.every((k, i) => l[k] === r[rk[i]!]));
    if (matches.length > 0) matchedLeft++;
    if (how === 'anti') {
      if (matches.length === 0) out.push({ ...l });
      continue;
    }
    const used = duplicates === 'first' ? matches.slice(0, 1) : matches;
    for (const r of used) out.push({ ...l, ...Object.fromEntries(rightCols.map((c) => [rename[c] ?? c, r[c]!])) });
    if (used.length === 0 && how === 'left') out.push({ ...l, ...Object.fromEntries(rightCols.map((c) => [rename[c] ?? c, null])) });
  }
  const counts = (rows: Row[], ks: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rows) if (!hasNull(r, ks)) m.set(JSON.stringify(ks.map((k) => r[k])), (m.get(JSON.stringify(ks.map((k) => r[k]))) ?? 0) + 1);
    return m;
  };
  const rc = [...counts(right, rk).values()].filter((c) => c > 1);
  return {
    rows: out,
    matchedLeft,
    unmatchedLeft: left.length - matchedLeft,
    leftNullKeys: left.filter((r) => hasNull(r, lk)).length,
    rightNullKeys: right.filter((r) => hasNull(r, rk)).length,
    rightDuplicateKeys: rc.length,
    rightDuplicateRows: rc.reduce((n, c) => n + c - 1, 0),
    leftDuplicateKeys: [...counts(left, lk).values()].filter((c) => c > 1).length,
  };
}

const sorted = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
const sum = (run: StageRun, phase: number, k: string): number => run.phases[phase]!.tasks.reduce((n, t) => n + Number(t.stats[k] ?? 0), 0);

let dir: TempDir;
let L: Row[];
let R: Row[];
let RU: Row[];
let left: Dataset;
let right: Dataset;
let rightUnique: Dataset;
before(async () => {
  dir = await tempDir('join');
  // The references read rows in shard order, as the join does ("first" means first in shard order).
  L = split(leftRows(700, 7), 5).flat();
  R = split(rightRows(320, 11), 4).flat();
  RU = split(rightRows(150, 13, true), 3).flat();
  left = await writeShards(dir.path, leftSchema, split(leftRows(700, 7), 5), 'left');
  right = await writeShards(dir.path, rightSchema, split(rightRows(320, 11), 4), 'right');
  rightUnique = await writeShards(dir.path, rightSchema, split(rightRows(150, 13, true), 3), 'right-unique');
});
after(() => dir.cleanup());

let stageNo = 0;
const stage = (fields: Record<string, unknown>): StageSpec => ({ id: `j${++stageNo}`, op: 'join', input: ['users', 'loyalty'], ...fields });

const rename = { name: 'name_right', region: 'region_right' };

for (const how of ['inner', 'left', 'anti'] as const) {
  for (const duplicates of ['allow', 'first'] as const) {
    test(`${how} join, duplicates ${duplicates}: hash and broadcast both equal a nested-loop join`, async () => {
      const want = nestedLoop(L, R, ['id'], ['id'], how, duplicates, rename);
      assert.ok(want.rightDuplicateKeys > 10 && want.leftNullKeys > 10 && want.rightNullKeys > 5, 'the data has duplicates and null keys');
      const hash = await runStage(joinOperator, stage({ on: 'id', how, duplicates, strategy: 'hash', partitions: 4 }), [left, right], dir.path);
      const bcast = await runStage(joinOperator, stage({ on: 'id', how, duplicates, strategy: 'broadcast' }), [left, right], dir.path);
      assert.equal(hash.phases.length, 2);
      assert.equal(hash.phases[0]!.tasks.length, left.shards.length + right.shards.length);
      assert.equal(hash.phases[1]!.tasks.length, 4);
      assert.equal(bcast.phases.length, 1);
      assert.equal(bcast.phases[0]!.tasks.length, left.shards.length);
      for (const [name, run, phase] of [['hash', hash, 1], ['broadcast', bcast, 0]] as const) {
        const got = await readRows(run.output);
        assert.equal(got.length, want.rows.length, `${name}: row count`);
        assert.deepEqual(sorted(got), sorted(want.rows), `${name}: rows`);
        assert.equal(run.output.rows, want.rows.length);
        assert.equal(sum(run, phase, 'rowsIn'), L.length, `${name}: rowsIn = left rows`);
        assert.equal(sum(run, 0, 'rowsIn'), L.length, `${name}: the stage's rowsIn (phase 0) counts left rows too`);
        assert.equal(sum(run, phase, 'rowsOut'), want.rows.length);
        assert.equal(sum(run, phase, 'quarantined'), 0);
        assert.equal(sum(run, phase, 'matchedLeft'), want.matchedLeft, `${name}: matched`);
        assert.equal(sum(run, phase, 'unmatchedLeft'), want.unmatchedLeft, `${name}: unmatched`);
        assert.equal(sum(run, phase, 'leftNullKeys'), want.leftNullKeys);
        assert.equal(sum(run, phase, 'rightRows'), R.length, `${name}: right rows counted once`);
        assert.equal(sum(run, phase, 'rightNullKeys'), want.rightNullKeys);
        assert.equal(sum(run, phase, 'rightDuplicateKeys'), want.rightDuplicateKeys);
        assert.equal(sum(run, phase, 'rightDuplicateRows'), want.rightDuplicateRows);
        // Every left row is matched or unmatched; a left join outputs them all at least once.
        assert.equal(sum(run, phase, 'matchedLeft') + sum(run, phase, 'unmatchedLeft'), L.length);
      }
      assert.equal(sum(hash, 1, 'leftDuplicateKeys'), want.leftDuplicateKeys, 'a hash join counts left duplicates exactly');
      // Output schema: left columns, then the right non-key columns (renamed on a clash).
      const names = hash.output.schema.fields.map((f) => f.name);
      assert.deepEqual(names, how === 'anti' ? ['id', 'region', 'name', 'amount', 'seq'] : ['id', 'region', 'name', 'amount', 'seq', 'region_right', 'name_right', 'tier', 'points']);
      assert.deepEqual(bcast.output.schema, hash.output.schema);
      if (how === 'left') assert.equal(hash.output.schema.fields.find((f) => f.name === 'points')!.nullable, true, 'right columns of a left join are nullable');
      if (how === 'inner') assert.equal(hash.output.schema.fields.find((f) => f.name === 'points')!.nullable, false);
      assert.deepEqual(fromArrowSchema((await readTable(hash.output.shards[0]!.uri)).schema), hash.output.schema);
    });
  }
}

test('duplicates: first keeps the first right row in shard order, in both strategies', async () => {
  for (const strategy of ['hash', 'broadcast']) await checkFirst(await runStage(joinOperator, stage({ on: 'id', duplicates: 'first', strategy, partitions: 3 }), [left, right], dir.path));
});

async function checkFirst(hash: StageRun): Promise<void> {
  const first = new Map<number, number>();
  const inArrayOrder = new Map<number, number>();
  for (const shard of split(rightRows(320, 11), 4)) for (const r of shard) if (r.id !== null && !first.has(r.id as number)) first.set(r.id as number, r.points as number);
  for (const r of rightRows(320, 11)) if (r.id !== null && !inArrayOrder.has(r.id as number)) inArrayOrder.set(r.id as number, r.points as number);
  assert.ok([...first].some(([k, v]) => inArrayOrder.get(k) !== v), 'shard order differs from generation order for some keys');
  const rows = await readRows(hash.output);
  assert.ok(rows.length > 100);
  for (const row of rows) assert.equal(row.points, first.get(row.id as number));
}

test('composite keys, same names and { left, right } names, agree with the nested loop', async () => {
  const want = nestedLoop(L, R, ['id', 'region'], ['id', 'region'], 'left', 'allow', { name: 'name_right' });
  for (const strategy of ['hash', 'broadcast']) {
    const run = await runStage(joinOperator, stage({ on: ['id', 'region'], how: 'left', duplicates: 'allow', strategy, partitions: 5 }), [left, right], dir.path);
    assert.deepEqual(sorted(await readRows(run.output)), sorted(want.rows), strategy);
    assert.deepEqual(run.output.schema.fields.map((f) => f.name), ['id', 'region', 'name', 'amount', 'seq', 'name_right', 'tier', 'points']);
  }
  // Different key names: the right key columns are dropped, the others keep their names or get the suffix.
  const want2 = nestedLoop(L, R, ['seq', 'region'], ['points', 'region'], 'inner', 'allow', { name: 'name_r', id: 'id_r' });
  const run = await runStage(joinOperator, stage({ on: { left: ['seq', 'region'], right: ['points', 'region'] }, suffix: '_r', duplicates: 'allow', strategy: 'hash', partitions: 2 }), [left, right], dir.path);
  const got = await readRows(run.output);
  assert.ok(got.length > 5);
  assert.deepEqual(sorted(got), sorted(want2.rows));
  assert.deepEqual(run.output.schema.fields.map((f) => f.name), ['id', 'region', 'name', 'amount', 'seq', 'id_r', 'name_r', 'tier']);
});

test('the default duplicates: error fails with counts and example keys; unique right keys pass', async () => {
  const want = nestedLoop(L, R, ['id'], ['id'], 'inner', 'allow', {});
  for (const strategy of ['hash', 'broadcast']) {
    await assert.rejects(runStage(joinOperator, stage({ on: 'id', strategy, partitions: 3 }), [left, right], dir.path), (err: QuiverError) => {
      assert.equal(err.code, 'INPUT_INVALID', strategy);
      assert.match(err.message, /^stages\[1\]\.duplicates: the right input 'loyalty' holds /);
      assert.ok(err.message.includes(`holds ${want.rightDuplicateKeys} key(s) of (id) on more than one row (${want.rightDuplicateRows} row(s) beyond the first`), err.message);
      assert.match(err.message, /e\.g\. id=\d+ \(\d+ rows\)/);
      assert.match(err.message, /duplicates: allow/);
      assert.equal(err.details?.rightDuplicateKeys, want.rightDuplicateKeys);
      return true;
    });
  }
  const ok = nestedLoop(L, RU, ['id'], ['id'], 'left', 'allow', rename);
  assert.equal(ok.rightDuplicateKeys, 0);
  for (const strategy of ['hash', 'broadcast']) {
    const run = await runStage(joinOperator, stage({ on: 'id', how: 'left', strategy }), [left, rightUnique], dir.path);
    assert.deepEqual(sorted(await readRows(run.output)), sorted(ok.rows), strategy);
    assert.equal(run.output.rows, L.length, 'unique right keys: a left join keeps the left row count');
  }
});

test('any task order gives identical bytes; the same partition count gives the same pieces', async () => {
  const spec = { on: ['id', 'region'], how: 'left', duplicates: 'allow', strategy: 'hash', partitions: 6 };
  const a = await runStage(joinOperator, stage(spec), [left, right], dir.path);
  const shuffle = (n: number): number[] => {
    const rnd = prng(n * 31 + 5);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  };
  const b = await runStage(joinOperator, stage(spec), [left, right], dir.path, shuffle);
  for (let phase = 0; phase < 2; phase++) {
    a.results[phase]!.forEach((r, i) => {
      const other = b.results[phase]![i]!;
      assert.deepEqual(other.objects.map((o) => o.name), r.objects.map((o) => o.name));
      r.objects.forEach((o, k) => assert.deepEqual(other.objects[k]!.bytes, o.bytes, `phase ${phase} task ${i} ${o.name}`));
    });
  }
  // Piece names say side, shard and partition; within an output shard rows keep the left order.
  const names = a.phases[0]!.tasks.flatMap((t) => t.shards.map((s) => s.uri.split('/').pop()!));
  assert.ok(names.every((n) => /^(left|right)-\d{5}-\d{3}\.arrow$/.test(n)), names.join());
  const position = new Map(L.map((r, i) => [r.seq as number, i]));
  for (const shard of a.output.shards) {
    const at = (await readRows({ ...a.output, shards: [shard] })).map((r) => position.get(r.seq as number)!);
    assert.deepEqual(at, [...at].sort((x, y) => x - y), `${shard.uri}: rows in left order`);
  }
  const bc = await runStage(joinOperator, stage({ ...spec, strategy: 'broadcast' }), [left, right], dir.path, shuffle);
  assert.deepEqual(sorted(await readRows(bc.output)), sorted(await readRows(a.output)));
});

test('quality section: rows per side, matched/unmatched, duplicates and null keys', async () => {
  const want = nestedLoop(L, R, ['id'], ['id'], 'left', 'first', rename);
  const run = await runStage(joinOperator, stage({ on: 'id', how: 'left', duplicates: 'first', strategy: 'hash', partitions: 3 }), [left, right], dir.path);
  const q = await joinOperator.quality!(run.ctx, run.phases, run.output);
  assert.ok(q !== null);
  assert.equal(q.op, 'join');
  assert.equal(q.rowsIn, L.length);
  assert.equal(q.rowsOut, want.rows.length);
  assert.equal(q.quarantined, 0);
  const notes = q.notes!.join('\n');
  assert.ok(notes.includes(`left 'users': ${L.length} rows, ${want.matchedLeft} matched, ${want.unmatchedLeft} unmatched (${want.leftNullKeys} with a null key`), notes);
  assert.ok(notes.includes(`right 'loyalty': ${R.length} rows, ${want.rightNullKeys} with a null key`), notes);
  assert.ok(notes.includes(`right ${want.rightDuplicateKeys} (${want.rightDuplicateRows} extra rows)`), notes);
  assert.ok(notes.includes(`left ${want.leftDuplicateKeys} (`), notes);
  assert.ok(notes.includes('only the first right row per key was joined'), notes);
});

test('empty sides: no left shards still counts the right side; an empty right side makes a left join all-null', async () => {
  const none = await writeShards(dir.path, leftSchema, [], 'none');
  const run = await runStage(joinOperator, stage({ on: 'id', strategy: 'broadcast', duplicates: 'allow' }), [none, right], dir.path);
  assert.equal(run.output.rows, 0);
  assert.equal(sum(run, 0, 'rightRows'), R.length);
  const emptyRight = await writeShards(dir.path, rightSchema, [[]], 'empty-right');
  for (const strategy of ['hash', 'broadcast']) {
    const l = await runStage(joinOperator, stage({ on: 'id', how: 'left', strategy, partitions: 2 }), [left, emptyRight], dir.path);
    const rows = await readRows(l.output);
    assert.equal(rows.length, L.length, strategy);
    assert.ok(rows.every((r) => r.tier === null && r.points === null && r.name_right === null));
    const anti = await runStage(joinOperator, stage({ on: 'id', how: 'anti', strategy }), [left, emptyRight], dir.path);
    assert.equal(anti.output.rows, L.length);
    const inner = await runStage(joinOperator, stage({ on: 'id', strategy }), [left, emptyRight], dir.path);
    assert.equal(inner.output.rows, 0);
    assert.equal(inner.output.shards.length, 0);
  }
});

/** Writes one shard of int64 keys given as bigints (beyond what a JS number holds). */
test('hash pieces of the right side carry only the columns the join outputs', async () => {
  const run = await runStage(joinOperator, stage({ on: 'id', how: 'anti', strategy: 'hash', partitions: 2 }), [left, right], dir.path);
  const rightPieces = run.phases[0]!.tasks.flatMap((t) => t.shards).filter((s) => /\/right-/.test(s.uri));
  assert.ok(rightPieces.length >= 2);
  for (const s of rightPieces) assert.deepEqual((await readTable(s.uri)).schema.fields.map((f) => f.name), ['id']);
  assert.equal(rightPieces.reduce((n, s) => n + s.rows, 0), R.length, 'every right row goes to exactly one partition');
  const leftPieces = run.phases[0]!.tasks.flatMap((t) => t.shards).filter((s) => /\/left-/.test(s.uri));
  assert.equal(leftPieces.reduce((n, s) => n + s.rows, 0), L.length);
});
