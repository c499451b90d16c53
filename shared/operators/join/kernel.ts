/**
 * The join kernel, shared by both strategies: task inputs are `leftCount` left objects, then
 * the right objects. It builds a hash table over the right rows (in input order), then streams
 * the left rows in order and writes `part-<task index>.arrow`: a hash join's partition task
 * reads its partition's pieces of both sides; a broadcast task reads one left shard and every
 * right shard.
 *
 * ```ts
 * joinKernel({ task, inputs }); // task.params: { plan, leftCount: 1, reportRight: true }
 * ```
 *
 * Null keys never match. Right keys on several rows: `allow` joins each (one output row per
 * match, SQL), `first` the first in input order, `error` writes nothing and reports counts and
 * examples; the coordinator then fails the stage (see ./stats.ts). An anti join ignores them.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { Schema } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import { makeBatch, makeTable, takeData } from '../../expr/batch.js';
import { arrowField, decodeInput, partName } from '../rowwise.js';
import type { KernelInput, KernelResult } from '../types.js';
import { columnOf, concatData, takeOrNull } from './arrow.js';
import { keyValues, readKeys } from './keys.js';
import type { Key } from './keys.js';
import { outputSchema } from './spec.js';
import type { JoinPlan } from './spec.js';
import { MAX_EXAMPLES } from './stats.js';
import type { DuplicateExample, JoinStats } from './stats.js';

export interface JoinParams {
  plan: JoinPlan;
  /** How many of the task's inputs are left objects (they come first). */
  leftCount: number;
  /** Whether this task reports the right side's counts (false for broadcast tasks but the first). */
  reportRight: boolean;
}

/** The right side: its rows' output columns and the rows of each key. */
interface BuildSide {
  columns: Data[];
  rows: number;
  nullKeys: number;
  /** Key → group id (first-seen order). */
  groups: Map<Key, number>;
  /** Right rows of group g: `members[start[g] .. start[g + 1])`, in input order. */
  start: Int32Array;
  members: Int32Array;
  duplicateKeys: number;
  duplicateRows: number;
  examples: DuplicateExample[];
}

function what(input: KernelInput, k: number, side: string, stage: string): string {
  return `${side} input '${stage}' object ${input.task.inputs[k]?.uri ?? k}`;
}

function build(input: KernelInput, p: JoinParams): BuildSide {
  const { plan } = p;
  const batches: { batch: RecordBatch; what: string }[] = [];
  for (let k = p.leftCount; k < input.inputs.length; k++) {
    const w = what(input, k, 'right', plan.rightStage);
    for (const batch of decodeInput(input, k).batches) batches.push({ batch, what: w });
  }
  const keyNames = plan.rightKeys.map((f) => f.name);
  const keys = batches.map(({ batch, what: w }) => {
    for (const f of plan.rightKeys) columnOf(batch, f.name, f.type, w);
    return readKeys(batch, keyNames, w);
  });
  const rows = keys.reduce((n, k) => n + k.length, 0);
  const groups = new Map<Key, number>();
  const counts: number[] = [];
  const firstRow: number[] = [];
  const rowGroup = new Int32Array(rows);
  let nullKeys = 0;
  let row = 0;
  for (const batchKeys of keys) {
    for (const key of batchKeys) {
      if (key === null) {
        nullKeys++;
        rowGroup[row++] = -1;
        continue;
      }
      let g = groups.get(key);
      if (g === undefined) {
        g = counts.length;
        groups.set(key, g);
        counts.push(0);
        firstRow.push(row);
      }
      counts[g]!++;
      rowGroup[row++] = g;
    }
  }
  const start = new Int32Array(counts.length + 1);
  for (let g = 0; g < counts.length; g++) start[g + 1] = start[g]! + counts[g]!;
  const fill = start.slice(0, counts.length);
  const members = new Int32Array(start[counts.length]!);
  for (let r = 0; r < rows; r++) {
    const g = rowGroup[r]!;
    if (g >= 0) members[fill[g]!++] = r;
  }
  let duplicateKeys = 0;
  let duplicateRows = 0;
  const dupGroups: number[] = [];
  counts.forEach((c, g) => {
    if (c < 2) return;
    duplicateKeys++;
    duplicateRows += c - 1;
    dupGroups.push(g);
  });
  const examples = dupGroups
    .sort((a, b) => counts[b]! - counts[a]! || a - b)
    .slice(0, MAX_EXAMPLES)
    .map((g) => ({ key: keyAt(batches, plan, firstRow[g]!), rows: counts[g]! }));
  const columns = plan.right.map((c) => concatData(c.type, batches.map(({ batch, what: w }) => columnOf(batch, c.name, c.type, w))));
  return { columns, rows, nullKeys, groups, start, members, duplicateKeys, duplicateRows, examples };
}

