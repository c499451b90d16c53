/**
 * The ingest kernel: parses one task's bytes (a row-aligned range of a CSV/NDJSON file, or a
 * whole gzip file) into Arrow shards, and rejected rows into a quarantine object.
 *
 * Outputs: `part-<task>.arrow` (a gzip file over shardRows rows: `part-<task>-<k>.arrow`,
 * k = 0000, 0001...), plus `quarantine-<task>.ndjson` when rows were rejected.
 * Stats: rowsIn = rowsOut + quarantined, `nulls` per output column, and `schema` (the output
 * schema with `nullable` true exactly for the columns where this task saw a null).
 */
import { gunzipSync } from 'node:zlib';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { encodeTable } from '../../arrow/ipc.js';
import { readCsv } from '../../formats/csv-read.js';
import { readNdjson } from '../../formats/ndjson-read.js';
import { encodeQuarantine } from '../../formats/quarantine.js';
import type { ReadResult } from '../../formats/types.js';
import type { KernelInput, KernelObject, KernelResult } from '../../operators/types.js';
import type { IngestParams } from './spec.js';

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function checkParams(params: unknown): IngestParams {
  const p = params as Partial<IngestParams> | null;
  if (p === null || typeof p !== 'object' || (p.format !== 'csv' && p.format !== 'ndjson') || typeof p.source !== 'string' || !Array.isArray(p.schema?.fields)) {
    throw QuiverError.nonRetryable('INTERNAL', 'ingest task parameters are malformed (need format, source, schema); re-plan the job with a matching quiver version');
  }
  return p as IngestParams;
}

function inflate(bytes: Uint8Array, uri: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `"${uri}" is not valid gzip (${(err as Error).message}); check the file or drop the .gz extension`, { cause: err });
  }
}

export function ingestKernel({ task, inputs }: KernelInput): KernelResult {
  const p = checkParams(task.params);
  const input = inputs[0];
  if (input === undefined) throw QuiverError.nonRetryable('INTERNAL', `ingest task ${task.id} has no input bytes`);
  const bytes = p.gzip ? inflate(input, p.source) : input;
  // Every shard gets the same Arrow schema (all columns nullable); the stage's dataset says
  // exactly which columns hold nulls, from the stats.
  const schema: SchemaDef = { fields: p.schema.fields.map((f) => ({ ...f, nullable: true })) };
  const common = {
    schema,
    nullValues: p.nullValues,
    source: p.source,
    firstLine: p.line,
    rowsHint: p.rows > 0 ? p.rows : Math.min(p.shardRows, 65536),
    maxRowsPerTable: p.gzip ? p.shardRows : undefined,
  };
  const result: ReadResult =
    p.format === 'csv'
      ? readCsv(bytes, { ...common, columns: p.columns, delimiter: p.delimiter, quote: p.quote, header: p.skipHeader })
      : readNdjson(bytes, common);

  const index = pad(task.index, 5);
  const several = result.tables.length > 1;
  const objects: KernelObject[] = result.tables.map((table, k) => ({
    name: several ? `part-${index}-${pad(k, 4)}.arrow` : `part-${index}.arrow`,
    bytes: encodeTable(table),
    rows: table.numRows,
  }));
  if (result.quarantine.length > 0) {
    objects.push({ name: `quarantine-${index}.ndjson`, bytes: encodeQuarantine(result.quarantine), rows: result.quarantine.length, kind: 'quarantine' });
  }
  const outSchema: SchemaDef = { fields: p.schema.fields.map((f, i) => ({ ...f, nullable: result.nullCounts[i]! > 0 })) };
  return {
    objects,
    stats: { rowsIn: result.rowsIn, rowsOut: result.rowsOut, quarantined: result.quarantine.length, nulls: result.nullCounts, schema: outSchema },
  };
}
