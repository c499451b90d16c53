/**
 * Records → Arrow shards, through the NDJSON reader: each record (flattened one level, see
 * records.ts) becomes one NDJSON line; every `shardRows` lines are read with the stage schema
 * into one shard. Records a column's type cannot take go to the quarantine, their position
 * written as `page 3 record 17` (source: the page's URL; line: the record's number in its page).
 *
 * Outputs: `part-<task>-<k>.arrow` (k = 0000, 0001...; one empty shard when the task read no
 * rows) and `quarantine-<task>.ndjson`.
 *
 * ```ts
 * const w = new ShardWriter({ schema, taskIndex: 3, shardRows: 65536, nullValues, flatten: true });
 * for await (const page of walkPages(...)) w.addPage(page);
 * const { objects, stats } = w.finish();
 * ```
 */
import type { SchemaDef } from '../../dataset.js';
import { encodeTable } from '../../arrow/ipc.js';
import { readNdjson } from '../../formats/ndjson-read.js';
import { encodeQuarantine } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';
import type { KernelObject } from '../../operators/types.js';
import type { Page } from './pagination.js';
import { flattenRecord } from './records.js';

const encoder = new TextEncoder();
/** Unknown keys remembered for the stats and the warning. */
const MAX_IGNORED_KEYS = 20;

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export interface ShardWriterOptions {
  /** The stage schema (all fields are written nullable). */
  schema: SchemaDef;
  taskIndex: number;
  shardRows: number;
  nullValues: readonly string[];
  flatten: boolean;
}

interface Position {
  page: number;
  record: number;
  url: string;
}

export interface ShardTotals {
  rowsIn: number;
  rowsOut: number;
  quarantined: number;
  /** Nulls per schema field. */
  nulls: number[];
  /** Record keys not in the schema (dropped), at most 20. */
  ignoredKeys: string[];
}

/** `line 4, key "x": ...` from the NDJSON reader → `page 3 record 4, key "x": ...`. */
function reasonAt(reason: string, pos: Position): string {
  const m = /^line \d+(: |, )/.exec(reason);
  const rest = m === null ? reason : reason.slice(m[0].length);
  return `page ${pos.page} record ${pos.record}${m === null ? ': ' : m[1]}${rest.replace(/^(line )?holds/, 'record holds')}`;
}

export class ShardWriter {
  private readonly opts: ShardWriterOptions;
  private readonly schema: SchemaDef;
  private readonly names: Set<string>;
  private lines: string[] = [];
  private positions: Position[] = [];
  private readonly objects: KernelObject[] = [];
  private readonly quarantine: QuarantineRecord[] = [];
  private readonly ignored = new Set<string>();
  private readonly nulls: number[];
  private rowsIn = 0;
  private rowsOut = 0;

  constructor(options: ShardWriterOptions) {
    this.opts = options;
    this.schema = { fields: options.schema.fields.map((f) => ({ ...f, nullable: true })) };
    this.names = new Set(options.schema.fields.map((f) => f.name));
    this.nulls = new Array<number>(options.schema.fields.length).fill(0);
  }

  addPage(page: Page): void {
    page.records.forEach((r, i) => {
      const rec = this.opts.flatten ? flattenRecord(r) : r;
      if (this.ignored.size < MAX_IGNORED_KEYS && typeof rec === 'object' && rec !== null && !Array.isArray(rec)) {
        for (const k of Object.keys(rec)) if (!this.names.has(k) && this.ignored.size < MAX_IGNORED_KEYS) this.ignored.add(k);
      }
      this.lines.push(JSON.stringify(rec));
      this.positions.push({ page: page.number, record: i + 1, url: page.url });
      if (this.lines.length >= this.opts.shardRows) this.flush();
    });
  }

  private flush(): void {
    const bytes = encoder.encode(this.lines.join('\n'));
    const result = readNdjson(bytes, { schema: this.schema, nullValues: this.opts.nullValues, rowsHint: this.lines.length });
    for (const q of result.quarantine) {
      const pos = this.positions[q.line - 1]!;
      this.quarantine.push({ source: pos.url, line: pos.record, reason: reasonAt(q.reason, pos), raw: q.raw });
    }
    this.rowsIn += result.rowsIn;
    this.rowsOut += result.rowsOut;
    result.nullCounts.forEach((n, i) => (this.nulls[i]! += n));
    for (const table of result.tables) {
      if (table.numRows === 0) continue;
      this.objects.push({ name: `part-${pad(this.opts.taskIndex, 5)}-${pad(this.objects.length, 4)}.arrow`, bytes: encodeTable(table), rows: table.numRows });
    }
    this.lines = [];
    this.positions = [];
  }

  /** Writes what is left; the task's objects and totals. */
  finish(): { objects: KernelObject[]; totals: ShardTotals } {
    if (this.lines.length > 0) this.flush();
    const objects = [...this.objects];
    if (objects.length === 0) {
      // Every stage shard has the stage schema; a task without rows still writes one, empty.
      const empty = readNdjson(new Uint8Array(0), { schema: this.schema });
      objects.push({ name: `part-${pad(this.opts.taskIndex, 5)}-0000.arrow`, bytes: encodeTable(empty.tables[0]!), rows: 0 });
    }
    if (this.quarantine.length > 0) {
      objects.push({ name: `quarantine-${pad(this.opts.taskIndex, 5)}.ndjson`, bytes: encodeQuarantine(this.quarantine), rows: this.quarantine.length, kind: 'quarantine' });
    }
    return {
      objects,
      totals: { rowsIn: this.rowsIn, rowsOut: this.rowsOut, quarantined: this.quarantine.length, nulls: [...this.nulls], ignoredKeys: [...this.ignored] },
    };
  }
}
