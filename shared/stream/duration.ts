/**
 * Durations as people write them: `500ms`, `10s`, `1m`, `1.5h`, `1d`, or a number of ms.
 *
 * ```ts
 * parseDuration('1m', 'window.size'); // 60000
 * formatDuration(90_000);             // '1m30s'
 * ```
 */
import { QuiverError } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The JSON Schema pattern of a duration string. */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$';

/** Parses a duration into whole ms; `where` names the field in the error (OPTION_INVALID by default). */
export function parseDuration(value: number | string, where: string, code: 'OPTION_INVALID' | 'SPEC_INVALID' = 'OPTION_INVALID'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
    if (m !== null) return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  }
  throw QuiverError.nonRetryable(code, `${where}: "${String(value)}" is not a duration; write e.g. 500ms, 10s, 1m, 2h or 1d (or a number of ms)`);
}

/** `90000` → `1m30s`, `1500` → `1.5s`, `0` → `0s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(3))}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, s] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${unit}`);
      rest %= s;
    }
  }
  return parts.join('');
}
