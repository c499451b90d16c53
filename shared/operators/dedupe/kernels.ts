/**
 * The dedupe kernels, one per phase.
 *
 * - Phase 0 (a task per input shard): the key of every row (canonical text of the key values;
 *   keys over 64 characters as their SHA-256), hash-partitioned into P objects
 *   `keys-<shard>-<p>.arrow` of (k, row).
 * - Phase 1 (a task per partition): reads its partition's key objects in shard order and
 *   decides, per key, which occurrence survives (`keep: first` the earliest in dataset order,
 *   `last` the latest); writes the others as `drops-<p>-<shard>.arrow` of (row, keptShard,
 *   keptRow).
 * - Phase 2 (a task per input shard): removes its shard's dropped rows, keeping row order, and
 *   writes `part-<shard>.arrow` (the input bytes unchanged when nothing is dropped). Its stats
 *   count `deduplicated` rows, so rowsIn = rowsOut + deduplicated, and carry a few examples.
 *
 * ```ts
 * const result = dedupeKernel({ task, inputs });
 * ```
 */
import { createHash } from 'node:crypto';
import { Schema } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { makeTable, readColumnValues, takeBatch } from '../../expr/index.js';
import { hashText } from '../aggregate/groups.js';
import { checkShardColumns, decodeInput, partName } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { dropsName, keysName, parseKeysUri } from './spec.js';
import type { DedupePlan } from './spec.js';

/** Up to this many example duplicates per shard go into the stats. */
export const EXAMPLES_PER_SHARD = 3;
const HASH_ABOVE = 64;

const KEYS_SCHEMA: SchemaDef = {
  fields: [
    { name: 'k', type: 'string', nullable: false },
    { name: 'row', type: 'int', nullable: false },
  ],
};
const DROPS_SCHEMA: SchemaDef = {
  fields: [
    { name: 'row', type: 'int', nullable: false },
    { name: 'keptShard', type: 'int', nullable: false },
    { name: 'keptRow', type: 'int', nullable: false },
  ],
};

export interface DuplicateExample {
  shard: number;
  row: number;
  keptShard: number;
  keptRow: number;
  values: Record<string, Value>;
}

/** Unambiguous text of one value: strings carry their length, null its own mark, -0 is 0. */
function part(v: Value): string {
  if (v === null) return '\u0000';
  if (typeof v === 'string') return `${v.length}:${v}`;
  return typeof v === 'number' && v === 0 ? '0' : String(v);
}

export function keyOf(values: readonly Value[]): string {
  let text = '';
  for (const v of values) text += part(v) + '\u0001';
  return text.length <= HASH_ABOVE ? `t${text}` : `h${createHash('sha256').update(text).digest('base64')}`;
}

function encodeRows(schema: SchemaDef, cols: readonly (readonly number[])[] | readonly (readonly Value[])[]): Uint8Array {
  const builders = schema.fields.map((f, j) => {
    const values = cols[j]!;
    const b = new ColumnBuilder(f.type, values.length);
    for (const v of values) b.append(v);
    return b;
  });
  return encodeTable(tableFromBuilders(schema, builders));
}

export function keysPhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  const table = decodeInput(input);
  checkShardColumns(table, plan.schema.fields.filter((f) => plan.by.includes(f.name)), input);
  const cols = plan.by.map((c) => readColumnValues(table, c));
  const parts = Array.from({ length: plan.partitions }, () => ({ keys: [] as string[], rows: [] as number[] }));
  const row = new Array<Value>(cols.length);
  for (let i = 0; i < table.numRows; i++) {
    for (let j = 0; j < cols.length; j++) row[j] = cols[j]![i]!;
    const k = keyOf(row);
    const p = parts[plan.partitions === 1 ? 0 : hashText(k) % plan.partitions]!;
    p.keys.push(k);
    p.rows.push(i);
  }
  const objects: KernelObject[] = [];
  parts.forEach((p, r) => {
    if (p.rows.length > 0) objects.push({ name: keysName(input.task.index, r), bytes: encodeRows(KEYS_SCHEMA, [p.keys, p.rows]), rows: p.rows.length });
  });
  return { objects, stats: { rowsIn: table.numRows, rowsOut: table.numRows, quarantined: 0 } };
}

