/**
 * Text and columnar formats: CSV, NDJSON and JSON arrays into Arrow (with schema inference,
 * quarantine of bad rows and row-aligned splitting for parallel parsing), Arrow IPC and Parquet
 * inputs converted to quiver's column types, format detection by content, text encodings, and
 * Arrow out to CSV and Parquet.
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
export { readParquet, readParquetRowGroups, parquetSchemaOf, writeParquet } from './parquet.js';
export { footerLength, parquetRowGroups } from './parquet-footer.js';
export { arrowFileLayout, arrowStreamSchema, readArrowParts, readArrowWhole } from './arrow-file.js';
export type { ArrowBatchBlock, ArrowFileLayout } from './arrow-file.js';
export { columnTypeOfArrow, convertTable, schemaOfArrow } from './arrow-convert.js';
export type { ConvertOptions } from './arrow-convert.js';
export { detectFormat, isGzip, sniffDelimiter } from './detect.js';
export type { DelimiterSniff, Detection, DetectedKind, DetectOptions } from './detect.js';
export { ENCODING_NAMES, TEXT_ENCODINGS, firstInvalidUtf8, normalizeEncoding, toUtf8 } from './encoding.js';
export type { TextEncoding } from './encoding.js';
export { inferJsonArraySchema, readJsonArray } from './json-read.js';
export type { JsonArrayReadOptions } from './json-read.js';
export { JsonArraySplitter, splitJsonArray } from './json-split.js';
export type { JsonShapeProblem, JsonSplitResult } from './json-split.js';
export type { ParquetCompression, ParquetWriteOptions } from './parquet.js';
export { decodeQuarantine, encodeQuarantine } from './quarantine.js';
export { RowSplitter, splitRows } from './split.js';
export type { RowRange, SplitOptions, SplitResult } from './split.js';
export { DEFAULT_MAX_RECORD_BYTES, DEFAULT_NULL_VALUES, QUARANTINE_RAW_BYTES } from './types.js';
export type { CsvReadOptions, QuarantineRecord, ReadResult, TextReadOptions } from './types.js';
export { formatDate, formatTimestamp } from './values.js';
