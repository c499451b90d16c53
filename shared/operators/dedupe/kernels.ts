/**
 * The dedupe kernels, one per phase.
 *
 * - Phase 0 (a task per input shard): the key of every row (./rowkeys.ts: the canonical bytes
 *   of the key values, or their SHA-256 when longer than 32 bytes), hash-partitioned into P
 *   objects `keys-<shard>-<p>.arrow` of (k, h, row).
 * - Phase 1 (a task per partition): reads its partition's key objects in shard order and
 *   decides, per key, which occurrence survives (`keep: first` the earliest in dataset order,
 *   `last` the latest); writes the others as `drops-<p>-<shard>.arrow` of (row, keptShard,
 *   keptRow).
 * - Phase 2 (a task per input shard): removes its shard's dropped rows, keeping row order, and
 *   writes `part-<shard>.arrow` (the input bytes unchanged when nothing is dropped). Its stats
 *   count `deduplicated` rows, so rowsIn = rowsOut + deduplicated, and carry a few examples.
 *
 * Every phase works on typed arrays: no per-value JS objects, and only the dropped examples'
 * values are ever read as values.
 *
 * ```ts
 * const result = dedupeKernel({ task, inputs });
 * ```
 */
import { Schema } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import { QuiverError } from '../../errors.js';
import { makeTable } from '../../expr/index.js';
import { checkShardColumns, decodeInput, partName } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { DROPS_FIELDS, encodeColumns, int32Column, keyColumn, KEYS_FIELDS, valueAt } from './objects.js';
import { KEY_WORDS, rowKeys, sameKey } from './rowkeys.js';
import { dropRows } from './take.js';
import { dropsName, keysName, parseKeysUri } from './spec.js';
import type { DedupePlan } from './spec.js';

/** Up to this many example duplicates per shard go into the stats. */
export const EXAMPLES_PER_SHARD = 3;

export interface DuplicateExample {
  shard: number;
  row: number;
  keptShard: number;
  keptRow: number;
  values: Record<string, Value>;
}

export function keysPhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  const table = decodeInput(input);
  checkShardColumns(table, plan.schema.fields.filter((f) => plan.by.includes(f.name)), input);
  const { keys, hashes } = rowKeys(
    table,
    plan.by.map((c) => plan.schema.fields.find((f) => f.name === c)!),
  );
  const n = table.numRows;
  const parts = plan.partitions;
  // Rows grouped by partition, each group in row order: counting sort on the partition.
  const partOf = new Int32Array(n);
  const first = new Int32Array(parts + 1);
  for (let i = 0; i < n; i++) {
    const p = parts === 1 ? 0 : (hashes[i]! >>> 0) % parts;
    partOf[i] = p;
    first[p + 1]!++;
  }
  for (let p = 0; p < parts; p++) first[p + 1]! += first[p]!;
  const k = parts === 1 ? keys : new Int32Array(n * KEY_WORDS);
  const h = parts === 1 ? hashes : new Int32Array(n);
  const rows = new Int32Array(n);
  const fill = first.slice(0, parts);
  for (let i = 0; i < n; i++) {
    const at = fill[partOf[i]!]!++;
    rows[at] = i;
    if (parts === 1) continue;
    h[at] = hashes[i]!;
    for (let w = 0, x = i * KEY_WORDS, y = at * KEY_WORDS; w < KEY_WORDS; w++) k[y + w] = keys[x + w]!;
  }
  const objects: KernelObject[] = [];
  for (let p = 0; p < parts; p++) {
    const a = first[p]!;
    const b = first[p + 1]!;
    if (b === a) continue;
    const columns = [k.subarray(a * KEY_WORDS, b * KEY_WORDS), h.subarray(a, b), rows.subarray(a, b)];
    objects.push({ name: keysName(input.task.index, p), bytes: encodeColumns(KEYS_FIELDS, columns, b - a), rows: b - a });
  }
  return { objects, stats: { rowsIn: n, rowsOut: n, quarantined: 0 } };
}

