/**
 * JSON objects → Arrow rows, shared by the NDJSON and JSON-array readers: value conversion by
 * column type, quarantine of records that do not fit, shard cutting, and schema inference over
 * sample objects.
 *
 * ```ts
 * const sink = new JsonRowSink(schema, { source: uri });
 * sink.record(text, line, 'line 3');     // parses, converts, or quarantines with a reason
 * const result = sink.finish();           // ReadResult
 * ```
 *
 * Keys map to columns by name, missing keys are null, keys the schema does not name are
 * ignored. Numbers and numeric strings go into int/float (a fractional number in an int column
 * is rejected), booleans and `"true"`/`"false"` into bool, ISO strings into date/timestamp;
 * anything into string (numbers and booleans as text, objects and arrays as JSON).
 */
import type { Table } from 'apache-arrow';
import type { ColumnType, FieldDef, SchemaDef } from '../dataset.js';
import { RawColumnBuilder, tableFromRawBuilders } from '../arrow/raw-builder.js';
import { NullMatcher } from './csv-scan.js';
import { ALL, BOOL, DATE, FLOAT, INT, SAMPLE_ROWS, TIMESTAMP, candidatesOf, typeOfCandidates } from './infer.js';
import { quarantineRecord, quarantineText } from './quarantine.js';
import { DEFAULT_NULL_VALUES, DEFAULT_MAX_RECORD_BYTES } from './types.js';
import type { QuarantineRecord, ReadResult, TextReadOptions } from './types.js';
import { parseBoolBytes, parseDateBytes, parseFloatBytes, parseIntBytes, parseTimestampBytes, takeBigInt } from './values.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let scratch = new Uint8Array(256);

/** The UTF-8 bytes of `s` in a reused buffer; returns the byte length. */
function bytesOf(s: string): number {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3);
  return encoder.encodeInto(s, scratch).written;
}

