/**
 * One message payload (a JSON object) → one typed reading, per the declared schema, or the
 * reason it was rejected. Strict on purpose: no silent conversion of "21.5" into 21.5, so a
 * device sending the wrong shape shows up in quarantine instead of skewing aggregates.
 * Fields not in the schema are ignored.
 *
 * | type | accepts |
 * |---|---|
 * | string | a JSON string |
 * | int | a JSON number that is a safe integer |
 * | float | a finite JSON number |
 * | bool | true / false |
 * | timestamp | ms since the epoch (a number), or an ISO 8601 string with a zone (`2024-05-01T10:00:00Z`, `...+02:00`) |
 *
 * ```ts
 * const parse = readingParser(plan.fields);
 * const r = parse(payloadBytes);
 * if (r.ok) use(r.reading); else quarantine(r.reason);
 * ```
 */
import type { FieldDef } from '../dataset.js';
import type { Reading } from './types.js';

export type ParseResult = { ok: true; reading: Reading } | { ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function convert(f: FieldDef, v: unknown): { value: number | string | boolean } | string {
  switch (f.type) {
    case 'string':
      return typeof v === 'string' ? { value: v } : `field "${f.name}": expected a string, got ${show(v)}`;
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) ? { value: v } : `field "${f.name}": expected an integer, got ${show(v)}`;
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? { value: v } : `field "${f.name}": expected a number, got ${show(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? { value: v } : `field "${f.name}": expected true or false, got ${show(v)}`;
    case 'timestamp': {
      if (typeof v === 'number' && Number.isFinite(v)) return { value: Math.trunc(v) };
      if (typeof v === 'string' && ISO.test(v)) {
        const ms = Date.parse(v);
        if (!Number.isNaN(ms)) return { value: ms };
      }
      return `field "${f.name}": expected an ISO 8601 timestamp with a zone (2024-05-01T10:00:00Z) or ms since the epoch, got ${show(v)}`;
    }
    case 'date':
      return `field "${f.name}": date fields are not supported in streams; use timestamp`;
  }
}

/** A parser for the schema's fields: bytes (UTF-8 JSON) or text → reading or reason. */
export function readingParser(fields: readonly FieldDef[]): (payload: Uint8Array | string) => ParseResult {
  return (payload) => {
    let text: string;
    try {
      text = typeof payload === 'string' ? payload : decoder.decode(payload);
    } catch {
      return { ok: false, reason: 'malformed: payload is not UTF-8 text' };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: `malformed: not JSON (${(err as Error).message})` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, reason: `malformed: expected a JSON object, got ${Array.isArray(value) ? 'an array' : show(value)}` };
    }
    const obj = value as Record<string, unknown>;
    const reading: Reading = {};
    for (const f of fields) {
      const v = obj[f.name];
      if (v === undefined || v === null) {
        if (!f.nullable) return { ok: false, reason: `malformed: field "${f.name}" is ${v === null ? 'null' : 'missing'} but required` };
        reading[f.name] = null;
        continue;
      }
      const c = convert(f, v);
      if (typeof c === 'string') return { ok: false, reason: `malformed: ${c}` };
      reading[f.name] = c.value;
    }
    return { ok: true, reading };
  };
}
