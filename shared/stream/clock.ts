/**
 * Time as the stream runner sees it, injectable so tests drive timers by hand.
 *
 * ```ts
 * const clock: Clock = systemClock;
 * const t = clock.setTimeout(() => flush(), 5_000);
 * clock.clearTimeout(t);
 * ```
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

export interface Clock {
  /** ms since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
