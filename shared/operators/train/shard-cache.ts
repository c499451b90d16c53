/**
 * A thread's cache of decoded shard columns for `train`: the input columns of the feature
 * pipeline (as a Frame) and the labels. Every (candidate × split) task and every final fit of a
 * stage reads all of the stage's shards, so a thread that runs several of them decodes each
 * shard once. Entries are keyed by the shard's URI and byte length (a stage's shards are
 * written once, under deterministic keys) and the columns read; least recently used entries go
 * first once the estimated size passes the budget, `QUIVER_TRAIN_CACHE_MB` per thread (default
 * 512; 0 turns the cache off).
 *
 * ```ts
 * const { frame, labels } = shardColumns(uri, bytes, ['age', 'plan'], 'churned');
 * ```
 */
import { readColumn } from '../../arrow/columns.js';
import { decodeTable } from '../../arrow/ipc.js';
import { frameFromTable } from '../../ml/features/index.js';
import type { Frame } from '../../ml/features/index.js';
import type { Label } from '../../ml/linear/types.js';
import { labelValue } from './masks.js';

export interface ShardColumns {
  uri: string;
  frame: Frame;
  labels: (Label | null)[];
}

interface Entry {
  value: ShardColumns;
  bytes: number;
}

const entries = new Map<string, Entry>();
let held = 0;

function budgetBytes(): number {
  const mb = Number(process.env.QUIVER_TRAIN_CACHE_MB ?? 512);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 0;
}

/** Rough heap size: 8 bytes a number, 16 a text cell or label (a pointer and a share of the strings). */
function sizeOf(v: ShardColumns): number {
  let n = v.labels.length * 16;
  for (const c of Object.values(v.frame.columns)) n += c instanceof Float64Array ? c.byteLength : c.length * 16;
  return n;
}

function decode(uri: string, bytes: Uint8Array, columns: string[], label: string): ShardColumns {
  const table = decodeTable(bytes, `shard ${uri}`);
  return { uri, frame: frameFromTable(table, columns), labels: readColumn(table, label).map(labelValue) };
}

/** The shard's pipeline input columns and labels, decoded once per thread while they fit the budget. */
export function shardColumns(uri: string, bytes: Uint8Array, columns: string[], label: string): ShardColumns {
  const budget = budgetBytes();
  if (budget === 0) return decode(uri, bytes, columns, label);
  const key = `${uri}\u0000${bytes.byteLength}\u0000${label}\u0000${columns.join('\u0000')}`;
  const hit = entries.get(key);
  if (hit !== undefined) {
    entries.delete(key);
    entries.set(key, hit);
    return hit.value;
  }
  const value = decode(uri, bytes, columns, label);
  const size = sizeOf(value);
  if (size > budget) return value;
  for (const [k, e] of entries) {
    if (held + size <= budget) break;
    entries.delete(k);
    held -= e.bytes;
  }
  entries.set(key, { value, bytes: size });
  held += size;
  return value;
}

/** Empties this thread's cache (tests, and a worker that wants its memory back). */
export function clearShardCache(): void {
  entries.clear();
  held = 0;
}
