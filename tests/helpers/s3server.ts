/**
 * An S3 server for integration tests. With S3_ENDPOINT set (CI with MinIO, say) the tests use
 * it, with S3_ACCESS_KEY / S3_SECRET_KEY (default S3RVER / S3RVER), and `stop()` does nothing.
 * Otherwise each suite starts its own s3rver on 127.0.0.1 with a random port and a fresh temp
 * folder, and `stop()` shuts it down and removes the folder. Failing to start throws: the tests
 * fail, they never skip.
 *
 * ```ts
 * const s3 = await startS3();
 * after(() => s3.stop());
 * const bucket = randomBucket();
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { Client } from 'minio';
import { tempDir } from './tmp.js';

export interface S3Server {
  /** `s3rver` when this helper started one, `external` for S3_ENDPOINT. */
  kind: 's3rver' | 'external';
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

/** The part of s3rver's API (v3, untyped CommonJS) the helper uses. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export async function startS3(): Promise<S3Server> {
  const external = process.env.S3_ENDPOINT;
  if (external !== undefined && external !== '') {
    return {
      kind: 'external',
      endpoint: external,
      accessKey: process.env.S3_ACCESS_KEY ?? 'S3RVER',
      secretKey: process.env.S3_SECRET_KEY ?? 'S3RVER',
      stop: async () => {},
    };
  }
  const dir = await tempDir('quiver-s3rver');
  let server: S3rverInstance;
  let address: AddressInfo;
  try {
    const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir.path, vhostBuckets: false });
    address = await server.run();
  } catch (err) {
    await dir.cleanup();
    throw new Error(
      `could not start s3rver for the integration tests (${(err as Error).message}); run npm ci, or set S3_ENDPOINT (and S3_ACCESS_KEY/S3_SECRET_KEY) to use a running S3 server`,
      { cause: err },
    );
  }
  let stopped = false;
  return {
    kind: 's3rver',
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
      await dir.cleanup();
    },
  };
}

/** A bucket name no other test or run uses: lowercase, 3-63 characters, valid for S3. */
export function randomBucket(prefix = 'qtest'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'qtest';
  return `${clean.slice(0, 40)}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Removes a test bucket and everything in it, straight through the minio client. */
export async function removeBucket(server: S3Server, bucket: string): Promise<void> {
  const url = new URL(server.endpoint);
  const client = new Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: 'us-east-1',
    pathStyle: true,
    retryOptions: { disableRetry: true },
  });
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  // ListObjects V1: s3rver's V2 continuation tokens need DES, which Node 20's OpenSSL lacks.
  for await (const item of client.listObjects(bucket, '', true) as AsyncIterable<{ name?: string }>) {
    if (item.name !== undefined) names.push(item.name);
  }
  // One at a time: s3rver fails concurrent deletes in one folder (they race to remove it).
  for (const name of names) await client.removeObject(bucket, name);
  await client.removeBucket(bucket);
}
