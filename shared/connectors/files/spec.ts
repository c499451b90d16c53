/**
 * The ingest stage's fields, their JSON Schema, and their validation into resolved options.
 */
import type { ColumnType, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { COLUMN_TYPES } from '../../arrow/schema.js';
import { ENCODING_NAMES, normalizeEncoding } from '../../formats/encoding.js';
import type { TextEncoding } from '../../formats/encoding.js';
import { DEFAULT_MAX_RECORD_BYTES, DEFAULT_NULL_VALUES } from '../../formats/types.js';
import type { StageSpec } from '../../spec/types.js';
import type { FileFormat, FormatOption } from './sources.js';

export interface IngestSourceSpec {
  kind?: 'files';
  uri: string | string[];
  format?: FormatOption;
  header?: boolean;
  delimiter?: string;
  quote?: string;
  encoding?: string;
  nullValues?: string[];
  maxRecordBytes?: number;
  schema?: Record<string, ColumnType>;
}

export interface IngestStage extends StageSpec {
  source: IngestSourceSpec;
  shardRows?: number;
}

/** What every ingest task carries: all the kernel needs to parse its bytes. */
export interface IngestParams {
  kind: 'files';
  format: FileFormat;
  /** URI of the source file (for quarantine records). */
  source: string;
  /** The input is gzip-compressed: the task holds the whole file. */
  gzip: boolean;
  /** The stage's output schema (every task the same). */
  schema: SchemaDef;
  /** CSV: the file's column names in file order. */
  columns: string[];
  delimiter: string;
  quote: string;
  nullValues: string[];
  /** The input starts with a header row to skip (whole-file tasks). */
  skipHeader: boolean;
  /** 1-based line number in the file of the input's first byte. */
  line: number;
  /** Rows expected in the input (0 when unknown), to size buffers. */
  rows: number;
  /** Rows per output shard (a gzip task may write several shards). */
  shardRows: number;
  /** Text formats: the file's encoding (the kernel transcodes to UTF-8 first). Default utf-8. */
  encoding?: TextEncoding;
  /** Text formats: records longer than this are quarantined. */
  maxRecordBytes?: number;
  /** Byte offset in the file of the input's first byte (for invalid-UTF-8 reasons). */
  offset?: number;
  /** json: the input is the whole document, brackets included (gzip, UTF-16). */
  whole?: boolean;
  /** arrow: inputs are [the file's footer, a byte range of whole batches] (else one whole file or stream). */
  arrowParts?: boolean;
  /** arrow: first and last record batch of the task, for quarantine reasons. */
  batches?: [number, number];
  /** parquet: the row groups the task reads (all when absent). */
  rowGroups?: number[];
}

export interface IngestOptions {
  uris: string[];
  format: FormatOption;
  header: boolean;
  delimiter: string | undefined;
  quote: string;
  /** Set by the spec; undefined: by BOM, else UTF-8. */
  encoding: TextEncoding | undefined;
  /** The spec said `utf-16` without a byte order: the BOM decides. */
  utf16Any: boolean;
  nullValues: string[];
  maxRecordBytes: number;
  declared: Record<string, ColumnType>;
  shardRows: number;
}

export const FORMAT_OPTIONS: readonly FormatOption[] = ['csv', 'tsv', 'json', 'ndjson', 'arrow', 'parquet', 'auto'];

const typeNames = COLUMN_TYPES.join(', ');

/** JSON Schema of a files source (`source.kind: files`, the default). */
export const filesSourceSchema: Record<string, unknown> = {
  type: 'object',
  required: ['uri'],
  additionalProperties: false,
  description: 'Files: CSV/TSV, JSON arrays, NDJSON (each optionally gzip), Arrow IPC, Parquet; local or s3://.',
  properties: {
    kind: { const: 'files', description: 'The default; may be left out.' },
    uri: {
      description:
        "Local paths, globs (data/*.csv, logs/**/*.jsonl.gz), s3://bucket/key URIs, s3:// globs, or prefixes ending in '/' (every .csv/.tsv/.json/.ndjson/.jsonl[.gz], .arrow/.arrows/.feather, .parquet under them).",
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
    },
    format: {
      enum: [...FORMAT_OPTIONS],
      default: 'auto',
      description: 'auto: by content (gzip, Arrow and Parquet magic, JSON array, NDJSON, delimiter sniffing); the extension only breaks ties. tsv is csv with a tab delimiter.',
    },
    header: { type: 'boolean', default: true, description: 'CSV: the first row names the columns. Without it columns are column_1, column_2... or the keys of `schema` when their count matches.' },
    delimiter: { type: 'string', minLength: 1, maxLength: 1, description: "CSV field delimiter. Default ',' (tab for .tsv files)." },
    quote: { type: 'string', maxLength: 1, default: '"', description: "CSV quote character; '' turns quoting off." },
    encoding: {
      type: 'string',
      description: `Text encoding (${ENCODING_NAMES.join(', ')}; case and '_' ignored) of CSV/JSON files. Default: by byte order mark, else utf-8 (invalid bytes quarantine their row). latin1/windows-1252 files still split into ranges; utf-16 files are read whole.`,
    },
    maxRecordBytes: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_RECORD_BYTES,
      description: 'Text formats: a row, line or array element longer than this many bytes goes to quarantine. Default 16 MiB.',
    },
    nullValues: {
      type: 'array',
      items: { type: 'string' },
      description: `Field texts read as null (unquoted ones, for string columns). Default: ${DEFAULT_NULL_VALUES.map((v) => JSON.stringify(v)).join(', ')}.`,
    },
    schema: {
      type: 'object',
      additionalProperties: { enum: [...COLUMN_TYPES] },
      description: `Column types by name (${typeNames}); they override the types inferred from the first 10,000 rows.`,
    },
  },
};

