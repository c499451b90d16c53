/**
 * JSON arrays → Arrow: a file holding one top-level array of objects, read whole (`whole:
 * true`: brackets included, e.g. a gzip file) or as one of the element-aligned ranges
 * json-split.ts cuts (`elem, elem, ...` without brackets). Each element is one record
 * (conversion rules: json-rows.ts); an element that is not valid JSON, not an object, cut off
 * by the end of the file, holds invalid UTF-8 or is over `maxRecordBytes` goes to quarantine
 * with the line it starts on.
 *
 * ```ts
 * const { schema } = inferJsonArraySchema(sample, { complete: false });
 * const r = readJsonArray(await store.getRange(uri, range.start, range.end), { schema, firstLine: range.line, source: uri });
 * ```
 */
import type { SchemaDef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { bomLength } from './csv-read.js';
import { firstInvalidUtf8, invalidUtf8Reason, isUtf8, tooLongReason } from './encoding.js';
import { JsonRowSink, JsonSchemaInferrer, textOf } from './json-rows.js';
import { describeStart } from './json-split.js';
import type { ReadResult, TextReadOptions } from './types.js';

const NL = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const WHAT = 'each array element must be one JSON object';

export interface JsonArrayReadOptions extends TextReadOptions {
  /** The input is the whole document, `[` and `]` included. Default false (a range of elements). */
  whole?: boolean;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Walks the elements of `bytes`; calls `fn(start, end, line, cut)` for each. */
class ElementWalker {
  pos: number;
  line: number;
  constructor(
    private readonly bytes: Uint8Array,
    pos: number,
    line: number,
  ) {
    this.pos = pos;
    this.line = line;
  }

  skipSpace(): void {
    const b = this.bytes;
    while (this.pos < b.length && isSpace(b[this.pos]!)) {
      if (b[this.pos] === NL) this.line++;
      this.pos++;
    }
  }

  /** Scans one element from `pos`: its end (trailing blanks trimmed) and whether the input ended inside it. */
  element(): { end: number; cut: boolean } {
    const b = this.bytes;
    let depth = 0;
    let p = this.pos;
    let last = p;
    while (p < b.length) {
      const c = b[p]!;
      if (c === QUOTE) {
        p++;
        while (p < b.length && b[p] !== QUOTE) {
          if (b[p] === BACKSLASH) p++;
          else if (b[p] === NL) this.line++;
          p++;
        }
        if (p >= b.length) return this.stop(b.length, true);
        last = ++p;
        continue;
      }
      if (c === NL) this.line++;
      if (depth === 0 && (c === COMMA || c === 0x5d)) break;
      if (c === 0x5b || c === 0x7b) depth++;
      else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
      p++;
      if (!isSpace(c)) last = p;
    }
    return this.stop(last, p >= b.length && depth > 0, p);
  }

  private stop(end: number, cut: boolean, next = end): { end: number; cut: boolean } {
    this.pos = next;
    return { end, cut };
  }
}

export function readJsonArray(bytes: Uint8Array, options: JsonArrayReadOptions): ReadResult {
  const sink = new JsonRowSink(options.schema, options);
  const source = options.source ?? '';
  const valid = isUtf8(bytes);
  const offset = options.firstOffset ?? 0;
  const w = new ElementWalker(bytes, bomLength(bytes), options.firstLine ?? 1);
  const end = bytes.length;
  if (options.whole === true) {
    w.skipSpace();
    if (w.pos >= end) return sink.finish();
    if (bytes[w.pos] !== 0x5b) throw notArrayError(source, describeStart(bytes[w.pos]!));
    w.pos++;
  }
  let closed = false;
  for (;;) {
    w.skipSpace();
    if (w.pos >= end) break;
    const c = bytes[w.pos]!;
    if (c === 0x5d && options.whole === true) {
      closed = true;
      w.pos++;
      break;
    }
    if (c === COMMA) {
      w.pos++; // an empty slot (`[1,,2]`): no record there
      continue;
    }
    const start = w.pos;
    const line = w.line;
    const { end: e, cut } = w.element();
    const where = `element on line ${line}`;
    if (cut) sink.reject(line, `${where}: cut off: the input ends inside this element (a truncated file?)`, bytes, start, e);
    else if (e - start > sink.maxRecordBytes) sink.reject(line, `${where}: ${tooLongReason('the element', e - start, sink.maxRecordBytes)}`, bytes, start, e);
    else {
      const bad = valid ? -1 : firstInvalidUtf8(bytes, start, e);
      if (bad >= 0) sink.reject(line, `${where}: ${invalidUtf8Reason(offset + bad, line)}`, bytes, start, e);
      else sink.record(textOf(bytes, start, e), line, where, WHAT);
    }
    if (w.pos < end && bytes[w.pos] === COMMA) w.pos++;
  }
  if (closed) {
    w.skipSpace();
    if (w.pos < end) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `"${source}" has text after the end of its JSON array on line ${w.line}; a JSON file must hold exactly one array (for one object per line use format: ndjson)`);
    }
  }
  return sink.finish();
}

/** The error for a `.json` document that is not an array. */
export function notArrayError(source: string, found: string): QuiverError {
  return QuiverError.nonRetryable(
    'INPUT_INVALID',
    `"${source}" holds ${found} at the top level, not a JSON array of objects; format json reads [{...}, {...}]; for one object per line use format: ndjson (or auto)`,
  );
}

export interface JsonArrayInferOptions {
  nullValues?: readonly string[];
  sampleRows?: number;
  /** The sample is the whole file; otherwise its last element may be cut short and is skipped. */
  complete?: boolean;
}

/** Columns and types of the first elements of a JSON-array sample (bad elements ignored). */
export function inferJsonArraySchema(sample: Uint8Array, options: JsonArrayInferOptions = {}): { columns: string[]; schema: SchemaDef; rows: number } {
  const inferrer = new JsonSchemaInferrer(options);
  const w = new ElementWalker(sample, bomLength(sample), 1);
  w.skipSpace();
  if (sample[w.pos] !== 0x5b) return inferrer.result();
  w.pos++;
  while (!inferrer.full) {
    w.skipSpace();
    if (w.pos >= sample.length || sample[w.pos] === 0x5d) break;
    if (sample[w.pos] === COMMA) {
      w.pos++;
      continue;
    }
    const start = w.pos;
    const { end, cut } = w.element();
    // Without the whole file, an element that runs to the sample's end may be cut short.
    if (cut || (w.pos >= sample.length && options.complete !== true)) break;
    inferrer.addText(textOf(sample, start, end));
    if (sample[w.pos] === COMMA) w.pos++;
  }
  return inferrer.result();
}
