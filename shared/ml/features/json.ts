/**
 * Canonical JSON (object keys sorted, no whitespace) and the SHA-256 that versions a fitted
 * pipeline: the same content gives the same version on every machine and run.
 *
 * ```ts
 * contentVersion({ b: 1, a: [2] }) === contentVersion({ a: [2], b: 1 }); // true
 * ```
 */
import { createHash } from 'node:crypto';

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function contentVersion(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex');
}
