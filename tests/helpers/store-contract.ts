/**
 * The ObjectStore contract as node:test tests, so every implementation runs the same checks.
 * Each test works under its own random prefix below `root`.
 *
 * ```ts
 * storeContract('LocalStore', async () => {
 *   const dir = await tempDir('store');
 *   return { store: new LocalStore(), root: dir.path, cleanup: dir.cleanup };
 * });
 * ```
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Table } from 'apache-arrow';
import { after, before, describe, it } from 'node:test';
import { ColumnBuilder, readColumn, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import { fromArrowSchema, toArrowSchema } from '../../shared/arrow/schema.js';
import type { ColumnType, SchemaDef } from '../../shared/dataset.js';
import { isErrorCode, isRetryable } from '../../shared/errors.js';
import type { ErrorCode } from '../../shared/errors.js';
import { joinUri } from '../../shared/store/uri.js';
import type { ObjectStore } from '../../shared/store/types.js';
import { mulberry32 as seeded } from '../../shared/prng.js';

export interface ContractSubject {
  store: ObjectStore;
  /** A URI under which the tests may write (a temp folder, a random bucket). */
  root: string;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /**
   * Check a range read of an empty object (S3 answers 416, which reads as empty). Default true;
   * off only for s3rver, which answers 206 with a Content-Length of 1 and no body, so the
   * request hangs until the socket times out.
   */
  rangeOfEmptyObject?: boolean;
  /**
   * Check that concurrent puts of one key leave exactly one writer's bytes. Default true; off
   * only for s3rver, which writes each PUT in place (not atomic), unlike S3 and MinIO.
   */
  atomicConcurrentPuts?: boolean;
}

