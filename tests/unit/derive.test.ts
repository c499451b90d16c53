import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { deriveOperator } from '../../shared/operators/derive.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { planContext, readRows, runPhase, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const D = 86_400_000;
const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'price', type: 'float', nullable: true },
    { name: 'qty', type: 'int', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'day', type: 'date', nullable: false },
  ],
};
const shards: Row[][] = [
  [
    { id: 1, price: 2.5, qty: 4, name: 'Äpfel', day: 19_000 * D },
    { id: 2, price: null, qty: 1, name: 'pear', day: 19_001 * D },
    { id: 3, price: 10, qty: null, name: null, day: 19_002 * D },
  ],
  [],
  [
    { id: 4, price: 0.5, qty: 30, name: 'fig', day: 19_003 * D },
    { id: 5, price: 3, qty: 3, name: 'kiwi', day: 19_004 * D },
  ],
];
const stage: StageSpec = { id: 'feat', op: 'derive', input: 'raw', columns: { total: 'price * qty', big: 'total > 9', name: "upper(name) || '!'", dow: 'day_of_week(day)' } };

let dir: TempDir;
before(async () => {
  dir = await tempDir('derive');
});
after(() => dir.cleanup());

async function planError(st: StageSpec, inputSchema = schema): Promise<QuiverError> {
  const input = await writeShards(dir.path, inputSchema, [[]], `err-${Math.random().toString(36).slice(2)}`);
  try {
    await deriveOperator.plan(planContext(st, [input], dir.path));
  } catch (err) {
    assert.ok(isErrorCode(err, 'SPEC_INVALID'), `expected SPEC_INVALID, got ${String(err)}`);
    return err as QuiverError;
  }
  assert.fail('planned');
}

test('plans one task per input shard and derives columns in order, replacing in place', async () => {
  const input = await writeShards(dir.path, schema, shards);
  const run = await runStage(deriveOperator, stage, [input], dir.path);
  assert.equal(run.phases.length, 1);
  assert.deepEqual(run.phases[0]!.tasks.map((t) => t.shards.map((s) => s.uri.split('/').pop())), [['part-00000.arrow'], ['part-00001.arrow'], ['part-00002.arrow']]);
  assert.deepEqual(run.output.schema.fields, [
    ...schema.fields.slice(0, 3),
    { name: 'name', type: 'string', nullable: true },
    schema.fields[4],
    { name: 'total', type: 'float', nullable: true },
    { name: 'big', type: 'bool', nullable: true },
    { name: 'dow', type: 'int', nullable: false },
  ]);
  assert.equal(run.output.rows, 5);
  const rows = await readRows(run.output);
  const want = shards.flat().map((r) => {
    const total = r.price === null || r.qty === null ? null : (r.price as number) * (r.qty as number);
    return { ...r, name: r.name === null ? null : `${(r.name as string).toUpperCase()}!`, total, big: total === null ? null : total > 9, dow: ((((r.day as number) / D + 3) % 7) + 1) };
  });
  assert.deepEqual(rows, want);
  for (const t of run.phases[0]!.tasks) {
    assert.equal(t.stats.rowsIn, t.stats.rowsOut);
    assert.equal(t.stats.quarantined, 0);
  }
});

test('the shard written matches the schema output() reports, and reruns give identical bytes', async () => {
  const input = await writeShards(dir.path, schema, shards, 'rerun');
  const ctx = planContext(stage, [input], dir.path);
  const plan = await deriveOperator.plan(ctx);
  const a = await runPhase(deriveOperator, ctx, plan, 0);
  const b = await runPhase(deriveOperator, ctx, plan, 0, [2, 1, 0]);
  for (let i = 0; i < plan.tasks.length; i++) assert.deepEqual(a.results[i]!.objects[0]!.bytes, b.results[i]!.objects[0]!.bytes);
  const out = await deriveOperator.output(ctx, [a.outcome]);
  const decoded = decodeTable(a.results[0]!.objects[0]!.bytes);
  assert.deepEqual(fromArrowSchema(decoded.schema), out.schema);
});

test('expressions are type-checked at plan time; errors name the column and the position', async () => {
  let err = await planError({ ...stage, columns: { total: 'price * qtty' } });
  assert.match(err.message, /^stages\[1\]\.columns\.total: at 9: unknown column 'qtty'; did you mean 'qty'\? available columns: id, price, qty, name, day$/);
  err = await planError({ ...stage, columns: { a: 'name + 1' } });
  assert.match(err.message, /^stages\[1\]\.columns\.a: at 6: operator \+ needs numbers/);
  err = await planError({ ...stage, columns: { a: 'b + 1', b: 'id' } });
  assert.match(err.message, /^stages\[1\]\.columns\.a: at 1: unknown column 'b'/, 'a column derived later is not visible');
  err = await planError({ ...stage, columns: { a: 5 } });
  assert.match(err.message, /^stages\[1\]\.columns\.a: must be an expression string/);
  err = await planError({ ...stage, columns: {} });
  assert.match(err.message, /^stages\[1\]\.columns: is empty/);
  err = await planError({ ...stage, columns: ['a'] });
  assert.match(err.message, /^stages\[1\]\.columns: must be a map/);
  err = await planError({ ...stage, columns: { a: 'null' } });
  assert.match(err.message, /always null/);
});

test('a derived copy of a float column next to it survives the IPC writer', async () => {
  const floats: SchemaDef = { fields: [{ name: 'id', type: 'int', nullable: false }, { name: 'x', type: 'float', nullable: false }] };
  const input = await writeShards(dir.path, floats, [[{ id: 1, x: 1.5 }, { id: 2, x: -2 }]], 'copy');
  const run = await runStage(deriveOperator, { ...stage, id: 'copy', columns: { y: 'x', z: 'id' } }, [input], dir.path);
  assert.deepEqual(await readRows(run.output), [{ id: 1, x: 1.5, y: 1.5, z: 1 }, { id: 2, x: -2, y: -2, z: 2 }]);
});

test('a shard that lacks a planned column fails as bad input, not as a crash', async () => {
  const narrow: SchemaDef = { fields: [schema.fields[0]!] };
  const input = await writeShards(dir.path, narrow, [[{ id: 1 }]], 'narrow');
  const ctx = planContext({ ...stage, columns: { x: 'id + 1' } }, [{ ...input, schema }], dir.path);
  const plan = await deriveOperator.plan(ctx);
  await assert.rejects(runPhase(deriveOperator, ctx, plan, 0), (err: unknown) => isErrorCode(err, 'INPUT_INVALID') && /has no column 'price'/.test((err as Error).message));
});

test('stage schema: op, input, additionalProperties false, a description on every field', () => {
  const s = deriveOperator.schema as { properties: Record<string, { description?: string }>; additionalProperties: boolean; required: string[] };
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.required, ['id', 'op', 'input', 'columns']);
  assert.deepEqual((s.properties.op as { const: string }).const, 'derive');
  for (const [k, v] of Object.entries(s.properties)) assert.ok(typeof v.description === 'string' && v.description.length > 0, k);
  assert.ok(deriveOperator.summary.length > 0 && !deriveOperator.summary.includes('\n'));
});
