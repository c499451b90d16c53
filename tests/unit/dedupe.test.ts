import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { makeData, makeVector, Table, Utf8 } from 'apache-arrow';
import type { Value } from '../../shared/arrow/columns.js';
import { encodeTable } from '../../shared/arrow/ipc.js';
import { datasetOf } from '../../shared/dataset.js';
import type { SchemaDef, ShardRef } from '../../shared/dataset.js';
import { isErrorCode } from '../../shared/errors.js';
import { takeBatch } from '../../shared/expr/batch.js';
import { dedupeOperator } from '../../shared/operators/dedupe.js';
import { survivors } from '../../shared/operators/dedupe/kernels.js';
import type { Entries } from '../../shared/operators/dedupe/kernels.js';
import { KEY_WORDS } from '../../shared/operators/dedupe/rowkeys.js';
import { dropRows } from '../../shared/operators/dedupe/take.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { readRows, runStage, tableOf, writeShards } from '../helpers/stage-runner.js';
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

/** The first version's key text (kernels.ts before the typed-array keys): the reference for which rows are equal. */
function referenceKey(values: readonly Value[]): string {
  let text = '';
  for (const v of values) text += (v === null ? '\u0000' : typeof v === 'string' ? `${v.length}:${v}` : typeof v === 'number' && v === 0 ? '0' : String(v)) + '\u0001';
  return text;
}

/** The rows dedupe must keep, in dataset order, by the reference keys over `by`. */
function expected(rows: readonly Row[], by: readonly string[], keep: 'first' | 'last'): Row[] {
  const keyOf = (r: Row): string => referenceKey(by.map((c) => r[c] ?? null));
  const survivor = new Map<string, number>();
  rows.forEach((r, i) => {
    if (keep === 'last' || !survivor.has(keyOf(r))) survivor.set(keyOf(r), i);
  });
  return rows.filter((r, i) => survivor.get(keyOf(r)) === i);
}

const wide: SchemaDef = {
  fields: [
    { name: 'i', type: 'int', nullable: true },
    { name: 'f', type: 'float', nullable: true },
    { name: 's', type: 'string', nullable: true },
    { name: 'b', type: 'bool', nullable: true },
    { name: 'd', type: 'date', nullable: true },
    { name: 't', type: 'timestamp', nullable: true },
  ],
};

async function runWide(shards: Row[][], fields: Record<string, unknown>, schema: SchemaDef = wide): Promise<StageRun & { rows: Row[]; input: Row[] }> {
  const sub = `${dir.path}/t${n++}`;
  const input = await writeShards(sub, schema, shards);
  const r = await runStage(dedupeOperator, { id: 'd', op: 'dedupe', input: 'raw', ...fields } as StageSpec, [input], sub);
  return { ...r, rows: await readRows(r.output), input: await readRows(input) };
}

