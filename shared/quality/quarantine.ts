/**
 * Quarantine reasons for the report: reads a stage's quarantine objects (NDJSON records of
 * shared/formats/quarantine.ts) up to a budget and counts the rows per reason, with line
 * numbers and offending values taken out of the reason so that like rows group together.
 *
 * ```ts
 * const { reasons, exact } = await quarantineReasons(store, refs);
 * // [{ reason: 'column "age": … is not an int; fix the value…', count: 41, example: {...} }]
 * ```
 */
import type { ShardRef } from '../dataset.js';
import { decodeQuarantine } from '../formats/quarantine.js';
import type { ObjectStore } from '../store/types.js';
import type { QualityReason } from './types.js';

/** Most quarantine bytes read per stage for the report. */
export const REASON_BUDGET_BYTES = 16 * 1024 * 1024;
/** Reason groups listed per stage; the rest are summed into one line. */
export const MAX_REASONS = 20;

/** The reason without line numbers and offending values: `line 7, column "a": "x" is not an int` → `column "a": … is not an int`. */
export function reasonGroup(reason: string): string {
  let r = reason.replace(/^line \d+(?:, |: )/, '').replace(/\bline \d+/g, 'line N');
  const m = /^((?:column|key) "(?:[^"\\]|\\.)*": )/.exec(r);
  const at = r.lastIndexOf(' is not ');
  if (m !== null && at > m[1]!.length) r = `${m[1]!}…${r.slice(at)}`;
  return r.length > 300 ? `${r.slice(0, 300)}…` : r;
}

export interface ReasonCounts {
  reasons: QualityReason[];
  /** False when the budget ran out before every quarantine object was read. */
  exact: boolean;
  /** Rows counted. */
  counted: number;
}

export async function quarantineReasons(store: ObjectStore, refs: readonly ShardRef[], budget = REASON_BUDGET_BYTES): Promise<ReasonCounts> {
  const groups = new Map<string, QualityReason>();
  let read = 0;
  let counted = 0;
  let exact = true;
  for (const ref of refs) {
    if (read + ref.bytes > budget) {
      exact = false;
      break;
    }
    const bytes = await store.get(ref.uri);
    read += bytes.length;
    for (const rec of decodeQuarantine(bytes)) {
      counted++;
      const reason = reasonGroup(String(rec.reason));
      const g = groups.get(reason);
      if (g !== undefined) g.count++;
      else groups.set(reason, { reason, count: 1, example: { position: `${rec.source} line ${rec.line}`, values: { raw: rec.raw }, reason: rec.reason } });
    }
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  const reasons = sorted.slice(0, MAX_REASONS);
  const rest = sorted.slice(MAX_REASONS);
  if (rest.length > 0) reasons.push({ reason: `(${rest.length} other reasons)`, count: rest.reduce((n, g) => n + g.count, 0) });
  return { reasons, exact, counted };
}
