/**
 * Phase 0 of a hash join: one task per input shard of either side splits the shard's rows by
 * the hash of their key into P pieces, `<side>-<shard>-<partition>.arrow` (empty pieces are not
 * written). Rows with a null key never match; they are spread by row number so that a left
 * join still outputs them, without piling them onto one partition. The right side keeps only
 * the columns the join outputs (its keys alone for an anti join).
 *
 * ```ts
 * partitionKernel({ task, inputs: [shardBytes] }); // task.params: { plan, side: 'left', shard: 3 }
 * ```
 *
 * Stats: rowsIn = rowsOut = the shard's rows for the left side, 0 for the right side (so the
 * stage's rowsIn counts left rows, as the final phase does); `partitionedRows` for both.
 */
import { Field, Schema } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { encodeTable } from '../../arrow/ipc.js';
import { makeBatch, makeTable, takeData } from '../../expr/batch.js';
import type { FieldDef } from '../../dataset.js';
import { arrowType } from '../../arrow/schema.js';
import { decodeInput } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { columnOf } from './arrow.js';
import { partitionOf, readKeys } from './keys.js';
import type { JoinPlan } from './spec.js';

export interface PartitionParams {
  plan: JoinPlan;
  side: 'left' | 'right';
  /** Index of the shard in its side's dataset. */
  shard: number;
}

/** `left-00003-007.arrow`: left shard 3's rows of partition 7. */
export function pieceName(side: 'left' | 'right', shard: number, partition: number): string {
  return `${side}-${String(shard).padStart(5, '0')}-${String(partition).padStart(3, '0')}.arrow`;
}

const PIECE_RE = /(?:^|\/)(left|right)-(\d+)-(\d+)\.arrow$/;

/** Side and partition of a piece's URI, or undefined when it is not one. */
export function pieceOfUri(uri: string): { side: 'left' | 'right'; partition: number } | undefined {
  const m = PIECE_RE.exec(uri);
  return m === null ? undefined : { side: m[1] as 'left' | 'right', partition: Number(m[3]) };
}

/** The columns a side's pieces carry. */
export function pieceFields(plan: JoinPlan, side: 'left' | 'right'): FieldDef[] {
  if (side === 'left') return plan.left;
  return [...plan.rightKeys, ...plan.right.map((c): FieldDef => ({ name: c.name, type: c.type, nullable: true }))];
}

export function partitionKernel(input: KernelInput): KernelResult {
  const { plan, side, shard } = input.task.params as PartitionParams;
  const table = decodeInput(input);
  const what = `shard ${input.task.inputs[0]?.uri ?? ''} (${side} input '${side === 'left' ? plan.leftStage : plan.rightStage}')`;
  const fields = pieceFields(plan, side);
  const keyNames = (side === 'left' ? plan.leftKeys : plan.rightKeys).map((k) => k.name);
  const arrowFields = fields.map((f) => new Field(f.name, arrowType(f.type), true));
  const P = plan.partitions;
  const batches: RecordBatch[][] = Array.from({ length: P }, () => []);
  let row = 0;
  for (const batch of table.batches) {
    const n = batch.numRows;
    const cols = fields.map((f) => columnOf(batch, f.name, f.type, what));
    const keys = readKeys(batch, keyNames, what);
    const part = new Int32Array(n);
    const counts = new Int32Array(P);
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const p = k === null ? (row + i) % P : partitionOf(k, P);
      part[i] = p;
      counts[p]!++;
    }
    row += n;
    const idx = Array.from(counts, (c) => new Int32Array(c));
    const fill = new Int32Array(P);
    for (let i = 0; i < n; i++) idx[part[i]!]![fill[part[i]!]!++] = i;
    for (let p = 0; p < P; p++) {
      const c = counts[p]!;
      if (c > 0) batches[p]!.push(makeBatch(arrowFields, cols.map((d) => takeData(d, idx[p]!, c)), c));
    }
  }
  const schema = new Schema(arrowFields);
  const objects: KernelObject[] = [];
  batches.forEach((bs, p) => {
    if (bs.length === 0) return;
    const t = makeTable(schema, bs);
    objects.push({ name: pieceName(side, shard, p), bytes: encodeTable(t), rows: t.numRows });
  });
  const rows = table.numRows;
  const counted = side === 'left' ? rows : 0;
  return { objects, stats: { rowsIn: counted, rowsOut: counted, quarantined: 0, side, partitionedRows: rows } };
}
