/**
 * The file end of the `quiver gen` writers: a local file (parent folders created, `.gz`
 * compressed at level 1) written in large pieces with backpressure, and its size at the end.
 *
 * ```ts
 * const sink = await openTextSink('data/tx.csv.gz');
 * try { await sink.write('a,b\n'); await sink.append('1,2\n'); } catch (err) { sink.destroy(); throw writeError('data/tx.csv.gz', err); }
 * const bytes = await sink.close();
 * ```
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { QuiverError } from '../../shared/errors.js';

/** Lines are joined into pieces of about this many characters before they are written. */
export const WRITE_CHARS = 1 << 20;

export interface TextSink {
  /** Writes `text`, waiting for the stream to drain when its buffer is full. */
  write(text: string): Promise<void>;
  /**
   * Buffers `text`; writes the buffered pieces once they reach WRITE_CHARS, or now when `flush`.
   * Resolves to whether it wrote (callers report progress then).
   */
  append(text: string, flush?: boolean): Promise<boolean>;
  /** Ends the stream (after writing what `append` buffered), waits for the file to close; resolves to the file's size in bytes. */
  close(): Promise<number>;
  /** Abandons the file after an error. */
  destroy(): void;
}

export async function openTextSink(out: string): Promise<TextSink> {
  await mkdir(dirname(out), { recursive: true });
  const file = createWriteStream(out);
  const gz = out.toLowerCase().endsWith('.gz') ? createGzip({ level: 1 }) : null;
  if (gz !== null) gz.pipe(file);
  const sink: Writable = gz ?? file;
  const closed = new Promise<void>((resolve, reject) => {
    file.once('close', resolve);
    file.once('error', reject);
    gz?.once('error', reject);
  });
  // Errors surface through `closed`; keep an early one from being an unhandled rejection.
  closed.catch(() => undefined);
  let pieces: string[] = [];
  let pieceChars = 0;
  const write = async (text: string): Promise<void> => {
    if (!sink.write(text)) await Promise.race([once(sink, 'drain'), closed]);
  };
  const flushPieces = async (): Promise<void> => {
    if (pieces.length > 0) await write(pieces.join(''));
    pieces = [];
    pieceChars = 0;
  };
  return {
    write,
    async append(text, flush = false) {
      pieces.push(text);
      pieceChars += text.length;
      if (!flush && pieceChars < WRITE_CHARS) return false;
      await flushPieces();
      return true;
    },
    async close() {
      await flushPieces();
      sink.end();
      await closed;
      return (await stat(out)).size;
    },
    destroy() {
      file.destroy();
    },
  };
}

/** A failed generator write: STORE_FAILED naming the file, with what to check. */
export function writeError(out: string, err: unknown): QuiverError {
  return QuiverError.nonRetryable('STORE_FAILED', `could not write ${out}: ${(err as Error).message}; check the path and free space`, { cause: err });
}
