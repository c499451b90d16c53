/**
 * NDJSON → Arrow, and schema inference for NDJSON samples. One JSON object per line; keys map
 * to columns by name, missing keys are null, keys the schema does not name are ignored.
 * Values convert by column type: numbers and numeric strings into int/float (a fractional number
 * in an int column is rejected), booleans and `"true"`/`"false"` into bool, ISO strings into
 * date/timestamp; anything into string (numbers and booleans as text, objects and arrays as
 * JSON). A line that is not valid JSON, not an object, or holds a value its column's type cannot
 * take goes to quarantine with its line number. Blank lines are skipped.
 */
import type { Table } from 'apache-arrow';
import type { ColumnType, FieldDef, SchemaDef } from '../dataset.js';
import { RawColumnBuilder, tableFromRawBuilders } from '../arrow/raw-builder.js';
import { bomLength } from './csv-read.js';
import { NullMatcher } from './csv-scan.js';
import { ALL, BOOL, DATE, FLOAT, INT, SAMPLE_ROWS, TIMESTAMP, candidatesOf, typeOfCandidates } from './infer.js';
import { quarantineText } from './quarantine.js';
import { DEFAULT_NULL_VALUES } from './types.js';
import type { QuarantineRecord, ReadResult, TextReadOptions } from './types.js';
import { parseBoolBytes, parseDateBytes, parseFloatBytes, parseIntBytes, parseTimestampBytes, takeBigInt } from './values.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** The UTF-8 bytes of `s` in a reused buffer; returns the byte length. */
function bytesOf(s: string): number {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3);
  return encoder.encodeInto(s, scratch).written;
}

/** Lines of `text` with their 1-based numbers, skipping blank ones. */
function* lines(text: string, firstLine: number): Generator<[string, number]> {
  let pos = 0;
  let line = firstLine;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const raw = text.charCodeAt(nl - 1) === 13 ? text.slice(pos, nl - 1) : text.slice(pos, nl);
    if (raw.trim() !== '') yield [raw, line];
    pos = nl + 1;
    line++;
  }
}

function parseObject(raw: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return `not valid JSON (${(err as Error).message}); each line must hold one JSON object`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `line holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a JSON object`;
  }
  return value as Record<string, unknown>;
}

/** Appends `v` to `b` by the column's type; false when the value does not fit. */
function appendValue(b: RawColumnBuilder, type: ColumnType, v: unknown, nulls: NullMatcher): boolean {
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

export function readNdjson(bytes: Uint8Array, options: TextReadOptions): ReadResult {
  const { schema } = options;
  const fields = schema.fields;
  const nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
  const source = options.source ?? '';
  const maxRows = options.maxRowsPerTable ?? Infinity;
  const hint = Math.min(options.rowsHint ?? 1024, maxRows);
  const tables: Table[] = [];
  const nullCounts = new Array<number>(fields.length).fill(0);
  const quarantine: QuarantineRecord[] = [];
  let out = fields.map((f) => new RawColumnBuilder(f.type, hint));
  let rows = 0;
  let rowsIn = 0;
  const flush = (): void => {
    out.forEach((b, i) => (nullCounts[i]! += b.nullCount));
    tables.push(tableFromRawBuilders(schema, out));
  };

  const text = decoder.decode(bytes.subarray(bomLength(bytes)));
  for (const [raw, line] of lines(text, options.firstLine ?? 1)) {
    rowsIn++;
    const obj = parseObject(raw);
    if (typeof obj === 'string') {
      quarantine.push(quarantineText(source, line, `line ${line}: ${obj}`, raw));
      continue;
    }
    let bad: FieldDef | null = null;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (!appendValue(out[i]!, f.type, obj[f.name], nulls)) {
        bad = f;
        break;
      }
    }
    if (bad !== null) {
      for (const b of out) b.rollback(rows);
      const shown = JSON.stringify(obj[bad.name])?.slice(0, 100) ?? 'undefined';
      const reason = `line ${line}, key "${bad.name}": ${shown} is not a valid ${bad.type}; fix the value or declare the column as string`;
      quarantine.push(quarantineText(source, line, reason, raw));
      continue;
    }
    if (++rows === maxRows) {
      flush();
      out = fields.map((f) => new RawColumnBuilder(f.type, hint));
      rows = 0;
    }
  }
  if (rows > 0 || tables.length === 0) flush();
  return { tables, rowsIn, rowsOut: rowsIn - quarantine.length, quarantine, nullCounts };
}

export interface NdjsonInferOptions {
  nullValues?: readonly string[];
  sampleRows?: number;
  /** The sample is the whole input; otherwise its last line may be cut short and is skipped. */
  complete?: boolean;
}

/** Columns (keys in first-seen order) and types of an NDJSON sample; bad lines are ignored. */
export function inferNdjsonSchema(sample: Uint8Array, options: NdjsonInferOptions = {}): { columns: string[]; schema: SchemaDef; rows: number } {
  const nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
  const limit = options.sampleRows ?? SAMPLE_ROWS;
  let text = decoder.decode(sample.subarray(bomLength(sample)));
  if (options.complete !== true) {
    const nl = text.lastIndexOf('\n');
    text = nl < 0 ? '' : text.slice(0, nl + 1);
  }
  const order: string[] = [];
  const stats = new Map<string, { bits: number; seen: boolean; nullable: boolean }>();
  let rows = 0;
  for (const [raw] of lines(text, 1)) {
    if (rows >= limit) break;
    const obj = parseObject(raw);
    if (typeof obj === 'string') continue;
    rows++;
    for (const [key, v] of Object.entries(obj)) {
      let st = stats.get(key);
      if (st === undefined) {
        st = { bits: ALL, seen: false, nullable: rows > 1 };
        stats.set(key, st);
        order.push(key);
      }
      const n = typeof v === 'string' ? bytesOf(v) : 0;
      if (v === null || (typeof v === 'string' && nulls.matches(scratch, 0, n))) {
        st.nullable = true;
        continue;
      }
      st.seen = true;
      if (typeof v === 'number') st.bits &= Number.isInteger(v) ? INT | FLOAT : FLOAT;
      else if (typeof v === 'boolean') st.bits &= BOOL;
      else if (typeof v === 'string') st.bits &= candidatesOf(scratch, 0, n) & (DATE | TIMESTAMP);
      else st.bits = 0;
    }
    for (const [key, st] of stats) if (!(key in obj)) st.nullable = true;
  }
  const fields = order.map((name): FieldDef => {
    const st = stats.get(name)!;
    return { name, type: typeOfCandidates(st.bits, st.seen), nullable: st.nullable };
  });
  return { columns: order, schema: { fields }, rows };
}
