/**
 * A JetStream KV bucket as a {@link KvStore} of JSON values. Keys follow the same rule as the
 * in-memory bus ({@link assertKvKey}); failures of the server become retryable BUS_FAILED errors.
 */
import type { KV } from '@nats-io/kv';
import { QuiverError } from '../errors.js';
import { assertKeyPrefix, assertKvKey } from './names.js';
import { busFailed } from './support.js';
import type { KvStore } from './types.js';

export class NatsKv implements KvStore {
  constructor(
    private readonly kv: KV,
    private readonly bucket: string,
  ) {}

  async get<T>(key: string): Promise<T | null> {
    assertKvKey(key, this.bucket);
    try {
      const e = await this.kv.get(key);
      return e === null || e.operation !== 'PUT' ? null : e.json<T>();
    } catch (err) {
      throw busFailed(`${this.bucket} get ${key}`, err);
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    assertKvKey(key, this.bucket);
    const json = JSON.stringify(value);
    if (json === undefined) throw QuiverError.nonRetryable('OPTION_INVALID', `${this.bucket} value for ${key} is not JSON-serializable`);
    try {
      await this.kv.put(key, json);
    } catch (err) {
      throw busFailed(`${this.bucket} put ${key}`, err);
    }
  }

  async delete(key: string): Promise<void> {
    assertKvKey(key, this.bucket);
    try {
      await this.kv.delete(key);
    } catch (err) {
      throw busFailed(`${this.bucket} delete ${key}`, err);
    }
  }

  async keys(prefix?: string): Promise<string[]> {
    if (prefix !== undefined && prefix !== '') assertKeyPrefix(prefix, this.bucket);
    try {
      const out: string[] = [];
      for await (const k of await this.kv.keys(prefix === undefined || prefix === '' ? undefined : `${prefix}>`)) out.push(k);
      return out.sort();
    } catch (err) {
      throw busFailed(`${this.bucket} keys`, err);
    }
  }
}
