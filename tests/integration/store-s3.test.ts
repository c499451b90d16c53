import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isRetryable } from '../../shared/errors.js';
import { createStore } from '../../shared/store/index.js';
import { S3Store } from '../../shared/store/s3.js';
import { formatS3Uri, joinUri } from '../../shared/store/uri.js';
import { randomBucket, removeBucket, startS3 } from '../helpers/s3server.js';
import type { S3Server } from '../helpers/s3server.js';
import { assertBytes, rejectsWith, storeContract } from '../helpers/store-contract.js';
import { tempDir } from '../helpers/tmp.js';

// One server for the file, started by the first suite that needs it, stopped at the end.
let starting: Promise<S3Server> | undefined;
const s3server = (): Promise<S3Server> => (starting ??= startS3());
after(async () => {
  if (starting !== undefined) await (await starting).stop();
});

function usesRealServer(): boolean {
  return process.env.S3_ENDPOINT !== undefined && process.env.S3_ENDPOINT !== '';
}

function storeFor(s3: S3Server, extra: ConstructorParameters<typeof S3Store>[0] = {}): S3Store {
  return new S3Store({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, ...extra });
}

storeContract(
  'S3Store',
  async () => {
    const s3 = await s3server();
    const bucket = randomBucket('qtest-contract');
    return {
      store: storeFor(s3), // the bucket does not exist yet: the first put creates it
      root: formatS3Uri(bucket, 'contract'),
      cleanup: () => removeBucket(s3, bucket),
    };
  },
  // s3rver's known gaps (see ContractOptions); against S3_ENDPOINT (MinIO, S3) everything is checked.
  { rangeOfEmptyObject: usesRealServer(), atomicConcurrentPuts: usesRealServer() },
);

