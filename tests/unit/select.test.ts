import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromArrowSchema } from '../../shared/arrow/schema.js';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import type { QuiverError } from '../../shared/errors.js';
import { selectOperator } from '../../shared/operators/select.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { planContext, readRows, readTable, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'email', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'age', type: 'int', nullable: true },
  ],
};
const rows: Row[] = [
  { id: 1, email: 'a@x', country: 'DE', age: 31 },
  { id: 2, email: null, country: 'FR', age: null },
  { id: 3, email: 'c@x', country: null, age: 70 },
];

let dir: TempDir;
let input: Dataset;
before(async () => {
  dir = await tempDir('select');
  input = await writeShards(dir.path, schema, [rows.slice(0, 2), rows.slice(2)]);
});
after(() => dir.cleanup());

const stage = (fields: Record<string, unknown>): StageSpec => ({ id: `s${Math.random().toString(36).slice(2, 8)}`, op: 'select', input: 'raw', ...fields });
const project = (mapping: [string, string][]): Row[] => rows.map((r) => Object.fromEntries(mapping.map(([to, from]) => [to, r[from]!])));

test('a list keeps columns in the listed order', async () => {
  const run = await runStage(selectOperator, stage({ columns: ['country', 'id'] }), [input], dir.path);
  assert.deepEqual(run.output.schema.fields.map((f) => f.name), ['country', 'id']);
  assert.deepEqual(await readRows(run.output), project([['country', 'country'], ['id', 'id']]));
  assert.deepEqual(fromArrowSchema((await readTable(run.output.shards[0]!.uri)).schema), run.output.schema);
  for (const t of run.phases[0]!.tasks) assert.equal(t.stats.rowsIn, t.stats.rowsOut);
});

test('a map renames (new name → old name), may copy a column twice; drop removes; both combine', async () => {
  const copied = await runStage(selectOperator, stage({ columns: { a: 'id', b: 'id' } }), [input], dir.path);
  assert.deepEqual(await readRows(copied.output), project([['a', 'id'], ['b', 'id']]));
  const renamed = await runStage(selectOperator, stage({ columns: { user_id: 'id', nation: 'country' } }), [input], dir.path);
  assert.deepEqual(renamed.output.schema.fields, [
    { name: 'user_id', type: 'int', nullable: false },
    { name: 'nation', type: 'string', nullable: true },
  ]);
  assert.deepEqual(await readRows(renamed.output), project([['user_id', 'id'], ['nation', 'country']]));
  const dropped = await runStage(selectOperator, stage({ drop: ['email'] }), [input], dir.path);
  assert.deepEqual(await readRows(dropped.output), project([['id', 'id'], ['country', 'country'], ['age', 'age']]));
  const both = await runStage(selectOperator, stage({ columns: { uid: 'id', mail: 'email', age: 'age' }, drop: ['mail'] }), [input], dir.path);
  assert.deepEqual(await readRows(both.output), project([['uid', 'id'], ['age', 'age']]));
});

test('unknown or duplicate columns are spec errors that list what is available', async () => {
  const err = async (fields: Record<string, unknown>): Promise<string> => {
    try {
      await selectOperator.plan(planContext(stage(fields), [input], dir.path));
    } catch (e) {
      assert.ok(isErrorCode(e, 'SPEC_INVALID'), String(e));
      return (e as QuiverError).message;
    }
    assert.fail('planned');
  };
  assert.equal(await err({ columns: ['id', 'mail'] }), 'stages[1].columns[1]: unknown column "mail"; available columns: id, email, country, age');
  assert.equal(await err({ columns: ['ID'] }), `stages[1].columns[0]: unknown column "ID" (did you mean 'id'? names are case-sensitive); available columns: id, email, country, age`);
  assert.equal(await err({ columns: { x: 'nope' } }), 'stages[1].columns.x: unknown column "nope"; available columns: id, email, country, age');
  assert.equal(await err({ drop: ['phone'] }), 'stages[1].drop[0]: unknown column "phone"; columns at this point: id, email, country, age');
  assert.equal(await err({ columns: { uid: 'id' }, drop: ['id'] }), 'stages[1].drop[0]: unknown column "id"; columns at this point: uid');
  assert.equal(await err({ columns: ['id', 'id'] }), "stages[1].columns: column 'id' would appear twice; give each output column a distinct name");
  assert.equal(await err({ drop: ['id', 'email', 'country', 'age'] }), 'stages[1]: select would leave no columns; keep at least one');
  assert.match(await err({}), /^stages\[1\]: select needs columns/);
});

test('stage schema: columns is a list or a map, one of columns/drop is required', () => {
  const s = selectOperator.schema as { anyOf: unknown[]; properties: Record<string, { description?: string; oneOf?: unknown[] }> };
  assert.deepEqual(s.anyOf, [{ required: ['columns'] }, { required: ['drop'] }]);
  assert.equal(s.properties.columns!.oneOf!.length, 2);
  for (const [k, v] of Object.entries(s.properties)) assert.ok(v.description, k);
});
