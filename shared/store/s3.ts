/**
 * The S3 object store, on the `minio` client: works with MinIO, AWS S3 and any S3-compatible
 * server (s3rver in tests). Same contract as the local store:
 *
 * - `put` is one PUT request (S3 makes a single PUT atomic: readers see the old object or the
 *   new one). The client's part size is raised to S3's single-PUT limit (5 GiB), so minio never
 *   switches to a multipart upload for quiver's shards. A missing bucket is created on the
 *   first write unless `createBuckets: false`.
 * - `list(prefix)` is a pure string prefix over keys, as S3 defines it: `s3://b/a/b` lists
 *   `a/b.arrow`, `a/b/x` and `a/bc/y`; `s3://b/a/b/` lists only the "folder". Results are
 *   sorted by URI. A missing bucket lists as empty.
 * - `getRange` trims what comes back to [start, end) using Content-Range, so a server that
 *   ignores or widens the Range header (s3rver does for `bytes=0-0`) still yields the right bytes.
 * - Errors become QuiverError: NOT_FOUND for a missing key or bucket (not retryable);
 *   STORE_FAILED retryable for network failures and server-side 5xx/throttling; STORE_FAILED
 *   not retryable for refused credentials (with a hint about the variables to check). The
 *   client's own retries are off: a failed task is retried by the bus with backoff.
 *
 * ```ts
 * const store = new S3Store({ endpoint: 'http://127.0.0.1:9000', accessKey, secretKey });
 * await store.put('s3://quiver/jobs/j1/shard-0.arrow', bytes);
 * ```
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { QuiverError } from '../errors.js';
import { logger } from '../log.js';
import type { ObjectInfo, ObjectStore, S3Options } from './types.js';
import { failS3, NOT_FOUND_CODES, s3Code, s3Failure } from './s3-errors.js';
import type { S3Server } from './s3-errors.js';
import { checkRange, formatS3Uri, parseS3Uri, sortByUri } from './uri.js';

const log = logger('store.s3');

const DEFAULT_REGION = 'us-east-1';
/** S3's limit for a single PUT; as minio's part size it keeps every put a single request. */
const SINGLE_PUT_LIMIT = 5 * 1024 * 1024 * 1024;
/** DeleteObjects accepts at most 1000 keys per request. */
const DELETE_BATCH = 1000;
/** How many list-and-delete rounds deletePrefix makes before it gives up. */
const DELETE_ROUNDS = 4;

interface ResolvedS3Options {
  endpoint: string | undefined;
  region: string;
  pathStyle: boolean;
  createBuckets: boolean;
}

export class S3Store implements ObjectStore {
  /** The endpoint errors name: the configured URL, or AWS S3's for the region. */
  readonly endpoint: string;
  private readonly options: Readonly<ResolvedS3Options>;
  private readonly client: Client;
  private readonly agent: http.Agent;
  /** Buckets this store created or is creating, so concurrent first writes create each once. */
  private readonly buckets = new Map<string, Promise<void>>();

  constructor(options: S3Options = {}) {
    const opts = validate(options);
    this.options = Object.freeze({
      endpoint: opts.endpoint,
      region: opts.region ?? DEFAULT_REGION,
      pathStyle: opts.pathStyle ?? opts.endpoint !== undefined,
      createBuckets: opts.createBuckets ?? true,
    });
    const target = parseEndpoint(this.options.endpoint);
    this.endpoint = this.options.endpoint ?? `https://s3.${this.options.region}.amazonaws.com`;
    this.agent = target.useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.client = new Client({
      endPoint: target.host,
      port: target.port,
      useSSL: target.useSSL,
      region: this.options.region,
      pathStyle: this.options.pathStyle,
      accessKey: opts.accessKey ?? '',
      secretKey: opts.secretKey ?? '',
      ...(opts.sessionToken !== undefined ? { sessionToken: opts.sessionToken } : {}),
      partSize: SINGLE_PUT_LIMIT,
      transportAgent: this.agent,
      retryOptions: { disableRetry: true },
    });
  }

  async put(uri: string, data: Uint8Array): Promise<void> {
    const { bucket, key } = objectLocation(uri);
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const putOnce = () => this.client.putObject(bucket, key, body, body.length, { 'Content-Type': 'application/octet-stream' });
    try {
      await putOnce();
    } catch (err) {
      if (!this.options.createBuckets || s3Code(err) !== 'NoSuchBucket') throw this.fail(err, 'write', uri);
      await this.ensureBucket(bucket, uri);
      await putOnce().catch((again: unknown) => {
        if (s3Code(again) === 'NoSuchBucket') this.buckets.delete(bucket); // deleted behind our back
        throw this.fail(again, 'write', uri);
      });
    }
  }

