/**
 * Columnar inputs (Arrow IPC, Parquet) → quiver's column types. Schema mapping: signed and
 * unsigned ints → int, floats and decimals → float, bool → bool, utf8/large utf8 (dictionary
 * encoded or not) → string, timestamps of any unit or zone → timestamp (ms, UTC), dates → date;
 * anything else (binary, time of day, durations, lists, structs, maps) → string (binary as
 * base64, nested values as JSON).
 *
 * ```ts
 * const schema = schemaOfArrow(table.schema);            // inferred, before declared overrides
 * const r = convertTable(table, { schema, source: uri, firstRow: 1 });
 * ```
 *
 * Conversion keeps a column's Arrow data as is (no copy) when its type is already the output
 * type; other columns convert value by value. A value the output type cannot take (a declared
 * `int` over text that is not a number, a uint64 past int64) sends its row to quarantine with
 * its 1-based row number in the file (as `line`) and the reason.
 */
import { makeData, RecordBatch, Struct, Table, Type, util } from 'apache-arrow';
import type { Data, DataType, Schema, Vector } from 'apache-arrow';
import type { ColumnType, FieldDef, SchemaDef } from '../dataset.js';
import { arrowType, exactColumnTypeOf, toArrowSchema } from '../arrow/schema.js';
import { RawColumnBuilder } from '../arrow/raw-builder.js';
import { NullMatcher } from './csv-scan.js';
import { appendJsonValue } from './json-rows.js';
import { quarantineText } from './quarantine.js';
import { DEFAULT_NULL_VALUES } from './types.js';
import type { QuarantineRecord, ReadResult } from './types.js';

const MS_PER_DAY = 86_400_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The quiver type an Arrow type from a foreign file maps to: quiver's own types exactly
 * (shared/arrow/schema.ts), decimals as float, dictionaries as their values, anything else as
 * string.
 */
export function columnTypeOfArrow(type: DataType): ColumnType {
  if (type.typeId === Type.Decimal) return 'float';
  if (type.typeId === Type.Dictionary) return columnTypeOfArrow((type as unknown as { dictionary: DataType }).dictionary);
  return exactColumnTypeOf(type) ?? 'string';
}

/** The quiver schema of an Arrow schema (every field nullable when the file says so). */
export function schemaOfArrow(schema: Schema): SchemaDef {
  return { fields: schema.fields.map((f): FieldDef => ({ name: f.name, type: columnTypeOfArrow(f.type), nullable: f.nullable })) };
}

export interface ConvertOptions {
  /** Output columns, in order; columns the input lacks come out all null. */
  schema: SchemaDef;
  /** URI for quarantine records. */
  source?: string;
  /** 1-based row number in the file of the table's first row. Default 1. */
  firstRow?: number;
  /** Texts read as null when a text column converts to another type. */
  nullValues?: readonly string[];
  /** Start a new output table after this many rows. Default: one table. */
  maxRowsPerTable?: number;
  /** Opens quarantine reasons (`record batches 4-7`), when rows are numbered within the task. */
  where?: string;
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v;
}

/** A plain JS value for conversion: bigints kept, nested values as JSON text, binary as base64. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const json = (v as { toJSON?: () => unknown }).toJSON;
  return JSON.stringify(typeof json === 'function' ? json.call(v) : v, jsonReplacer);
}

/** Appends one input value (already `plain`) to an output column of `type`; false when it does not fit. */
function appendValue(b: RawColumnBuilder, type: ColumnType, srcType: DataType | null, v: unknown, nulls: NullMatcher): boolean {
  if (v === null || v === undefined) {
    b.appendNull();
    return true;
  }
  const src = srcType?.typeId;
  if (typeof v === 'bigint') {
    if (type === 'int' || type === 'timestamp') {
      if (v < INT64_MIN || v > INT64_MAX) return false;
      b.appendBigInt(v);
      return true;
    }
    if (type === 'float') b.appendFloat(Number(v));
    else if (type === 'string') b.appendString(v.toString());
    else return false;
    return true;
  }
  if (typeof v === 'number' && (src === Type.Timestamp || src === Type.Date)) {
    // Arrow hands dates and timestamps back as ms since the epoch.
    if (type === 'timestamp') b.appendInt(Math.floor(v));
    else if (type === 'date') b.appendDays(Math.floor(v / MS_PER_DAY));
    else if (type === 'int') b.appendInt(Math.floor(v));
    else if (type === 'string') b.appendString(new Date(v).toISOString());
    else return false;
    return true;
  }
  if (typeof v === 'number' && type === 'date') return false;
  if (typeof v === 'number' && type === 'bool') {
    if (v !== 0 && v !== 1) return false;
    b.appendBool(v === 1);
    return true;
  }
  return appendJsonValue(b, type, v, nulls);
}

