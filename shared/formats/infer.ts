/**
 * Schema inference from a sample, and schema merging across files.
 *
 * Per column, every non-null sample value narrows a set of candidate types; the narrowest
 * survivor wins, in this order: int, float, bool (`true`/`false` words), date (`YYYY-MM-DD`),
 * timestamp (ISO 8601; bare dates count too), else string. A column with no values at all is a
 * string. `nullable` is true when a null marker was seen. A declared type overrides the
 * inferred one per column (and is nullable).
 */
import type { ColumnType, FieldDef, SchemaDef } from '../dataset.js';
import { bomLength } from './csv-read.js';
import { byteOf, CsvScanner, fieldText, NullMatcher, ScanStatus } from './csv-scan.js';
import { DEFAULT_NULL_VALUES } from './types.js';
import { isBoolWord, parseDateBytes, parseFloatBytes, parseIntBytes, parseTimestampBytes, takeBigInt } from './values.js';

export const INT = 1;
export const FLOAT = 2;
export const BOOL = 4;
export const DATE = 8;
export const TIMESTAMP = 16;
export const ALL = INT | FLOAT | BOOL | DATE | TIMESTAMP;

/** Rows of a sample that inference looks at by default. */
export const SAMPLE_ROWS = 10_000;

/** Candidate-type bits of one value's bytes. */
export function candidatesOf(buf: Uint8Array, s: number, e: number): number {
  let bits = 0;
  if (!Number.isNaN(parseIntBytes(buf, s, e)) || takeBigInt() !== null) bits |= INT | FLOAT;
  else if (!Number.isNaN(parseFloatBytes(buf, s, e))) bits |= FLOAT;
  if (isBoolWord(buf, s, e)) bits |= BOOL;
  if (!Number.isNaN(parseDateBytes(buf, s, e))) bits |= DATE | TIMESTAMP;
  else if (!Number.isNaN(parseTimestampBytes(buf, s, e))) bits |= TIMESTAMP;
  return bits;
}

/** The type a candidate set settles on (`seen` false: no values at all → string). */
export function typeOfCandidates(bits: number, seen: boolean): ColumnType {
  if (!seen) return 'string';
  if (bits & INT) return 'int';
  if (bits & FLOAT) return 'float';
  if (bits & BOOL) return 'bool';
  if (bits & DATE) return 'date';
  if (bits & TIMESTAMP) return 'timestamp';
  return 'string';
}

export interface CsvInferOptions {
  delimiter?: string;
  quote?: string;
  /** The first row names the columns. Default true. */
  header?: boolean;
  nullValues?: readonly string[];
  sampleRows?: number;
  /**
   * The sample is the whole input. When false (default), the last row may be cut short and is
   * left out.
   */
  complete?: boolean;
  /** Names for a headerless file (used when their count matches the file's). */
  names?: readonly string[];
}

export interface CsvSampleInfo {
  /** Column names in file order (deduplicated: `a`, `a_2`; empty ones `column_<n>`). */
  columns: string[];
  schema: SchemaDef;
  /** Data rows the sample held (header and blank lines excluded). */
  rows: number;
  /** Bytes of the sample those rows and the header covered (from the start of the sample). */
  bytes: number;
}

/** Unique, non-empty column names. */
export function cleanNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    const base = raw.trim() === '' ? `column_${i + 1}` : raw;
    let name = base;
    for (let k = 2; seen.has(name); k++) name = `${base}_${k}`;
    seen.add(name);
    return name;
  });
}

export function inferCsvSchema(sample: Uint8Array, options: CsvInferOptions = {}): CsvSampleInfo {
  const delim = byteOf(options.delimiter ?? ',', 'delimiter');
  const quote = options.quote === '' ? -1 : byteOf(options.quote ?? '"', 'quote');
  const nulls = new NullMatcher(options.nullValues ?? DEFAULT_NULL_VALUES);
  const limit = options.sampleRows ?? SAMPLE_ROWS;
  const sc = new CsvScanner(delim, quote);
  const end = sample.length;
  let pos = bomLength(sample);

  let columns: string[] | null = null;
  if (options.header !== false && pos < end) {
    sc.scan(sample, pos, end);
    columns = cleanNames(Array.from({ length: sc.nFields }, (_, i) => fieldText(sc, sample, i)));
    pos = sc.next;
  }
  let bits: number[] = [];
  let seen: boolean[] = [];
  let nullSeen: boolean[] = [];
  const init = (n: number): void => {
    bits = new Array<number>(n).fill(ALL);
    seen = new Array<boolean>(n).fill(false);
    nullSeen = new Array<boolean>(n).fill(false);
  };
  if (columns !== null) init(columns.length);

  let rows = 0;
  let covered = pos;
  while (pos < end && rows < limit) {
    sc.scan(sample, pos, end);
    const last = sc.next >= end;
    if (last && options.complete !== true && (sample[end - 1] !== 0x0a || sc.status === ScanStatus.UNBALANCED)) break;
    pos = sc.next;
    covered = pos;
    if (sc.isBlank()) continue;
    rows++;
    if (columns === null) {
      const n = sc.nFields;
      columns = options.names !== undefined && options.names.length === n ? cleanNames(options.names) : cleanNames(new Array<string>(n).fill(''));
      init(n);
    }
    if (sc.status !== ScanStatus.OK || sc.nFields !== columns.length) continue;
    for (let f = 0; f < columns.length; f++) {
      const s = sc.starts[f]!;
      const e = sc.ends[f]!;
      if (nulls.matches(sample, s, e)) {
        nullSeen[f] = true;
        continue;
      }
      seen[f] = true;
      if (bits[f] !== 0) bits[f]! &= candidatesOf(sample, s, e);
    }
  }
  const names = columns ?? [];
  const fields = names.map((name, i): FieldDef => ({ name, type: typeOfCandidates(bits[i]!, seen[i]!), nullable: nullSeen[i]! }));
  return { columns: names, schema: { fields }, rows, bytes: covered };
}

/** The narrowest type both values fit: int+float → float, date+timestamp → timestamp, else string. */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('int') && pair.has('float')) return 'float';
  if (pair.has('date') && pair.has('timestamp')) return 'timestamp';
  return 'string';
}

/** Union of columns by name (first seen first); types widen; a column some file lacks is nullable. */
export function mergeSchemas(schemas: readonly SchemaDef[]): SchemaDef {
  const order: string[] = [];
  const merged = new Map<string, FieldDef>();
  const counts = new Map<string, number>();
  for (const schema of schemas) {
    for (const f of schema.fields) {
      const prev = merged.get(f.name);
      counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
      if (prev === undefined) {
        order.push(f.name);
        merged.set(f.name, { ...f });
      } else {
        merged.set(f.name, { name: f.name, type: widen(prev.type, f.type), nullable: prev.nullable || f.nullable });
      }
    }
  }
  return {
    fields: order.map((name) => {
      const f = merged.get(name)!;
      return counts.get(name) === schemas.length ? f : { ...f, nullable: true };
    }),
  };
}

/** Applies declared types by column name. Returns the names that match no column. */
export function applyDeclared(schema: SchemaDef, declared: Readonly<Record<string, ColumnType>>): { schema: SchemaDef; unknown: string[] } {
  const names = new Set(schema.fields.map((f) => f.name));
  const unknown = Object.keys(declared).filter((n) => !names.has(n));
  const fields = schema.fields.map((f): FieldDef => {
    const type = declared[f.name];
    return type === undefined ? f : { name: f.name, type, nullable: true };
  });
  return { schema: { fields }, unknown };
}
