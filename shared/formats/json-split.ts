/**
 * JSON-array splitting: streams a file holding one top-level array (`[{...}, {...}, ...]`) and
 * cuts it into byte ranges of about N elements, each starting at an element and ending after
 * one (before the comma), so tasks parse ranges in parallel and the elements of all ranges, in
 * order, are exactly the array's. Only structure is tracked (strings, escapes, nesting depth):
 * elements are validated by the reader.
 *
 * ```ts
 * const s = new JsonArraySplitter({ rowsPerRange: 65536 });
 * for await (const chunk of stream) s.push(chunk);
 * const { ranges, problem } = s.finish();   // ranges[i] = { start, end, rows, line }
 * ```
 *
 * What is wrong with the file's shape comes back in `problem` (the planner turns it into an
 * error or a note): not an array at all, text after the closing `]`, or an array that never
 * closes (a truncated file: its last, partial element stays in the last range and the reader
 * quarantines it).
 */
import { QuiverError } from '../errors.js';
import type { RowRange } from './split.js';

export interface JsonSplitOptions {
  /** Elements per range (the last range may hold fewer). */
  rowsPerRange: number;
}

export type JsonShapeProblem =
  /** The first non-blank byte is not `[`: what it is instead. */
  | { kind: 'not-array'; found: string; line: number }
  /** Non-blank text after the array's closing `]`. */
  | { kind: 'trailing'; line: number }
  /** The input ends inside the array. */
  | { kind: 'unclosed'; line: number };

export interface JsonSplitResult {
  ranges: RowRange[];
  /** Elements in the array. */
  rows: number;
  bytes: number;
  problem: JsonShapeProblem | null;
}

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NL = 0x0a;

const BEFORE = 0;
const IN_ARRAY = 1;
const AFTER = 2;
const FAILED = 3;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Push chunks in order, then `finish()`. */
export class JsonArraySplitter {
  private readonly perRange: number;
  private state = BEFORE;
  private offset = 0;
  private lines = 1;
  /** Nesting depth inside the current element (0: between elements). */
  private depth = 0;
  private inString = false;
  private escape = false;
  private elementOpen = false;
  private rows = 0;
  private rangeStart = 0;
  private rangeLine = 1;
  private rangeRows = 0;
  /** Just past the last byte of the last element seen (not counting trailing blanks). */
  private lastEnd = 0;
  private problem: JsonShapeProblem | null = null;
  private readonly ranges: RowRange[] = [];

  constructor(options: JsonSplitOptions) {
    if (!Number.isInteger(options.rowsPerRange) || options.rowsPerRange < 1) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `rowsPerRange must be a whole number ≥ 1, got ${String(options.rowsPerRange)}`);
    }
    this.perRange = options.rowsPerRange;
  }

  push(chunk: Uint8Array): void {
    const base = this.offset;
    this.offset += chunk.length;
    if (this.state === FAILED) return;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === NL) this.lines++;
      if (this.state === IN_ARRAY) {
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (c === BACKSLASH) this.escape = true;
          else if (c === QUOTE) this.inString = false;
          if (!this.inString) this.lastEnd = base + i + 1;
          continue;
        }
        if (isSpace(c)) continue;
        if (this.depth === 0 && c === COMMA) {
          this.endElement(this.lastEnd);
          continue;
        }
        if (this.depth === 0 && c === CLOSE_ARRAY) {
          if (this.elementOpen) this.endElement(this.lastEnd);
          this.state = AFTER;
          continue;
        }
        if (!this.elementOpen) {
          this.elementOpen = true;
          if (this.rangeRows === 0) {
            this.rangeStart = base + i;
            this.rangeLine = this.lines;
          }
        }
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_ARRAY || c === OPEN_OBJECT) this.depth++;
        else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && this.depth > 0) this.depth--;
        this.lastEnd = base + i + 1;
        continue;
      }
      if (isSpace(c)) continue;
      if (this.state === BEFORE) {
        if (base + i < 3 && (c === 0xef || c === 0xbb || c === 0xbf)) continue; // UTF-8 BOM
        if (c === OPEN_ARRAY) {
          this.state = IN_ARRAY;
          continue;
        }
        this.problem = { kind: 'not-array', found: describeStart(c), line: this.lines };
        this.state = FAILED;
        return;
      }
      // AFTER: anything but blanks is trailing text.
      this.problem = { kind: 'trailing', line: this.lines };
      this.state = FAILED;
      return;
    }
  }

  private endElement(end: number): void {
    if (!this.elementOpen) return; // `[,` or `,,`: nothing to count (the reader reports it)
    this.elementOpen = false;
    this.rows++;
    this.rangeRows++;
    if (this.rangeRows >= this.perRange) this.closeRange(end);
  }

  private closeRange(end: number): void {
    this.ranges.push({ start: this.rangeStart, end, rows: this.rangeRows, line: this.rangeLine });
    this.rangeRows = 0;
  }

  finish(): JsonSplitResult {
    if (this.state === BEFORE) this.problem = null; // blank input: no rows, no problem
    if (this.state === IN_ARRAY) {
      if (this.elementOpen) {
        // A truncated file: the partial element is a row the reader will quarantine.
        this.elementOpen = false;
        this.rows++;
        this.rangeRows++;
        this.lastEnd = this.offset;
      }
      this.problem = { kind: 'unclosed', line: this.lines };
    }
    if (this.rangeRows > 0) this.closeRange(this.lastEnd);
    return { ranges: this.ranges, rows: this.rows, bytes: this.offset, problem: this.problem };
  }
}

/** What a document starts with, for the not-an-array message. */
export function describeStart(c: number): string {
  if (c === OPEN_OBJECT) return 'a JSON object ({...})';
  if (c === QUOTE) return 'a JSON string';
  if (c === 0x3c) return 'markup (<...), e.g. an HTML page';
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d) return 'a number';
  if (c === 0x74 || c === 0x66 || c === 0x6e) return 'a JSON literal (true/false/null)';
  return `text starting with ${JSON.stringify(String.fromCharCode(c))}`;
}

/** Splits a whole buffer or a stream of chunks. */
export async function splitJsonArray(source: Uint8Array | AsyncIterable<Uint8Array>, options: JsonSplitOptions): Promise<JsonSplitResult> {
  const s = new JsonArraySplitter(options);
  if (source instanceof Uint8Array) s.push(source);
  else for await (const chunk of source) s.push(chunk);
  return s.finish();
}