  async get(uri: string): Promise<Uint8Array> {
    const { bucket, key } = objectLocation(uri);
    try {
      return await collect(await this.client.getObject(bucket, key));
    } catch (err) {
      throw this.fail(err, 'read', uri);
    }
  }

  async getRange(uri: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(uri, start, end);
    const { bucket, key } = objectLocation(uri);
    if (end === start) return this.emptyIfExists(uri);
    try {
      const length = end === Infinity ? undefined : end - start;
      const res = await this.client.getPartialObject(bucket, key, start, length);
      return trimToRange(await collect(res), res as Partial<IncomingMessage>, start, end);
    } catch (err) {
      // Asking for bytes past the end is not an error in our contract: it reads as empty.
      if (s3Code(err) === 'InvalidRange') return this.emptyIfExists(uri);
      throw this.fail(err, 'read', uri);
    }
  }

  async stream(uri: string): Promise<AsyncIterable<Uint8Array>> {
    const { bucket, key } = objectLocation(uri);
    let body: Readable;
    try {
      body = await this.client.getObject(bucket, key);
    } catch (err) {
      throw this.fail(err, 'read', uri);
    }
    const fail = this.fail.bind(this);
    return (async function* () {
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (err) {
        throw fail(err, 'read', uri);
      } finally {
        body.destroy();
      }
    })();
  }

