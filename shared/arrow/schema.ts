/**
 * Mapping between quiver's column types and Arrow types:
 * int→Int64, float→Float64, bool→Bool, string→Utf8, timestamp→Timestamp(ms), date→Date(day).
 */
import { Bool, DateDay, Field, Float64, Int64, Schema, TimestampMillisecond, Type, Utf8 } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import type { ColumnType, FieldDef, SchemaDef } from '../dataset.js';
import { QuiverError } from '../errors.js';

export const COLUMN_TYPES: readonly ColumnType[] = ['int', 'float', 'bool', 'string', 'timestamp', 'date'];

export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'int':
      return new Int64();
    case 'float':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'string':
      return new Utf8();
    case 'timestamp':
      return new TimestampMillisecond();
    case 'date':
      return new DateDay();
  }
}

/** The quiver type of an Arrow type quiver writes itself, or null for any other Arrow type. */
export function exactColumnTypeOf(type: DataType): ColumnType | null {
  switch (type.typeId) {
    case Type.Int:
      return 'int';
    case Type.Float:
      return 'float';
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Timestamp:
      return 'timestamp';
    case Type.Date:
      return 'date';
    default:
      return null;
  }
}

/** The quiver type of a column in one of quiver's own shards; other Arrow types are bad input. */
export function columnTypeOf(type: DataType): ColumnType {
  const t = exactColumnTypeOf(type);
  if (t === null) throw QuiverError.nonRetryable('INPUT_INVALID', `Arrow type ${String(type)} is not supported; use int, float, bool, string, timestamp or date columns`);
  return t;
}

export function toArrowSchema(def: SchemaDef): Schema {
  return new Schema(def.fields.map((f) => new Field(f.name, arrowType(f.type), f.nullable)));
}

export function fromArrowSchema(schema: Schema): SchemaDef {
  return {
    fields: schema.fields.map((f): FieldDef => ({ name: f.name, type: columnTypeOf(f.type), nullable: f.nullable })),
  };
}

export function fieldOf(def: SchemaDef, name: string): FieldDef | undefined {
  return def.fields.find((f) => f.name === name);
}