export function decidePhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  /** key → [shard, row] of the occurrence that survives. */
  const kept = new Map<string, [number, number]>();
  const drops = new Map<number, [number[], number[], number[]]>();
  const drop = (shard: number, row: number, by: [number, number]): void => {
    let d = drops.get(shard);
    if (d === undefined) drops.set(shard, (d = [[], [], []]));
    d[0].push(row);
    d[1].push(by[0]);
    d[2].push(by[1]);
  };
  let rowsIn = 0;
  const order = input.task.inputs.map((ref, k) => ({ k, shard: parseKeysUri(ref.uri)?.shard ?? -1 }));
  if (order.some((o) => o.shard < 0)) throw QuiverError.nonRetryable('INTERNAL', `dedupe task ${input.task.id}: an input is not a keys object`);
  order.sort((a, b) => a.shard - b.shard);
  const seen: [string, number, number][] = [];
  for (const { k, shard } of order) {
    const table = decodeInput(input, k);
    const keys = readColumnValues(table, 'k') as string[];
    const rows = readColumnValues(table, 'row') as number[];
    rowsIn += table.numRows;
    for (let i = 0; i < keys.length; i++) seen.push([keys[i]!, shard, rows[i]!]);
  }
  // In dataset order (shard, then row; a keys object lists its rows ascending): the survivor of each key.
  for (const [key, shard, row] of seen) if (plan.keep === 'last' || !kept.has(key)) kept.set(key, [shard, row]);
  for (const [key, shard, row] of seen) {
    const survivor = kept.get(key)!;
    if (survivor[0] !== shard || survivor[1] !== row) drop(shard, row, survivor);
  }
  const objects: KernelObject[] = [];
  let rowsOut = 0;
  for (const [shard, d] of [...drops].sort((a, b) => a[0] - b[0])) {
    objects.push({ name: dropsName(input.task.index, shard), bytes: encodeRows(DROPS_SCHEMA, d), rows: d[0].length });
    rowsOut += d[0].length;
  }
  return { objects, stats: { rowsIn, rowsOut, quarantined: 0 } };
}

export function rewritePhase(input: KernelInput): KernelResult {
  const plan = input.task.params as DedupePlan;
  const table = decodeInput(input, 0);
  checkShardColumns(table, plan.schema.fields, input);
  const dropped = new Map<number, [number, number]>();
  for (let k = 1; k < input.inputs.length; k++) {
    const d = decodeInput(input, k);
    const rows = readColumnValues(d, 'row') as number[];
    const ks = readColumnValues(d, 'keptShard') as number[];
    const kr = readColumnValues(d, 'keptRow') as number[];
    rows.forEach((r, i) => dropped.set(r, [ks[i]!, kr[i]!]));
  }
  const rowsIn = table.numRows;
  const name = partName(input.task.index);
  if (dropped.size === 0) {
    return { objects: [{ name, bytes: input.inputs[0]!, rows: rowsIn }], stats: { rowsIn, rowsOut: rowsIn, quarantined: 0, deduplicated: 0, examples: [] } };
  }
  const examples: DuplicateExample[] = [];
  const cols = plan.schema.fields.map((f) => [f.name, readColumnValues(table, f.name)] as const);
  for (const [row, [keptShard, keptRow]] of [...dropped].sort((a, b) => a[0] - b[0]).slice(0, EXAMPLES_PER_SHARD)) {
    const values: Record<string, Value> = {};
    for (const [n, v] of cols) values[n] = v[row] ?? null;
    examples.push({ shard: input.task.index, row, keptShard, keptRow, values });
  }
  const batches: RecordBatch[] = [];
  let base = 0;
  for (const batch of table.batches) {
    const idx = new Int32Array(batch.numRows);
    let count = 0;
    for (let i = 0; i < batch.numRows; i++) if (!dropped.has(base + i)) idx[count++] = i;
    base += batch.numRows;
    if (count > 0) batches.push(count === batch.numRows ? batch : takeBatch(batch, idx, count));
  }
  const out = makeTable(new Schema(table.schema.fields), batches);
  const stats = { rowsIn, rowsOut: out.numRows, quarantined: 0, deduplicated: dropped.size, examples };
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
