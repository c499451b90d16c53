import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { datasetOf } from '../../shared/dataset.js';
import type { Dataset, SchemaDef, ShardRef } from '../../shared/dataset.js';
import { ColumnBuilder, readColumn, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import { readCsv, readParquet } from '../../shared/formats/index.js';
import { writeOperator } from '../../shared/operators/write.js';
import type { PlanContext } from '../../shared/operators/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { TaskDescriptor, TaskOutput } from '../../shared/task.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const store = new LocalStore();
let dir: TempDir;
let input: Dataset;
const tables: Table[] = [];

const schema: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'city', type: 'string', nullable: true },
    { name: 'spend', type: 'float', nullable: true },
    { name: 'day', type: 'date', nullable: true },
  ],
};

before(async () => {
  dir = await tempDir('quiver-write');
  const shards: ShardRef[] = [];
  for (let s = 0; s < 3; s++) {
    const b = schema.fields.map((f) => new ColumnBuilder(f.type));
    for (let i = 0; i < 50 + s; i++) {
      const id = s * 1000 + i;
      b[0]!.append(id);
      b[1]!.append(i % 9 === 0 ? null : i % 4 === 0 ? 'Washington, D.C.' : `c"${i}`);
      b[2]!.append(i % 5 === 0 ? null : id * 1.25);
      b[3]!.append((19_000 + i) * 86_400_000);
    }
    const table = tableFromBuilders(schema, b);
    tables.push(table);
    const bytes = encodeTable(table);
    const uri = join(dir.path, `in/part-${s}.arrow`);
    await store.put(uri, bytes);
    shards.push({ uri, rows: table.numRows, bytes: bytes.length });
  }
  input = datasetOf(shards, schema);
});
after(() => dir.cleanup());

function ctxFor(fields: Record<string, unknown>): PlanContext {
  const stage: StageSpec = { id: 'export', op: 'write', input: 'clean', ...fields };
  return { jobId: 'j1', stage, path: 'stages[3]', inputs: [input], store, stagePrefix: join(dir.path, 'jobs/j1/export/'), shardRows: 65536 };
}

async function runAll(ctx: PlanContext): Promise<{ outputs: TaskOutput[]; files: Uint8Array[]; dataset: Dataset }> {
  const { tasks } = await writeOperator.plan(ctx);
  const outputs: TaskOutput[] = [];
  const files: Uint8Array[] = [];
  for (const [index, t] of tasks.entries()) {
    const task: TaskDescriptor = {
      id: `j1.export.0.${index}`,
      jobId: 'j1',
      stageId: 'export',
      phase: 0,
      index,
      op: 'write',
      inputs: t.inputs,
      outputPrefix: t.outputPrefix ?? ctx.stagePrefix,
      params: JSON.parse(JSON.stringify(t.params)) as unknown,
      store: { root: dir.path },
      maxAttempts: 3,
    };
    const result = await writeOperator.kernel({ task, inputs: await Promise.all(t.inputs.map((r) => store.get(r.uri))) });
    assert.equal(result.objects.length, 1);
    const o = result.objects[0]!;
    assert.deepEqual(result.stats, { rowsIn: o.rows, rowsOut: o.rows, quarantined: 0 });
    await store.put(task.outputPrefix + o.name, o.bytes);
    files.push(o.bytes);
    outputs.push({ shards: [{ uri: task.outputPrefix + o.name, rows: o.rows, bytes: o.bytes.length }], quarantine: [], stats: result.stats });
  }
  const dataset = await writeOperator.output(ctx, [{ phase: 0, tasks: outputs }]);
  return { outputs, files, dataset };
}

const columns = (t: Table): Value[][] => schema.fields.map((f) => readColumn(t, f.name));

test('parquet (default): one file per shard under the given directory, same rows back', async () => {
  const target = join(dir.path, 'exports/churn');
  const { tasks } = await writeOperator.plan(ctxFor({ uri: target }));
  assert.equal(tasks.length, 3);
  assert.ok(tasks.every((t) => t.outputPrefix === `${target}/`));
  assert.deepEqual(
    tasks.map((t) => t.inputs),
    input.shards.map((s) => [{ uri: s.uri }]),
  );

  const { files, dataset } = await runAll(ctxFor({ uri: target }));
  files.forEach((bytes, i) => assert.deepEqual(columns(readParquet(bytes)), columns(tables[i]!)));
  assert.deepEqual(
    dataset.shards.map((s) => s.uri),
    [0, 1, 2].map((i) => `${target}/part-0000${i}.parquet`),
  );
  assert.equal(dataset.rows, 50 + 51 + 52);
  assert.deepEqual(dataset.schema, schema);
  const listed = await store.list(`${target}/`);
  assert.equal(listed.length, 3);
});

test('csv: header and quoting read back to the same rows; default directory is the stage prefix', async () => {
  const ctx = ctxFor({ format: 'csv' });
  const { files, dataset } = await runAll(ctx);
  assert.ok(dataset.shards.every((s) => s.uri.startsWith(ctx.stagePrefix) && s.uri.endsWith('.csv')));
  files.forEach((bytes, i) => {
    const back = readCsv(bytes, { schema, header: true });
    assert.equal(back.quarantine.length, 0);
    assert.deepEqual(columns(back.tables[0]!), columns(tables[i]!));
  });
  const noHeader = await runAll(ctxFor({ format: 'csv', header: false, uri: join(dir.path, 'nohead/') }));
  assert.ok(new TextDecoder().decode(noHeader.files[0]).startsWith('0,'));
});

test('arrow: the shard bytes are copied as they are', async () => {
  const { files } = await runAll(ctxFor({ format: 'arrow', uri: join(dir.path, 'arrow-out') }));
  files.forEach((bytes, i) => assert.deepEqual(columns(decodeTable(bytes)), columns(tables[i]!)));
});

test('bad fields are SPEC_INVALID naming the field', async () => {
  await assert.rejects(writeOperator.plan(ctxFor({ format: 'xlsx' })), (e: Error & { code?: string }) => e.code === 'SPEC_INVALID' && e.message.startsWith('stages[3].format'));
  await assert.rejects(writeOperator.plan(ctxFor({ compression: 'lzma' })), (e: Error & { code?: string }) => e.code === 'SPEC_INVALID' && /compression/.test(e.message));
});