export function storeContract(name: string, makeStoreAndRoot: () => Promise<ContractSubject>, options: ContractOptions = {}): void {
  void describe(`ObjectStore contract: ${name}`, () => {
    let subject: ContractSubject | undefined;
    before(async () => {
      subject = await makeStoreAndRoot();
    });
    after(async () => {
      await subject?.store.close?.();
      await subject?.cleanup();
    });
    /** The store and a fresh prefix no other test uses. */
    const fresh = (): { store: ObjectStore; base: string } => {
      assert.ok(subject, 'the store was not set up');
      return { store: subject.store, base: joinUri(subject.root, `t-${randomBytes(6).toString('hex')}`) };
    };

    void it('put/get round trip: small, empty and a few MB of random bytes', async () => {
      const { store, base } = fresh();
      const cases: Array<[string, Uint8Array]> = [
        ['small.bin', new TextEncoder().encode('hello, quiver')],
        ['empty.bin', new Uint8Array(0)],
        ['nested/deeper/big.bin', randomBytes(3 * 1024 * 1024 + 17)],
        ['offset-view.bin', randomBytes(4096).subarray(100, 3000)],
      ];
      for (const [key, bytes] of cases) {
        await store.put(joinUri(base, key), bytes);
      }
      for (const [key, bytes] of cases) {
        assertBytes(await store.get(joinUri(base, key)), bytes, key);
      }
    });

    void it('overwrite replaces the whole object, also with a shorter one', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'obj');
      await store.put(uri, randomBytes(10_000));
      const second = randomBytes(123);
      await store.put(uri, second);
      assertBytes(await store.get(uri), second);
      assert.equal((await store.head(uri))?.size, 123);
    });

    void it('getRange reads [start, end) and clamps at the end', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'range.bin');
      const bytes = randomBytes(1000);
      await store.put(uri, bytes);
      assertBytes(await store.getRange(uri, 0, 1000), bytes, 'whole');
      assertBytes(await store.getRange(uri, 10, 20), bytes.subarray(10, 20), 'middle');
      assertBytes(await store.getRange(uri, 0, 1), bytes.subarray(0, 1), 'first byte');
      assertBytes(await store.getRange(uri, 999, 1000), bytes.subarray(999), 'last byte');
      assertBytes(await store.getRange(uri, 990, 5000), bytes.subarray(990), 'clamped end');
      assertBytes(await store.getRange(uri, 0, Infinity), bytes, 'to Infinity');
      assert.equal((await store.getRange(uri, 5, 5)).length, 0, 'empty range');
      assert.equal((await store.getRange(uri, 1000, 1010)).length, 0, 'starts at the end');
      assert.equal((await store.getRange(uri, 2000, 3000)).length, 0, 'starts past the end');
      const empty = joinUri(base, 'empty.bin');
      await store.put(empty, new Uint8Array(0));
      assert.equal((await store.getRange(empty, 0, 0)).length, 0, 'empty range of an empty object');
      if (options.rangeOfEmptyObject !== false) {
        assert.equal((await store.getRange(empty, 0, 10)).length, 0, 'range of an empty object');
      }
      await rejectsWith(store.getRange(uri, -1, 5), 'OPTION_INVALID');
      await rejectsWith(store.getRange(uri, 5, 4), 'OPTION_INVALID');
      await rejectsWith(store.getRange(uri, 0.5, 4), 'OPTION_INVALID');
      await rejectsWith(store.getRange(joinUri(base, 'missing'), 0, 10), 'NOT_FOUND');
      await rejectsWith(store.getRange(joinUri(base, 'missing'), 3, 3), 'NOT_FOUND');
    });

    void it('stream yields the whole object as Uint8Array chunks', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'stream.bin');
      const bytes = randomBytes(2 * 1024 * 1024 + 5);
      await store.put(uri, bytes);
      const chunks: Uint8Array[] = [];
      for await (const chunk of await store.stream(uri)) {
        assert.ok(chunk instanceof Uint8Array);
        chunks.push(chunk);
      }
      assertBytes(Buffer.concat(chunks), bytes);
      const empty = joinUri(base, 'empty.bin');
      await store.put(empty, new Uint8Array(0));
      let total = 0;
      for await (const chunk of await store.stream(empty)) total += chunk.length;
      assert.equal(total, 0);
      await rejectsWith(store.stream(joinUri(base, 'missing')), 'NOT_FOUND');
    });

    void it('head gives size and mtime, or null when missing', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'h.bin');
      const before = Date.now();
      await store.put(uri, randomBytes(321));
      const info = await store.head(uri);
      assert.ok(info);
      assert.equal(info.uri, uri);
      assert.equal(info.size, 321);
      assert.equal(typeof info.mtimeMs, 'number');
      // Some servers keep whole seconds; allow that plus a little clock skew.
      assert.ok(Math.abs((info.mtimeMs ?? 0) - before) < 60_000, `mtime ${info.mtimeMs} is far from ${before}`);
      assert.equal(await store.head(joinUri(base, 'missing')), null);
      assert.equal(await store.head(joinUri(base, 'no/such/folder/x')), null);
    });

    void it('list is a pure string prefix, recursive and sorted by URI', async () => {
      const { store, base } = fresh();
      const keys = ['b/1', 'ab', 'a/bc/x', 'a/b/z/w', 'a/b/y', 'a/b.arrow', 'a/b-1/q'];
      await Promise.all(keys.map((k, i) => store.put(joinUri(base, k), new Uint8Array(i + 1))));
      const listed = async (prefix: string) => (await store.list(prefix)).map((o) => o.uri.slice(base.length + 1));
      // '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < 'c': byte order, as S3 lists.
      assert.deepEqual(await listed(joinUri(base, 'a/b')), ['a/b-1/q', 'a/b.arrow', 'a/b/y', 'a/b/z/w', 'a/bc/x']);
      assert.deepEqual(await listed(`${joinUri(base, 'a/b')}/`), ['a/b/y', 'a/b/z/w']);
      assert.deepEqual(await listed(`${base}/`), ['a/b-1/q', 'a/b.arrow', 'a/b/y', 'a/b/z/w', 'a/bc/x', 'ab', 'b/1']);
      assert.deepEqual(await listed(joinUri(base, 'a')), ['a/b-1/q', 'a/b.arrow', 'a/b/y', 'a/b/z/w', 'a/bc/x', 'ab']);
      assert.deepEqual(await listed(joinUri(base, 'a/b.arrow')), ['a/b.arrow']);
      assert.deepEqual(await store.list(joinUri(base, 'nothing-here/')), []);
      assert.deepEqual(await store.list(joinUri(base, 'a/b/y/deeper')), []);
      const all = await store.list(`${base}/`);
      const sizes = Object.fromEntries(all.map((o) => [o.uri.slice(base.length + 1), o.size]));
      keys.forEach((k, i) => assert.equal(sizes[k], i + 1, `size of ${k}`));
    });

    void it('delete removes one object; deleting a missing one is fine', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'd/x.bin');
      const sibling = joinUri(base, 'd/x.bin2');
      await store.put(uri, randomBytes(10));
      await store.put(sibling, randomBytes(10));
      await store.delete(uri);
      assert.equal(await store.head(uri), null);
      await rejectsWith(store.get(uri), 'NOT_FOUND');
      assert.notEqual(await store.head(sibling), null, 'delete touched another object');
      await store.delete(uri);
      await store.delete(joinUri(base, 'never/was/here'));
      await store.delete(joinUri(base, 'd')); // a "folder" is not an object: a no-op
      assert.notEqual(await store.head(sibling), null);
    });

    void it('deletePrefix removes exactly the objects under the prefix', async () => {
      const { store, base } = fresh();
      const keys = ['a/b/1', 'a/b/2/3', 'a/b.arrow', 'a/bc/4', 'c'];
      await Promise.all(keys.map((k) => store.put(joinUri(base, k), randomBytes(8))));
      await store.deletePrefix(`${joinUri(base, 'a/b')}/`);
      let left = (await store.list(`${base}/`)).map((o) => o.uri.slice(base.length + 1));
      assert.deepEqual(left, ['a/b.arrow', 'a/bc/4', 'c']);
      await store.deletePrefix(joinUri(base, 'a/b'));
      left = (await store.list(`${base}/`)).map((o) => o.uri.slice(base.length + 1));
      assert.deepEqual(left, ['c']);
      await store.deletePrefix(joinUri(base, 'nothing/'));
      await store.deletePrefix(`${base}/`);
      assert.deepEqual(await store.list(`${base}/`), []);
    });

    void it('a missing object is NOT_FOUND, not retryable, and the message names it', async () => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'missing/shard-0007.arrow');
      const err = await rejectsWith(store.get(uri), 'NOT_FOUND');
      assert.equal(isRetryable(err), false);
      assert.match((err as Error).message, /shard-0007\.arrow/);
    });

    void it('Arrow IPC round trip with every column type and nulls', async () => {
      const { store, base } = fresh();
      const { schema, columns } = generatedTable(5000);
      const builders = schema.fields.map((f) => new ColumnBuilder(f.type, 64));
      for (let row = 0; row < 5000; row++) schema.fields.forEach((f, c) => builders[c]!.append(columns[f.name]![row]));
      const uri = joinUri(base, 'shards/part-00000.arrow');
      await store.put(uri, encodeTable(tableFromBuilders(schema, builders)));
      const table = decodeTable(await store.get(uri));
      assert.equal(table.numRows, 5000);
      assert.deepEqual(fromArrowSchema(table.schema), schema);
      for (const f of schema.fields) assert.deepEqual(readColumn(table, f.name), columns[f.name], `column ${f.name}`);

      // A zero-row shard (every row filtered out) keeps its schema through the store.
      const emptyUri = joinUri(base, 'shards/part-00001.arrow');
      await store.put(emptyUri, encodeTable(new Table(toArrowSchema(schema))));
      const emptyTable = decodeTable(await store.get(emptyUri));
      assert.equal(emptyTable.numRows, 0);
      assert.deepEqual(fromArrowSchema(emptyTable.schema), schema);
    });

    void it('concurrent puts of one key leave one complete object', async (t) => {
      const { store, base } = fresh();
      const uri = joinUri(base, 'contended.bin');
      const payloads = Array.from({ length: 8 }, (_, i) => {
        const bytes = randomBytes(256 * 1024 + i * 1000); // different sizes: a mix would show
        bytes[0] = i;
        return bytes;
      });
      await Promise.all(payloads.map((p) => store.put(uri, p)));
      assert.deepEqual((await store.list(`${base}/`)).map((o) => o.uri), [uri], 'leftovers after concurrent puts');
      const got = await store.get(uri);
      if (options.atomicConcurrentPuts === false) {
        t.diagnostic('this server does not make concurrent PUTs atomic: only checked that they all succeed');
        return;
      }
      const winner = payloads[got[0] ?? -1];
      assert.ok(winner, 'the object is none of the payloads');
      assertBytes(got, winner, 'the object is a mix of payloads');
    });
  });
}

