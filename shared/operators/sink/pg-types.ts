/**
 * quiver column types in PostgreSQL: the types the sink creates (int → bigint, float → double
 * precision, bool → boolean, string → text, timestamp → timestamptz, date → date), the types of
 * the staging table (timestamps as bigint ms, dates as integer days: exact, converted once in
 * the final INSERT), which existing column types accept which quiver type, and the names the
 * sink uses (target, staging table, `quiver_loads`).
 *
 * ```ts
 * createColumnsSql(schema);            // '"id" bigint, "name" text, "at" timestamptz'
 * stagingName('job1', 'load', 'public.users'); // 'quiver_staging_3f0c9a…'
 * ```
 */
import { createHash } from 'node:crypto';
import type { ColumnType, FieldDef } from '../../dataset.js';
import { pgQuoteIdent } from '../../connectors/sql/postgres.js';

/** The column the staging table keeps each row's task index in (a name no dataset column has). */
export const TASK_COLUMN = '$quiver_task';

/** The bookkeeping table (in the target's schema) recording which job loaded what. */
export const LOADS_TABLE = 'quiver_loads';

export const CREATE_TYPE: Readonly<Record<ColumnType, string>> = {
  int: 'bigint',
  float: 'double precision',
  bool: 'boolean',
  string: 'text',
  timestamp: 'timestamptz',
  date: 'date',
};

const STAGING_TYPE: Readonly<Record<ColumnType, string>> = {
  int: 'bigint',
  float: 'double precision',
  bool: 'boolean',
  string: 'text',
  timestamp: 'bigint',
  date: 'integer',
};

/** Existing column types (pg_type.typname) a quiver type may be written into. */
const ACCEPTS: Readonly<Record<ColumnType, readonly string[]>> = {
  int: ['int8', 'int4', 'int2', 'numeric', 'float8', 'float4'],
  float: ['float8', 'float4', 'numeric'],
  bool: ['bool'],
  string: ['text', 'varchar', 'bpchar', 'name', 'citext', 'json', 'jsonb', 'uuid'],
  timestamp: ['timestamptz', 'timestamp'],
  date: ['date', 'timestamp', 'timestamptz'],
};

/** A column of an existing table. */
export interface PgColumn {
  name: string;
  /** pg_type.typname: int8, text, timestamptz... */
  typname: string;
  /** format_type(): `character varying(20)`, `bigint`... */
  formatted: string;
  notNull: boolean;
  hasDefault: boolean;
}

/** The target table as `[schema.]name` parts; its quoted SQL name; and its schema's prefix. */
export interface TableName {
  parts: string[];
  sql: string;
  /** `"schema".` or '' (for the staging and bookkeeping tables next to the target). */
  schemaPrefix: string;
  display: string;
}

export function tableName(parts: readonly string[]): TableName {
  const quoted = parts.map(pgQuoteIdent);
  return {
    parts: [...parts],
    sql: quoted.join('.'),
    schemaPrefix: parts.length === 2 ? `${quoted[0]!}.` : '',
    display: parts.join('.'),
  };
}

/** The per-job staging table's name: `quiver_staging_<16 hex of sha256(job, stage, target)>`. */
export function stagingName(jobId: string, stageId: string, target: string): string {
  return `quiver_staging_${createHash('sha256').update(`${jobId}\0${stageId}\0${target}`).digest('hex').slice(0, 16)}`;
}

export function createColumnsSql(fields: readonly FieldDef[]): string {
  return fields.map((f) => `${pgQuoteIdent(f.name)} ${CREATE_TYPE[f.type]}`).join(', ');
}

export function stagingColumnsSql(fields: readonly FieldDef[]): string {
  return [`${pgQuoteIdent(TASK_COLUMN)} integer not null`, ...fields.map((f) => `${pgQuoteIdent(f.name)} ${STAGING_TYPE[f.type]}`)].join(', ');
}

/** The staging column's value as the target column's type (`formatted`), exactly. */
export function fromStagingSql(field: FieldDef, formatted: string): string {
  const c = pgQuoteIdent(field.name);
  let expr: string;
  switch (field.type) {
    case 'timestamp':
      // Whole days plus the remaining ms: exact integer arithmetic (the session is in UTC).
      expr = `timestamptz 'epoch' + (${c} / 86400000) * interval '1 day' + (${c} % 86400000) * interval '1 millisecond'`;
      break;
    case 'date':
      expr = `date '1970-01-01' + ${c}`;
      break;
    default:
      expr = c;
  }
  return `(${expr})::${formatted}`;
}

/**
 * Why an existing table cannot take `fields` (one line per problem), or [] when it can. With
 * `exact`, the table must have no other columns either (mode create on an existing table).
 */
export function incompatibilities(fields: readonly FieldDef[], columns: readonly PgColumn[], exact: boolean): string[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const f of fields) {
    const c = byName.get(f.name);
    if (c === undefined) problems.push(`column "${f.name}" (${f.type}) is missing`);
    else if (!ACCEPTS[f.type].includes(c.typname)) problems.push(`column "${f.name}" is ${c.formatted}, which cannot hold ${f.type} values (use ${CREATE_TYPE[f.type]})`);
  }
  const names = new Set(fields.map((f) => f.name));
  for (const c of columns) {
    if (names.has(c.name)) continue;
    if (exact) problems.push(`the table has a column "${c.name}" the data does not`);
    else if (c.notNull && !c.hasDefault) problems.push(`column "${c.name}" is NOT NULL without a default, and the data has no such column`);
  }
  return problems;
}
