/**
 * The database sources' fields (`source.kind: postgres | mysql`), their JSON Schema, and their
 * validation into resolved options; plus the parameters every read task carries.
 *
 * ```yaml
 * source: { kind: postgres, url: { env: CRM_URL }, table: public.users, partitionColumn: id, partitions: 8 }
 * source: { kind: mysql, url: { env: SHOP_URL }, query: "select * from orders where status = 'paid'", fetchRows: 5000 }
 * ```
 */
import type { ColumnType, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { COLUMN_TYPES } from '../../arrow/schema.js';
import type { StageSpec } from '../../spec/types.js';
import { isSecretRef, secretSchema } from '../secrets.js';
import type { SecretRef } from '../secrets.js';

export type SqlKind = 'postgres' | 'mysql';

export interface SqlSourceSpec {
  kind: SqlKind;
  url: SecretRef;
  query?: string;
  table?: string;
  partitionColumn?: string;
  partitions?: number;
  fetchRows?: number;
  schema?: Record<string, ColumnType>;
}

/** The source after validation, defaults filled in. */
export interface SqlSourceOptions {
  kind: SqlKind;
  url: SecretRef;
  /** The row source as a SELECT statement (a `table` becomes `select * from <table>`). */
  query: string;
  /** What the rows come from, for messages and quarantine records: `table public.users` or `query`. */
  what: string;
  partitionColumn: string | undefined;
  partitions: number;
  fetchRows: number;
  declared: Record<string, ColumnType>;
  shardRows: number;
}

/** One read task: a partition of the query. Holds the secret's reference, never its value. */
export interface SqlReadParams {
  kind: SqlKind;
  url: SecretRef;
  /** Spec path of the URL field (`stages[0].source.url`) for error messages. */
  urlPath: string;
  /** The statement this task runs (the query wrapped, with its partition's condition). */
  sql: string;
  /** Values bound to the statement's placeholders, as text. */
  values: string[];
  /** `table public.users` or `query`. */
  what: string;
  /** 0-based partition number and the partition count. */
  partition: number;
  partitions: number;
  /** The partition's condition in words (`id >= 1000 and id < 2000`), or `all rows`. */
  label: string;
  /** Index of the partition column in the result, to name a rejected row's key; -1 when none. */
  keyIndex: number;
  /** The stage's output schema, in result-column order. */
  schema: SchemaDef;
  fetchRows: number;
  shardRows: number;
}

export const DEFAULT_PARTITIONS = 8;
export const MAX_PARTITIONS = 1024;
export const DEFAULT_FETCH_ROWS = 10_000;

const typeNames = COLUMN_TYPES.join(', ');

/** JSON Schema of a database source of `kind`. */
export function sqlSourceSchema(kind: SqlKind, product: string): Record<string, unknown> {
  return {
    type: 'object',
    required: ['kind', 'url'],
    additionalProperties: false,
    description: `${product}: the rows of a query or table, read in parallel partitions through server-side cursors.`,
    oneOf: [{ required: ['query'] }, { required: ['table'] }],
    properties: {
      kind: { const: kind, description: `${product}.` },
      url: secretSchema(`Connection URL (${kind === 'postgres' ? 'postgres://user:pass@host:5432/db' : 'mysql://user:pass@host:3306/db'}).`),
      query: { type: 'string', minLength: 1, description: 'A SELECT statement; its result columns become the dataset columns. Give `query` or `table`.' },
      table: { type: 'string', minLength: 1, description: 'A table (or `schema.table`) read whole. Give `query` or `table`.' },
      partitionColumn: {
        type: 'string',
        minLength: 1,
        description: 'A result column to split the read on: key ranges between its min and max for int, float, date and timestamp columns, hash buckets for others. Without it the read is one task.',
      },
      partitions: { type: 'integer', minimum: 1, maximum: MAX_PARTITIONS, default: DEFAULT_PARTITIONS, description: 'Number of parallel read tasks (with partitionColumn).' },
      fetchRows: { type: 'integer', minimum: 1, maximum: 1_000_000, default: DEFAULT_FETCH_ROWS, description: 'Rows fetched from the server per round trip.' },
      schema: {
        type: 'object',
        additionalProperties: { enum: [...COLUMN_TYPES] },
        description: `Column types by name (${typeNames}); they override the types mapped from the database's. Values that do not convert are quarantined.`,
      },
    },
  };
}

function invalid(path: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}.${message}`);
}

function positiveInt(v: unknown, max: number, fallback: number, path: string, field: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw invalid(path, `${field}: must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

/** Strips a trailing `;` so the query can be wrapped as a subquery. */
function bareQuery(query: string): string {
  return query.replace(/;\s*$/, '').trim();
}

/** Checks the stage's `source` and fills in defaults; `quoteTable` quotes a (schema.)table name (errors name `path`). */
export function resolveSqlSource(stage: StageSpec, path: string, defaultShardRows: number, quoteTable: (name: string, path: string) => string): SqlSourceOptions {
  const src = (stage as { source?: unknown }).source;
  if (typeof src !== 'object' || src === null || Array.isArray(src)) throw invalid(path, 'source: required, an object with kind, url and query (or table)');
  const s = src as Record<string, unknown>;
  const kind = s.kind;
  if (kind !== 'postgres' && kind !== 'mysql') throw invalid(path, `source.kind: expected postgres or mysql, got ${JSON.stringify(kind)}`);
  if (!isSecretRef(s.url)) throw invalid(path, 'source.url: required: a connection URL, { env: NAME } or { file: path }');
  if ((s.query === undefined) === (s.table === undefined)) throw invalid(path, 'source: give exactly one of `query` (a SELECT statement) and `table`');
  let query: string;
  let what: string;
  if (s.query !== undefined) {
    if (typeof s.query !== 'string' || bareQuery(s.query) === '') throw invalid(path, 'source.query: must be a non-empty SELECT statement');
    query = bareQuery(s.query);
    what = 'query';
  } else {
    if (typeof s.table !== 'string' || s.table.trim() === '') throw invalid(path, 'source.table: must be a table name (or schema.table)');
    query = `select * from ${quoteTable(s.table.trim(), `${path}.source`)}`;
    what = `table ${s.table.trim()}`;
  }
  if (s.partitionColumn !== undefined && (typeof s.partitionColumn !== 'string' || s.partitionColumn === '')) throw invalid(path, 'source.partitionColumn: must be a column name of the result');
  const partitions = positiveInt(s.partitions, MAX_PARTITIONS, DEFAULT_PARTITIONS, path, 'source.partitions');
  const fetchRows = positiveInt(s.fetchRows, 1_000_000, DEFAULT_FETCH_ROWS, path, 'source.fetchRows');
  const declared = s.schema ?? {};
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) throw invalid(path, 'source.schema: must map column names to types');
  for (const [name, type] of Object.entries(declared)) {
    if (!COLUMN_TYPES.includes(type as ColumnType)) throw invalid(path, `source.schema.${name}: use one of ${typeNames}, got ${JSON.stringify(type)}`);
  }
  const shardRows = (stage as { shardRows?: unknown }).shardRows ?? defaultShardRows;
  if (typeof shardRows !== 'number' || !Number.isInteger(shardRows) || shardRows < 1) throw invalid(path, `shardRows: must be a whole number ≥ 1, got ${JSON.stringify(shardRows)}`);
  return {
    kind,
    url: s.url,
    query,
    what,
    partitionColumn: s.partitionColumn as string | undefined,
    partitions,
    fetchRows,
    declared: declared as Record<string, ColumnType>,
    shardRows,
  };
}

/** Splits `schema.table` on dots outside double quotes or backticks (names may not hold a dot unquoted). */
export function tableParts(name: string, path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of name) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  if (quote !== null || parts.length > 2 || parts.some((p) => p === '')) {
    throw invalid(path, `table: ${JSON.stringify(name)} is not a table name; use name or schema.name (quote a part holding dots)`);
  }
  return parts;
}