/** The partition's keys in dataset order (shard, then row), one entry each. */
export interface Entries {
  keys: Int32Array;
  hashes: Int32Array;
  shards: Int32Array;
  rows: Int32Array;
}

function readEntries(input: KernelInput): Entries {
  const order = input.task.inputs.map((ref, k) => ({ k, shard: parseKeysUri(ref.uri)?.shard ?? -1 }));
  if (order.some((o) => o.shard < 0)) throw QuiverError.nonRetryable('INTERNAL', `dedupe task ${input.task.id}: an input is not a keys object`);
  order.sort((a, b) => a.shard - b.shard);
  const parts = order.map(({ k, shard }) => {
    const table = decodeInput(input, k);
    return { shard, keys: keyColumn(table, 'k', 'keys'), hashes: int32Column(table, 'h', 'keys'), rows: int32Column(table, 'row', 'keys') };
  });
  const total = parts.reduce((s, p) => s + p.rows.length, 0);
  const out: Entries = { keys: new Int32Array(total * KEY_WORDS), hashes: new Int32Array(total), shards: new Int32Array(total), rows: new Int32Array(total) };
  let at = 0;
  for (const p of parts) {
    out.keys.set(p.keys, at * KEY_WORDS);
    out.hashes.set(p.hashes, at);
    out.shards.fill(p.shard, at, at + p.rows.length);
    out.rows.set(p.rows, at);
    at += p.rows.length;
  }
  return out;
}

/** Probes per entry the hash table may average before {@link survivors} sorts instead (keys crafted to collide). */
const MAX_PROBES = 32;

/** For each entry, the entry that survives in its place (itself when it is kept): an open-addressing table of keys. */
export function survivors(e: Entries, keep: DedupePlan['keep']): Int32Array {
  const total = e.rows.length;
  let cap = 16;
  while (cap < total * 2) cap *= 2;
  const mask = cap - 1;
  /** Slot → group, -1 empty. */
  const slots = new Int32Array(cap).fill(-1);
  /** Per group: an entry holding its key, and the entry that survives. */
  const first = new Int32Array(total);
  const kept = new Int32Array(total);
  const groupOf = new Int32Array(total);
  let groups = 0;
  let probes = 0;
  for (let i = 0; i < total; i++) {
    const h = e.hashes[i]!;
    let s = h & mask;
    let g = slots[s]!;
    while (g !== -1 && !(e.hashes[first[g]!] === h && sameKey(e.keys, first[g]!, e.keys, i))) {
      s = (s + 1) & mask;
      g = slots[s]!;
      if (++probes > MAX_PROBES * (i + 1) + 4096) return survivorsBySort(e, keep);
    }
    if (g === -1) {
      g = groups++;
      slots[s] = g;
      first[g] = i;
      kept[g] = i;
    } else if (keep === 'last') kept[g] = i;
    groupOf[i] = g;
  }
  const out = new Int32Array(total);
  for (let i = 0; i < total; i++) out[i] = kept[groupOf[i]!]!;
  return out;
}

/** The same as {@link survivors}, by sorting the entries on their keys: O(n log n) whatever the hashes. */
function survivorsBySort(e: Entries, keep: DedupePlan['keep']): Int32Array {
  const total = e.rows.length;
  const order = Int32Array.from({ length: total }, (_, i) => i);
  const compare = (a: number, b: number): number => {
    for (let w = 0; w < KEY_WORDS; w++) {
      const d = e.keys[a * KEY_WORDS + w]! - e.keys[b * KEY_WORDS + w]!;
      if (d !== 0) return d;
    }
    return a - b;
  };
  order.sort(compare);
  const out = new Int32Array(total);
  for (let a = 0; a < total; ) {
    let b = a + 1;
    while (b < total && sameKey(e.keys, order[a]!, e.keys, order[b]!)) b++;
    // Within a group the entries are in dataset order.
    const survivor = keep === 'first' ? order[a]! : order[b - 1]!;
    for (let j = a; j < b; j++) out[order[j]!] = survivor;
    a = b;
  }
  return out;
}

