/**
 * The CSV row scanner: finds the field boundaries of one row in a byte buffer without creating
 * strings. The quoting rules (shared with the splitter in split.ts, which must agree on where
 * rows end):
 *
 * - a quote opens a quoted field only as the first byte of a field; elsewhere it is a literal;
 * - inside quotes, a doubled quote is one literal quote, and delimiters and newlines are data;
 * - after the closing quote must come a delimiter, `\n`, `\r\n` or the end: any other byte makes
 *   the row malformed (scanning goes on to the end of the row, quotes literal until the next
 *   delimiter), and so does a quote that never closes (the row then runs to the end of input);
 * - rows end at `\n` (a `\r` before it is dropped).
 */
import { QuiverError } from '../errors.js';

export const NL = 0x0a;
export const CR = 0x0d;

export const ScanStatus = {
  OK: 0,
  /** A quoted field never closed before the end of the input. */
  UNBALANCED: 1,
  /** Bytes between a closing quote and the next delimiter or row end. */
  AFTER_QUOTE: 2,
} as const;
export type ScanStatus = (typeof ScanStatus)[keyof typeof ScanStatus];

/** Field flags: 0 unquoted, 1 quoted, 2 quoted with doubled quotes to collapse. */
export const PLAIN = 0;
export const QUOTED = 1;
export const ESCAPED = 2;

/** Scans rows one at a time; results are left in its fields (no allocation per row). */
export class CsvScanner {
  readonly delim: number;
  /** Quote byte, or -1 for no quoting. */
  readonly quote: number;
  starts: Int32Array;
  ends: Int32Array;
  flags: Uint8Array;
  /** Fields in the last scanned row. */
  nFields = 0;
  /** End of the last row's content (before `\r\n` / `\n`). */
  rowEnd = 0;
  /** Where the next row starts. */
  next = 0;
  /** `\n` bytes the last row consumed (embedded ones and its terminator). */
  newlines = 0;
  status: ScanStatus = ScanStatus.OK;
  /** 1 for the bytes that end an unquoted field (delimiter, `\n`). */
  private readonly stop = new Uint8Array(256);

