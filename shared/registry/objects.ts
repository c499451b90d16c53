/** JSON objects in the store, for the registry's artifacts. */
import { QuiverError } from '../errors.js';
import type { ObjectStore } from '../store/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function writeJson(store: ObjectStore, uri: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  if (json === undefined) throw QuiverError.nonRetryable('INPUT_INVALID', `${uri}: value is not JSON-serializable`);
  await store.put(uri, encoder.encode(json));
}

/** Reads and parses; NOT_FOUND (from the store) when missing, INPUT_INVALID when not JSON. */
export async function readJson<T>(store: ObjectStore, uri: string, what: string): Promise<T> {
  const bytes = await store.get(uri);
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} (${uri}) is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