function invalid(path: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}.${message}`);
}

/** Checks the stage's fields and fills in defaults. */
export function resolveIngest(stage: StageSpec, path: string, defaultShardRows: number): IngestOptions {
  const src = (stage as Partial<IngestStage>).source as unknown;
  if (typeof src !== 'object' || src === null || Array.isArray(src)) throw invalid(path, 'source: required, an object with at least `uri`');
  const s = src as Record<string, unknown>;
  const uris = typeof s.uri === 'string' ? [s.uri] : s.uri;
  if (!Array.isArray(uris) || uris.length === 0 || uris.some((u) => typeof u !== 'string' || u === '')) {
    throw invalid(path, 'source.uri: give a path, glob or s3:// URI, or a non-empty list of them');
  }
  const format = s.format ?? 'auto';
  if (!FORMAT_OPTIONS.includes(format as FormatOption)) throw invalid(path, `source.format: use one of ${FORMAT_OPTIONS.join(', ')}, got ${JSON.stringify(format)}`);
  let encoding: TextEncoding | undefined;
  if (s.encoding !== undefined) {
    const e = typeof s.encoding === 'string' ? normalizeEncoding(s.encoding) : null;
    if (e === null) throw invalid(path, `source.encoding: use one of ${ENCODING_NAMES.join(', ')}, got ${JSON.stringify(s.encoding)}`);
    encoding = e;
  }
  const maxRecordBytes = s.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (typeof maxRecordBytes !== 'number' || !Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw invalid(path, `source.maxRecordBytes: must be a whole number of bytes ≥ 1, got ${JSON.stringify(s.maxRecordBytes)}`);
  }
  if (s.header !== undefined && typeof s.header !== 'boolean') throw invalid(path, 'source.header: must be true or false');
  if (s.delimiter !== undefined && (typeof s.delimiter !== 'string' || s.delimiter.length !== 1 || /[\r\n"]/.test(s.delimiter))) {
    throw invalid(path, `source.delimiter: must be one character other than a quote or newline, got ${JSON.stringify(s.delimiter)}`);
  }
  if (s.quote !== undefined && (typeof s.quote !== 'string' || s.quote.length > 1 || /[\r\n]/.test(s.quote))) {
    throw invalid(path, `source.quote: must be one character, or '' for no quoting, got ${JSON.stringify(s.quote)}`);
  }
  if (s.nullValues !== undefined && (!Array.isArray(s.nullValues) || s.nullValues.some((v) => typeof v !== 'string'))) {
    throw invalid(path, 'source.nullValues: must be a list of strings');
  }
  const declared = (s.schema ?? {}) as Record<string, unknown>;
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) throw invalid(path, 'source.schema: must map column names to types');
  for (const [name, type] of Object.entries(declared)) {
    if (!COLUMN_TYPES.includes(type as ColumnType)) throw invalid(path, `source.schema.${name}: use one of ${typeNames}, got ${JSON.stringify(type)}`);
  }
  const shardRows = (stage as Partial<IngestStage>).shardRows ?? defaultShardRows;
  if (!Number.isInteger(shardRows) || shardRows < 1) throw invalid(path, `shardRows: must be a whole number ≥ 1, got ${JSON.stringify(shardRows)}`);
  return {
    uris: uris as string[],
    format: format as FormatOption,
    encoding,
    utf16Any: typeof s.encoding === 'string' && /^utf-?16$/i.test(s.encoding.trim()),
    maxRecordBytes,
    header: (s.header as boolean | undefined) ?? true,
    delimiter: s.delimiter as string | undefined,
    quote: (s.quote as string | undefined) ?? '"',
    nullValues: (s.nullValues as string[] | undefined) ?? [...DEFAULT_NULL_VALUES],
    declared: declared as Record<string, ColumnType>,
    shardRows,
  };
}
