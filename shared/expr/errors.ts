/**
 * Expression errors: every parse or type error is a QuiverError `EXPR_INVALID` whose message
 * starts with the 1-based column of the offending token (`at 12: ...`), says what was found and
 * what is allowed. `details.position` carries the same column for tools.
 */
import { QuiverError } from '../errors.js';

/** `offset` is the 0-based index into the expression text; messages use 1-based columns. */
export function exprError(offset: number, message: string, details: Record<string, unknown> = {}): QuiverError {
  const position = offset + 1;
  return QuiverError.nonRetryable('EXPR_INVALID', `at ${position}: ${message}`, { details: { ...details, position } });
}

/** Quotes a name or text for a message: `'amount'`. */
export function q(text: string): string {
  return `'${text}'`;
}

/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
