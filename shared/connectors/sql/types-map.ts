/**
 * Database column types → quiver column types, for PostgreSQL (by type OID) and MySQL/MariaDB
 * (by protocol column type). Integers of every width → int (values beyond ±2^53 are
 * quarantined: quiver ints are exact up to there); numeric/decimal → float (approximate);
 * date → date; timestamp/datetime (with or without time zone) → timestamp (UTC, ms); boolean
 * (MySQL: tinyint(1), bit(1)) → bool; everything else (text, json, uuid, arrays, binary as
 * `\x` hex, time, interval...) → string.
 *
 * ```ts
 * pgColumnType(20); // { type: 'int', dbType: 'bigint', note: 'values beyond ±2^53 are quarantined...' }
 * ```
 */
import type { ColumnType } from '../../dataset.js';

export interface MappedType {
  type: ColumnType;
  /** The database's name for the type, for messages. */
  dbType: string;
  /** Said once at plan time when the mapping can lose something. */
  note?: string;
}

const BIGINT_NOTE = 'values beyond ±2^53 (9007199254740991) are quarantined, as quiver ints are exact only up to there; declare the column string in source.schema to keep them as text';
const DECIMAL_NOTE = 'read as float (a 64-bit double: about 15 significant digits); declare the column string in source.schema to keep exact text';

const PG: ReadonlyMap<number, MappedType> = new Map<number, MappedType>([
  [16, { type: 'bool', dbType: 'boolean' }],
  [20, { type: 'int', dbType: 'bigint', note: BIGINT_NOTE }],
  [21, { type: 'int', dbType: 'smallint' }],
  [23, { type: 'int', dbType: 'integer' }],
  [26, { type: 'int', dbType: 'oid' }],
  [700, { type: 'float', dbType: 'real' }],
  [701, { type: 'float', dbType: 'double precision' }],
  [1700, { type: 'float', dbType: 'numeric', note: DECIMAL_NOTE }],
  [1082, { type: 'date', dbType: 'date' }],
  [1114, { type: 'timestamp', dbType: 'timestamp' }],
  [1184, { type: 'timestamp', dbType: 'timestamptz' }],
  [25, { type: 'string', dbType: 'text' }],
  [1043, { type: 'string', dbType: 'varchar' }],
  [1042, { type: 'string', dbType: 'char' }],
  [19, { type: 'string', dbType: 'name' }],
  [114, { type: 'string', dbType: 'json' }],
  [3802, { type: 'string', dbType: 'jsonb' }],
  [2950, { type: 'string', dbType: 'uuid' }],
  [17, { type: 'string', dbType: 'bytea' }],
  [1083, { type: 'string', dbType: 'time' }],
  [1186, { type: 'string', dbType: 'interval' }],
]);

/** The quiver type of a PostgreSQL result column with type OID `oid`. */
export function pgColumnType(oid: number): MappedType {
  return PG.get(oid) ?? { type: 'string', dbType: `type oid ${oid}` };
}

/** MySQL protocol column types (mysql2's `Types`). */
export const MysqlType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** The character set id MySQL gives binary strings. */
export const MYSQL_BINARY_CHARSET = 63;

/** What a MySQL result column says about itself (mysql2's FieldPacket, the parts used here). */
export interface MysqlField {
  columnType?: number;
  type?: number;
  columnLength?: number;
  characterSet?: number;
}

const STRINGY = new Set<number>([
  MysqlType.VARCHAR,
  MysqlType.VAR_STRING,
  MysqlType.STRING,
  MysqlType.TINY_BLOB,
  MysqlType.MEDIUM_BLOB,
  MysqlType.LONG_BLOB,
  MysqlType.BLOB,
]);

/** True for binary strings (BLOB, BINARY, VARBINARY): read as `\x` hex text. */
export function mysqlIsBinary(field: MysqlField): boolean {
  const t = field.columnType ?? field.type ?? -1;
  return STRINGY.has(t) && field.characterSet === MYSQL_BINARY_CHARSET;
}

/** The quiver type of a MySQL/MariaDB result column. */
export function mysqlColumnType(field: MysqlField): MappedType {
  const t = field.columnType ?? field.type ?? -1;
  switch (t) {
    case MysqlType.TINY:
      return field.columnLength === 1 ? { type: 'bool', dbType: 'tinyint(1)' } : { type: 'int', dbType: 'tinyint' };
    case MysqlType.SHORT:
      return { type: 'int', dbType: 'smallint' };
    case MysqlType.INT24:
      return { type: 'int', dbType: 'mediumint' };
    case MysqlType.LONG:
      return { type: 'int', dbType: 'int' };
    case MysqlType.YEAR:
      return { type: 'int', dbType: 'year' };
    case MysqlType.LONGLONG:
      return { type: 'int', dbType: 'bigint', note: BIGINT_NOTE };
    case MysqlType.BIT:
      return field.columnLength === 1 ? { type: 'bool', dbType: 'bit(1)' } : { type: 'int', dbType: 'bit' };
    case MysqlType.FLOAT:
      return { type: 'float', dbType: 'float' };
    case MysqlType.DOUBLE:
      return { type: 'float', dbType: 'double' };
    case MysqlType.DECIMAL:
    case MysqlType.NEWDECIMAL:
      return { type: 'float', dbType: 'decimal', note: DECIMAL_NOTE };
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return { type: 'date', dbType: 'date' };
    case MysqlType.DATETIME:
      return { type: 'timestamp', dbType: 'datetime' };
    case MysqlType.TIMESTAMP:
      return { type: 'timestamp', dbType: 'timestamp' };
    case MysqlType.JSON:
      return { type: 'string', dbType: 'json' };
    default:
      return { type: 'string', dbType: mysqlIsBinary(field) ? 'binary' : STRINGY.has(t) ? 'text' : `type ${t}` };
  }
}