/** Byte equality with a readable failure instead of a multi-MB diff. */
export function assertBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (!a.equals(e)) {
    let i = 0;
    while (a[i] === e[i]) i++;
    assert.fail(`${what}: first difference at byte ${i} of ${e.length}`);
  }
}

/** Awaits a rejection and checks its code; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(isErrorCode(caught, code), `expected ${code}, got ${String((caught as Error)?.message ?? caught)}`);
  return caught;
}

/** Random values for every column type, ~15% nulls in nullable columns, plus edge values. */
function generatedTable(rows: number): { schema: SchemaDef; columns: Record<string, Value[]> } {
  const types: ColumnType[] = ['int', 'float', 'bool', 'string', 'timestamp', 'date'];
  const fields = types.map((type) => ({ name: `${type}_col`, type, nullable: true }));
  fields.push({ name: 'id', type: 'int', nullable: false });
  const rand = seeded(42);
  const gen: Record<ColumnType, (row: number) => Value> = {
    int: (r) => (r === 0 ? Number.MAX_SAFE_INTEGER : r === 1 ? -Number.MAX_SAFE_INTEGER : Math.floor((rand() - 0.5) * 2 ** 40)),
    float: (r) => (r === 0 ? NaN : r === 1 ? -0.25 : (rand() - 0.5) * 1e6),
    bool: () => rand() < 0.5,
    string: (r) => (r === 0 ? '' : r === 1 ? 'ünïcödé ✓ 🚀' : `s${Math.floor(rand() * 1e9).toString(36)}`),
    timestamp: (r) => (r === 0 ? 0 : 1_600_000_000_000 + Math.floor(rand() * 1e11)),
    date: (r) => (r === 0 ? -86_400_000 : Math.floor(rand() * 30_000) * 86_400_000),
  };
  const columns: Record<string, Value[]> = {};
  for (const f of fields) {
    columns[f.name] = Array.from({ length: rows }, (_, r) => {
      if (f.name === 'id') return r;
      if (r > 1 && rand() < 0.15) return null;
      return gen[f.type](r);
    });
  }
  return { schema: { fields }, columns };
}

