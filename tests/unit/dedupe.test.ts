import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { SchemaDef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import { dedupeOperator } from '../../shared/operators/dedupe.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('dedupe');
});
after(() => dir.cleanup());

const schema: SchemaDef = {
  fields: [
    { name: 'customer_id', type: 'int', nullable: true },
    { name: 'email', type: 'string', nullable: true },
    { name: 'spend', type: 'float', nullable: true },
  ],
};

let n = 0;
async function run(shards: Row[][], fields: Record<string, unknown>, order?: (k: number) => number[]): Promise<StageRun & { rows: Row[] }> {
  const sub = `${dir.path}/t${n++}`;
  const input = await writeShards(sub, schema, shards);
  const r = await runStage(dedupeOperator, { id: 'd', op: 'dedupe', input: 'raw', ...fields } as StageSpec, [input], sub, order);
  return { ...r, rows: await readRows(r.output) };
}

const stat = (r: StageRun, phase: number, key: string): number => r.phases[phase]!.tasks.reduce((s, t) => s + Number(t.stats[key] ?? 0), 0);

const shards: Row[][] = [
  [
    { customer_id: 1, email: 'a@x', spend: 1 },
    { customer_id: 2, email: 'b@x', spend: 2 },
    { customer_id: 1, email: 'a@x', spend: 1 },
  ],
  [],
  [
    { customer_id: 2, email: 'b@x', spend: 2 },
    { customer_id: 3, email: null, spend: -0 },
    { customer_id: 1, email: 'a2@x', spend: 9 },
  ],
  [
    { customer_id: 3, email: null, spend: 0 },
    { customer_id: null, email: 'n@x', spend: null },
    { customer_id: null, email: 'n@x', spend: null },
    { customer_id: 2, email: 'b@x', spend: 2.5 },
  ],
];

test('exact duplicates across shards: keep first keeps the earliest in dataset order (null = null, -0 = 0)', async () => {
  const r = await run(shards, { partitions: 3 });
  assert.deepEqual(
    r.rows.map((x) => [x.customer_id, x.email, x.spend]),
    [
      [1, 'a@x', 1],
      [2, 'b@x', 2],
      [3, null, -0],
      [1, 'a2@x', 9],
      [null, 'n@x', null],
      [2, 'b@x', 2.5],
    ],
  );
  assert.equal(r.phases.length, 3);
  assert.equal(stat(r, 0, 'rowsIn'), 10);
  assert.equal(stat(r, 2, 'deduplicated'), 4);
  assert.equal(stat(r, 2, 'rowsOut'), 6);
  assert.equal(stat(r, 2, 'rowsIn'), stat(r, 2, 'rowsOut') + stat(r, 2, 'deduplicated'));
  assert.equal(r.output.rows, 6);
  assert.deepEqual(r.output.schema, schema);
  assert.equal(r.phases.flatMap((p) => p.tasks).reduce((s, t) => s + Number(t.stats.deduplicated ?? 0), 0), 4, 'counted once, in the rewrite phase');
  const q = await dedupeOperator.quality!(r.ctx, r.phases, r.output);
  assert.equal(q!.deduplicated, 4);
  assert.equal(q!.rowsIn, 10);
  assert.equal(q!.rowsOut, 6);
  assert.equal(q!.actions![0]!.changed, 4);
  assert.equal(q!.notes!.length, 4);
  assert.match(q!.notes![0]!, /shard-00000\.arrow row 3 \{"customer_id":1,"email":"a@x","spend":1\} dropped: duplicate of .*shard-00000\.arrow row 1$/);
  assert.match(q!.notes![1]!, /shard-00002\.arrow row 1 .* dropped: duplicate of .*shard-00000\.arrow row 2$/);
});

test('by key with keep last keeps the latest occurrence, in its own position', async () => {
  const r = await run(shards, { by: ['customer_id'], keep: 'last' });
  assert.deepEqual(
    r.rows.map((x) => [x.customer_id, x.email, x.spend]),
    [
      [1, 'a2@x', 9],
      [3, null, 0],
      [null, 'n@x', null],
      [2, 'b@x', 2.5],
    ],
  );
  assert.equal(stat(r, 2, 'deduplicated'), 6);
  const q = await dedupeOperator.quality!(r.ctx, r.phases, r.output);
  assert.match(q!.notes![0]!, /shard-00000\.arrow row 1 \{"customer_id":1\} dropped: duplicate of .*shard-00002\.arrow row 3$/);
});

test('by key with keep first; the result does not depend on partitions or task order', async () => {
  const rnd = ((s: number) => () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)(5);
  const big: Row[][] = [0, 1, 2, 3, 4].map(() => Array.from({ length: 400 }, () => ({ customer_id: Math.floor(rnd() * 600), email: rnd() < 0.5 ? 'x' : 'y', spend: Math.floor(rnd() * 3) })));
  const all = big.flat();
  const firstSeen = new Set<number>();
  const want = all.filter((row) => {
    const id = row.customer_id as number;
    if (firstSeen.has(id)) return false;
    firstSeen.add(id);
    return true;
  });
  const reversed = (k: number): number[] => Array.from({ length: k }, (_, i) => k - 1 - i);
  const a = await run(big, { by: 'customer_id', partitions: 1 });
  const b = await run(big, { by: 'customer_id', partitions: 7 }, reversed);
  assert.deepEqual(a.rows, want);
  assert.deepEqual(b.rows, want);
  assert.equal(stat(b, 2, 'deduplicated'), all.length - want.length);
  for (let i = 0; i < big.length; i++) {
    const bytesA = await readFile(a.output.shards[i]!.uri);
    const bytesB = await readFile(b.output.shards[i]!.uri);
    assert.ok(bytesA.equals(bytesB), `shard ${i}: identical bytes`);
  }
});

test('a shard without duplicates is passed through byte for byte; an empty input gives an empty output', async () => {
  const r = await run([[{ customer_id: 1, email: 'a', spend: 1 }], [{ customer_id: 2, email: 'b', spend: 2 }]], {});
  assert.equal(stat(r, 2, 'deduplicated'), 0);
  assert.equal(r.rows.length, 2);
  const empty = await run([], { by: 'email' });
  assert.equal(empty.output.rows, 0);
  assert.deepEqual(empty.output.shards, []);
});

test('spec errors name the field path', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ by: ['customer_id', 'mail'] }, /^stages\[1\]\.by\[1\]: unknown column "mail"; available columns: customer_id, email, spend$/],
    [{ by: 'nope' }, /^stages\[1\]\.by: unknown column "nope"/],
    [{ by: [] }, /^stages\[1\]\.by: must be a column name or a non-empty list/],
    [{ by: ['email', 'email'] }, /^stages\[1\]\.by: lists a column twice/],
    [{ keep: 'latest' }, /^stages\[1\]\.keep: must be first or last .*got "latest"$/],
    [{ partitions: 0 }, /^stages\[1\]\.partitions: must be an integer from 1 to 1000, got 0$/],
  ];
  for (const [fields, re] of cases) {
    await assert.rejects(run([[]], fields), (err: Error) => {
      assert.ok(isErrorCode(err, 'SPEC_INVALID'), err.message);
      assert.match(err.message, re);
      return true;
    });
  }
});
