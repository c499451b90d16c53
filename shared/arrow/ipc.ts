/**
 * Arrow IPC (file format) to and from bytes. Every shard in the store is one IPC file holding
 * one table (usually one record batch).
 */
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { QuiverError } from '../errors.js';

export function encodeTable(table: Table): Uint8Array {
  return tableToIPC(table, 'file');
}

export function decodeTable(bytes: Uint8Array, what = 'Arrow shard'): Table {
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid Arrow IPC: ${(err as Error).message}`, { cause: err });
  }
}
