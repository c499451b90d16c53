/**
 * Text and columnar formats: CSV and NDJSON into Arrow (with schema inference, quarantine of
 * bad rows and row-aligned splitting for parallel parsing), Arrow out to CSV and Parquet.
 *
 * ```ts
 * import { inferCsvSchema, readCsv, splitRows, writeParquet } from '../formats/index.js';
 *
 * const { columns, schema } = inferCsvSchema(sampleBytes);
 * const { ranges } = await splitRows(await store.stream(uri), { rowsPerRange: 65536, header: true });
 * const r = ranges[0]!;
 * const { tables, quarantine } = readCsv(await store.getRange(uri, r.start, r.end), { schema, columns, firstLine: r.line, source: uri });
 * const parquet = writeParquet(tables[0]!);
 * ```
 */
export { readCsv, bomLength } from './csv-read.js';
export { writeCsv } from './csv-write.js';
export type { CsvWriteOptions } from './csv-write.js';
export { applyDeclared, cleanNames, inferCsvSchema, mergeSchemas, widen, SAMPLE_ROWS } from './infer.js';
export type { CsvInferOptions, CsvSampleInfo } from './infer.js';
export { inferNdjsonSchema, readNdjson } from './ndjson-read.js';
export type { NdjsonInferOptions } from './ndjson-read.js';
export { readParquet, writeParquet } from './parquet.js';
export type { ParquetCompression, ParquetWriteOptions } from './parquet.js';
export { decodeQuarantine, encodeQuarantine } from './quarantine.js';
export { RowSplitter, splitRows } from './split.js';
export type { RowRange, SplitOptions, SplitResult } from './split.js';
export { DEFAULT_NULL_VALUES, QUARANTINE_RAW_BYTES } from './types.js';
export type { CsvReadOptions, QuarantineRecord, ReadResult, TextReadOptions } from './types.js';
export { formatDate, formatTimestamp } from './values.js';
