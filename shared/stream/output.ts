/**
 * Where a stream's data goes in the object store, under the spec's `output`:
 *
 * ```
 * <output>/readings/date=YYYY-MM-DD/part-000000.arrow     accepted readings (Arrow IPC, the spec's schema)
 * <output>/windows/date=YYYY-MM-DD/part-000000.arrow      closed windows (key, window_start, window_end, count, <field>_{count,mean,min,max})
 * <output>/quarantine/date=YYYY-MM-DD/part-000000.ndjson  rejected messages: {source: topic, line: message number, reason, raw}
 * <output>/alerts/date=YYYY-MM-DD/part-000000.ndjson      alerts raised, one JSON object per line
 * ```
 *
 * Readings and windows are partitioned by event date (UTC), so one batch spanning midnight
 * becomes two shards; quarantine by the date the message arrived, alerts by window start.
 * Each kind numbers its parts with one sequence, resumed from the highest part already in
 * the store, so a restarted stream never overwrites earlier parts.
 *
 * ```ts
 * const out = new StreamOutput(store, plan.output, { readings: schema, windows: wschema, time: 'ts' });
 * await out.init();
 * const shards = await out.writeReadings(rows);
 * ```
 */
import type { Value } from '../arrow/columns.js';
import { ColumnBuilder, tableFromBuilders } from '../arrow/columns.js';
import { encodeTable } from '../arrow/ipc.js';
import type { SchemaDef, ShardRef } from '../dataset.js';
import { encodeQuarantine } from '../formats/quarantine.js';
import type { QuarantineRecord } from '../formats/types.js';
import { joinUri } from '../store/index.js';
import type { ObjectStore } from '../store/index.js';
import type { Alert } from './alerts.js';
import { WINDOW_START } from './windows.js';

export const OUTPUT_KINDS = ['readings', 'windows', 'quarantine', 'alerts'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

const encoder = new TextEncoder();
const PART = /\/part-(\d+)\.(arrow|ndjson)$/;

/** `YYYY-MM-DD` (UTC) of ms since the epoch. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Groups items by the UTC date of `msOf(item)`, dates ascending, order kept within a date. */
export function partitionByDate<T>(items: readonly T[], msOf: (item: T) => number): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const d = utcDate(msOf(item));
    let g = groups.get(d);
    if (g === undefined) groups.set(d, (g = []));
    g.push(item);
  }
  return [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** An Arrow table of `rows` in the schema's column order. */
export function rowsTable(schema: SchemaDef, rows: readonly Record<string, Value>[]) {
  const builders = schema.fields.map((f) => new ColumnBuilder(f.type, rows.length));
  for (const row of rows) schema.fields.forEach((f, i) => builders[i]!.append(row[f.name] ?? null));
  return tableFromBuilders(schema, builders);
}

export interface StreamOutputSchemas {
  readings: SchemaDef;
  /** Undefined when the stream has no window. */
  windows: SchemaDef | undefined;
  /** The event-time field of readings. */
  time: string;
}

export class StreamOutput {
  private readonly next: Record<OutputKind, number> = { readings: 0, windows: 0, quarantine: 0, alerts: 0 };

  constructor(
    private readonly store: ObjectStore,
    readonly root: string,
    private readonly schemas: StreamOutputSchemas,
  ) {}

  /** Resumes each part sequence after the highest part already stored. */
  async init(): Promise<void> {
    for (const kind of OUTPUT_KINDS) {
      const listed = await this.store.list(`${joinUri(this.root, kind)}/`);
      for (const o of listed) {
        const m = PART.exec(o.uri);
        if (m !== null) this.next[kind] = Math.max(this.next[kind], Number(m[1]) + 1);
      }
    }
  }

  /** The URI of the next part of `kind` for `date`, advancing the sequence. */
  private nextUri(kind: OutputKind, date: string, ext: 'arrow' | 'ndjson'): string {
    const seq = this.next[kind]++;
    return joinUri(this.root, kind, `date=${date}`, `part-${String(seq).padStart(6, '0')}.${ext}`);
  }

  private async put(uri: string, bytes: Uint8Array, rows: number): Promise<ShardRef> {
    await this.store.put(uri, bytes);
    return { uri, rows, bytes: bytes.length };
  }

  async writeReadings(rows: readonly Record<string, Value>[]): Promise<ShardRef[]> {
    const time = this.schemas.time;
    const out: ShardRef[] = [];
    for (const [date, group] of partitionByDate(rows, (r) => r[time] as number)) {
      out.push(await this.put(this.nextUri('readings', date, 'arrow'), encodeTable(rowsTable(this.schemas.readings, group)), group.length));
    }
    return out;
  }

  async writeWindows(rows: readonly Record<string, Value>[]): Promise<ShardRef[]> {
    const schema = this.schemas.windows;
    if (schema === undefined || rows.length === 0) return [];
    const out: ShardRef[] = [];
    for (const [date, group] of partitionByDate(rows, (r) => r[WINDOW_START] as number)) {
      out.push(await this.put(this.nextUri('windows', date, 'arrow'), encodeTable(rowsTable(schema, group)), group.length));
    }
    return out;
  }

  /** Quarantine records with the time each message arrived. */
  async writeQuarantine(records: readonly { record: QuarantineRecord; receivedAt: number }[]): Promise<ShardRef[]> {
    const out: ShardRef[] = [];
    for (const [date, group] of partitionByDate(records, (r) => r.receivedAt)) {
      out.push(await this.put(this.nextUri('quarantine', date, 'ndjson'), encodeQuarantine(group.map((g) => g.record)), group.length));
    }
    return out;
  }

  async writeAlerts(alerts: readonly Alert[]): Promise<ShardRef[]> {
    const out: ShardRef[] = [];
    for (const [date, group] of partitionByDate(alerts, (a) => Date.parse(a.windowStart))) {
      const text = group.map((a) => JSON.stringify(a)).join('\n') + '\n';
      out.push(await this.put(this.nextUri('alerts', date, 'ndjson'), encoder.encode(text), group.length));
    }
    return out;
  }
}
