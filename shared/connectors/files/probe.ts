/**
 * Probing: what each input file holds, by content. Reads the first bytes (gunzipping a sample
 * when they start with the gzip magic), works out the encoding (spec, else BOM, else UTF-8) and
 * the format (formats/detect.ts), and checks it against `source.format`. Files that hold
 * something quiver cannot read (HTML, a ZIP archive, a single JSON object, Parquet named as CSV
 * with `format: csv`) fail here with an error naming the file and what to do, before any task
 * runs.
 *
 * ```ts
 * const probed = await probeFile(store, file, opts, 'stages[0]');
 * // { format: 'ndjson', gzip: false, encoding: 'utf-8', delimiter: ',', ... }
 * ```
 */
import { constants as zc, gunzipSync } from 'node:zlib';
import { QuiverError } from '../../errors.js';
import { detectFormat, isGzip } from '../../formats/detect.js';
import type { Detection } from '../../formats/detect.js';
import { bomOf } from '../../formats/encoding.js';
import type { TextEncoding } from '../../formats/encoding.js';
import type { ObjectStore } from '../../store/types.js';
import type { FileFormat, SourceFile } from './sources.js';
import type { IngestOptions } from './spec.js';

/** Bytes read from each file to tell its format. */
export const PROBE_BYTES = 64 << 10;
/** Compressed bytes of a gzip file read for its sample. */
export const GZIP_SAMPLE_BYTES = 512 << 10;

export interface ProbedFile {
  uri: string;
  size: number;
  format: FileFormat;
  /** By content (gzip magic), whatever the name says. */
  gzip: boolean;
  delimiter: string;
  encoding: TextEncoding;
  /** arrow: a stream (no footer, read whole). */
  arrowStream: boolean;
  /** Nothing to read: no bytes, or only blanks. */
  empty: boolean;
  /** gzip files: the decompressed sample (raw bytes, before transcoding) and whether it is the whole file. */
  gzipSample: { bytes: Uint8Array; complete: boolean } | null;
}

function gunzipSample(head: Uint8Array, complete: boolean, uri: string): Uint8Array {
  try {
    return complete ? gunzipSync(head) : gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', gzipMessage(uri, err), { cause: err });
  }
}

/** The message for a gzip file that does not inflate (truncated or corrupt). */
export function gzipMessage(uri: string, err: unknown): string {
  const m = (err as Error).message;
  const truncated = /unexpected end/i.test(m);
  return truncated
    ? `"${uri}" is a truncated gzip file (${m}); nothing was read from it: re-create or re-download it completely`
    : `"${uri}" is not valid gzip (${m}); check the file, or drop the .gz extension if it is not compressed`;
}

const TEXT_FORMATS: ReadonlySet<FileFormat> = new Set(['csv', 'ndjson', 'json']);

function contentFormat(d: Detection): FileFormat | null {
  switch (d.kind) {
    case 'csv':
    case 'ndjson':
    case 'json':
    case 'arrow':
    case 'parquet':
      return d.kind;
    case 'arrow-stream':
      return 'arrow';
    default:
      return null;
  }
}

function inputError(message: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', message);
}

/** The encoding the spec asks for (utf-16 without byte order: by BOM), else by BOM / zero bytes (detect's answer). */
function encodingOf(opts: IngestOptions, head: Uint8Array, detected: TextEncoding | undefined): TextEncoding {
  if (opts.utf16Any) {
    const bom = bomOf(head);
    return bom?.encoding === 'utf-16be' ? 'utf-16be' : 'utf-16le';
  }
  return opts.encoding ?? detected ?? 'utf-8';
}

