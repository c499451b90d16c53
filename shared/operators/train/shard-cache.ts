/**
 * A thread's cache of decoded shard columns for `train`: the input columns of the feature
 * pipeline (as a Frame) and, once asked for, the labels. The fit passes and every
 * (candidate × split) task and final fit of a stage read the same shards again and again, so a
 * thread decodes each shard once. Entries are keyed by the shard's URI and byte length (a
 * stage's shards are written once, under deterministic keys) and the columns read; least
 * recently used entries go first once the estimated size passes the budget,
 * `QUIVER_TRAIN_CACHE_MB` per thread (default 512; 0 turns the cache off).
 *
 * ```ts
 * const { frame } = shardColumns(uri, bytes, ['age', 'plan'], null);        // a fit pass
 * const { frame, labels } = shardColumns(uri, bytes, ['age', 'plan'], 'churned'); // a model task
 * ```
 */
import { readColumn } from '../../arrow/columns.js';
import { decodeTable } from '../../arrow/ipc.js';
import type { Table } from 'apache-arrow';
import { frameFromTable } from '../../ml/features/index.js';
import type { Frame } from '../../ml/features/index.js';
import type { Label } from '../../ml/linear/types.js';
import { labelValue } from './masks.js';

export interface ShardColumns {
  uri: string;
  frame: Frame;
  /** The label column's values; empty when no label was asked for. */
  labels: (Label | null)[];
}

interface Entry {
  frame: Frame;
  /** Label values by label column name. */
  labels: Map<string, (Label | null)[]>;
  bytes: number;
}

const entries = new Map<string, Entry>();
let held = 0;

function budgetBytes(): number {
  const mb = Number(process.env.QUIVER_TRAIN_CACHE_MB ?? 512);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 0;
}

/** Rough heap size: 8 bytes a number, 16 a text cell or label (a pointer and a share of the strings). */
function frameSize(frame: Frame): number {
  let n = 0;
  for (const c of Object.values(frame.columns)) n += c instanceof Float64Array ? c.byteLength : c.length * 16;
  return n;
}

function labelsOf(table: Table, label: string): (Label | null)[] {
  return readColumn(table, label).map(labelValue);
}

const views = new WeakMap<Entry, Map<string, ShardColumns>>();

/** One object per (entry, label), so per-shard memos keyed by it live as long as the entry. */
function view(uri: string, e: Entry, label: string | null): ShardColumns {
  const key = label ?? '';
  let byLabel = views.get(e);
  if (byLabel === undefined) views.set(e, (byLabel = new Map()));
  let v = byLabel.get(key);
  if (v === undefined) byLabel.set(key, (v = { uri, frame: e.frame, labels: label === null ? [] : e.labels.get(label)! }));
  return v;
}

function evictFor(size: number, budget: number): void {
  for (const [k, e] of entries) {
    if (held + size <= budget) break;
    entries.delete(k);
    held -= e.bytes;
  }
}

/**
 * The shard's pipeline input columns, and the values of column `label` unless it is null,
 * decoded once per thread while they fit the budget.
 */
export function shardColumns(uri: string, bytes: Uint8Array, columns: string[], label: string | null): ShardColumns {
  const budget = budgetBytes();
  const key = `${uri}\u0000${bytes.byteLength}\u0000${columns.join('\u0000')}`;
  const hit = budget === 0 ? undefined : entries.get(key);
  if (hit !== undefined) {
    entries.delete(key);
    entries.set(key, hit);
    if (label !== null && !hit.labels.has(label)) {
      const labels = labelsOf(decodeTable(bytes, `shard ${uri}`), label);
      hit.labels.set(label, labels);
      hit.bytes += labels.length * 16;
      held += labels.length * 16;
    }
    return view(uri, hit, label);
  }
  const table = decodeTable(bytes, `shard ${uri}`);
  const e: Entry = { frame: frameFromTable(table, columns), labels: new Map(), bytes: 0 };
  if (label !== null) e.labels.set(label, labelsOf(table, label));
  e.bytes = frameSize(e.frame) + (label === null ? 0 : table.numRows * 16);
  if (budget === 0 || e.bytes > budget) return view(uri, e, label);
  evictFor(e.bytes, budget);
  entries.set(key, e);
  held += e.bytes;
  return view(uri, e, label);
}

/** Empties this thread's cache (tests, and a worker that wants its memory back). */
export function clearShardCache(): void {
  entries.clear();
  held = 0;
}
