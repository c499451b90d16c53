/**
 * When to try a failed request again: exponential backoff with jitter, or what the server's
 * `Retry-After` header asks for (seconds or an HTTP date).
 *
 * ```ts
 * backoffDelay(2, { backoffMs: 500, maxBackoffMs: 30000 }); // 1000..2000 ms
 * parseRetryAfter('120');                           // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'); // ms until then (0 when past)
 * ```
 */

/**
 * Delay before retry number `attempt + 1` (attempt 0 = after the first failure): the base
 * `backoffMs · 2^attempt`, capped at `maxBackoffMs`, then jittered to [base/2, base] so
 * clients that failed together do not come back together.
 */
export function backoffDelay(attempt: number, options: { backoffMs: number; maxBackoffMs: number }, random: () => number = Math.random): number {
  const base = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Milliseconds a `Retry-After` value asks to wait; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date has a weekday and a zone name; Date.parse takes the IMF-fixdate and RFC 850 forms.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