void describe('S3Store specifics', () => {
  let s3: S3Server;
  const buckets: string[] = [];
  const stores: S3Store[] = [];
  const bucket = (): string => {
    const name = randomBucket('qtest-s3');
    buckets.push(name);
    return name;
  };
  const open = (extra: ConstructorParameters<typeof S3Store>[0] = {}): S3Store => {
    const store = storeFor(s3, extra);
    stores.push(store);
    return store;
  };
  before(async () => {
    s3 = await s3server();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const b of buckets) await removeBucket(s3, b);
  });

  void it('concurrent first writes from separate stores create the bucket once and all land', async () => {
    const b = bucket();
    const writers = Array.from({ length: 4 }, () => open());
    const uris = writers.map((_, i) => formatS3Uri(b, `w/${i}`));
    await Promise.all(writers.map((w, i) => w.put(uris[i]!, new Uint8Array([i]))));
    assert.deepEqual((await writers[0]!.list(formatS3Uri(b))).map((o) => o.uri), uris);
  });

  void it('a missing bucket reads as NOT_FOUND and lists as empty', async () => {
    const store = open();
    const b = randomBucket('qtest-never');
    await rejectsWith(store.get(formatS3Uri(b, 'x')), 'NOT_FOUND');
    assert.equal(await store.head(formatS3Uri(b, 'x')), null);
    assert.deepEqual(await store.list(formatS3Uri(b, 'x/')), []);
    await store.delete(formatS3Uri(b, 'x'));
    await store.deletePrefix(formatS3Uri(b));
  });

  void it('with createBuckets: false a put into a missing bucket is NOT_FOUND', async () => {
    const store = open({ createBuckets: false });
    const b = randomBucket('qtest-nocreate');
    const err = await rejectsWith(store.put(formatS3Uri(b, 'x'), randomBytes(4)), 'NOT_FOUND');
    assert.match((err as Error).message, new RegExp(b));
  });

  void it('deletePrefix handles more keys than one DeleteObjects batch', async () => {
    const store = open();
    const b = bucket();
    const keys = Array.from({ length: 1010 }, (_, i) => formatS3Uri(b, `many/${String(i).padStart(5, '0')}`));
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, new Uint8Array(1))));
    }
    await store.put(formatS3Uri(b, 'keep'), new Uint8Array(1));
    assert.equal((await store.list(formatS3Uri(b, 'many/'))).length, 1010);
    await store.deletePrefix(formatS3Uri(b, 'many/'));
    assert.deepEqual((await store.list(formatS3Uri(b))).map((o) => o.uri), [formatS3Uri(b, 'keep')]);
  });

  void it('wrong credentials are STORE_FAILED, not retryable, with a hint about the keys', async () => {
    const store = open({ accessKey: `nobody-${randomBytes(4).toString('hex')}`, secretKey: 'wrong' });
    const b = bucket();
    const attempts = [() => store.put(formatS3Uri(b, 'x'), randomBytes(4)), () => store.get(formatS3Uri(b, 'x')), () => store.list(formatS3Uri(b))];
    for (const attempt of attempts) {
      const err = await rejectsWith(attempt(), 'STORE_FAILED');
      assert.equal(isRetryable(err), false);
      assert.match((err as Error).message, /QUIVER_S3_ACCESS_KEY/);
      assert.ok((err as Error).cause, 'the cause was dropped');
    }
  });

  void it('a closed port is STORE_FAILED, retryable, and names the endpoint', async () => {
    const port = await closedPort();
    const store = open({ endpoint: `http://127.0.0.1:${port}` });
    const attempts = [() => store.put('s3://b-closed/x', randomBytes(4)), () => store.get('s3://b-closed/x'), () => store.head('s3://b-closed/x')];
    for (const attempt of attempts) {
      const err = await rejectsWith(attempt(), 'STORE_FAILED');
      assert.equal(isRetryable(err), true);
      assert.match((err as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.equal(((err as Error).cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    }
  });

  void it('bad options are rejected at construction, naming the field', () => {
    assert.throws(() => new S3Store({ endpoint: 'minio:9000' }), /S3Options\.endpoint/);
    assert.throws(() => new S3Store({ endpoint: 'ftp://minio:9000' }), /S3Options\.endpoint/);
    assert.throws(() => new S3Store({ endpoint: 'http://minio:9000/some/path' }), /S3Options\.endpoint/);
    assert.throws(() => new S3Store({ accessKey: 'only-half' }), /S3Options\.secretKey/);
    assert.throws(() => new S3Store({ pathStyle: 'yes' as unknown as boolean }), /S3Options\.pathStyle/);
  });

  void it('a URI naming a bucket or folder is not an object', async () => {
    const store = open();
    await rejectsWith(store.put('s3://some-bucket', randomBytes(1)), 'OPTION_INVALID');
    await rejectsWith(store.get('s3://some-bucket/folder/'), 'OPTION_INVALID');
    await rejectsWith(store.get('/not/s3'), 'OPTION_INVALID');
  });
});

void describe('createStore routing', () => {
  void it('sends s3:// to S3 and paths to the local folder, with settings from the environment', async () => {
    const s3 = await s3server();
    const b = randomBucket('qtest-route');
    const dir = await tempDir('quiver-route');
    const store = createStore({
      env: { QUIVER_S3_ENDPOINT: s3.endpoint, QUIVER_S3_ACCESS_KEY: s3.accessKey, QUIVER_S3_SECRET_KEY: s3.secretKey },
    });
    try {
      const bytes = randomBytes(5000);
      const remote = formatS3Uri(b, 'r/obj.bin');
      const local = joinUri(dir.path, 'r', 'obj.bin');
      await store.put(remote, bytes);
      await store.put(local, bytes);
      assertBytes(await store.get(remote), bytes);
      assertBytes(await store.get(local), bytes);
      assert.deepEqual((await store.list(formatS3Uri(b, 'r/'))).map((o) => o.uri), [remote]);
      assert.deepEqual((await store.list(joinUri(dir.path, 'r') + '/')).map((o) => o.uri), [local]);
      await store.deletePrefix(formatS3Uri(b, 'r/'));
      assert.equal(await store.head(remote), null);
      assert.notEqual(await store.head(local), null, 'deleting on S3 touched the local copy');
    } finally {
      await store.close?.();
      await dir.cleanup();
      await removeBucket(s3, b);
    }
  });
});

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}
