/**
 * The object store: one `ObjectStore` that routes `s3://` URIs to the S3 store and everything
 * else (plain paths, `file://`) to the local folder store.
 *
 * ```ts
 * import { createStore, joinUri } from '../shared/store/index.js';
 *
 * const store = createStore({ s3: { endpoint: 'http://127.0.0.1:9000' } }); // keys from QUIVER_S3_* / AWS_*
 * const uri = joinUri('s3://quiver/jobs', jobId, 'shard-0001.arrow');
 * await store.put(uri, encodeTable(table));
 * const shards = await store.list(joinUri('s3://quiver/jobs', jobId) + '/');
 * await store.close?.();
 * ```
 */
import { QuiverError } from '../errors.js';
import { LocalStore } from './local.js';
import type { LocalStoreOptions } from './local.js';
import { S3Store } from './s3.js';
import type { ObjectInfo, ObjectStore, S3Options, StoreConfig } from './types.js';
import { isS3Uri } from './uri.js';

export { LocalStore, S3Store };
export { S3_SCHEME, formatS3Uri, isFileUri, isS3Uri, joinUri, localPath, parseS3Uri } from './uri.js';
export type { LocalStoreOptions, ObjectInfo, ObjectStore, S3Options, StoreConfig };
export type { S3Location } from './uri.js';

export interface StoreOptions {
  /** How to reach S3. Merged over the environment with {@link resolveS3Options} (these values win). */
  s3?: S3Options;
  /** Options for the local folder store. */
  local?: LocalStoreOptions;
  /** Where S3 settings and secrets come from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The store a process uses: routes by URI, creating the S3 store and the local store lazily
 * (one each), so a local-only run never touches S3 settings.
 */
export function createStore(options: StoreOptions = {}): ObjectStore {
  return new RoutingStore(options);
}

class RoutingStore implements ObjectStore {
  private s3: S3Store | undefined;
  private local: LocalStore | undefined;

  constructor(private readonly options: StoreOptions) {}

  private route(uri: string): ObjectStore {
    if (isS3Uri(uri)) {
      this.s3 ??= new S3Store(resolveS3Options(this.options.s3 ?? {}, this.options.env ?? process.env));
      return this.s3;
    }
    this.local ??= new LocalStore(this.options.local);
    return this.local;
  }

  async put(uri: string, data: Uint8Array): Promise<void> {
    return this.route(uri).put(uri, data);
  }

  async get(uri: string): Promise<Uint8Array> {
    return this.route(uri).get(uri);
  }

  async getRange(uri: string, start: number, end: number): Promise<Uint8Array> {
    return this.route(uri).getRange(uri, start, end);
  }

  async stream(uri: string): Promise<AsyncIterable<Uint8Array>> {
    return this.route(uri).stream(uri);
  }

  async head(uri: string): Promise<ObjectInfo | null> {
    return this.route(uri).head(uri);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return this.route(prefix).list(prefix);
  }

  async delete(uri: string): Promise<void> {
    return this.route(uri).delete(uri);
  }

  async deletePrefix(prefix: string): Promise<void> {
    return this.route(prefix).deletePrefix(prefix);
  }

  async close(): Promise<void> {
    const stores = [this.s3, this.local];
    this.s3 = undefined;
    this.local = undefined;
    await Promise.all(stores.map((s) => s?.close()));
  }
}

/**
 * Fills S3 settings from the environment; explicit values in `partial` win.
 *
 * | option | variables, first set wins |
 * |---|---|
 * | endpoint | QUIVER_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL |
 * | region | QUIVER_S3_REGION, AWS_REGION, AWS_DEFAULT_REGION |
 * | accessKey / secretKey | QUIVER_S3_ACCESS_KEY / QUIVER_S3_SECRET_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY |
 * | sessionToken | QUIVER_S3_SESSION_TOKEN with QUIVER_ keys, AWS_SESSION_TOKEN with AWS_ keys (never mixed) |
 * | pathStyle | QUIVER_S3_PATH_STYLE (`true`/`false`/`1`/`0`) |
 *
 * Empty variables count as unset. Throws OPTION_INVALID for a QUIVER_S3_PATH_STYLE it cannot read.
 */
export function resolveS3Options(partial: S3Options, env: NodeJS.ProcessEnv = process.env): S3Options {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const out: S3Options = {};
  const endpoint = partial.endpoint ?? get('QUIVER_S3_ENDPOINT') ?? get('AWS_ENDPOINT_URL_S3') ?? get('AWS_ENDPOINT_URL');
  if (endpoint !== undefined) out.endpoint = endpoint;
  const region = partial.region ?? get('QUIVER_S3_REGION') ?? get('AWS_REGION') ?? get('AWS_DEFAULT_REGION');
  if (region !== undefined) out.region = region;

  // Keys travel in pairs: never mix a QUIVER_ access key with an AWS_ secret.
  let keySource: 'explicit' | 'quiver' | 'aws' | undefined;
  if (partial.accessKey !== undefined || partial.secretKey !== undefined) {
    keySource = 'explicit';
    if (partial.accessKey !== undefined) out.accessKey = partial.accessKey;
    if (partial.secretKey !== undefined) out.secretKey = partial.secretKey;
  } else if (get('QUIVER_S3_ACCESS_KEY') !== undefined || get('QUIVER_S3_SECRET_KEY') !== undefined) {
    keySource = 'quiver';
    assign(out, 'accessKey', get('QUIVER_S3_ACCESS_KEY'));
    assign(out, 'secretKey', get('QUIVER_S3_SECRET_KEY'));
  } else if (get('AWS_ACCESS_KEY_ID') !== undefined || get('AWS_SECRET_ACCESS_KEY') !== undefined) {
    keySource = 'aws';
    assign(out, 'accessKey', get('AWS_ACCESS_KEY_ID'));
    assign(out, 'secretKey', get('AWS_SECRET_ACCESS_KEY'));
  }
  const envToken = keySource === 'quiver' ? get('QUIVER_S3_SESSION_TOKEN') : keySource === 'aws' ? get('AWS_SESSION_TOKEN') : undefined;
  const sessionToken = partial.sessionToken ?? envToken;
  if (sessionToken !== undefined) out.sessionToken = sessionToken;

  const pathStyle = partial.pathStyle ?? parseBool(get('QUIVER_S3_PATH_STYLE'), 'QUIVER_S3_PATH_STYLE');
  if (pathStyle !== undefined) out.pathStyle = pathStyle;
  if (partial.createBuckets !== undefined) out.createBuckets = partial.createBuckets;
  return out;
}

function assign(out: S3Options, field: 'accessKey' | 'secretKey', value: string | undefined): void {
  if (value !== undefined) out[field] = value;
}

function parseBool(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw QuiverError.nonRetryable('OPTION_INVALID', `${name}="${value}" is not a boolean; use true or false`);
}
