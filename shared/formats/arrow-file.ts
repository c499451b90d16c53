/**
 * Arrow IPC inputs (file format `.arrow`/`.feather` v2, stream format `.arrows`): their layout
 * for planning, and reading one task's bytes.
 *
 * A file's footer lists where each record batch sits and holds the schema, so a big file splits
 * into groups of consecutive batches: a task gets the footer and one contiguous byte range of
 * batches; a schema message made from the footer, the batches and an end-of-stream marker make
 * a valid IPC stream. (The footer, not the file's first message, is the schema's source: some
 * writers, arrow-js among them, put no schema message at the start of a file.) Files with
 * dictionary batches, and streams (no footer), are read whole, one task per file.
 *
 * ```ts
 * const layout = arrowFileLayout(tail, size, uri);          // schema, footer range, batch blocks
 * const table = readArrowParts(footerBytes, batchBytes, uri); // one task's batches
 * ```
 */
import { Table as ArrowTable, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Schema, Table } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { QuiverError } from '../errors.js';

/** Bytes at the end of an IPC file: int32 footer length + `ARROW1`. */
export const ARROW_TRAILER = 10;
const EOS = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

export interface ArrowBatchBlock {
  /** Byte offset of the batch's message in the file. */
  start: number;
  /** Just past its body. */
  end: number;
}

export interface ArrowFileLayout {
  schema: Schema;
  /** Where the footer's bytes lie in the file: [footerStart, footerEnd). */
  footerStart: number;
  footerEnd: number;
  batches: ArrowBatchBlock[];
  /** The file has dictionary batches: it cannot be split by batch. */
  dictionaries: boolean;
}

function invalid(what: string, detail: string, cause?: unknown): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `${what} is not a valid Arrow IPC file (${detail}); check that it was written completely`, cause === undefined ? {} : { cause });
}

/** Length of the IPC message that starts at `at` (prefix + metadata), or -1. */
export function messageLength(bytes: Uint8Array, at: number): number {
  if (bytes.length < at + 8) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getUint32(at, true);
  if (first === 0xffffffff) return 8 + view.getInt32(at + 4, true);
  return 4 + first; // pre-0.15 files: no continuation marker
}

/** The layout of a `size`-byte IPC file from its last bytes (`tail`, holding at least the footer). */
export function arrowFileLayout(tail: Uint8Array, size: number, what: string): ArrowFileLayout {
  if (tail.length < ARROW_TRAILER || size < 8 + ARROW_TRAILER) throw invalid(what, 'too short');
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const magic = new TextDecoder().decode(tail.subarray(tail.length - 6));
  if (magic !== 'ARROW1') throw invalid(what, 'no ARROW1 marker at the end: truncated, or a stream written with a .arrow name');
  const footerLength = view.getInt32(tail.length - ARROW_TRAILER, true);
  if (footerLength <= 0 || footerLength > tail.length - ARROW_TRAILER) throw invalid(what, `footer length ${footerLength} does not fit the file`);
  const footer = decodeFooter(tail.subarray(tail.length - ARROW_TRAILER - footerLength, tail.length - ARROW_TRAILER), what);
  const batches: ArrowBatchBlock[] = [];
  for (const b of footer.recordBatches()) {
    const start = Number(b.offset);
    const end = start + b.metaDataLength + Number(b.bodyLength);
    if (start < 8 || end > size) throw invalid(what, `a record batch lies outside the file (bytes ${start}-${end} of ${size})`);
    batches.push({ start, end });
  }
  return { schema: footer.schema, footerStart: size - ARROW_TRAILER - footerLength, footerEnd: size - ARROW_TRAILER, batches, dictionaries: footer.numDictionaries > 0 };
}

function decodeFooter(bytes: Uint8Array, what: string): Footer {
  try {
    const footer = Footer.decode(bytes);
    if (footer.schema === undefined || footer.schema === null) throw new Error('no schema in the footer');
    return footer;
  } catch (err) {
    throw invalid(what, `unreadable footer: ${(err as Error).message}`, err);
  }
}

/** The schema of an IPC stream from its first bytes (holding at least the schema message). */
export function arrowStreamSchema(head: Uint8Array, what: string): Schema {
  const length = messageLength(head, 0);
  if (length < 0 || length > head.length) throw invalid(what, 'the schema message does not fit the sample');
  return decode(concat([head.subarray(0, length), EOS]), what).schema;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function decode(bytes: Uint8Array, what: string): Table {
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw invalid(what, (err as Error).message, err);
  }
}

/** A whole IPC file or stream. */
export function readArrowWhole(bytes: Uint8Array, what: string): Table {
  return decode(bytes, what);
}

/** A task's batches: the file's footer bytes and a byte range of whole batch messages. */
export function readArrowParts(footer: Uint8Array, batches: Uint8Array, what: string): Table {
  const stream = tableToIPC(new ArrowTable(decodeFooter(footer, what).schema), 'stream');
  // The stream of an empty table is its schema message followed by the end-of-stream marker.
  const schemaMessage = stream.subarray(0, stream.length - EOS.length);
  return decode(concat([schemaMessage, batches, EOS]), what);
}
