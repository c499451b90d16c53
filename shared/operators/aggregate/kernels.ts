/**
 * The aggregate's two kernels.
 *
 * Phase 0 (one task per input shard): folds the shard's rows into partial states per group and
 * writes the groups of partition r (hash of the key mod R) to `partial-<shard>-<r>.arrow`.
 * Phase 1 (one task per partition): merges every partial file of its partition, in shard
 * order, and writes the final rows, sorted by key, to `part-<r>.arrow`.
 *
 * Record counts: phase 0 rowsIn = input rows, rowsOut = partial rows written; phase 1 rowsIn =
 * partial rows read, rowsOut = groups written. `merged` = rowsIn - rowsOut (rows folded into a
 * group another row already opened), so rowsIn = rowsOut + merged + quarantined per task.
 */
import { Field, Schema } from 'apache-arrow';
import type { Data, Table } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import { dataFromValues, makeBatch, makeTable } from '../../expr/batch.js';
import { readValues } from '../../expr/columns.js';
import { arrowField, checkShardColumns, decodeInput, partName } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { makeAccumulator } from './accumulators.js';
import type { Accumulator } from './accumulators.js';
import { Groups } from './groups.js';
import type { AggPlan } from './spec.js';
import { outputSchema } from './spec.js';

/** `partial-00003-007.arrow`: shard 3's groups of partition 7. */
export function partialName(shard: number, partition: number): string {
  return `partial-${String(shard).padStart(5, '0')}-${String(partition).padStart(3, '0')}.arrow`;
}

const PARTIAL_RE = /partial-(\d+)-(\d+)\.arrow$/;

/** The partition of a partial file's URI, or undefined when it is not one. */
export function partitionOfUri(uri: string): number | undefined {
  const m = PARTIAL_RE.exec(uri);
  return m === null ? undefined : Number(m[2]);
}

function encode(fields: Field[], children: Data[], rows: number): Uint8Array {
  const table = makeTable(new Schema(fields), rows === 0 ? [] : [makeBatch(fields, children, rows)]);
  return encodeTable(table);
}

function keyFields(plan: AggPlan): Field[] {
  return plan.by.map((f, j) => new Field(`k${j}`, arrowField(f).type, true));
}

function keyData(plan: AggPlan, groups: Groups, order: Int32Array): Data[] {
  return plan.by.map((f, j) => dataFromValues(f.type, Array.from(order, (g) => groups.keys[j]![g]!)));
}

function columnsByName(table: Table, batchIndex: number): (name: string) => Data {
  const batch = table.batches[batchIndex]!;
  return (name) => {
    const at = table.schema.fields.findIndex((f) => f.name === name);
    if (at < 0) throw new Error(`internal: partial file has no column ${name}`);
    return batch.data.children[at]!;
  };
}

export function aggregatePhase0(input: KernelInput): KernelResult {
  const plan = input.task.params as AggPlan;
  const table = decodeInput(input);
  const used = [...plan.by, ...plan.aggs.filter((a) => a.column !== undefined).map((a) => ({ name: a.column!, type: a.type!, nullable: true }))];
  checkShardColumns(table, used, input);
  const groups = new Groups(plan.by.length);
  const accs: Accumulator[] = plan.aggs.map(makeAccumulator);
  for (let b = 0; b < table.batches.length; b++) {
    const batch = table.batches[b]!;
    const col = columnsByName(table, b);
    const cache = new Map<string, Value[]>();
    const values = (name: string): Value[] => {
      let v = cache.get(name);
      if (v === undefined) cache.set(name, (v = readValues(col(name))));
      return v;
    };
    const gids = groups.assign(plan.by.map((f) => values(f.name)), batch.numRows);
    for (const acc of accs) acc.grow(groups.size);
    plan.aggs.forEach((a, k) => accs[k]!.addRows(gids, batch.numRows, a.column === undefined ? null : values(a.column)));
  }
  // Group ids of each partition, in first-seen order.
  const parts: number[][] = Array.from({ length: plan.partitions }, () => []);
  for (let g = 0; g < groups.size; g++) parts[groups.partitionOf(g, plan.partitions)]!.push(g);
  const fields = [...keyFields(plan), ...accs.flatMap((a) => a.partialFields)];
  const objects: KernelObject[] = [];
  const partials: { partition: number; rows: number }[] = [];
  parts.forEach((gs, r) => {
    if (gs.length === 0) return;
    const order = Int32Array.from(gs);
    const children = [...keyData(plan, groups, order), ...accs.flatMap((a) => a.partialData(order))];
    objects.push({ name: partialName(input.task.index, r), bytes: encode(fields, children, gs.length), rows: gs.length });
    partials.push({ partition: r, rows: gs.length });
  });
  const rowsIn = table.numRows;
  return { objects, stats: { rowsIn, rowsOut: groups.size, quarantined: 0, merged: rowsIn - groups.size, groups: groups.size, partials } };
}

export function aggregatePhase1(input: KernelInput): KernelResult {
  const plan = input.task.params as AggPlan;
  const groups = new Groups(plan.by.length);
  const accs: Accumulator[] = plan.aggs.map(makeAccumulator);
  let rowsIn = 0;
  input.inputs.forEach((_, k) => {
    const table = decodeInput(input, k);
    rowsIn += table.numRows;
    for (let b = 0; b < table.batches.length; b++) {
      const batch = table.batches[b]!;
      const col = columnsByName(table, b);
      const gids = groups.assign(plan.by.map((_f, j) => readValues(col(`k${j}`))), batch.numRows);
      for (const acc of accs) acc.grow(groups.size);
      for (const acc of accs) acc.mergeRows(gids, batch.numRows, col);
    }
  });
  // SQL: a global aggregate over no rows still gives one row (count 0, sum null...).
  if (plan.by.length === 0 && input.task.index === 0) {
    groups.ensureGlobal();
    for (const acc of accs) acc.grow(groups.size);
  }
  const stats = { rowsIn, rowsOut: groups.size, quarantined: 0, merged: rowsIn - groups.size };
  if (groups.size === 0) return { objects: [], stats };
  const order = groups.sortedOrder();
  const schema = outputSchema(plan);
  const fields = schema.fields.map(arrowField);
  const children = [...keyData(plan, groups, order), ...accs.map((a) => a.finalData(order))];
  return { objects: [{ name: partName(input.task.index), bytes: encode(fields, children, groups.size), rows: groups.size }], stats };
}