function describe(v: unknown): string {
  return (typeof v === 'bigint' ? v.toString() : JSON.stringify(v, jsonReplacer) ?? String(v)).slice(0, 100);
}

/** Converts a table (any number of batches) into tables of `options.schema`. */
export function convertTable(table: Table, options: ConvertOptions): ReadResult {
  const fields = options.schema.fields;
  const outSchema: SchemaDef = { fields: fields.map((f) => ({ ...f, nullable: true })) };
  const arrowOut = toArrowSchema(outSchema);
  const nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
  const source = options.source ?? '';
  const srcIndex = fields.map((f) => table.schema.fields.findIndex((g) => g.name === f.name));
  const srcTypes = srcIndex.map((j) => (j < 0 ? null : table.schema.fields[j]!.type));
  const same = fields.map((f, i) => srcTypes[i] !== null && util.compareTypes(arrowType(f.type), srcTypes[i]!) && srcTypes[i]!.typeId !== Type.Dictionary);
  const quarantine: QuarantineRecord[] = [];
  const nullCounts = new Array<number>(fields.length).fill(0);
  const batches: RecordBatch[] = [];
  let row = (options.firstRow ?? 1) - 1;

  for (const batch of table.batches) {
    const n = batch.numRows;
    const cols = srcIndex.map((j) => (j < 0 ? null : (batch.getChildAt(j) as Vector | null)));
    const valueAt = (i: number, r: number): unknown => {
      const col = cols[i];
      return col === null || col === undefined ? null : plain(col.get(r));
    };
    // Columns whose type changes convert value by value; a value that does not fit drops its row.
    const conv = fields.map((f, i) => (same[i] ? null : new RawColumnBuilder(f.type, n)));
    const bad = new Set<number>();
    let kept = 0;
    for (let r = 0; r < n; r++) {
      let failed = -1;
      for (let i = 0; i < fields.length && failed < 0; i++) {
        const b = conv[i];
        if (b !== null && b !== undefined && !appendValue(b, fields[i]!.type, srcTypes[i] ?? null, valueAt(i, r), nulls)) failed = i;
      }
      if (failed < 0) {
        kept++;
        continue;
      }
      for (const b of conv) b?.rollback(kept);
      const f = fields[failed]!;
      const line = row + r + 1;
      const reason = `${options.where === undefined ? '' : `${options.where}, `}row ${line}, column "${f.name}": ${describe(valueAt(failed, r))} is not ${f.type === 'int' ? 'an int (64-bit)' : `a ${f.type}`}; declare the column with a type that fits (e.g. string)`;
      quarantine.push(quarantineText(source, line, reason, rowJson(batch, r)));
      bad.add(r);
    }
    const children = fields.map((f, i): Data => {
      const b = conv[i];
      if (b !== null && b !== undefined) return b.finish();
      if (bad.size === 0) return cols[i]!.data[0]!;
      // Rows were dropped: this unchanged column is copied without them.
      const copy = new RawColumnBuilder(f.type, kept);
      for (let r = 0; r < n; r++) if (!bad.has(r)) appendValue(copy, f.type, srcTypes[i] ?? null, valueAt(i, r), nulls);
      return copy.finish();
    });
    children.forEach((c, i) => (nullCounts[i]! += c.nullCount));
    batches.push(new RecordBatch(arrowOut, makeData({ type: new Struct(arrowOut.fields), length: kept, nullCount: 0, children })));
    row += n;
  }
  const tables = cut(batches, arrowOut, options.maxRowsPerTable ?? Infinity);
  const rowsIn = row - ((options.firstRow ?? 1) - 1);
  return { tables, rowsIn, rowsOut: rowsIn - quarantine.length, quarantine, nullCounts };
}

/** The row as JSON text, for its quarantine record. */
function rowJson(batch: RecordBatch, r: number): string {
  const obj: Record<string, unknown> = {};
  batch.schema.fields.forEach((f, j) => (obj[f.name] = plain(batch.getChildAt(j)?.get(r))));
  return JSON.stringify(obj, jsonReplacer);
}

/** Groups batches into tables of at most `max` rows (slicing batches where needed); at least one table. */
function cut(batches: RecordBatch[], schema: Schema, max: number): Table[] {
  const tables: Table[] = [];
  let current: RecordBatch[] = [];
  let rows = 0;
  for (let b of batches) {
    while (rows + b.numRows > max) {
      const take = max - rows;
      if (take > 0) current.push(b.slice(0, take));
      tables.push(new Table(schema, current));
      current = [];
      rows = 0;
      b = b.slice(take);
    }
    if (b.numRows > 0) {
      current.push(b);
      rows += b.numRows;
    }
  }
  if (current.length > 0 || tables.length === 0) tables.push(new Table(schema, current));
  return tables;
}
