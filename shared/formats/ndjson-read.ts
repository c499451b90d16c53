/**
 * NDJSON → Arrow, and schema inference for NDJSON samples. One JSON object per line (conversion
 * rules: json-rows.ts). A line that is not valid JSON, not an object, holds invalid UTF-8, is
 * longer than `maxRecordBytes`, or holds a value its column's type cannot take goes to
 * quarantine with its line number. Blank lines are skipped.
 *
 * ```ts
 * const { schema } = inferNdjsonSchema(sample);
 * const { tables, quarantine } = readNdjson(bytes, { schema, source: uri });
 * ```
 */
import type { SchemaDef } from '../dataset.js';
import { bomLength } from './csv-read.js';
import { firstInvalidUtf8, invalidUtf8Reason, isUtf8, tooLongReason } from './encoding.js';
import { JsonRowSink, JsonSchemaInferrer, textOf } from './json-rows.js';
import type { ReadResult, TextReadOptions } from './types.js';

const NL = 0x0a;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const WHAT = 'each line must hold one JSON object';

function isBlank(bytes: Uint8Array, s: number, e: number): boolean {
  for (let p = s; p < e; p++) {
    const c = bytes[p]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Calls `fn(start, end, line)` for each non-blank line of `bytes[from, end)` (end excludes `\r\n`). */
function eachLine(bytes: Uint8Array, from: number, end: number, firstLine: number, fn: (s: number, e: number, line: number) => boolean | void): void {
  let pos = from;
  let line = firstLine;
  while (pos < end) {
    let nl = bytes.indexOf(NL, pos);
    if (nl < 0 || nl >= end) nl = end;
    const e = nl > pos && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    if (!isBlank(bytes, pos, e) && fn(pos, e, line) === false) return;
    pos = nl + 1;
    line++;
  }
}

export function readNdjson(bytes: Uint8Array, options: TextReadOptions): ReadResult {
  const sink = new JsonRowSink(options.schema, options);
  const max = sink.maxRecordBytes;
  const firstLine = options.firstLine ?? 1;
  const from = bomLength(bytes);
  if (isUtf8(bytes)) {
    // The common case: decode once, split the text (no per-line decoding).
    const text = decoder.decode(bytes.subarray(from));
    let pos = 0;
    let line = firstLine;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const raw = text.charCodeAt(nl - 1) === 13 && nl > pos ? text.slice(pos, nl - 1) : text.slice(pos, nl);
      if (raw.trim() !== '') {
        const size = raw.length * 3 <= max ? 0 : Buffer.byteLength(raw);
        if (size > max) {
          const head = encoder.encode(raw.slice(0, 2048));
          sink.reject(line, `line ${line}: ${tooLongReason('the line', size, max)}`, head, 0, head.length);
        } else sink.record(raw, line, `line ${line}`, WHAT);
      }
      pos = nl + 1;
      line++;
    }
    return sink.finish();
  }
  const offset = options.firstOffset ?? 0;
  eachLine(bytes, from, bytes.length, firstLine, (s, e, line) => {
    if (e - s > max) {
      sink.reject(line, `line ${line}: ${tooLongReason('the line', e - s, max)}`, bytes, s, e);
      return;
    }
    const bad = firstInvalidUtf8(bytes, s, e);
    if (bad >= 0) sink.reject(line, `line ${line}: ${invalidUtf8Reason(offset + bad, line)}`, bytes, s, e);
    else sink.record(textOf(bytes, s, e), line, `line ${line}`, WHAT);
  });
  return sink.finish();
}

export interface NdjsonInferOptions {
  nullValues?: readonly string[];
  sampleRows?: number;
  /** The sample is the whole input; otherwise its last line may be cut short and is skipped. */
  complete?: boolean;
}

/** Columns (keys in first-seen order) and types of an NDJSON sample; bad lines are ignored. */
export function inferNdjsonSchema(sample: Uint8Array, options: NdjsonInferOptions = {}): { columns: string[]; schema: SchemaDef; rows: number } {
  const inferrer = new JsonSchemaInferrer(options);
  let end = sample.length;
  if (options.complete !== true) end = sample.lastIndexOf(NL) + 1;
  eachLine(sample, bomLength(sample), end, 1, (s, e) => {
    inferrer.addText(textOf(sample, s, e));
    return !inferrer.full;
  });
  return inferrer.result();
}
