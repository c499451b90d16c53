import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '../../shared/dataset.js';
import { readColumn } from '../../shared/arrow/columns.js';
import { decodeTable } from '../../shared/arrow/ipc.js';
import { decodeQuarantine } from '../../shared/formats/index.js';
import type { QuarantineRecord } from '../../shared/formats/index.js';
import { allConnectors } from '../../shared/connectors/registry.js';
import { ingestOperator } from '../../shared/operators/ingest.js';
import type { IngestParams } from '../../shared/operators/ingest.js';
import type { KernelResult, PlanContext, TaskPlan } from '../../shared/operators/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { TaskDescriptor, TaskOutput } from '../../shared/task.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const store = new LocalStore();
let dir: TempDir;

before(async () => {
  dir = await tempDir('quiver-ingest');
});
after(() => dir.cleanup());

function ctxFor(source: Record<string, unknown>, extra: Partial<StageSpec> = {}): PlanContext {
  return {
    jobId: 'j1',
    stage: { id: 'users', op: 'ingest', source, ...extra },
    path: 'stages[0]',
    inputs: [],
    store,
    stagePrefix: join(dir.path, 'jobs/j1/users/'),
    shardRows: 65536,
  };
}

interface Run {
  tasks: TaskPlan[];
  results: KernelResult[];
  rows: Record<string, unknown>[];
  quarantine: QuarantineRecord[];
  dataset: Dataset;
}

/** Plans the stage, runs every kernel on its byte range, and builds the output dataset. */
async function run(ctx: PlanContext): Promise<Run> {
  const { tasks } = await ingestOperator.plan(ctx);
  const results: KernelResult[] = [];
  const outputs: TaskOutput[] = [];
  for (const [index, t] of tasks.entries()) {
    const inputs = await Promise.all(t.inputs.map((r) => (r.start === undefined ? store.get(r.uri) : store.getRange(r.uri, r.start, r.end!))));
    const task: TaskDescriptor = {
      id: `j1.users.0.${index}`,
      jobId: 'j1',
      stageId: 'users',
      phase: 0,
      index,
      op: 'ingest',
      inputs: t.inputs,
      outputPrefix: t.outputPrefix ?? ctx.stagePrefix,
      params: JSON.parse(JSON.stringify(t.params)) as unknown,
      store: { root: dir.path },
      maxAttempts: 3,
    };
    const result = await ingestOperator.kernel({ task, inputs });
    results.push(result);
    const refs = (kind: 'data' | 'quarantine') =>
      result.objects.filter((o) => (o.kind ?? 'data') === kind).map((o) => ({ uri: task.outputPrefix + o.name, rows: o.rows, bytes: o.bytes.length }));
    outputs.push({ shards: refs('data'), quarantine: refs('quarantine'), stats: result.stats });
  }
  const rows: Record<string, unknown>[] = [];
  const quarantine: QuarantineRecord[] = [];
  for (const r of results) {
    for (const o of r.objects) {
      if (o.kind === 'quarantine') {
        quarantine.push(...decodeQuarantine(o.bytes));
        continue;
      }
      const t = decodeTable(o.bytes);
      assert.equal(t.numRows, o.rows);
      const cols = t.schema.fields.map((f) => [f.name, readColumn(t, f.name)] as const);
      for (let i = 0; i < t.numRows; i++) rows.push(Object.fromEntries(cols.map(([n, v]) => [n, v[i]])));
    }
  }
  const dataset = await ingestOperator.output(ctx, [{ phase: 0, tasks: outputs }]);
  return { tasks, results, rows, quarantine, dataset };
}

interface User {
  id: number;
  name: string;
  score: number | null;
}

