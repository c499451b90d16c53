/**
 * Quarantine records: rows a reader rejected, with where they came from and why. Stored as
 * NDJSON, one record per line: `{"source":…,"line":…,"reason":…,"raw":…}`.
 */
import { QUARANTINE_RAW_BYTES } from './types.js';
import type { QuarantineRecord } from './types.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A record for the row `bytes[start, end)`, its text cut to {@link QUARANTINE_RAW_BYTES} bytes. */
export function quarantineRecord(source: string, line: number, reason: string, bytes: Uint8Array, start: number, end: number): QuarantineRecord {
  let stop = Math.min(end, start + QUARANTINE_RAW_BYTES);
  // Do not cut a UTF-8 sequence in half: back off over continuation bytes.
  if (stop < end) while (stop > start && (bytes[stop]! & 0xc0) === 0x80) stop--;
  return { source, line, reason, raw: decoder.decode(bytes.subarray(start, stop)) };
}

/** The same for a row already held as a string. */
export function quarantineText(source: string, line: number, reason: string, text: string): QuarantineRecord {
  const bytes = encoder.encode(text.length > QUARANTINE_RAW_BYTES ? text.slice(0, QUARANTINE_RAW_BYTES) : text);
  return quarantineRecord(source, line, reason, bytes, 0, bytes.length);
}

export function encodeQuarantine(records: readonly QuarantineRecord[]): Uint8Array {
  let out = '';
  for (const r of records) out += JSON.stringify({ source: r.source, line: r.line, reason: r.reason, raw: r.raw }) + '\n';
  return encoder.encode(out);
}

export function decodeQuarantine(bytes: Uint8Array): QuarantineRecord[] {
  return decoder
    .decode(bytes)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as QuarantineRecord);
}