/** What a parsed JSON value is, for messages: `an array`, `a number`, `null`. */
export function jsonKind(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Parses one record's text into an object, or returns why it is not one. */
export function parseObject(raw: string, what: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return `not valid JSON (${(err as Error).message}); ${what}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `holds ${jsonKind(value)}, not a JSON object`;
  return value as Record<string, unknown>;
}

/** Appends `v` to `b` by the column's type; false when the value does not fit. */
export function appendJsonValue(b: RawColumnBuilder, type: ColumnType, v: unknown, nulls: NullMatcher): boolean {
  if (v === null || v === undefined) {
    b.appendNull();
    return true;
  }
  if (type === 'string') {
    b.appendString(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
    return true;
  }
  if (typeof v === 'number') {
    if (type === 'float') b.appendFloat(v);
    else if (type === 'int' && Number.isInteger(v)) b.appendInt(v);
    else return false;
    return true;
  }
  if (typeof v === 'boolean') {
    if (type !== 'bool') return false;
    b.appendBool(v);
    return true;
  }
  if (typeof v !== 'string') return false;
  const n = bytesOf(v);
  if (nulls.matches(scratch, 0, n)) {
    b.appendNull();
    return true;
  }
  let x: number;
  switch (type) {
    case 'int':
      x = parseIntBytes(scratch, 0, n);
      if (x === x) b.appendInt(x);
      else {
        const big = takeBigInt();
        if (big === null) return false;
        b.appendBigInt(big);
      }
      return true;
    case 'float':
      x = parseFloatBytes(scratch, 0, n);
      if (x === x) b.appendFloat(x);
      return x === x;
    case 'bool':
      x = parseBoolBytes(scratch, 0, n);
      if (x >= 0) b.appendBool(x === 1);
      return x >= 0;
    case 'date':
      x = parseDateBytes(scratch, 0, n);
      if (x === x) b.appendDays(x);
      return x === x;
    case 'timestamp':
      x = parseTimestampBytes(scratch, 0, n);
      if (x === x) b.appendInt(x);
      return x === x;
  }
}

/** Collects JSON records into tables of at most `maxRowsPerTable` rows, and rejected ones into a quarantine. */
export class JsonRowSink {
  private readonly fields: FieldDef[];
  private readonly nulls: NullMatcher;
  private readonly source: string;
  private readonly maxRows: number;
  private readonly hint: number;
  readonly maxRecordBytes: number;
  private readonly tables: Table[] = [];
  private readonly nullCounts: number[];
  readonly quarantine: QuarantineRecord[] = [];
  private out: RawColumnBuilder[];
  private rows = 0;
  rowsIn = 0;

  constructor(
    private readonly schema: SchemaDef,
    options: Omit<TextReadOptions, 'schema'>,
  ) {
    this.fields = schema.fields;
    this.nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
    this.source = options.source ?? '';
    this.maxRows = options.maxRowsPerTable ?? Infinity;
    this.hint = Math.min(options.rowsHint ?? 1024, this.maxRows);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.nullCounts = new Array<number>(this.fields.length).fill(0);
    this.out = this.fresh();
  }

  private fresh(): RawColumnBuilder[] {
    return this.fields.map((f) => new RawColumnBuilder(f.type, this.hint));
  }

  /** Rejects one record: `reason` is the whole message, `raw` its bytes (cut to the quarantine size). */
  reject(line: number, reason: string, bytes: Uint8Array, start: number, end: number): void {
    this.rowsIn++;
    this.quarantine.push(quarantineRecord(this.source, line, reason, bytes, start, end));
  }

  /**
   * One record's text: parsed, converted and appended, or quarantined. `where` opens the reasons
   * (`line 7`, `element on line 7`); `what` says what a record must be, for bad JSON.
   */
  record(raw: string, line: number, where: string, what: string): void {
    this.rowsIn++;
    const obj = parseObject(raw, what);
    if (typeof obj === 'string') {
      this.quarantine.push(quarantineText(this.source, line, `${where}: ${obj}`, raw));
      return;
    }
    const out = this.out;
    let bad: FieldDef | null = null;
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      if (!appendJsonValue(out[i]!, f.type, obj[f.name], this.nulls)) {
        bad = f;
        break;
      }
    }
    if (bad !== null) {
      for (const b of out) b.rollback(this.rows);
      const shown = JSON.stringify(obj[bad.name])?.slice(0, 100) ?? 'undefined';
      const reason = `${where}, key "${bad.name}": ${shown} is not a valid ${bad.type}; fix the value or declare the column as string`;
      this.quarantine.push(quarantineText(this.source, line, reason, raw));
      return;
    }
    if (++this.rows === this.maxRows) {
      this.flush();
      this.out = this.fresh();
      this.rows = 0;
    }
  }

  private flush(): void {
    this.out.forEach((b, i) => (this.nullCounts[i]! += b.nullCount));
    this.tables.push(tableFromRawBuilders(this.schema, this.out));
  }

  finish(): ReadResult {
    if (this.rows > 0 || this.tables.length === 0) this.flush();
    return { tables: this.tables, rowsIn: this.rowsIn, rowsOut: this.rowsIn - this.quarantine.length, quarantine: this.quarantine, nullCounts: this.nullCounts };
  }
}

/** Schema inference over sample objects: keys in first-seen order, narrowest type that fits every value. */
export class JsonSchemaInferrer {
  private readonly order: string[] = [];
  private readonly stats = new Map<string, { bits: number; seen: boolean; nullable: boolean }>();
  private readonly nulls: NullMatcher;
  readonly limit: number;
  rows = 0;

  constructor(options: { nullValues?: readonly string[] | undefined; sampleRows?: number | undefined } = {}) {
    this.nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
    this.limit = options.sampleRows ?? SAMPLE_ROWS;
  }

  get full(): boolean {
    return this.rows >= this.limit;
  }

  /** One record's text; bad JSON and non-objects are ignored (the reader quarantines them). */
  addText(raw: string): void {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) this.add(v as Record<string, unknown>);
  }

  add(obj: Record<string, unknown>): void {
    if (this.full) return;
    this.rows++;
    for (const [key, v] of Object.entries(obj)) {
      let st = this.stats.get(key);
      if (st === undefined) {
        st = { bits: ALL, seen: false, nullable: this.rows > 1 };
        this.stats.set(key, st);
        this.order.push(key);
      }
      const n = typeof v === 'string' ? bytesOf(v) : 0;
      if (v === null || (typeof v === 'string' && this.nulls.matches(scratch, 0, n))) {
        st.nullable = true;
        continue;
      }
      st.seen = true;
      if (typeof v === 'number') st.bits &= Number.isInteger(v) ? INT | FLOAT : FLOAT;
      else if (typeof v === 'boolean') st.bits &= BOOL;
      else if (typeof v === 'string') st.bits &= candidatesOf(scratch, 0, n) & (DATE | TIMESTAMP);
      else st.bits = 0;
    }
    for (const [key, st] of this.stats) if (!(key in obj)) st.nullable = true;
  }

  result(): { columns: string[]; schema: SchemaDef; rows: number } {
    const fields = this.order.map((name): FieldDef => {
      const st = this.stats.get(name)!;
      return { name, type: typeOfCandidates(st.bits, st.seen), nullable: st.nullable };
    });
    return { columns: [...this.order], schema: { fields }, rows: this.rows };
  }
}

/** Text of `bytes[s, e)`. */
export function textOf(bytes: Uint8Array, s: number, e: number): string {
  return decoder.decode(bytes.subarray(s, e));
}
