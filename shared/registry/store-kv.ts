/**
 * A {@link KvStore} kept in the object store, for local mode (which has no lasting bus): each key
 * is one JSON object `<prefix><key>.json`, so every put is atomic (the store's writes are), and
 * `keys()` lists the prefix. Keys follow the bus's rule ({@link assertKvKey}), so code written
 * against the NATS registry bucket works unchanged on it.
 *
 * ```ts
 * const kv = storeKv(store, '.quiver/store/registry/index/');
 * await kv.put('model.churn.v.1', record);
 * await kv.keys('model.churn.');   // ['model.churn.v.1']
 * ```
 */
import { QuiverError, isErrorCode } from '../errors.js';
import { assertKeyPrefix, assertKvKey } from '../bus/names.js';
import type { KvStore } from '../bus/types.js';
import type { ObjectStore } from '../store/types.js';

const SUFFIX = '.json';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class StoreKv implements KvStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {}

  private uri(key: string): string {
    assertKvKey(key, this.prefix);
    // '/' is a valid KV key character; as a path it must not climb out of the prefix.
    if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `${this.prefix} key ${JSON.stringify(key)} has an empty, '.' or '..' path segment`);
    }
    return `${this.prefix}${key}${SUFFIX}`;
  }

  async get<T>(key: string): Promise<T | null> {
    const uri = this.uri(key);
    let bytes: Uint8Array;
    try {
      bytes = await this.store.get(uri);
    } catch (err) {
      if (isErrorCode(err, 'NOT_FOUND')) return null;
      throw err;
    }
    try {
      return JSON.parse(decoder.decode(bytes)) as T;
    } catch (err) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `registry index entry ${uri} is not valid JSON (${(err as Error).message}); delete it or restore it from a backup`, { cause: err });
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    const uri = this.uri(key);
    const json = JSON.stringify(value);
    if (json === undefined) throw QuiverError.nonRetryable('OPTION_INVALID', `${this.prefix} value for ${key} is not JSON-serializable`);
    await this.store.put(uri, encoder.encode(json));
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(this.uri(key));
  }

  async keys(prefix?: string): Promise<string[]> {
    const within = prefix ?? '';
    if (within !== '') assertKeyPrefix(within, this.prefix);
    const out: string[] = [];
    for (const o of await this.store.list(`${this.prefix}${within}`)) {
      if (!o.uri.startsWith(this.prefix) || !o.uri.endsWith(SUFFIX)) continue;
      const key = o.uri.slice(this.prefix.length, -SUFFIX.length);
      if (key.startsWith(within)) out.push(key);
    }
    return out.sort();
  }
}

/**
 * A KvStore over `store` under `prefix` (a folder-like URI ending with `/`, e.g.
 * `s3://bucket/quiver/registry/index/`). Throws OPTION_INVALID for a prefix without the slash.
 */
export function storeKv(store: ObjectStore, prefix: string): KvStore {
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `storeKv prefix ${JSON.stringify(prefix)} must end with '/', e.g. '.quiver/store/registry/index/'`);
  }
  return new StoreKv(store, prefix);
}
