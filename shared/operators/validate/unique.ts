/**
 * Unique keys across shards. The scan phase writes, per input shard, the key of every row
 * (as text) hash-partitioned into `keys-<shard>-<partition>.arrow`. The keys phase runs one
 * task per partition: it reads the partition's key files in shard order, keeps the first
 * row of each key (lowest shard, then lowest row) and writes every later row as a duplicate,
 * with its reason, to `dups-<shard>-<partition>.arrow`. The check phase of shard s reads the
 * `dups-<s>-*` files and fails those rows.
 *
 * A key's text is `col=value` per key column (`customer_id=42`, `first="Ann", last="Lee"`):
 * ints exact (beyond 2^53 too), text JSON-quoted, dates and timestamps ISO. A row with a
 * missing key part (null, empty or blank text) has no key and is never a duplicate.
 *
 * ```ts
 * const objects = keyObjects(plan, table, shardIndex);   // scan phase
 * const { objects, stats } = findDuplicates(input);      // keys phase
 * ```
 */
import type { Data, Table } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../arrow/columns.js';
import type { Value } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import type { SchemaDef } from '../../dataset.js';
import { readValues } from '../../expr/columns.js';
import { readInt64Exact } from '../aggregate/arrow.js';
import { decodeInput } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import type { Rule, ValidatePlan } from './rules.js';
import { show } from './show.js';

type UniqueRule = Rule & { kind: 'unique' };

const KEYS_SCHEMA: SchemaDef = {
  fields: [
    { name: 'key', type: 'string', nullable: false },
    { name: 'row', type: 'int', nullable: false },
    { name: 'rule', type: 'int', nullable: false },
  ],
};

const DUPS_SCHEMA: SchemaDef = {
  fields: [
    { name: 'row', type: 'int', nullable: false },
    { name: 'rule', type: 'int', nullable: false },
    { name: 'reason', type: 'string', nullable: false },
  ],
};

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function keysName(shard: number, partition: number): string {
  return `keys-${pad(shard, 5)}-${pad(partition, 3)}.arrow`;
}

export function dupsName(shard: number, partition: number): string {
  return `dups-${pad(shard, 5)}-${pad(partition, 3)}.arrow`;
}

/** The partition of a key file's URI, or undefined. */
export function partitionOfKeys(uri: string): number | undefined {
  const m = /keys-(\d+)-(\d+)\.arrow$/.exec(uri);
  return m === null ? undefined : Number(m[2]);
}

/** The input shard a duplicates file is for, or undefined. */
export function shardOfDups(uri: string): number | undefined {
  const m = /dups-(\d+)-(\d+)\.arrow$/.exec(uri);
  return m === null ? undefined : Number(m[1]);
}

