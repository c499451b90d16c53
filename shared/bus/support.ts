/**
 * Small rules both bus implementations share: argument checks, the JSON round trip every
 * message makes, the retry delay for failing handlers, and how failures become QuiverErrors.
 */
import { QuiverError } from '../errors.js';
import type { TaskDescriptor } from '../task.js';

/** Delay before a value whose handler threw is handed over again: 100 ms, doubling, at most 5 s. */
export function handlerRetryMs(attempts: number): number {
  return Math.min(5_000, 100 * 2 ** Math.max(0, attempts - 1));
}

/** JSON round trip: what a value looks like after crossing NATS (and a copy the sender cannot mutate). */
export function jsonCopy<T>(value: T, what: string): T {
  const text = JSON.stringify(value);
  if (text === undefined) throw QuiverError.nonRetryable('OPTION_INVALID', `${what} is not JSON-serializable`);
  return JSON.parse(text) as T;
}

/** Same argument rules for both buses. */
export function checkReceiveArgs(max: number, waitMs: number): void {
  if (!Number.isInteger(max) || max < 1) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `receive: max must be an integer >= 1, got ${String(max)}`);
  }
  if (typeof waitMs !== 'number' || !(waitMs >= 0)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `receive: waitMs must be a number >= 0, got ${String(waitMs)}`);
  }
}

/** Parses a task descriptor off the wire; throws INTERNAL when it is not one. */
export function decodeTask(text: string): TaskDescriptor {
  const t = JSON.parse(text) as Partial<TaskDescriptor> | null;
  if (typeof t !== 'object' || t === null || typeof t.id !== 'string' || typeof t.jobId !== 'string') {
    throw QuiverError.nonRetryable('INTERNAL', 'message is not a task descriptor');
  }
  return t as TaskDescriptor;
}

/** Wraps anything but a QuiverError into a retryable BUS_FAILED error saying what failed. */
export function busFailed(what: string, err: unknown): QuiverError {
  if (err instanceof QuiverError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return QuiverError.retryable('BUS_FAILED', `${what} failed: ${reason}`, { cause: err });
}

export function closedError(kind: string): QuiverError {
  return QuiverError.nonRetryable('BUS_FAILED', `the ${kind} bus is closed`);
}
