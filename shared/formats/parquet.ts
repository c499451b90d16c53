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
 * ```
 */
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
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
