/**
 * A token bucket: `take()` resolves when a request may go. The bucket holds up to `burst`
 * tokens and refills at `perSecond`; with burst 1, N requests span at least (N-1)/perSecond
 * seconds. Callers are served in order. The clock and sleep are injectable for tests.
 *
 * ```ts
 * const bucket = new TokenBucket({ perSecond: 5 });
 * for (const url of urls) {
 *   await bucket.take();
 *   await fetch(url);
 * }
 * ```
 */
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

export interface TokenBucketOptions {
  /** Tokens added per second; > 0. */
  perSecond: number;
  /** Most tokens held (requests that may go at once after a quiet spell). Default 1. */
  burst?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(options: TokenBucketOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) throw new TypeError(`TokenBucket: perSecond must be a number > 0, got ${options.perSecond}`);
    const burst = options.burst ?? 1;
    if (!Number.isInteger(burst) || burst < 1) throw new TypeError(`TokenBucket: burst must be a whole number ≥ 1, got ${burst}`);
    this.perSecond = options.perSecond;
    this.burst = burst;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.tokens = burst;
    this.last = this.now();
  }

  /** Resolves when a token was taken; concurrent callers queue in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeNow());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
  }

  private async takeNow(): Promise<void> {
    this.refill();
    // Timers may fire a little early: check the clock again after each sleep.
    while (this.tokens < 1) {
      await this.sleep(Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond)));
      this.refill();
    }
    this.tokens -= 1;
  }
}