function users(from: number, n: number): User[] {
  return Array.from({ length: n }, (_, i) => {
    const id = from + i;
    return { id, name: id % 5 === 0 ? `multi\nline "${id}"` : id % 7 === 0 ? `a,b ${id}` : `u${id}`, score: id % 4 === 0 ? null : id / 2 };
  });
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvOf = (us: User[]): string => 'id,name,score\n' + us.map((u) => `${u.id},${csvCell(u.name)},${u.score ?? ''}`).join('\n') + '\n';

test('plans a glob over CSV files and a .gz into row ranges; all kernels together return every row once', async () => {
  const a = users(1, 40);
  const b = users(41, 25);
  const c = users(66, 30);
  await writeFile(join(dir.path, 'part-a.csv'), csvOf(a));
  await writeFile(join(dir.path, 'part-b.csv'), csvOf(b));
  await writeFile(join(dir.path, 'part-c.csv.gz'), gzipSync(csvOf(c)));
  await writeFile(join(dir.path, 'notes.txt'), 'not data');

  const r = await run(ctxFor({ uri: join(dir.path, 'part-*.csv*') }, { shardRows: 8 }));
  // 40 rows → 5 ranges, 25 → 4, the .gz is one task.
  assert.equal(r.tasks.length, 5 + 4 + 1);
  const p0 = r.tasks[0]!.params as IngestParams;
  assert.deepEqual(
    [p0.format, p0.gzip, p0.skipHeader, p0.line, p0.rows, p0.columns],
    ['csv', false, false, 2, 8, ['id', 'name', 'score']],
  );
  assert.deepEqual(
    p0.schema.fields.map((f) => `${f.name}:${f.type}`),
    ['id:int', 'name:string', 'score:float'],
  );
  const gz = r.tasks.at(-1)!;
  assert.deepEqual(gz.inputs, [{ uri: join(dir.path, 'part-c.csv.gz') }]);
  assert.equal((gz.params as IngestParams).skipHeader, true);

  assert.deepEqual(r.rows, [...a, ...b, ...c]);
  assert.equal(r.quarantine.length, 0);
  // The .gz task's 30 rows exceed shardRows = 8: four shards named part-<task>-<k>.
  assert.deepEqual(
    r.results.at(-1)!.objects.map((o) => [o.name, o.rows]),
    [
      ['part-00009-0000.arrow', 8],
      ['part-00009-0001.arrow', 8],
      ['part-00009-0002.arrow', 8],
      ['part-00009-0003.arrow', 6],
    ],
  );
  assert.equal(r.results[0]!.objects[0]!.name, 'part-00000.arrow');
  assert.equal(r.dataset.rows, 95);
  assert.equal(r.dataset.shards.length, 5 + 4 + 4);
  assert.equal(r.dataset.shards[0]!.uri, join(dir.path, 'jobs/j1/users/part-00000.arrow'));
  assert.deepEqual(
    r.dataset.schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`),
    ['id:int', 'name:string', 'score:float?'],
  );
});

test('ragged and bad rows are quarantined with their file line numbers, never dropped', async () => {
  const lines = ['id,name,score']; // line 1
  for (let i = 1; i <= 30; i++) lines.push(`${i},n${i},${i}.5`);
  lines[10] = '10,"two\nlines",10.5'; // line 11-12
  lines[20] = '20,too,many,fields'; // line 22
  lines[25] = '25,bad,not-a-number'; // line 27
  lines.push('31,"unclosed,1'); // line 33
  await writeFile(join(dir.path, 'dirty.csv'), lines.join('\n') + '\n');
  const r = await run(ctxFor({ uri: join(dir.path, 'dirty.csv'), schema: { score: 'float' } }, { shardRows: 4 }));
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.source]),
    [
      [22, join(dir.path, 'dirty.csv')],
      [27, join(dir.path, 'dirty.csv')],
      [33, join(dir.path, 'dirty.csv')],
    ],
  );
  assert.equal(r.quarantine[0]!.raw, '20,too,many,fields');
  assert.match(r.quarantine[1]!.reason, /column "score": "not-a-number" is not a float/);
  const stats = r.results.map((x) => x.stats);
  const sum = (k: 'rowsIn' | 'rowsOut' | 'quarantined'): number => stats.reduce((s, x) => s + x[k], 0);
  assert.deepEqual([sum('rowsIn'), sum('rowsOut'), sum('quarantined')], [31, 28, 3]);
  for (const s of stats) assert.equal(s.rowsIn, s.rowsOut + s.quarantined);
  assert.deepEqual(
    r.rows.map((x) => x.id),
    Array.from({ length: 30 }, (_, i) => i + 1).filter((i) => i !== 20 && i !== 25),
  );
  const withQ = r.results.filter((x) => x.objects.some((o) => o.kind === 'quarantine'));
  assert.ok(withQ.every((x) => x.objects.some((o) => /^quarantine-\d{5}\.ndjson$/.test(o.name))));
});

test('NDJSON and JSONL (gzip) sources, declared types, and a schema merged across files', async () => {
  await writeFile(join(dir.path, 'e1.ndjson'), '{"k":1,"v":1}\n{"k":2,"v":2}\n');
  await writeFile(join(dir.path, 'e2.jsonl.gz'), gzipSync('{"k":3,"v":2.5,"extra":"x"}\n{"k":4}\n{"k":"oops"}\n'));
  const r = await run(ctxFor({ uri: [join(dir.path, 'e1.ndjson'), join(dir.path, 'e2.jsonl.gz')], schema: { k: 'int' } }));
  assert.deepEqual(
    r.dataset.schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '?' : ''}`),
    ['k:int', 'v:float?', 'extra:string?'],
  );
  assert.deepEqual(r.rows, [
    { k: 1, v: 1, extra: null },
    { k: 2, v: 2, extra: null },
    { k: 3, v: 2.5, extra: 'x' },
    { k: 4, v: null, extra: null },
  ]);
  assert.deepEqual(
    r.quarantine.map((q) => [q.line, q.raw]),
    [[3, '{"k":"oops"}']],
  );
});