  constructor(delim: number, quote: number, capacity = 64) {
    this.delim = delim;
    this.quote = quote;
    this.stop[delim] = 1;
    this.stop[NL] = 1;
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  private grow(): void {
    const cap = this.starts.length * 2;
    const s = new Int32Array(cap);
    s.set(this.starts);
    const e = new Int32Array(cap);
    e.set(this.ends);
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.starts = s;
    this.ends = e;
    this.flags = f;
  }

  /** Scans the row that starts at `pos` in `buf[.., end)`. `pos < end` is assumed. */
  scan(buf: Uint8Array, pos: number, end: number): void {
    const D = this.delim;
    const Q = this.quote;
    let p = pos;
    let nf = 0;
    let nl = 0;
    let status: ScanStatus = ScanStatus.OK;
    for (;;) {
      if (nf >= this.starts.length) this.grow();
      if (p < end && buf[p] === Q) {
        const s = p + 1;
        let flag = QUOTED;
        p = s;
        for (;;) {
          if (p >= end) break;
          const c = buf[p]!;
          if (c === Q) {
            if (p + 1 < end && buf[p + 1] === Q) {
              flag = ESCAPED;
              p += 2;
              continue;
            }
            break;
          }
          if (c === NL) nl++;
          p++;
        }
        this.starts[nf] = s;
        this.ends[nf] = p;
        this.flags[nf] = flag;
        nf++;
        if (p >= end) {
          status = ScanStatus.UNBALANCED;
          this.finishRow(nf, end, end, nl, status);
          return;
        }
        p++;
        if (p >= end) {
          this.finishRow(nf, end, end, nl, status);
          return;
        }
        const c = buf[p]!;
        if (c === D) {
          p++;
          continue;
        }
        if (c === NL) {
          this.finishRow(nf, p, p + 1, nl + 1, status);
          return;
        }
        if (c === CR && (p + 1 === end || buf[p + 1] === NL)) {
          this.finishRow(nf, p, Math.min(p + 2, end), p + 1 < end ? nl + 1 : nl, status);
          return;
        }
        status = ScanStatus.AFTER_QUOTE;
        while (p < end && buf[p] !== D && buf[p] !== NL) p++;
        if (p < end && buf[p] === D) {
          p++;
          continue;
        }
        const e = p > pos && buf[p - 1] === CR ? p - 1 : p;
        this.finishRow(nf, e, p < end ? p + 1 : p, p < end ? nl + 1 : nl, status);
        return;
      }
      const s = p;
      const stop = this.stop;
      while (p < end && stop[buf[p]!] === 0) p++;
      if (p < end && buf[p] === D) {
        this.starts[nf] = s;
        this.ends[nf] = p;
        this.flags[nf] = PLAIN;
        nf++;
        p++;
        continue;
      }
      let e = p;
      if (e > s && buf[e - 1] === CR) e--;
      this.starts[nf] = s;
      this.ends[nf] = e;
      this.flags[nf] = PLAIN;
      nf++;
      this.finishRow(nf, e, p < end ? p + 1 : p, p < end ? nl + 1 : nl, status);
      return;
    }
  }

  private finishRow(nf: number, rowEnd: number, next: number, nl: number, status: ScanStatus): void {
    this.nFields = nf;
    this.rowEnd = rowEnd;
    this.next = next;
    this.newlines = nl;
    this.status = status;
  }

  /** True when the last row is a blank line (one empty unquoted field). */
  isBlank(): boolean {
    return this.nFields === 1 && this.flags[0] === PLAIN && this.starts[0] === this.ends[0];
  }
}

/** Matches field bytes against the null markers (`''`, `NA`, `null`...). */
export class NullMatcher {
  private readonly byLength: Uint8Array[][] = [];
  /** Bit `(length << 8) | firstByte` set when some marker has that length and first byte. */
  private readonly heads: Uint8Array;
  readonly emptyIsNull: boolean;
  private readonly maxLen: number;
  readonly markers: readonly string[];

  constructor(markers: readonly string[]) {
    const enc = new TextEncoder();
    const encoded = markers.map((m) => enc.encode(m));
    const max = encoded.reduce((m, b) => Math.max(m, b.length), 0);
    this.heads = new Uint8Array((max + 1) << 8);
    for (const b of encoded) {
      (this.byLength[b.length] ??= []).push(b);
      if (b.length > 0) this.heads[(b.length << 8) | b[0]!] = 1;
    }
    this.markers = markers;
    this.emptyIsNull = markers.includes('');
    this.maxLen = max;
  }

  matches(buf: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (n === 0) return this.emptyIsNull;
    if (n > this.maxLen || this.heads[(n << 8) | buf[s]!] === 0) return false;
    outer: for (const m of this.byLength[n]!) {
      for (let i = 1; i < n; i++) if (m[i] !== buf[s + i]) continue outer;
      return true;
    }
    return false;
  }
}

/** The single byte a delimiter or quote option stands for; OPTION_INVALID for anything else. */
export function byteOf(value: string, what: string): number {
  const b = new TextEncoder().encode(value);
  if (b.length !== 1 || b[0] === NL || b[0] === CR) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `${what} must be one ASCII character other than a newline, got ${JSON.stringify(value)}; use e.g. "," or "\\t"`);
  }
  return b[0]!;
}

const decoder = new TextDecoder();

/** Field `i` of the scanner's last row as a string (quotes collapsed); for headers and samples. */
export function fieldText(sc: CsvScanner, buf: Uint8Array, i: number): string {
  const text = decoder.decode(buf.subarray(sc.starts[i]!, sc.ends[i]!));
  if (sc.flags[i] !== ESCAPED) return text;
  const q = String.fromCharCode(sc.quote);
  return text.split(q + q).join(q);
}