/** The key columns' values of right row `row` (for messages). */
function keyAt(batches: readonly { batch: RecordBatch }[], plan: JoinPlan, row: number): Record<string, Value> {
  let r = row;
  for (const { batch } of batches) {
    if (r < batch.numRows) {
      return Object.fromEntries(plan.rightKeys.map((f) => [f.name, keyValues(columnOf(batch, f.name, f.type, 'right input')).at(r) ?? null]));
    }
    r -= batch.numRows;
  }
  return {};
}

/** Left keys on more than one row: `hits` counts matched keys by group, `misses` the rest. */
function countDuplicates(hits: Int32Array, misses: Map<Key, number>): { keys: number; rows: number } {
  let keys = 0;
  let rows = 0;
  const add = (c: number): void => {
    if (c > 1) {
      keys++;
      rows += c - 1;
    }
  };
  hits.forEach(add);
  for (const c of misses.values()) add(c);
  return { keys, rows };
}

export function joinKernel(input: KernelInput): KernelResult {
  const p = input.task.params as JoinParams;
  const { plan } = p;
  const right = build(input, p);
  const stats: JoinStats = {
    rowsIn: 0,
    rowsOut: 0,
    quarantined: 0,
    leftRows: 0,
    matchedLeft: 0,
    unmatchedLeft: 0,
    leftNullKeys: 0,
    leftDuplicateKeys: 0,
    leftDuplicateRows: 0,
    rightRows: p.reportRight ? right.rows : 0,
    rightNullKeys: p.reportRight ? right.nullKeys : 0,
    rightDuplicateKeys: p.reportRight ? right.duplicateKeys : 0,
    rightDuplicateRows: p.reportRight ? right.duplicateRows : 0,
    matchedPairs: 0,
    duplicateExamples: p.reportRight ? right.examples : [],
  };
  const failing = plan.duplicates === 'error' && plan.how !== 'anti' && right.duplicateKeys > 0;
  const fields = outputSchema(plan).fields.map(arrowField);
  const out: RecordBatch[] = [];
  const leftKeyNames = plan.leftKeys.map((f) => f.name);
  const hits = new Int32Array(right.groups.size);
  const misses = new Map<Key, number>();
  const multi = plan.duplicates === 'allow';
  for (let k = 0; k < p.leftCount; k++) {
    const w = what(input, k, 'left', plan.leftStage);
    for (const batch of decodeInput(input, k).batches) {
      const n = batch.numRows;
      stats.leftRows += n;
      const keys = readKeys(batch, leftKeyNames, w);
      const leftIdx: number[] = [];
      const rightIdx: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        const g = key === null ? undefined : right.groups.get(key);
        if (key === null) stats.leftNullKeys++;
        else if (g === undefined) misses.set(key, (misses.get(key) ?? 0) + 1);
        else hits[g]!++;
        if (g === undefined) {
          stats.unmatchedLeft++;
          if (plan.how !== 'inner') {
            leftIdx.push(i);
            rightIdx.push(-1);
          }
          continue;
        }
        stats.matchedLeft++;
        if (plan.how === 'anti') continue;
        const end = multi ? right.start[g + 1]! : right.start[g]! + 1;
        for (let m = right.start[g]!; m < end; m++) {
          leftIdx.push(i);
          rightIdx.push(right.members[m]!);
          stats.matchedPairs++;
        }
      }
      const count = leftIdx.length;
      if (failing || count === 0) continue;
      const li = Int32Array.from(leftIdx);
      const ri = Int32Array.from(rightIdx);
      const children = [
        ...plan.left.map((f) => takeData(columnOf(batch, f.name, f.type, w), li, count)),
        ...plan.right.map((c, j) => takeOrNull(right.columns[j]!, c.type, ri, count)),
      ];
      out.push(makeBatch(fields, children, count));
    }
  }
  const dups = countDuplicates(hits, misses);
  stats.leftDuplicateKeys = dups.keys;
  stats.leftDuplicateRows = dups.rows;
  stats.rowsIn = stats.leftRows;
  if (out.length === 0) return { objects: [], stats };
  const table = makeTable(new Schema(fields), out);
  stats.rowsOut = table.numRows;
  return { objects: [{ name: partName(input.task.index), bytes: encodeTable(table), rows: table.numRows }], stats };
}
