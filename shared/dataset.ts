/**
 * What a stage produces: a list of Arrow IPC shards in the store plus their schema and counts.
 * Only these small descriptions travel between coordinator and workers; rows never do.
 */

/** Column types quiver knows. Maps to Arrow: int→Int64... see shared/arrow/schema.ts. */
export type ColumnType = 'int' | 'float' | 'bool' | 'string' | 'timestamp' | 'date';

export interface FieldDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export interface SchemaDef {
  fields: FieldDef[];
}

/** One stored object a task produced. */
export interface ShardRef {
  uri: string;
  rows: number;
  bytes: number;
  /** SHA-256 (hex) of the object's bytes, when the writer computed it (workers always do). */
  sha256?: string;
}

export interface Dataset {
  shards: ShardRef[];
  schema: SchemaDef;
  rows: number;
  bytes: number;
}

export function datasetOf(shards: ShardRef[], schema: SchemaDef): Dataset {
  let rows = 0;
  let bytes = 0;
  for (const s of shards) {
    rows += s.rows;
    bytes += s.bytes;
  }
  return { shards, schema, rows, bytes };
}
