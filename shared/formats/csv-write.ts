/**
 * Arrow → CSV bytes (RFC 4180 quoting, `\n` line ends). Written so that readCsv reads it back
 * to the same table: null is an empty field, while an empty string, a string that looks like a
 * null marker (`NA`, `null`...) and any field holding the delimiter, a quote or a line break is
 * quoted. Floats use the shortest text that round-trips; dates are `YYYY-MM-DD`; timestamps
 * ISO 8601 UTC (`2024-05-01T12:00:00.250Z`); bools `true`/`false`.
 */
import { Type } from 'apache-arrow';
import type { Data, Table, Timestamp } from 'apache-arrow';
import { QuiverError } from '../errors.js';
import { DEFAULT_NULL_VALUES } from './types.js';
import { formatDate, formatTimestamp } from './values.js';

export interface CsvWriteOptions {
  /** One character. Default `,`. */
  delimiter?: string;
  /** Write a header row with the column names. Default true. */
  header?: boolean;
  /** Strings equal to one of these are quoted so they do not read back as null. Default {@link DEFAULT_NULL_VALUES}. */
  nullValues?: readonly string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO32 = 4294967296;
/** ms per unit of Arrow's TimeUnit (SECOND, MILLISECOND, MICROSECOND, NANOSECOND). */
const UNIT_MS = [1000, 1, 1e-3, 1e-6];

function quoter(delimiter: string, nullValues: readonly string[]): (s: string) => string {
  const special = new RegExp(`[${delimiter.replace(/[\\\]^-]/g, '\\$&')}"\\r\\n]`);
  const markers = new Set(nullValues);
  return (s) => {
    if (special.test(s)) return `"${s.replace(/"/g, '""')}"`;
    return s === '' || markers.has(s) ? `"${s}"` : s;
  };
}

/** Text of each value of one column chunk ('' for null). */
function cells(data: Data, quote: (s: string) => string): string[] {
  const n = data.length;
  const out = new Array<string>(n);
  const off = data.offset;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const valid = (i: number): boolean => bitmap === undefined || (bitmap[(off + i) >> 3]! & (1 << ((off + i) & 7))) !== 0;
  const values = data.values as ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; length: number };
  switch (data.type.typeId) {
    case Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) out[i] = valid(i) ? quote(decoder.decode(bytes.subarray(offsets[off + i]!, offsets[off + i + 1]!))) : '';
      return out;
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      for (let i = 0; i < n; i++) out[i] = valid(i) ? ((bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1 ? 'true' : 'false') : '';
      return out;
    }
    case Type.Float:
      for (let i = 0; i < n; i++) out[i] = valid(i) ? String(values[off + i]) : '';
      return out;
    case Type.Int:
    case Type.Timestamp:
    case Type.Date: {
      const wide = values instanceof BigInt64Array || values instanceof BigUint64Array;
      const words = wide ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : null;
      const num = (i: number): number | bigint => {
        if (words === null) return values[off + i] as number;
        const hi = words[(off + i) * 2 + 1]!;
        if (hi >= -0x200000 && hi < 0x200000) return hi * TWO32 + (words[(off + i) * 2]! >>> 0);
        return values[off + i] as bigint;
      };
      const typeId = data.type.typeId;
      const unitMs = typeId === Type.Timestamp ? UNIT_MS[(data.type as Timestamp).unit]! : 1;
      const isDay = typeId === Type.Date && !wide;
      for (let i = 0; i < n; i++) {
        if (!valid(i)) out[i] = '';
        else if (typeId === Type.Int) out[i] = String(num(i));
        else if (typeId === Type.Date) out[i] = formatDate(isDay ? Number(num(i)) : Math.floor(Number(num(i)) / 86_400_000));
        else out[i] = formatTimestamp(Math.floor(Number(num(i)) * unitMs));
      }
      return out;
    }
    default:
      throw QuiverError.nonRetryable('INPUT_INVALID', `cannot write Arrow type ${String(data.type)} as CSV; cast the column to int, float, bool, string, date or timestamp first`);
  }
}

export function writeCsv(table: Table, options: CsvWriteOptions = {}): Uint8Array {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw QuiverError.nonRetryable('OPTION_INVALID', `delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const nullValues = options.nullValues ?? DEFAULT_NULL_VALUES;
  const quote = quoter(delimiter, nullValues);
  const loneNull = nullValues.find((m) => m !== '' && quote(m) === `"${m}"`) ?? '""';
  const parts: Uint8Array[] = [];
  if (options.header !== false) {
    parts.push(encoder.encode(table.schema.fields.map((f) => quote(f.name)).join(delimiter) + '\n'));
  }
  for (const batch of table.batches) {
    const columns = batch.schema.fields.map((_, c) => cells(batch.getChildAt(c)!.data[0]!, quote));
    const ncol = columns.length;
    const lines = new Array<string>(batch.numRows);
    for (let r = 0; r < batch.numRows; r++) {
      let line = ncol > 0 ? columns[0]![r]! : '';
      for (let c = 1; c < ncol; c++) line += delimiter + columns[c]![r]!;
      lines[r] = line;
    }
    // A lone empty field would be a blank line, which readers skip: write a null marker instead.
    if (ncol === 1) for (let r = 0; r < lines.length; r++) if (lines[r] === '') lines[r] = loneNull;
    if (lines.length > 0) parts.push(encoder.encode(lines.join('\n') + '\n'));
  }
  const size = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