export async function probeFile(store: ObjectStore, file: SourceFile, opts: IngestOptions, path: string): Promise<ProbedFile> {
  const base = { uri: file.uri, size: file.size, delimiter: file.delimiter, arrowStream: false, gzipSample: null };
  if (file.size === 0) return { ...base, format: file.format ?? 'csv', gzip: false, encoding: opts.encoding ?? 'utf-8', empty: true };
  const head = await store.getRange(file.uri, 0, Math.min(file.size, PROBE_BYTES));
  const gzip = isGzip(head);
  let sniffed = head;
  let complete = file.size <= PROBE_BYTES;
  let gzipSample: ProbedFile['gzipSample'] = null;
  if (gzip) {
    complete = file.size <= GZIP_SAMPLE_BYTES;
    const compressed = complete && head.length === file.size ? head : await store.getRange(file.uri, 0, GZIP_SAMPLE_BYTES);
    sniffed = gunzipSample(compressed, complete, file.uri);
    gzipSample = { bytes: sniffed, complete };
    if (complete && sniffed.length === 0) return { ...base, format: file.format ?? 'csv', gzip, encoding: opts.encoding ?? 'utf-8', empty: true, gzipSample };
  }
  const wide = opts.utf16Any ? encodingOf(opts, sniffed, undefined) : opts.encoding === 'utf-16le' || opts.encoding === 'utf-16be' ? opts.encoding : undefined;
  const d = detectFormat(sniffed, { ext: file.ext, complete, quote: opts.quote, ...(wide === undefined ? {} : { encoding: wide }) });
  const encoding = encodingOf(opts, sniffed, d.encoding);
  const found = contentFormat(d);
  const named = `"${file.uri}"`;
  const result = (format: FileFormat, delimiter = file.delimiter): ProbedFile => ({
    ...base,
    format,
    gzip,
    delimiter,
    encoding,
    arrowStream: d.kind === 'arrow-stream',
    empty: d.kind === 'empty',
    gzipSample,
  });

  if (d.kind === 'markup') {
    throw inputError(`${named} is ${d.what}, not data (it starts with "<"); check the URL or download (an error or login page saved under a data name?)`);
  }
  if (d.kind === 'binary') throw inputError(`${named} is ${d.what}; quiver reads CSV/TSV, JSON, NDJSON (optionally gzip), Arrow IPC and Parquet`);
  if (d.kind === 'empty') return result(file.format ?? 'csv');
  if (gzip && (found === 'arrow' || found === 'parquet')) {
    throw inputError(`${named} is gzip-compressed ${found === 'arrow' ? 'Arrow IPC' : 'Parquet'}; decompress it first (both formats compress internally)`);
  }
  if (d.kind === 'json-object' && (opts.format === 'auto' || opts.format === 'json' || opts.format === 'ndjson')) {
    throw inputError(`${named} holds ${d.what}, not a JSON array of objects or one object per line; rewrite it as [{...}, {...}] (format json) or one object per line (format ndjson)`);
  }

  if (opts.format !== 'auto') {
    const want: FileFormat = file.format ?? 'csv';
    const binaryFound = found === 'arrow' || found === 'parquet';
    if (binaryFound && want !== found) {
      throw inputError(`source.format is ${opts.format} but ${named} is ${d.what}; set ${path}.source.format to ${found} or auto`);
    }
    if ((want === 'arrow' || want === 'parquet') && want !== found) {
      throw inputError(`source.format is ${want} but ${named} is not ${want === 'arrow' ? 'Arrow IPC' : 'Parquet'} (it looks like ${d.what}); set ${path}.source.format to auto or to the file's format`);
    }
    if (want === 'json' && found === 'ndjson') {
      throw inputError(`${named} holds one JSON object per line (NDJSON), not a JSON array; set ${path}.source.format to ndjson or auto`);
    }
    if (want === 'ndjson' && found === 'json') {
      throw inputError(`${named} holds a JSON array, not one JSON object per line; set ${path}.source.format to json or auto`);
    }
    return result(want);
  }

  // auto: the content decides; a one-column "CSV" is only believed when the name says CSV.
  if (found === 'csv' && !d.confident) {
    const namedText = file.format === 'csv';
    if (!namedText) {
      throw QuiverError.nonRetryable(
        'SPEC_INVALID',
        `${path}.source: cannot tell the format of ${named}: it looks like ${d.what}; set source.format (csv, tsv, json, ndjson, arrow or parquet) or give the file a matching extension`,
      );
    }
  }
  if (found === null) throw inputError(`${named}: cannot read ${d.what}; set ${path}.source.format`);
  if (!TEXT_FORMATS.has(found)) return result(found);
  const delimiter = found === 'csv' && !file.delimiterSet ? (d.delimiter ?? file.delimiter) : file.delimiter;
  return result(found, delimiter);
}
