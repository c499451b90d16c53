/**
 * Format detection by content: looks at the first bytes of a file (already gunzipped by the
 * caller when {@link isGzip} says so) and says what it holds. The file name's extension only
 * breaks ties (which delimiter, when several fit equally well).
 *
 * ```ts
 * const d = detectFormat(head, { ext: 'txt', complete: head.length === size });
 * // { format: 'ndjson', confident: true, what: 'NDJSON (one JSON object per line)' }
 * ```
 *
 * Order: Arrow file magic `ARROW1`, the Arrow stream continuation marker `FF FF FF FF`,
 * Parquet magic `PAR1`; a byte order mark or zero-byte pattern (UTF-16: decoded first); binary
 * signatures (ZIP, PDF, NUL bytes) and markup (`<html`, `<?xml`) are named so callers can
 * refuse them; then `[` → JSON array, `{` with a complete object on the first line → NDJSON
 * (a `{` that opens a multi-line document is a single JSON object), else CSV with the delimiter
 * (comma, tab, semicolon, pipe) whose field count is the same on every sampled line.
 */
import { bomOf, guessUtf16, toUtf8 } from './encoding.js';
import type { TextEncoding } from './encoding.js';
import { byteOf, CsvScanner, ScanStatus } from './csv-scan.js';

export type DetectedKind =
  | 'csv'
  | 'ndjson'
  | 'json'
  | 'arrow'
  | 'arrow-stream'
  | 'parquet'
  /** Nothing to read: no bytes, or only whitespace. */
  | 'empty'
  /** One JSON object (not an array, not one per line). */
  | 'json-object'
  /** HTML or XML markup. */
  | 'markup'
  /** Some other binary file (ZIP, PDF, NUL bytes...). */
  | 'binary';

export interface Detection {
  kind: DetectedKind;
  /** CSV: the delimiter that fits best. */
  delimiter?: string;
  /** Encoding a BOM or the zero-byte pattern announced (text formats only). */
  encoding?: TextEncoding;
  /**
   * Positive evidence: a magic number, JSON, or (CSV) a delimiter giving ≥ 2 fields with the
   * same count on every sampled line. A one-column "CSV" is not confident.
   */
  confident: boolean;
  /** What the bytes look like, for messages: `an HTML page`, `Parquet`... */
  what: string;
}

export interface DetectOptions {
  /** File extension without the dot (`csv`, `txt`), after any `.gz`: a tie-breaker only. */
  ext?: string;
  /** The head is the whole file (its last line is not cut short). Default false. */
  complete?: boolean;
  /** CSV quote character for delimiter sniffing ('' none). Default `"`. */
  quote?: string;
  /** Encoding to decode the head with before sniffing (default: by BOM, else UTF-8). */
  encoding?: TextEncoding;
}

const GZIP = [0x1f, 0x8b];
const ARROW_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
const CONTINUATION = [0xff, 0xff, 0xff, 0xff];
const PAR1 = [0x50, 0x41, 0x52, 0x31];
const BINARY_SIGNATURES: readonly [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (or an .xlsx/.docx file); unzip it or export it as CSV first'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x42, 0x5a, 0x68], 'a bzip2 file; only gzip is read, recompress it with gzip'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd file; only gzip is read, recompress it with gzip'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz file; only gzip is read, recompress it with gzip'],
  [[0x4f, 0x52, 0x43], 'an ORC file; convert it to Parquet'],
];

/** The delimiters CSV sniffing tries, in tie-break order. */
export const SNIFF_DELIMITERS: readonly string[] = [',', '\t', ';', '|'];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
}

export function isGzip(head: Uint8Array): boolean {
  return startsWith(head, GZIP);
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function firstNonSpace(bytes: Uint8Array, from: number): number {
  let p = from;
  while (p < bytes.length && WS.has(bytes[p]!)) p++;
  return p;
}

export function detectFormat(head: Uint8Array, options: DetectOptions = {}): Detection {
  if (head.length === 0) return { kind: 'empty', confident: true, what: 'an empty file' };
  if (startsWith(head, ARROW_MAGIC)) return { kind: 'arrow', confident: true, what: 'an Arrow IPC file' };
  if (startsWith(head, CONTINUATION) && head.length >= 8) return { kind: 'arrow-stream', confident: true, what: 'an Arrow IPC stream' };
  if (startsWith(head, PAR1)) return { kind: 'parquet', confident: true, what: 'a Parquet file' };
  if (isGzip(head)) return { kind: 'binary', confident: true, what: 'gzip data inside gzip data; decompress it once first' };
  for (const [sig, what] of BINARY_SIGNATURES) if (startsWith(head, sig)) return { kind: 'binary', confident: true, what };

  const bom = bomOf(head);
  const encoding = options.encoding ?? bom?.encoding ?? guessUtf16(head) ?? undefined;
  let text = head;
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    // Cut to whole code units; a surrogate pair cut in half at the end is dropped.
    const even = head.subarray(bom?.encoding === encoding ? bom.length : 0, head.length & ~1);
    try {
      text = toUtf8(even, encoding);
    } catch {
      text = toUtf8(even.subarray(0, Math.max(0, even.length - 2)), encoding);
    }
  } else if (bom?.encoding === 'utf-8') text = head.subarray(3);
  const enc = encoding !== undefined ? { encoding } : {};

  if (text.subarray(0, 8192).includes(0)) return { kind: 'binary', confident: true, what: 'binary data (it holds NUL bytes)', ...enc };
  const p = firstNonSpace(text, 0);
  if (p >= text.length) return { kind: 'empty', confident: true, what: 'only whitespace', ...enc };
  const c = text[p]!;
  if (c === 0x3c /* < */) {
    const start = new TextDecoder().decode(text.subarray(p, p + 64)).toLowerCase();
    if (/^<(!doctype html|html|head|body|\?xml|!--|[a-z]+[\s>])/.test(start)) {
      const what = start.startsWith('<?xml') ? 'an XML document' : 'an HTML page';
      return { kind: 'markup', confident: true, what, ...enc };
    }
  }
  if (c === 0x5b /* [ */) return { kind: 'json', confident: true, what: 'a JSON array', ...enc };
  if (c === 0x7b /* { */) return { ...objectKind(text, p, options.complete === true), ...enc };
  const sniff = sniffDelimiter(text, { ext: options.ext, quote: options.quote, complete: options.complete });
  const what = sniff.fields >= 2 ? `delimited text (${sniff.fields} fields split by ${JSON.stringify(sniff.delimiter)})` : 'text with no delimiter';
  return { kind: 'csv', delimiter: sniff.delimiter, confident: sniff.consistent && sniff.fields >= 2, what, ...enc };
}

