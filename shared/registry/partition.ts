/**
 * Which shard of a feature view holds an entity: FNV-1a (32-bit) over the UTF-8 bytes of the
 * key's string form, modulo the view's partition count. The kernel that writes a view's shards
 * and the feature store that reads one key back both use this function, so a lookup reads one
 * shard only. `String(key)` makes `42`, `42n` and `'42'` the same entity.
 *
 * ```ts
 * entityPartition('user-17', 16); // 0..15, the same on every machine
 * entityPartition(42, 16) === entityPartition('42', 16); // true
 * ```
 */
import { QuiverError } from '../errors.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a 32-bit hash of `bytes` (unsigned). */
export function fnv1a32(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Partition 0..partitions-1 of an entity key. Throws OPTION_INVALID unless `partitions` is an integer ≥ 1. */
export function entityPartition(key: string | number | bigint, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `partitions must be an integer >= 1, got ${String(partitions)}`);
  }
  return fnv1a32(encoder.encode(String(key))) % partitions;
}
