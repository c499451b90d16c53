import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isRetryable } from '../../shared/errors.js';
import { LocalStore } from '../../shared/store/local.js';
import { createStore, resolveS3Options } from '../../shared/store/index.js';
import { formatS3Uri, isS3Uri, joinUri, localPath, parseS3Uri } from '../../shared/store/uri.js';
import { assertBytes, rejectsWith, storeContract } from '../helpers/store-contract.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

storeContract('LocalStore, absolute paths', async () => {
  const dir = await tempDir('quiver-store-abs');
  return { store: new LocalStore(), root: dir.path, cleanup: dir.cleanup };
});

storeContract('LocalStore, file:// URLs with fsync', async () => {
  const dir = await tempDir('quiver-store-url');
  return { store: new LocalStore({ fsync: true }), root: pathToFileURL(dir.path).href, cleanup: dir.cleanup };
});

storeContract('LocalStore, paths relative to the cwd', async () => {
  const dir = await tempDir('quiver-store-rel');
  return { store: new LocalStore(), root: relative(process.cwd(), dir.path), cleanup: dir.cleanup };
});

void describe('LocalStore specifics', () => {
  let dir: TempDir;
  const store = new LocalStore();
  before(async () => {
    dir = await tempDir('quiver-store-local');
  });
  after(() => dir.cleanup());

  void it('readers and listers never see a partial object or a temp file while writers replace it', async () => {
    const uri = join(dir.path, 'hot', 'shard.arrow');
    const big = randomBytes(1024 * 1024);
    const small = randomBytes(100 * 1024);
    await store.put(uri, small);
    let writing = true;
    let reads = 0;
    const writer = (async () => {
      try {
        for (let i = 0; i < 40; i++) await store.put(uri, i % 2 === 0 ? big : small);
      } finally {
        writing = false;
      }
    })();
    const reader = async () => {
      while (writing) {
        const got = Buffer.from(await store.get(uri));
        assert.ok(got.equals(big) || got.equals(small), `read ${got.length} bytes that are neither version`);
        reads++;
      }
    };
    const lister = async () => {
      while (writing) {
        const listed = await store.list(join(dir.path, 'hot') + '/');
        assert.deepEqual(listed.map((o) => o.uri), [uri]);
        assert.ok(listed[0]!.size === big.length || listed[0]!.size === small.length);
      }
    };
    // allSettled: on a failure, let the writer finish before the folder is cleaned up.
    const results = await Promise.allSettled([writer, reader(), reader(), lister()]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    assert.ok(reads > 0, 'the readers never ran');
    assert.deepEqual(await readdir(join(dir.path, 'hot')), ['shard.arrow'], 'temp files were left behind');
  });

  void it('deletePrefix removes the folders it emptied, keeps the prefix folder and unrelated ones', async () => {
    const root = join(dir.path, 'dp');
    await store.put(join(root, 'job', 'a', 'b', 'x'), randomBytes(4));
    await store.put(join(root, 'job', 'c'), randomBytes(4));
    await mkdir(join(root, 'job', 'empty-but-unrelated'), { recursive: true });
    await store.deletePrefix(join(root, 'job') + '/');
    assert.deepEqual((await readdir(join(root, 'job'))).sort(), ['empty-but-unrelated']);
  });

  void it('a file where a folder should be is STORE_FAILED, not retryable', async () => {
    const file = join(dir.path, 'blocker');
    await writeFile(file, 'x');
    const err = await rejectsWith(store.put(join(file, 'child'), randomBytes(4)), 'STORE_FAILED');
    assert.equal(isRetryable(err), false);
  });

  void it('a folder is not an object', async () => {
    const folder = join(dir.path, 'folder');
    await mkdir(folder, { recursive: true });
    assert.equal(await store.head(folder), null);
    await rejectsWith(store.get(folder), 'NOT_FOUND');
    await rejectsWith(store.stream(folder), 'NOT_FOUND');
    await rejectsWith(store.put(`${folder}/`, randomBytes(4)), 'OPTION_INVALID');
    assert.ok((await stat(folder)).isDirectory());
  });

  void it('rejects bad options naming the field', () => {
    assert.throws(() => new LocalStore({ fsync: 'yes' as unknown as boolean }), /LocalStoreOptions\.fsync/);
  });
});

void describe('store URIs', () => {
  void it('tells S3 URIs apart and splits them', () => {
    assert.equal(isS3Uri('s3://b/k'), true);
    assert.equal(isS3Uri('/tmp/s3://x'), false);
    assert.equal(isS3Uri('S3://b/k'), false);
    assert.deepEqual(parseS3Uri('s3://bucket/a/b/c.arrow'), { bucket: 'bucket', key: 'a/b/c.arrow' });
    assert.deepEqual(parseS3Uri('s3://bucket/a/'), { bucket: 'bucket', key: 'a/' });
    assert.deepEqual(parseS3Uri('s3://bucket'), { bucket: 'bucket', key: '' });
    assert.deepEqual(parseS3Uri('s3://bucket/'), { bucket: 'bucket', key: '' });
    assert.equal(formatS3Uri('bucket', 'a/b'), 's3://bucket/a/b');
    assert.throws(() => parseS3Uri('s3://'), /names no bucket/);
    assert.throws(() => parseS3Uri('s3:///key'), /names no bucket/);
    assert.throws(() => parseS3Uri('/tmp/x'), /not an S3 URI/);
  });

  void it('joins with exactly one slash for both kinds', () => {
    assert.equal(joinUri('s3://b', 'x'), 's3://b/x');
    assert.equal(joinUri('s3://b/', 'x'), 's3://b/x');
    assert.equal(joinUri('s3://b/p//', '/x', 'y/'), 's3://b/p/x/y/');
    assert.equal(joinUri('s3://b/p', '', 'y'), 's3://b/p/y');
    assert.equal(joinUri('/tmp/a/', 'b', 'c.arrow'), '/tmp/a/b/c.arrow');
    assert.equal(joinUri('/', 'tmp'), '/tmp');
    assert.equal(joinUri('rel/dir', 'f'), 'rel/dir/f');
    assert.equal(joinUri('', 'f'), 'f');
    assert.equal(joinUri('file:///tmp/', 'f'), 'file:///tmp/f');
    assert.equal(joinUri('file:///', 'f'), 'file:///f');
    assert.equal(joinUri('s3://b/p'), 's3://b/p');
  });

  void it('maps local URIs to absolute paths, keeping a trailing slash', () => {
    assert.equal(localPath('/tmp/a/../b'), '/tmp/b');
    assert.equal(localPath('/tmp/a/'), '/tmp/a/');
    assert.equal(localPath('rel/x'), resolve(process.cwd(), 'rel/x'));
    assert.equal(localPath('file:///tmp/a%20b/c'), '/tmp/a b/c');
    assert.equal(localPath('file:///tmp/d/'), '/tmp/d/');
    assert.throws(() => localPath('s3://b/k'), /S3 URI/);
    assert.throws(() => localPath('gs://b/k'), /scheme/);
  });
});

void describe('resolveS3Options', () => {
  void it('fills from QUIVER_S3_* and lets explicit values win', () => {
    const env = {
      QUIVER_S3_ENDPOINT: 'http://minio:9000',
      QUIVER_S3_REGION: 'eu-west-1',
      QUIVER_S3_ACCESS_KEY: 'qa',
      QUIVER_S3_SECRET_KEY: 'qs',
      QUIVER_S3_PATH_STYLE: 'false',
      AWS_ACCESS_KEY_ID: 'aa',
      AWS_SECRET_ACCESS_KEY: 'as',
      AWS_SESSION_TOKEN: 'at',
    };
    assert.deepEqual(resolveS3Options({}, env), {
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      accessKey: 'qa',
      secretKey: 'qs',
      pathStyle: false,
    });
    assert.deepEqual(resolveS3Options({ endpoint: 'https://s3.example', region: 'us-east-2', pathStyle: true, accessKey: 'ea', secretKey: 'es' }, env), {
      endpoint: 'https://s3.example',
      region: 'us-east-2',
      accessKey: 'ea',
      secretKey: 'es',
      pathStyle: true,
    });
  });

  void it('falls back to the AWS_ variables, session token included, and skips empty ones', () => {
    const env = { QUIVER_S3_ENDPOINT: '', AWS_ENDPOINT_URL: 'http://aws-like:4566', AWS_REGION: 'ap-south-1', AWS_ACCESS_KEY_ID: 'aa', AWS_SECRET_ACCESS_KEY: 'as', AWS_SESSION_TOKEN: 'at' };
    assert.deepEqual(resolveS3Options({ createBuckets: false }, env), {
      endpoint: 'http://aws-like:4566',
      region: 'ap-south-1',
      accessKey: 'aa',
      secretKey: 'as',
      sessionToken: 'at',
      createBuckets: false,
    });
    assert.deepEqual(resolveS3Options({}, {}), {});
  });

  void it('rejects a path style it cannot read, naming the variable', () => {
    assert.throws(() => resolveS3Options({}, { QUIVER_S3_PATH_STYLE: 'maybe' }), /QUIVER_S3_PATH_STYLE/);
  });
});

void describe('createStore, local side', () => {
  void it('routes paths and file:// URLs to the local store without any S3 settings', async () => {
    const dir = await tempDir('quiver-route-local');
    const store = createStore({ env: {} });
    try {
      const uri = join(dir.path, 'x', 'y.bin');
      const bytes = randomBytes(100);
      await store.put(uri, bytes);
      assertBytes(await store.get(pathToFileURL(uri).href), bytes);
      assert.deepEqual((await store.list(join(dir.path, 'x') + '/')).map((o) => o.uri), [uri]);
    } finally {
      await store.close?.();
      await dir.cleanup();
    }
  });
});