/** `{` at `p`: NDJSON when the first line is a whole JSON object, else one JSON document. */
function objectKind(text: Uint8Array, p: number, complete: boolean): Omit<Detection, 'encoding'> {
  const nl = text.indexOf(0x0a, p);
  const ndjson: Omit<Detection, 'encoding'> = { kind: 'ndjson', confident: true, what: 'NDJSON (one JSON object per line)' };
  if (nl < 0 && !complete) return ndjson; // first line longer than the head: cannot tell, NDJSON reads it either way
  const decoder = new TextDecoder();
  const first = decoder.decode(text.subarray(p, nl < 0 ? text.length : nl)).trim();
  try {
    const v: unknown = JSON.parse(first);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return ndjson;
  } catch {
    // not one object on one line: see below
  }
  if (first === '{' || first.endsWith(',') || first.endsWith('{') || first.endsWith('[')) {
    return { kind: 'json-object', confident: true, what: 'one JSON object spread over several lines' };
  }
  return ndjson;
}

export interface DelimiterSniff {
  delimiter: string;
  /** Fields per line with that delimiter (the most common count). */
  fields: number;
  /** Every sampled line had that count. */
  consistent: boolean;
}

/** Lines sniffing looks at. */
const SNIFF_ROWS = 50;

/**
 * The delimiter whose field count is the same on every sampled row (quote-aware), preferring
 * more fields; the extension's delimiter (`tsv` → tab, `csv` → comma) wins ties. With no
 * consistent candidate, the one whose most common count (≥ 2) covers the most rows.
 */
export function sniffDelimiter(text: Uint8Array, options: { ext?: string | undefined; quote?: string | undefined; complete?: boolean | undefined } = {}): DelimiterSniff {
  const quote = options.quote === '' ? -1 : byteOf(options.quote ?? '"', 'quote');
  const preferred = options.ext === 'tsv' || options.ext === 'tab' ? '\t' : options.ext === 'psv' ? '|' : ',';
  const scored = SNIFF_DELIMITERS.map((d) => {
    const counts = fieldCounts(text, byteOf(d, 'delimiter'), quote, options.complete === true);
    const tally = new Map<number, number>();
    for (const n of counts) tally.set(n, (tally.get(n) ?? 0) + 1);
    let mode = 1;
    let modeRows = 0;
    for (const [n, rows] of tally) if (rows > modeRows || (rows === modeRows && n > mode)) [mode, modeRows] = [n, rows];
    return { delimiter: d, fields: mode, rows: modeRows, consistent: counts.length > 0 && modeRows === counts.length };
  });
  const rank = (s: (typeof scored)[number]): number[] => [s.fields >= 2 ? 1 : 0, s.consistent ? 1 : 0, s.consistent ? s.fields : s.rows, s.delimiter === preferred ? 1 : 0];
  const better = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
    return false;
  };
  let best = scored[0]!;
  for (const s of scored.slice(1)) if (better(rank(s), rank(best))) best = s;
  if (best.fields < 2) return { delimiter: preferred, fields: 1, consistent: best.consistent };
  return { delimiter: best.delimiter, fields: best.fields, consistent: best.consistent };
}

/** Field counts of the first rows (blank lines skipped; a row cut off by the sample's end dropped). */
function fieldCounts(text: Uint8Array, delim: number, quote: number, complete: boolean): number[] {
  const sc = new CsvScanner(delim, quote);
  const counts: number[] = [];
  let pos = 0;
  const end = text.length;
  while (pos < end && counts.length < SNIFF_ROWS) {
    sc.scan(text, pos, end);
    const cut = sc.next >= end && !complete && (text[end - 1] !== 0x0a || sc.status === ScanStatus.UNBALANCED);
    if (cut) break;
    pos = sc.next;
    if (!sc.isBlank()) counts.push(sc.nFields);
  }
  return counts;
}