test('rows are equal exactly when the first version\'s text keys are: null, "", "\\u0000", -0, NaN, unicode, long and short keys', async () => {
  const rnd = ((s: number) => () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ints = [null, 0, 1, -1, 7, 2 ** 53 - 1, -(2 ** 40)];
  const floats = [null, 0, -0, NaN, 1.5, -1.5, 1e300, Infinity, -Infinity, 2 ** -1074];
  const texts = [null, '', '\u0000', 'a', 'A', 'é', 'e\u0301', '𝄞', '0', 'null', 'x'.repeat(40), 'é'.repeat(30)];
  const pool: Row[] = Array.from({ length: 120 }, () => ({
    i: pick(ints),
    f: pick(floats),
    s: pick(texts),
    b: pick([null, true, false]),
    d: pick([null, 0, 86_400_000, -86_400_000]),
    t: pick([null, 0, 1, 1_700_000_000_123]),
  }));
  const shards = [0, 1, 2, 3, 4].map((k) => Array.from({ length: k === 2 ? 0 : 150 }, () => ({ ...pick(pool) })));
  for (const [fields, by] of [
    [{}, ['i', 'f', 's', 'b', 'd', 't']],
    [{ partitions: 3, keep: 'last' }, ['i', 'f', 's', 'b', 'd', 't']],
    [{ by: ['s'], partitions: 2 }, ['s']],
    [{ by: ['f', 'i'], keep: 'last' }, ['f', 'i']],
    [{ by: ['b', 'd', 't'] }, ['b', 'd', 't']],
  ] as const) {
    const r = await runWide(shards, fields);
    const want = expected(r.input, by, (fields as { keep?: 'first' | 'last' }).keep ?? 'first');
    assert.deepEqual(r.rows, want, JSON.stringify(fields));
    assert.ok(want.length < r.input.length, 'the data has duplicates');
  }
});

test('rows differing only in null vs empty string, null vs 0, or one text value are all kept', async () => {
  const rows: Row[] = [
    { i: null, f: null, s: null, b: null, d: null, t: null },
    { i: null, f: null, s: '', b: null, d: null, t: null },
    { i: null, f: null, s: '\u0000', b: null, d: null, t: null },
    { i: 0, f: null, s: null, b: null, d: null, t: null },
    { i: null, f: 0, s: null, b: null, d: null, t: null },
    { i: null, f: null, s: null, b: false, d: null, t: null },
    { i: null, f: null, s: null, b: null, d: 0, t: null },
    { i: null, f: null, s: null, b: null, d: null, t: 0 },
    { i: null, f: NaN, s: null, b: null, d: null, t: null },
  ];
  const r = await runWide([rows, rows.map((x): Row => ({ ...x, f: x.f === 0 ? -0 : (x.f ?? null) }))], {});
  assert.deepEqual(r.rows, rows);
  assert.equal(stat(r, 2, 'deduplicated'), rows.length);
});

test('text that is not valid UTF-8 compares by the text it reads as (both read as U+FFFD)', async () => {
  const schema: SchemaDef = { fields: [{ name: 's', type: 'string', nullable: true }] };
  const sub = `${dir.path}/t${n++}`;
  const shard = (bytes: number[], k: number): ShardRef => {
    const data = makeData({ type: new Utf8(), length: 2, nullCount: 0, valueOffsets: Int32Array.from([0, bytes.length, bytes.length + 1]), data: Uint8Array.from([...bytes, 0x61]) });
    const encoded = encodeTable(new Table({ s: makeVector(data) }));
    const uri = `${sub}/in/shard-${k}.arrow`;
    mkdirSync(`${sub}/in`, { recursive: true });
    writeFileSync(uri, encoded);
    return { uri, rows: 2, bytes: encoded.length };
  };
  const input = datasetOf([shard([0xff], 0), shard([0xfe], 1), shard([0xef, 0xbf, 0xbd], 2)], schema);
  const r = await runStage(dedupeOperator, { id: 'd', op: 'dedupe', input: 'raw' } as StageSpec, [input], sub);
  assert.deepEqual((await readRows(r.output)).map((x) => x.s), ['\ufffd', 'a']);
});

test('dropRows gives the very batch takeBatch gives, for every column type and drop pattern', () => {
  const rnd = ((s: number) => () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)(3);
  const rows: Row[] = Array.from({ length: 300 }, (_, k) => ({
    i: rnd() < 0.2 ? null : k * 3 - 50,
    f: rnd() < 0.2 ? null : rnd() < 0.1 ? NaN : rnd() * 100 - 50,
    s: rnd() < 0.2 ? null : rnd() < 0.1 ? '' : `s${k}é`.repeat(1 + (k % 5)),
    b: rnd() < 0.2 ? null : rnd() < 0.5,
    d: rnd() < 0.2 ? null : k * 86_400_000,
    t: rnd() < 0.2 ? null : k * 1000 + 1,
  }));
  const batch = tableOf(wide, rows).batches[0]!;
  const patterns: ((i: number) => boolean)[] = [(i) => i === 0, (i) => i === 299, (i) => i % 7 === 3, (i) => i % 2 === 0, (i) => i > 5 && i < 290, () => rnd() < 0.05];
  for (const drop of patterns) {
    const kept = Array.from({ length: 300 }, (_, i) => i).filter((i) => !drop(i));
    const flags = Array.from({ length: 300 }, (_, i) => !kept.includes(i));
    const a = dropRows(batch, (i) => flags[i]!);
    const b = takeBatch(batch, Int32Array.from(kept), kept.length);
    assert.ok(Buffer.from(encodeTable(new Table([a]))).equals(Buffer.from(encodeTable(new Table([b])))));
  }
});

test('the decide table gives the same survivors when every key hashes alike (it sorts instead)', () => {
  const rnd = ((s: number) => () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)(5);
  const pool = Array.from({ length: 300 }, () => Int32Array.from({ length: KEY_WORDS }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 2 ** 32) | 0)));
  const total = 4000;
  const picks = Array.from({ length: total }, () => Math.floor(rnd() * pool.length));
  const keys = new Int32Array(total * KEY_WORDS);
  picks.forEach((p, i) => keys.set(pool[p]!, i * KEY_WORDS));
  const entries = (hashes: Int32Array): Entries => ({ keys, hashes, shards: new Int32Array(total), rows: Int32Array.from({ length: total }, (_, i) => i) });
  for (const keep of ['first', 'last'] as const) {
    const at = new Map<string, number>();
    picks.forEach((p, i) => {
      const k = pool[p]!.join(',');
      if (keep === 'last' || !at.has(k)) at.set(k, i);
    });
    const want = Int32Array.from(picks, (p) => at.get(pool[p]!.join(','))!);
    assert.deepEqual(survivors(entries(Int32Array.from(picks, (p) => p * 2654435761)), keep), want);
    assert.deepEqual(survivors(entries(new Int32Array(total)), keep), want, 'all hashes equal');
  }
});
