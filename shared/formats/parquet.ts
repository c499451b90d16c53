/**
 * Arrow ↔ Parquet through parquet-wasm 0.8. Its Node entry (`parquet-wasm` resolves to
 * `node/parquet_wasm.js` under the `node` condition) is CommonJS and instantiates the wasm
 * module synchronously from a file next to it at import time, so it works the same on the main
 * thread and inside a Piscina worker thread (each thread gets its own wasm instance).
 * Tables cross into wasm as Arrow IPC streams.
 *
 * ```ts
 * const bytes = writeParquet(table);              // zstd by default
 * const back = readParquet(bytes);                // an apache-arrow Table
 * const part = readParquetRowGroups(bytes, [2, 3]); // only row groups 2 and 3
 * ```
 */
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Schema, Table } from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { QuiverError } from '../errors.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export interface ParquetWriteOptions {
  /** Default `zstd`. */
  compression?: ParquetCompression;
  /** Rows per row group. Default 65536. */
  rowGroupRows?: number;
}

const CODECS: Record<ParquetCompression, wasm.Compression> = {
  zstd: wasm.Compression.ZSTD,
  snappy: wasm.Compression.SNAPPY,
  gzip: wasm.Compression.GZIP,
  none: wasm.Compression.UNCOMPRESSED,
};

export function writeParquet(table: Table, options: ParquetWriteOptions = {}): Uint8Array {
  const compression = options.compression ?? 'zstd';
  const codec = CODECS[compression];
  if (codec === undefined) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `compression must be one of ${Object.keys(CODECS).join(', ')}, got ${JSON.stringify(compression)}`);
  }
  const props = new wasm.WriterPropertiesBuilder()
    .setCompression(codec)
    .setMaxRowGroupSize(options.rowGroupRows ?? 65536)
    .setCreatedBy('quiver')
    .build();
  const input = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return wasm.writeParquet(input, props);
}

export function readParquet(bytes: Uint8Array, what = 'Parquet file'): Table {
  let ipc: Uint8Array;
  try {
    ipc = wasm.readParquet(bytes).intoIPCStream();
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid Parquet: ${String(err)}`, { cause: err });
  }
  return tableFromIPC(ipc);
}

const PAR1 = Uint8Array.of(0x50, 0x41, 0x52, 0x31);

/** Only the given row groups of a Parquet file (all of them when `rowGroups` is undefined). */
export function readParquetRowGroups(bytes: Uint8Array, rowGroups: readonly number[] | undefined, what = 'Parquet file'): Table {
  let ipc: Uint8Array;
  try {
    ipc = wasm.readParquet(bytes, rowGroups === undefined ? undefined : { rowGroups: [...rowGroups] }).intoIPCStream();
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid Parquet (${String(err)}); check that it was written completely`, { cause: err });
  }
  return tableFromIPC(ipc);
}

/** The Arrow schema of a Parquet file from its footer (`footer` = the footer's Thrift bytes). */
export function parquetSchemaOf(footer: Uint8Array, what = 'Parquet file'): Schema {
  // readSchema wants a file: magic, footer, footer length, magic.
  const file = new Uint8Array(footer.length + 12);
  file.set(PAR1, 0);
  file.set(footer, 4);
  new DataView(file.buffer).setInt32(footer.length + 4, footer.length, true);
  file.set(PAR1, footer.length + 8);
  try {
    return tableFromIPC(wasm.readSchema(file).intoIPCStream()).schema;
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} has an unreadable Parquet schema (${String(err)}); check that it was written completely`, { cause: err });
  }
}