  async head(uri: string): Promise<ObjectInfo | null> {
    const { bucket, key } = objectLocation(uri);
    try {
      const stat = await this.client.statObject(bucket, key);
      const info: ObjectInfo = { uri, size: stat.size, mtimeMs: stat.lastModified.getTime() };
      if (stat.etag) info.etag = stat.etag;
      return info;
    } catch (err) {
      if (NOT_FOUND_CODES.has(s3Code(err) ?? '')) return null;
      throw this.fail(err, 'stat', uri);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const { bucket, key } = parseS3Uri(prefix);
    const out: ObjectInfo[] = [];
    try {
      // ListObjects (V1), paginated by marker: every S3 server has it, while s3rver's V2
      // continuation tokens use DES, which OpenSSL 3 (Node >= 17) no longer offers.
      const items = this.client.listObjects(bucket, key, true);
      for await (const item of items as AsyncIterable<{ name?: string; size?: number; etag?: string; lastModified?: Date }>) {
        if (item.name === undefined) continue; // a common prefix; none come back with recursive listing
        const info: ObjectInfo = { uri: formatS3Uri(bucket, item.name), size: item.size ?? 0 };
        if (item.lastModified) info.mtimeMs = item.lastModified.getTime();
        if (item.etag) info.etag = item.etag;
        out.push(info);
      }
    } catch (err) {
      if (s3Code(err) === 'NoSuchBucket') return [];
      throw this.fail(err, 'list', prefix);
    }
    return sortByUri(out);
  }

  async delete(uri: string): Promise<void> {
    const { bucket, key } = objectLocation(uri);
    try {
      await this.client.removeObject(bucket, key);
    } catch (err) {
      if (NOT_FOUND_CODES.has(s3Code(err) ?? '')) return;
      throw this.fail(err, 'delete', uri);
    }
  }

  /**
   * Lists the prefix and deletes in DeleteObjects batches, then checks: a batch that failed
   * for a passing reason (a 5xx, a dropped connection) is retried on what is left, a few rounds.
   */
  async deletePrefix(prefix: string): Promise<void> {
    const { bucket } = parseS3Uri(prefix);
    let failure: QuiverError | undefined;
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      if (round > 0) await sleep(100 * round);
      const keys = (await this.list(prefix)).map((o) => parseS3Uri(o.uri).key);
      if (keys.length === 0) return;
      failure = undefined;
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        try {
          failure ??= this.deleteFailure(bucket, await this.client.removeObjects(bucket, batch));
        } catch (err) {
          if (s3Code(err) === 'NoSuchBucket') return;
          const mapped = this.fail(err, 'delete', prefix);
          if (!mapped.retryable) throw mapped;
          failure ??= mapped;
        }
      }
      if (failure === undefined) return;
      if (!failure.retryable) throw failure;
      log.debug({ prefix, round, err: failure.message }, 'deletePrefix: retrying what is left');
    }
    throw failure ?? QuiverError.retryable('STORE_FAILED', `objects remain under ${prefix} after ${DELETE_ROUNDS} rounds of deletes`);
  }

  /** The first per-key failure a DeleteObjects answer reports (Quiet mode lists only failures). */
  private deleteFailure(bucket: string, results: unknown[]): QuiverError | undefined {
    for (const r of results) {
      const e = (r as { Error?: DeleteError } | null)?.Error ?? (r as DeleteError | null);
      if (e?.Code !== undefined && !NOT_FOUND_CODES.has(e.Code)) {
        return failS3(e.Code, e.Message ?? e.Code, 'delete', formatS3Uri(bucket, e.Key ?? ''), r, this.server());
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private async emptyIfExists(uri: string): Promise<Uint8Array> {
    if ((await this.head(uri)) === null) throw failS3('NoSuchKey', 'Not Found', 'read', uri, undefined, this.server());
    return new Uint8Array(0);
  }

  /** Creates the bucket once per store; losing the race to another writer is fine. */
  private ensureBucket(bucket: string, uri: string): Promise<void> {
    let pending = this.buckets.get(bucket);
    if (pending === undefined) {
      pending = this.client.makeBucket(bucket, this.options.region).then(
        () => log.debug({ bucket, endpoint: this.endpoint }, 'created bucket'),
        (err: unknown) => {
          const code = s3Code(err);
          if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
          this.buckets.delete(bucket);
          throw this.fail(err, 'create bucket for', uri);
        },
      );
      this.buckets.set(bucket, pending);
    }
    return pending;
  }

  private server(): S3Server {
    return { endpoint: this.endpoint, region: this.options.region };
  }

  private fail(err: unknown, op: string, uri: string): QuiverError {
    return s3Failure(err, op, uri, this.server());
  }
}

interface DeleteError {
  Code?: string;
  Message?: string;
  Key?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function objectLocation(uri: string): { bucket: string; key: string } {
  const loc = parseS3Uri(uri);
  if (loc.key === '' || loc.key.endsWith('/')) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" names a bucket or folder, not an object; write it as s3://bucket/key`);
  }
  return loc;
}

/**
 * Cuts a range response down to [start, end): the body starts at the first byte Content-Range
 * names (or at 0 for a plain 200 answer, which carries the whole object).
 */
function trimToRange(body: Uint8Array, res: Partial<IncomingMessage>, start: number, end: number): Uint8Array {
  const header = res.headers?.['content-range'];
  const match = /^bytes (\d+)-\d+\//.exec(typeof header === 'string' ? header : '');
  const first = match ? Number(match[1]) : res.statusCode === 200 ? 0 : start;
  const from = Math.max(0, start - first);
  const want = end === Infinity ? body.length : end - start;
  return from === 0 && body.length <= want ? body : body.subarray(from, from + want);
}

async function collect(body: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    size += buf.length;
  }
  const all = Buffer.concat(chunks, size);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

function parseEndpoint(endpoint: string | undefined): { host: string; port: number; useSSL: boolean } {
  if (endpoint === undefined) return { host: 's3.amazonaws.com', port: 443, useSSL: true };
  const url = new URL(endpoint); // validated in validate()
  const useSSL = url.protocol === 'https:';
  return { host: url.hostname, port: url.port === '' ? (useSSL ? 443 : 80) : Number(url.port), useSSL };
}

function validate(options: S3Options): S3Options {
  const bad = (field: string, why: string) => QuiverError.nonRetryable('OPTION_INVALID', `S3Options.${field} ${why}`);
  for (const field of ['endpoint', 'region', 'accessKey', 'secretKey', 'sessionToken'] as const) {
    const v = options[field];
    if (v !== undefined && typeof v !== 'string') throw bad(field, `must be a string, got ${typeof v}`);
  }
  for (const field of ['pathStyle', 'createBuckets'] as const) {
    const v = options[field];
    if (v !== undefined && typeof v !== 'boolean') throw bad(field, `must be a boolean, got ${typeof v}`);
  }
  if (options.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw bad('endpoint', `"${options.endpoint}" is not an http:// or https:// URL; write it as http://host:9000 (QUIVER_S3_ENDPOINT)`);
    }
    if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
      throw bad('endpoint', `"${options.endpoint}" must be scheme://host[:port] only, with no path, query or credentials`);
    }
  }
  if (options.region === '') throw bad('region', 'must not be empty');
  if ((options.accessKey === undefined) !== (options.secretKey === undefined)) {
    const missing = options.accessKey === undefined ? 'accessKey' : 'secretKey';
    throw bad(missing, `is missing while ${missing === 'accessKey' ? 'secretKey' : 'accessKey'} is set; set both (QUIVER_S3_ACCESS_KEY and QUIVER_S3_SECRET_KEY)`);
  }
  return options;
}
