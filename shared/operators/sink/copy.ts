/**
 * One Arrow shard as PostgreSQL COPY text rows for the staging table (`<task>\t<col>\t...\n`,
 * `\N` for null, backslash escapes), cut into chunks of `batchRows` rows. Rows PostgreSQL cannot
 * hold are set aside with the reason: text with a NUL character, timestamps before 4714-11-24
 * BC, dates outside 4714 BC .. 5874897 AD.
 *
 * ```ts
 * const enc = new CopyEncoder(table, schema, { task: 3, batchRows: 10_000, source: shardUri });
 * for (const chunk of enc.chunks()) stream.write(chunk);
 * enc.rowsOut; enc.quarantine;
 * ```
 */
import type { Table } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import type { FieldDef, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { readColumnValues } from '../../expr/index.js';
import { quarantineText } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';

/** PostgreSQL's timestamp range, in ms since the epoch. */
const MIN_TIMESTAMP_MS = -210_866_803_200_000;
/** First ms past PostgreSQL's range (294277-01-01). */
const END_TIMESTAMP_MS = 9_224_318_016_000_000;
/** PostgreSQL's date range, in days since the epoch. */
const MIN_DATE_DAYS = -2_440_588;
const MAX_DATE_DAYS = 2_145_042_905;
const DAY_MS = 86_400_000;

export interface CopyOptions {
  /** Task index written into every row's staging task column. */
  task: number;
  batchRows: number;
  /** Shard URI for quarantine records. */
  source: string;
}

type Cell = string | { reject: string };

function escapeText(s: string): string {
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : s;
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** A cell's COPY text (never null: nulls are handled before). */
function cellOf(type: FieldDef['type'], v: Value | bigint): Cell {
  switch (type) {
    case 'int':
      return typeof v === 'bigint' ? v.toString() : String(Math.trunc(v as number));
    case 'float':
      return floatText(v as number);
    case 'bool':
      return v === true ? 't' : 'f';
    case 'string': {
      const s = v as string;
      return s.includes('\0') ? { reject: 'text holds a NUL character, which PostgreSQL text cannot store' } : escapeText(s);
    }
    case 'timestamp': {
      const ms = Math.trunc(v as number);
      if (ms < MIN_TIMESTAMP_MS || ms >= END_TIMESTAMP_MS) return { reject: `timestamp ${ms} ms is outside PostgreSQL's range (4714-11-24 BC to 294276 AD)` };
      return String(ms);
    }
    case 'date': {
      const days = Math.floor((v as number) / DAY_MS);
      if (days < MIN_DATE_DAYS || days > MAX_DATE_DAYS) return { reject: `date ${days} days from 1970-01-01 is outside PostgreSQL's range (4714 BC to 5874897 AD)` };
      return String(days);
    }
  }
}

/** Int columns read as bigint (exact beyond 2^53); others through the expression readers. */
function columnValues(table: Table, field: FieldDef): (Value | bigint)[] {
  if (field.type !== 'int') return readColumnValues(table, field.name);
  const vec = table.getChild(field.name);
  if (vec === null) return [];
  const out = new Array<Value | bigint>(vec.length);
  for (let i = 0; i < vec.length; i++) out[i] = (vec.get(i) as bigint | number | null) ?? null;
  return out;
}

export class CopyEncoder {
  readonly quarantine: QuarantineRecord[] = [];
  rowsOut = 0;
  /** Input rows kept (index into the shard), filled as chunks are produced. */
  readonly kept: number[] = [];
  private readonly columns: (Value | bigint)[][];

  constructor(
    private readonly table: Table,
    private readonly schema: SchemaDef,
    private readonly opts: CopyOptions,
  ) {
    for (const f of schema.fields) {
      if (table.getChild(f.name) === null) {
        throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${opts.source} has no column "${f.name}" of the stage's input schema; re-run the input stage`);
      }
    }
    this.columns = schema.fields.map((f) => columnValues(table, f));
  }

  get rowsIn(): number {
    return this.table.numRows;
  }

  /** COPY text chunks of up to `batchRows` rows each. */
  *chunks(): Generator<string> {
    const fields = this.schema.fields;
    const prefix = `${this.opts.task}\t`;
    const cells = new Array<string>(fields.length);
    let chunk = '';
    let inChunk = 0;
    for (let r = 0; r < this.table.numRows; r++) {
      let reject: string | null = null;
      for (let c = 0; c < fields.length; c++) {
        const v = this.columns[c]![r];
        if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v) && fields[c]!.type !== 'float')) {
          cells[c] = '\\N';
          continue;
        }
        const cell = cellOf(fields[c]!.type, v);
        if (typeof cell !== 'string') {
          reject = `column "${fields[c]!.name}": ${cell.reject}`;
          break;
        }
        cells[c] = cell;
      }
      if (reject !== null) {
        const row = Object.fromEntries(fields.map((f, c) => [f.name, this.columns[c]![r] ?? null]));
        this.quarantine.push(quarantineText(this.opts.source, r + 1, reject, JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
        continue;
      }
      chunk += prefix + cells.join('\t') + '\n';
      this.kept.push(r);
      this.rowsOut++;
      if (++inChunk >= this.opts.batchRows) {
        yield chunk;
        chunk = '';
        inChunk = 0;
      }
    }
    if (chunk !== '') yield chunk;
  }
}
