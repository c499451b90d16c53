/**
 * Arrow IPC (file format) to and from bytes. Every shard in the store is one IPC file holding
 * one table (usually one record batch).
 */
import { makeData, RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { QuiverError } from '../errors.js';

type Buffers = Array<ArrayBufferView | undefined>;

function buffersOf(data: Data): Buffers {
  return [data.values as ArrayBufferView | undefined, data.valueOffsets as ArrayBufferView | undefined, data.nullBitmap as ArrayBufferView | undefined];
}

/**
 * arrow-js's IPC writer merges buffers that sit back to back in the same memory, so two
 * columns sharing one buffer (a column selected twice, `y: x` in a derive) come back as
 * garbage. Columns whose buffers were already seen get their own copies first.
 */
function unshare(data: Data, seen: Set<ArrayBufferLike>): Data {
  const children = data.children.map((c) => unshare(c, seen));
  let shared = false;
  for (const b of buffersOf(data)) {
    if (b === undefined || b.byteLength === 0) continue;
    if (seen.has(b.buffer)) shared = true;
    seen.add(b.buffer);
  }
  const childrenChanged = children.some((c, i) => c !== data.children[i]);
  if (!shared && !childrenChanged) return data;
  const copy = <T extends ArrayBufferView | undefined>(b: T): T => (b === undefined ? b : ((b as unknown as Uint8Array).slice() as unknown as T));
  return makeData({
    type: data.type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    data: shared ? copy(data.values as ArrayBufferView | undefined) : data.values,
    valueOffsets: shared ? copy(data.valueOffsets as ArrayBufferView | undefined) : data.valueOffsets,
    nullBitmap: shared ? copy(data.nullBitmap as ArrayBufferView | undefined) : data.nullBitmap,
    children,
  } as never) as Data;
}

export function encodeTable(table: Table): Uint8Array {
  const seen = new Set<ArrayBufferLike>();
  const batches = table.batches.map((b) => {
    const data = unshare(b.data, seen);
    return data === b.data ? b : new RecordBatch(table.schema, data as never);
  });
  const safe = batches.every((b, i) => b === table.batches[i]) ? table : new Table(batches);
  return tableToIPC(safe, 'file');
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1": IPC file format
const CONTINUATION = [0xff, 0xff, 0xff, 0xff]; // IPC stream format

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

export function decodeTable(bytes: Uint8Array, what = 'Arrow shard'): Table {
  if (!startsWith(bytes, MAGIC) && !startsWith(bytes, CONTINUATION)) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid Arrow IPC: it does not start with the Arrow file or stream marker`);
  }
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid Arrow IPC: ${(err as Error).message}`, { cause: err });
  }
}
