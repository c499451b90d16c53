/**
 * The ingest kernel: parses one task's bytes into Arrow shards, and rejected rows into a
 * quarantine object. Text tasks (a row-aligned range of a CSV/NDJSON/JSON-array file, or a
 * whole gzip or UTF-16 file) are inflated and transcoded to UTF-8 first; Arrow tasks are a whole
 * file or stream, or a schema message plus a range of record batches; Parquet tasks are some
 * row groups of a file.
 *
 * Outputs: `part-<task>.arrow` (over shardRows rows: `part-<task>-<k>.arrow`, k = 0000,
 * 0001...), plus `quarantine-<task>.ndjson` when rows were rejected.
 * Stats: rowsIn = rowsOut + quarantined, `nulls` per output column, and `schema` (the output
 * schema with `nullable` true exactly for the columns where this task saw a null).
 *
 * ```ts
 * const { objects, stats } = ingestKernel({ task, inputs: [bytes] });
 * ```
 */
import { gunzipSync } from 'node:zlib';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { encodeTable } from '../../arrow/ipc.js';
import { readArrowParts, readArrowWhole } from '../../formats/arrow-file.js';
import { convertTable } from '../../formats/arrow-convert.js';
import { readCsv } from '../../formats/csv-read.js';
import { toUtf8 } from '../../formats/encoding.js';
import { readJsonArray } from '../../formats/json-read.js';
import { readNdjson } from '../../formats/ndjson-read.js';
import { readParquetRowGroups } from '../../formats/parquet.js';
import { encodeQuarantine } from '../../formats/quarantine.js';
import type { ReadResult } from '../../formats/types.js';
import type { KernelInput, KernelObject, KernelResult } from '../../operators/types.js';
import { gzipMessage } from './probe.js';
import type { IngestParams } from './spec.js';

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const FORMATS = new Set(['csv', 'ndjson', 'json', 'arrow', 'parquet']);

function checkParams(params: unknown): IngestParams {
  const p = params as Partial<IngestParams> | null;
  if (p === null || typeof p !== 'object' || !FORMATS.has(p.format as string) || typeof p.source !== 'string' || !Array.isArray(p.schema?.fields)) {
    throw QuiverError.nonRetryable('INTERNAL', 'ingest task parameters are malformed (need format, source, schema); re-plan the job with a matching quiver version');
  }
  return p as IngestParams;
}

function inflate(bytes: Uint8Array, uri: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', gzipMessage(uri, err), { cause: err });
  }
}

function readText(p: IngestParams, input: Uint8Array, schema: SchemaDef): ReadResult {
  const raw = p.gzip ? inflate(input, p.source) : input;
  const encoding = p.encoding ?? 'utf-8';
  const bytes = toUtf8(raw, encoding, `"${p.source}"`);
  const common = {
    schema,
    nullValues: p.nullValues,
    source: p.source,
    firstLine: p.line,
    rowsHint: p.rows > 0 ? p.rows : Math.min(p.shardRows, 65536),
    maxRowsPerTable: p.gzip || p.whole === true || encoding !== 'utf-8' ? p.shardRows : undefined,
    maxRecordBytes: p.maxRecordBytes,
    firstOffset: encoding === 'utf-8' && !p.gzip ? (p.offset ?? 0) : 0,
  };
  if (p.format === 'csv') return readCsv(bytes, { ...common, columns: p.columns, delimiter: p.delimiter, quote: p.quote, header: p.skipHeader });
  if (p.format === 'json') return readJsonArray(bytes, { ...common, whole: p.whole === true });
  return readNdjson(bytes, common);
}

function readColumnar(p: IngestParams, inputs: Uint8Array[], schema: SchemaDef): ReadResult {
  const what = `"${p.source}"`;
  let table;
  if (p.format === 'parquet') table = readParquetRowGroups(inputs[0]!, p.rowGroups, what);
  else if (p.arrowParts === true) {
    if (inputs.length < 2) throw QuiverError.nonRetryable('INTERNAL', `ingest task for ${what} lacks its record-batch input; re-plan the job`);
    table = readArrowParts(inputs[0]!, inputs[1]!, what);
  } else table = readArrowWhole(inputs[0]!, what);
  const where = p.batches === undefined ? undefined : `record batches ${p.batches[0]}-${p.batches[1]}`;
  return convertTable(table, { schema, source: p.source, firstRow: p.line, nullValues: p.nullValues, maxRowsPerTable: p.shardRows, ...(where === undefined ? {} : { where }) });
}

export function ingestKernel({ task, inputs }: KernelInput): KernelResult {
  const p = checkParams(task.params);
  const input = inputs[0];
  if (input === undefined) throw QuiverError.nonRetryable('INTERNAL', `ingest task ${task.id} has no input bytes`);
  // Every shard gets the same Arrow schema (all columns nullable); the stage's dataset says
  // exactly which columns hold nulls, from the stats.
  const schema: SchemaDef = { fields: p.schema.fields.map((f) => ({ ...f, nullable: true })) };
  const result = p.format === 'arrow' || p.format === 'parquet' ? readColumnar(p, inputs, schema) : readText(p, input, schema);

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