export function decidePhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  const e = readEntries(input);
  const survivor = survivors(e, plan.keep);
  const drops = new Map<number, [number[], number[], number[]]>();
  for (let i = 0; i < survivor.length; i++) {
    const s = survivor[i]!;
    if (s === i) continue;
    const shard = e.shards[i]!;
    let d = drops.get(shard);
    if (d === undefined) drops.set(shard, (d = [[], [], []]));
    d[0].push(e.rows[i]!);
    d[1].push(e.shards[s]!);
    d[2].push(e.rows[s]!);
  }
  const objects: KernelObject[] = [];
  let rowsOut = 0;
  for (const [shard, d] of [...drops].sort((a, b) => a[0] - b[0])) {
    const bytes = encodeColumns(
      DROPS_FIELDS,
      d.map((c) => Int32Array.from(c)),
      d[0].length,
    );
    objects.push({ name: dropsName(input.task.index, shard), bytes, rows: d[0].length });
    rowsOut += d[0].length;
  }
  return { objects, stats: { rowsIn: survivor.length, rowsOut, quarantined: 0 } };
}

export function rewritePhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  const table = decodeInput(input, 0);
  checkShardColumns(table, plan.schema.fields, input);
  const rowsIn = table.numRows;
  /** Per row: the shard of the row kept in its place, -1 while the row stays. */
  const keptShard = new Int32Array(rowsIn).fill(-1);
  const keptRow = new Int32Array(rowsIn);
  let dropped = 0;
  for (let k = 1; k < input.inputs.length; k++) {
    const d = decodeInput(input, k);
    const rows = int32Column(d, 'row', 'drops');
    const ks = int32Column(d, 'keptShard', 'drops');
    const kr = int32Column(d, 'keptRow', 'drops');
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r < 0 || r >= rowsIn) throw QuiverError.nonRetryable('INTERNAL', `dedupe task ${input.task.id}: drops object ${input.task.inputs[k]?.uri ?? k} names row ${r} of a ${rowsIn}-row shard`);
      if (keptShard[r] === -1) dropped++;
      keptShard[r] = ks[i]!;
      keptRow[r] = kr[i]!;
    }
  }
  const name = partName(input.task.index);
  if (dropped === 0) {
    return { objects: [{ name, bytes: input.inputs[0]!, rows: rowsIn }], stats: { rowsIn, rowsOut: rowsIn, quarantined: 0, deduplicated: 0, examples: [] } };
  }
  const examples: DuplicateExample[] = [];
  for (let row = 0; row < rowsIn && examples.length < EXAMPLES_PER_SHARD; row++) {
    if (keptShard[row] === -1) continue;
    const values: Record<string, Value> = {};
    for (const f of plan.schema.fields) values[f.name] = valueAt(table, f.name, row);
    examples.push({ shard: input.task.index, row, keptShard: keptShard[row]!, keptRow: keptRow[row]!, values });
  }
  const batches: RecordBatch[] = [];
  let base = 0;
  for (const batch of table.batches) {
    const at = base;
    let count = 0;
    for (let i = 0; i < batch.numRows; i++) if (keptShard[at + i] === -1) count++;
    base += batch.numRows;
    if (count > 0) batches.push(count === batch.numRows ? batch : dropRows(batch, (i) => keptShard[at + i] !== -1));
  }
  const out = makeTable(new Schema(table.schema.fields), batches);
  const stats = { rowsIn, rowsOut: out.numRows, quarantined: 0, deduplicated: dropped, examples };
  return { objects: [{ name, bytes: encodeTable(out), rows: out.numRows }], stats };
}

export function dedupeKernel(input: KernelInput): KernelResult {
  switch (input.task.phase) {
    case 0:
      return keysPhase(input);
    case 1:
      return decidePhase(input);
    default:
      return rewritePhase(input);
  }
}
