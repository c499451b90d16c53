/**
 * Text encodings of input files: names, byte order marks, transcoding to UTF-8 (the only
 * encoding the readers parse), and finding invalid UTF-8 so a reader can quarantine the rows
 * that hold it instead of replacing bytes silently.
 *
 * ```ts
 * const enc = normalizeEncoding('Latin-1');          // 'latin1'
 * const utf8 = toUtf8(bytes, enc);                    // newlines stay where they were
 * if (!isUtf8(bytes)) firstInvalidUtf8(bytes, 0, bytes.length); // offset of the bad byte
 * ```
 *
 * Single-byte encodings (latin1, windows-1252) keep `\n`, delimiters and quotes at the same
 * byte positions, so their files can still be split into byte ranges before transcoding.
 * UTF-16 files cannot: each is read whole.
 */
import { isUtf8 } from 'node:buffer';
import { QuiverError } from '../errors.js';

export type TextEncoding = 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le' | 'utf-16be';

export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf-8', 'latin1', 'windows-1252', 'utf-16le', 'utf-16be'];

/** Accepted spellings (lower case, `_` read as `-`) of each encoding. */
const ALIASES: Record<string, TextEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  iso88591: 'latin1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'utf-16': 'utf-16le',
  utf16: 'utf-16le',
};

/** The encoding a spelling names, or null when unknown. `utf-16` means "by BOM, else little-endian". */
export function normalizeEncoding(name: string): TextEncoding | null {
  return ALIASES[name.trim().toLowerCase().replace(/_/g, '-')] ?? null;
}

/** Names a user may write, for messages and the JSON Schema. */
export const ENCODING_NAMES: readonly string[] = ['utf-8', 'latin1', 'iso-8859-1', 'windows-1252', 'utf-16', 'utf-16le', 'utf-16be'];

/** True for encodings whose files must be read whole (no byte-range splitting). */
export function isWide(enc: TextEncoding): boolean {
  return enc === 'utf-16le' || enc === 'utf-16be';
}

/** The encoding a byte order mark at the start announces, with its length. */
export function bomOf(bytes: Uint8Array): { encoding: TextEncoding; length: number } | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * UTF-16 without a BOM, guessed from zero bytes: ASCII-heavy UTF-16 text has a zero in every
 * other byte. Returns the byte order, or null when the sample does not look like UTF-16.
 */
export function guessUtf16(bytes: Uint8Array): TextEncoding | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.1) return 'utf-16le';
  if (evenZeros > pairs * 0.6 && oddZeros < pairs * 0.1) return 'utf-16be';
  return null;
}

/** Code points of windows-1252 bytes 0x80–0x9F (the rest is latin1); 0 marks the five unused bytes, kept as C1 controls. */
const W1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** windows-1252 text (Node's TextDecoder may lack the table without full ICU). */
function decodeWindows1252(buf: Buffer): string {
  const text = buf.toString('latin1');
  return /[\u0080-\u009f]/.test(text) ? text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(W1252_HIGH[c.charCodeAt(0) - 0x80] || c.charCodeAt(0))) : text;
}

/**
 * UTF-8 bytes of `bytes` read as `enc` (a BOM is dropped). UTF-8 input comes back as is; invalid
 * UTF-16 (a lone surrogate, an odd byte count) is INPUT_INVALID naming `what`.
 */
export function toUtf8(bytes: Uint8Array, enc: TextEncoding, what = 'input'): Uint8Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (enc) {
    case 'utf-8':
      return bytes;
    case 'latin1':
      return Buffer.from(buf.toString('latin1'), 'utf8');
    case 'windows-1252':
      return Buffer.from(decodeWindows1252(buf), 'utf8');
    case 'utf-16le':
    case 'utf-16be': {
      try {
        const text = new TextDecoder(enc, { fatal: true }).decode(bytes);
        return Buffer.from(text, 'utf8');
      } catch (err) {
        throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not valid ${enc.toUpperCase()} (${(err as Error).message}); check source.encoding`, { cause: err });
      }
    }
  }
}

export { isUtf8 };

/**
 * Offset of the first byte in `bytes[start, end)` that is not part of valid UTF-8 (overlong
 * forms, surrogates and code points past U+10FFFF count as invalid, as for `isUtf8`), or -1.
 * A sequence cut off by `end` is invalid too.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const c = bytes[p]!;
    if (c < 0x80) {
      p++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else return p;
    for (let k = 1; k <= need; k++) {
      const b = bytes[p + k];
      if (p + k >= end || b === undefined || (b & 0xc0) !== 0x80) return p;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return p;
    p += need + 1;
  }
  return -1;
}

/** The quarantine reason for a record holding invalid UTF-8 at file offset `offset`. */
export function invalidUtf8Reason(offset: number, line: number): string {
  return `invalid UTF-8 at byte ${offset} of line ${line}; set source.encoding (e.g. latin1 or windows-1252) if the file is not UTF-8`;
}

/** The quarantine reason for a record over the size limit. */
export function tooLongReason(what: string, bytes: number, limit: number): string {
  return `${what} is ${bytes} bytes, over the ${limit}-byte record limit; raise source.maxRecordBytes if it is real data, else check the quoting or line endings`;
}
