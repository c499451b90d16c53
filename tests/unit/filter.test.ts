import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeTable } from '../../shared/arrow/ipc.js';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import { datasetOf } from '../../shared/dataset.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { makeTable } from '../../shared/expr/index.js';
import { filterOperator } from '../../shared/operators/filter.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import { planContext, readRows, readTable, runStage, tableOf, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const D = 86_400_000;
const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'price', type: 'float', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'ok', type: 'bool', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
  ],
};

function randomRows(n: number, seed: number): Row[] {
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const maybe = <T>(v: T): T | null => (rnd() < 0.2 ? null : v);
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    price: maybe(Math.round(rnd() * 1000) / 100),
    name: maybe(['ß', 'Zoë', 'plain', '日本', ''][Math.floor(rnd() * 5)]!),
    ok: maybe(rnd() < 0.5),
    day: maybe(Math.floor(rnd() * 100) * D),
    at: maybe(Math.floor(rnd() * 1e12)),
  }));
}

let dir: TempDir;
before(async () => {
  dir = await tempDir('filter');
});
after(() => dir.cleanup());

const stage = (where: unknown): StageSpec => ({ id: 'f', op: 'filter', input: 'raw', where });

test('keeps exactly the rows where the condition is true (null drops the row) and counts the rest', async () => {
  const shards = [randomRows(500, 1), randomRows(0, 2), randomRows(300, 3)];
  const input = await writeShards(dir.path, schema, shards);
  const run = await runStage(filterOperator, stage("price > 3 and (ok or name in ('Zoë', '日本'))"), [input], dir.path);
  const keep = (r: Row): boolean => r.price !== null && (r.price as number) > 3 && (r.ok === true || r.name === 'Zoë' || r.name === '日本');
  const want = shards.flat().filter(keep);
  assert.ok(want.length > 20 && want.length < 700, `a selective but non-trivial filter (${want.length})`);
  assert.deepEqual(await readRows(run.output), want);
  assert.deepEqual(run.output.schema, schema);
  assert.equal(run.output.rows, want.length);
  run.phases[0]!.tasks.forEach((t, i) => {
    const rowsIn = shards[i]!.length;
    const rowsOut = shards[i]!.filter(keep).length;
    assert.deepEqual(t.stats, { rowsIn, rowsOut, quarantined: 0, filtered: rowsIn - rowsOut });
  });
});

test('string conditions (row path) and date conditions (vector path) give the same rows as plain JS', async () => {
  const shards = [randomRows(400, 9)];
  const input = await writeShards(dir.path, schema, shards, 'paths');
  for (const [where, keep] of [
    ["lower(name) == 'zoë' or starts_with(name, 'p')", (r: Row) => r.name === 'Zoë' || (typeof r.name === 'string' && r.name.startsWith('p'))],
    ["day >= '1970-02-01' and at is not null", (r: Row) => r.day !== null && (r.day as number) >= 31 * D && r.at !== null],
    ['not ok', (r: Row) => r.ok === false],
  ] as const) {
    const run = await runStage(filterOperator, { ...stage(where), id: `f${where.length}` }, [input], dir.path);
    assert.deepEqual(await readRows(run.output), shards[0]!.filter(keep), where);
  }
});

test('all rows, no rows, and shards of several record batches', async () => {
  const rows = randomRows(50, 4);
  const a = tableOf(schema, rows.slice(0, 20)).batches[0]!;
  const b = tableOf(schema, rows.slice(20)).batches[0]!;
  const uri = `${dir.path}/multi/shard-00000.arrow`;
  const bytes = encodeTable(makeTable(a.schema, [a, b]));
  await new LocalStore().put(uri, bytes);
  const input = datasetOf([{ uri, rows: 50, bytes: bytes.length }], schema);
  const all = await runStage(filterOperator, { ...stage('id >= 0'), id: 'all' }, [input], dir.path);
  assert.deepEqual(await readRows(all.output), rows);
  const none = await runStage(filterOperator, { ...stage('id < 0'), id: 'none' }, [input], dir.path);
  const empty = await readTable(none.output.shards[0]!.uri);
  assert.equal(empty.numRows, 0);
  assert.deepEqual(fromArrowSchema(empty.schema), schema);
  assert.deepEqual(none.phases[0]!.tasks[0]!.stats, { rowsIn: 50, rowsOut: 0, quarantined: 0, filtered: 50 });
  const some = await runStage(filterOperator, { ...stage('id % 7 == 3'), id: 'some' }, [input], dir.path);
  assert.deepEqual(await readRows(some.output), rows.filter((r) => (r.id as number) % 7 === 3));
});

test('the condition must be a valid true/false expression', async () => {
  const input = await writeShards(dir.path, schema, [[]], 'errs');
  const err = async (where: unknown): Promise<string> => {
    try {
      await filterOperator.plan(planContext(stage(where), [input], dir.path));
    } catch (e) {
      assert.ok(isErrorCode(e, 'SPEC_INVALID'));
      return (e as QuiverError).message;
    }
    assert.fail('planned');
  };
  assert.match(await err('price * 2'), /^stages\[1\]\.where: the condition is float, not true\/false; compare it, e\.g\. price \* 2 != 0$/);
  assert.match(await err("name == 3"), /^stages\[1\]\.where: at 6: cannot compare string with int/);
  assert.match(await err('prise > 1'), /^stages\[1\]\.where: at 1: unknown column 'prise'; did you mean 'price'\?/);
  assert.match(await err(''), /^stages\[1\]\.where: must be a condition string/);
  assert.match(await err(true), /^stages\[1\]\.where: must be a condition string/);
});

test('stage schema requires where', () => {
  const s = filterOperator.schema as { required: string[]; properties: Record<string, { description?: string }> };
  assert.deepEqual(s.required, ['id', 'op', 'input', 'where']);
  for (const [k, v] of Object.entries(s.properties)) assert.ok(v.description, k);
});