/** Missing: null, or text that is empty or only white space. */
export function isMissing(v: Value | bigint | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** FNV-1a over the UTF-16 code units. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function columnData(table: Table, batch: number, name: string): Data {
  const at = table.schema.fields.findIndex((f) => f.name === name);
  return table.batches[batch]!.data.children[at]!;
}

/** The key text of every row of the shard for one unique rule; null where a key part is missing. */
export function keyTexts(table: Table, rule: UniqueRule): (string | null)[] {
  const out: (string | null)[] = [];
  for (let b = 0; b < table.batches.length; b++) {
    const parts = rule.key.map((name, j) => {
      const data = columnData(table, b, name);
      return rule.types[j] === 'int' ? readInt64Exact(data) : readValues(data);
    });
    const n = table.batches[b]!.numRows;
    for (let i = 0; i < n; i++) {
      let text = '';
      for (let j = 0; j < parts.length; j++) {
        const v = parts[j]![i]!;
        if (isMissing(v)) {
          text = '';
          break;
        }
        text += `${j > 0 ? ', ' : ''}${rule.key[j]!}=${typeof v === 'string' ? JSON.stringify(v) : show(v, rule.types[j]!)}`;
      }
      out.push(text === '' ? null : text);
    }
  }
  return out;
}

/** Scan phase: the shard's keys of every unique rule, by partition. */
export function keyObjects(plan: ValidatePlan, table: Table, shard: number): { objects: KernelObject[]; keys: number } {
  const builders = Array.from({ length: plan.partitions }, () => KEYS_SCHEMA.fields.map((f) => new ColumnBuilder(f.type)));
  let keys = 0;
  plan.rules.forEach((rule, r) => {
    if (rule.kind !== 'unique') return;
    keyTexts(table, rule).forEach((key, row) => {
      if (key === null) return;
      const b = builders[hash(`${r}\u0000${key}`) % plan.partitions]!;
      b[0]!.append(key);
      b[1]!.append(row);
      b[2]!.append(r);
      keys++;
    });
  });
  const objects = builders.flatMap((b, p): KernelObject[] => {
    const rows = b[0]!.length;
    return rows === 0 ? [] : [{ name: keysName(shard, p), bytes: encodeTable(tableFromBuilders(KEYS_SCHEMA, b)), rows }];
  });
  return { objects, keys };
}

/** Keys-phase task parameters. */
export interface KeysParams {
  step: 'keys';
  partition: number;
  /** For each input (a key file, in shard order): the input shard's index and URI. */
  sources: { shard: number; uri: string }[];
}

interface Dup {
  row: number;
  rule: number;
  reason: string;
}

/** Keys phase: duplicates of one partition's keys, first occurrence kept, per input shard. */
export function findDuplicates(input: KernelInput): KernelResult {
  const p = input.task.params as KeysParams;
  const first = new Map<string, { source: number; row: number }>();
  const dups = new Map<number, Dup[]>();
  let rowsIn = 0;
  p.sources.forEach((src, k) => {
    const table = decodeInput(input, k);
    rowsIn += table.numRows;
    const col = (name: string): Value[] => table.batches.flatMap((_, b) => readValues(columnData(table, b, name)));
    const keys = col('key');
    const rows = col('row');
    const rules = col('rule');
    keys.forEach((key, i) => {
      const id = `${String(rules[i])}\u0000${String(key)}`;
      const seen = first.get(id);
      if (seen === undefined) {
        first.set(id, { source: k, row: rows[i] as number });
        return;
      }
      const at = p.sources[seen.source]!;
      const list = dups.get(src.shard) ?? [];
      list.push({ row: rows[i] as number, rule: rules[i] as number, reason: `duplicate key ${String(key)} (first at ${at.uri} row ${seen.row + 1})` });
      dups.set(src.shard, list);
    });
  });
  const objects: KernelObject[] = [];
  let found = 0;
  for (const [shard, list] of [...dups.entries()].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.row - b.row || a.rule - b.rule);
    const builders = DUPS_SCHEMA.fields.map((f) => new ColumnBuilder(f.type, list.length));
    for (const d of list) {
      builders[0]!.append(d.row);
      builders[1]!.append(d.rule);
      builders[2]!.append(d.reason);
    }
    objects.push({ name: dupsName(shard, p.partition), bytes: encodeTable(tableFromBuilders(DUPS_SCHEMA, builders)), rows: list.length });
    found += list.length;
  }
  return { objects, stats: { step: 'keys', rowsIn, rowsOut: found, quarantined: 0, duplicates: found } };
}

/** Check phase: the duplicate reasons of a shard's rows, from its `dups-*` inputs (inputs 1...). */
export function readDuplicates(input: KernelInput): Map<number, Dup[]> {
  const out = new Map<number, Dup[]>();
  for (let k = 1; k < input.inputs.length; k++) {
    const table = decodeInput(input, k);
    for (let b = 0; b < table.batches.length; b++) {
      const rows = readValues(columnData(table, b, 'row'));
      const rules = readValues(columnData(table, b, 'rule'));
      const reasons = readValues(columnData(table, b, 'reason'));
      rows.forEach((row, i) => {
        const list = out.get(row as number) ?? [];
        list.push({ row: row as number, rule: rules[i] as number, reason: reasons[i] as string });
        out.set(row as number, list);
      });
    }
  }
  return out;
}
