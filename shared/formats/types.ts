/**
 * Options and results shared by the text readers (CSV, NDJSON).
 */
import type { Table } from 'apache-arrow';
import type { SchemaDef } from '../dataset.js';

/** Field texts read as null by default (unquoted only, in CSV): pandas' usual markers. */
export const DEFAULT_NULL_VALUES: readonly string[] = Object.freeze([
  '',
  'NA',
  'N/A',
  'n/a',
  'NULL',
  'null',
  'None',
  'NaN',
  'nan',
  '-NaN',
  '-nan',
  '<NA>',
  '#N/A',
]);

/**
 * The largest record (CSV row, NDJSON line, JSON array element) read by default: 16 MiB. A
 * longer one goes to quarantine with its size and this limit in the reason.
 */
export const DEFAULT_MAX_RECORD_BYTES = 16 << 20;

/** How many bytes of a rejected row a quarantine record keeps. */
export const QUARANTINE_RAW_BYTES = 1024;

/** One rejected row: where it was, what it said, and why it was rejected. */
export interface QuarantineRecord {
  /** URI of the source file. */
  source: string;
  /** 1-based line number in the file where the row starts. */
  line: number;
  reason: string;
  /** The row's text, truncated to {@link QUARANTINE_RAW_BYTES} bytes. */
  raw: string;
}

export interface TextReadOptions {
  /** Output columns, in order. Every field is filled (nulls allowed whatever `nullable` says). */
  schema: SchemaDef;
  /**
   * Names of the columns as they appear in the input, in order (CSV: the header's names;
   * NDJSON: unused). Output columns missing here come out all null. Default: the schema's names.
   */
  columns?: readonly string[];
  /** Texts read as null. Default {@link DEFAULT_NULL_VALUES}. */
  nullValues?: readonly string[];
  /** URI written into quarantine records. Default `''`. */
  source?: string;
  /** 1-based line number of the first byte of the input in its file. Default 1. */
  firstLine?: number;
  /** Start a new table after this many rows (a big gzip file becomes several shards). Default: one table. */
  maxRowsPerTable?: number;
  /** Expected row count, to size buffers. */
  rowsHint?: number;
  /** Records longer than this many bytes are quarantined. Default {@link DEFAULT_MAX_RECORD_BYTES}. */
  maxRecordBytes?: number;
  /** Byte offset of the input's first byte in its file (for invalid-UTF-8 reasons). Default 0. */
  firstOffset?: number;
}

export interface CsvReadOptions extends TextReadOptions {
  /** One ASCII character. Default `,`. */
  delimiter?: string;
  /** One ASCII character, or '' for no quoting. Default `"`. */
  quote?: string;
  /** The input's first row is a header to skip. Default false (ranges from the splitter start after it). */
  header?: boolean;
}

export interface ReadResult {
  /** At least one table (possibly empty), each at most `maxRowsPerTable` rows. */
  tables: Table[];
  /** Rows read (blank lines are not rows): `rowsOut + quarantine.length`. */
  rowsIn: number;
  rowsOut: number;
  quarantine: QuarantineRecord[];
  /** Nulls per output column, over all tables. */
  nullCounts: number[];
}
