/**
 * Micro-batching: rows collect in memory until `maxRows` rows are held or `maxMs` has passed
 * since the first row of the batch, whichever comes first; then the batch is handed to
 * `onBatch` (synchronously, in arrival order) and a new one starts. `flush()` hands over the
 * open batch now (on stop). The clock is injected so tests can drive the timer.
 *
 * ```ts
 * const b = new MicroBatcher<Reading>({ maxRows: 10_000, maxMs: 5_000 }, (rows, why) => writeShard(rows, why));
 * b.add(reading);
 * b.flush('stop');
 * b.close();
 * ```
 */
import { QuiverError } from '../errors.js';
import { systemClock } from './clock.js';
import type { Clock, TimerHandle } from './clock.js';

/** Why a batch was handed over. */
export type FlushReason = 'rows' | 'time' | 'stop';

export interface MicroBatcherOptions {
  /** Rows per batch, ≥ 1. */
  maxRows: number;
  /** Longest a row waits, in ms, ≥ 1. */
  maxMs: number;
  /** Default: the system clock. */
  clock?: Clock;
}

export class MicroBatcher<T> {
  private rows: T[] = [];
  private timer: TimerHandle | undefined;
  private readonly maxRows: number;
  private readonly maxMs: number;
  private readonly clock: Clock;
  private closed = false;
  /** Batches handed over so far. */
  batches = 0;

  constructor(
    options: MicroBatcherOptions,
    private readonly onBatch: (rows: T[], reason: FlushReason) => void,
  ) {
    if (!Number.isInteger(options.maxRows) || options.maxRows < 1) throw QuiverError.nonRetryable('OPTION_INVALID', `maxRows must be a whole number ≥ 1, got ${options.maxRows}`);
    if (!Number.isFinite(options.maxMs) || options.maxMs < 1) throw QuiverError.nonRetryable('OPTION_INVALID', `maxMs must be ≥ 1, got ${options.maxMs}`);
    this.maxRows = options.maxRows;
    this.maxMs = options.maxMs;
    this.clock = options.clock ?? systemClock;
  }

  /** Rows in the open batch. */
  get pending(): number {
    return this.rows.length;
  }

  add(row: T): void {
    if (this.closed) throw QuiverError.nonRetryable('INTERNAL', 'MicroBatcher.add after close');
    this.rows.push(row);
    if (this.rows.length >= this.maxRows) this.flush('rows');
    else if (this.timer === undefined) this.timer = this.clock.setTimeout(() => this.onTimer(), this.maxMs);
  }

  /** Hands over the open batch (if it holds any rows). */
  flush(reason: FlushReason = 'stop'): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.batches++;
    this.onBatch(rows, reason);
  }

  /** Flushes and refuses further rows. */
  close(): void {
    this.flush('stop');
    this.closed = true;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.flush('time');
  }
}