test('TSV, headerless files named by the declared schema, and s3-style prefixes for local folders', async () => {
  await writeFile(join(dir.path, 'x.tsv'), 'a\tb\n1\thello, world\n');
  const tsv = await run(ctxFor({ uri: join(dir.path, 'x.tsv') }));
  assert.deepEqual(tsv.rows, [{ a: 1, b: 'hello, world' }]);

  await writeFile(join(dir.path, 'nohead.csv'), '1,x\n2,y\n');
  const nohead = await run(ctxFor({ uri: join(dir.path, 'nohead.csv'), header: false, schema: { id: 'int', tag: 'string' } }));
  assert.deepEqual(nohead.rows, [
    { id: 1, tag: 'x' },
    { id: 2, tag: 'y' },
  ]);
});

test('a header-only file plans no tasks but still has a schema', async () => {
  await writeFile(join(dir.path, 'empty.csv'), 'a,b\n');
  const r = await run(ctxFor({ uri: join(dir.path, 'empty.csv') }));
  assert.equal(r.tasks.length, 0);
  assert.deepEqual(
    r.dataset.schema.fields.map((f) => f.name),
    ['a', 'b'],
  );
  assert.equal(r.dataset.rows, 0);
});

test('NOT_FOUND names the pattern that matched nothing; unknown declared columns are SPEC_INVALID', async () => {
  const pattern = join(dir.path, 'nothing-*.csv');
  await assert.rejects(ingestOperator.plan(ctxFor({ uri: pattern })), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && e.message.includes(pattern));
  await writeFile(join(dir.path, 'k.csv'), 'a\n1\n');
  await assert.rejects(
    ingestOperator.plan(ctxFor({ uri: join(dir.path, 'k.csv'), schema: { b: 'int' } })),
    (e: Error & { code?: string }) => e.code === 'SPEC_INVALID' && /stages\[0\]\.source\.schema: "b" is not in the input; its columns are: a/.test(e.message),
  );
  await assert.rejects(ingestOperator.plan(ctxFor({ uri: join(dir.path, 'notes.txt') })), (e: Error & { code?: string }) => e.code === 'SPEC_INVALID' && /set source.format/.test(e.message));
  await assert.rejects(ingestOperator.plan(ctxFor({ uri: 7 })), (e: Error & { code?: string }) => e.code === 'SPEC_INVALID');
});

test('the stage schema is a closed JSON Schema object; every connector\'s source schema is closed and described', () => {
  const schema = ingestOperator.schema as { additionalProperties: boolean; required: string[]; properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ['id', 'op', 'source']);
  for (const [name, prop] of Object.entries(schema.properties.source!.properties!)) assert.ok(prop.description, `source.${name} has a description`);
  for (const c of allConnectors()) {
    const s = c.schema as { additionalProperties: boolean; properties: Record<string, { description?: string }> };
    assert.equal(s.additionalProperties, false, `${c.kind} source schema is closed`);
    assert.ok(s.properties.kind, `${c.kind} source schema has kind`);
    for (const [name, prop] of Object.entries(s.properties)) assert.ok(prop.description, `${c.kind}: source.${name} has a description`);
  }
  assert.deepEqual(ingestOperator.arity, { min: 0, max: 0 });
});
