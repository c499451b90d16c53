/**
 * The stream runner: subscribes to the source, parses each message into a reading (malformed
 * → quarantine), checks it against the watermark (late → quarantine), adds it to its window
 * and to the open micro-batch; batches become Arrow shards in the store, closed windows become
 * window shards and alerts. `stop()` unsubscribes (messages already delivered are still
 * handled), closes every open window, flushes every batch and waits for the writes.
 *
 * Every message is counted out: `received = written + malformed + late` once stopped (see
 * {@link StreamSummary}.balanced); rows whose store write failed are counted as `unwritten`.
 *
 * ```ts
 * const runner = await StreamRunner.start({ plan, store: createStore() });
 * process.once('SIGINT', () => void runner.stop('signal'));
 * const summary = await runner.done;
 * ```
 */
import type { QuarantineRecord } from '../formats/types.js';
import { quarantineText } from '../formats/quarantine.js';
import { toErrorData } from '../errors.js';
import type { ErrorData } from '../errors.js';
import { logger } from '../log.js';
import type { ObjectStore } from '../store/index.js';
import { compileAlertRules } from './alerts.js';
import type { Alert, CompiledAlertRule } from './alerts.js';
import { MicroBatcher } from './batcher.js';
import type { BrokerConnection, BrokerSubscription, SubscribeOptions } from './broker.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { StreamOutput } from './output.js';
import type { OutputKind } from './output.js';
import { readingParser } from './parse.js';
import type { ParseResult } from './parse.js';
import { openSource, subscriptionOf } from './sources.js';
import type { Reading, StreamPlan } from './types.js';
import { WindowAggregator, windowSchema } from './windows.js';
import type { WindowRow } from './windows.js';

const log = logger('stream.runner');
const lossy = new TextDecoder();

export type StopReason = 'signal' | 'duration' | 'max-messages' | 'error' | 'requested';

export interface StreamRunnerOptions {
  plan: StreamPlan;
  store: ObjectStore;
  /** A connection to use instead of opening one from `plan.source` (the runner does not close it). */
  connection?: BrokerConnection;
  /** Default: the system clock. */
  clock?: Clock;
  /** Stop after this many messages were received (a few more may arrive while unsubscribing; they are handled too). */
  maxMessages?: number;
}

export interface StreamStats {
  received: number;
  /** Readings stored in readings shards. */
  written: number;
  /** Readings waiting in the open batch or being written. */
  pending: number;
  quarantined: { malformed: number; late: number; total: number };
  /** Readings batches written, and the shards they became (a batch spanning midnight is two). */
  batches: number;
  shards: number;
  bytes: number;
  windows: { closed: number; open: number };
  alerts: { raised: number; published: number; failed: number };
  /** ISO time of the watermark, null before the first reading (or without a window). */
  watermark: string | null;
  /** Accepted readings whose store write failed (the summary then carries the error). */
  unwritten: number;
}

export interface StreamSummary extends StreamStats {
  name: string;
  source: string;
  output: string;
  seconds: number;
  stoppedBy: StopReason;
  /** received = written + quarantined + unwritten. */
  balanced: boolean;
  error?: ErrorData;
}

interface Quarantined {
  record: QuarantineRecord;
  receivedAt: number;
}

export class StreamRunner {
  private readonly parse: (payload: Uint8Array) => ParseResult;
  private readonly windows: WindowAggregator | undefined;
  private readonly rules: CompiledAlertRule[];
  private readonly output: StreamOutput;
  private readonly clock: Clock;
  private readonly readings: MicroBatcher<Reading>;
  private readonly quarantine: MicroBatcher<Quarantined>;
  private readonly windowRows: MicroBatcher<WindowRow>;
  private readonly alertRows: MicroBatcher<Alert>;
  private connection: BrokerConnection | undefined;
  private ownsConnection = false;
  private subscription: BrokerSubscription | undefined;
  private sourceText = '';
  private writes: Promise<void> = Promise.resolve();
  private readonly publishes = new Set<Promise<void>>();
  private readonly startedAt: number;
  private stopping: Promise<StreamSummary> | undefined;
  private resolveDone!: (s: StreamSummary) => void;
  private error: unknown;
  private readonly s = { received: 0, written: 0, malformed: 0, late: 0, batches: 0, shards: 0, bytes: 0, closed: 0, raised: 0, published: 0, failed: 0, unwritten: 0 };
  /** Resolves with the summary once the runner has stopped, whatever stopped it. */
  readonly done: Promise<StreamSummary>;

  private constructor(
    private readonly plan: StreamPlan,
    store: ObjectStore,
    private readonly maxMessages: number | undefined,
    clock: Clock,
  ) {
    this.clock = clock;
    this.startedAt = clock.now();
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.parse = readingParser(plan.fields);
    const keyField = plan.fields.find((f) => f.name === plan.key)!;
    const wschema = plan.window === undefined ? undefined : windowSchema(keyField, plan.window.fields);
    this.windows = plan.window === undefined ? undefined : new WindowAggregator({ key: plan.key, time: plan.time, window: plan.window });
    this.rules = wschema === undefined ? [] : compileAlertRules(plan.alerts, wschema, { stream: plan.name, key: plan.key, fields: plan.window!.fields });
    this.output = new StreamOutput(store, plan.output, { readings: { fields: plan.fields }, windows: wschema, time: plan.time });
    const opts = { ...plan.batch, clock };
    this.readings = new MicroBatcher(opts, (rows) => this.write('readings', rows.length, () => this.output.writeReadings(rows)));
    this.quarantine = new MicroBatcher(opts, (rows) => this.write('quarantine', rows.length, () => this.output.writeQuarantine(rows)));
    this.windowRows = new MicroBatcher(opts, (rows) => this.write('windows', rows.length, () => this.output.writeWindows(rows)));
    this.alertRows = new MicroBatcher(opts, (rows) => this.write('alerts', rows.length, () => this.output.writeAlerts(rows)));
  }

  /** Opens the source (or uses the given connection), resumes part numbers, subscribes. */
  static async start(options: StreamRunnerOptions): Promise<StreamRunner> {
    const runner = new StreamRunner(options.plan, options.store, options.maxMessages, options.clock ?? systemClock);
    await runner.open(options.connection);
    return runner;
  }

  private async open(given: BrokerConnection | undefined): Promise<void> {
    let filter: string;
    let options: SubscribeOptions;
    if (given !== undefined) {
      this.connection = given;
      ({ filter, options } = subscriptionOf(this.plan.source));
      this.sourceText = `${given.server} ${filter}`;
    } else {
      const src = await openSource(this.plan.source, this.plan.name);
      this.connection = src.connection;
      this.ownsConnection = true;
      ({ filter, options } = src);
      this.sourceText = src.description;
    }
    try {
      await this.output.init();
      this.subscription = await this.connection.subscribe(filter, (payload, origin) => this.onMessage(payload, origin), options);
    } catch (err) {
      if (this.ownsConnection) await this.connection.close().catch(() => undefined);
      throw err;
    }
    log.info({ stream: this.plan.name, source: this.sourceText, output: this.plan.output }, 'stream started');
  }

  private onMessage(payload: Uint8Array, origin: string): void {
    const seq = ++this.s.received;
    const r = this.parse(payload);
    if (!r.ok) {
      this.s.malformed++;
      this.reject(origin, seq, r.reason, payload);
    } else if (this.windows === undefined) {
      this.readings.add(r.reading);
    } else {
      const o = this.windows.offer(r.reading);
      if (!o.accepted) {
        this.s.late++;
        this.reject(origin, seq, o.reason, payload);
      } else {
        this.readings.add(r.reading);
        this.onClosed(o.closed);
      }
    }
    if (this.maxMessages !== undefined && seq === this.maxMessages) void this.stop('max-messages');
  }

  private reject(origin: string, seq: number, reason: string, payload: Uint8Array): void {
    this.quarantine.add({ record: quarantineText(origin, seq, reason, lossy.decode(payload)), receivedAt: this.clock.now() });
  }

  private onClosed(rows: WindowRow[]): void {
    for (const row of rows) {
      this.s.closed++;
      this.windowRows.add(row);
      for (const rule of this.rules) {
        const alert = rule.evaluate(row);
        if (alert === undefined) continue;
        this.s.raised++;
        this.alertRows.add(alert);
        if (rule.publish !== undefined) this.publish(rule, alert);
      }
    }
  }

  private publish(rule: CompiledAlertRule, alert: Alert): void {
    const target = rule.publish!;
    const conn = this.connection!;
    const data = new TextEncoder().encode(JSON.stringify(alert));
    const p = ('subject' in target ? conn.publish(target.subject, data) : conn.publish(target.topic, data, { qos: target.qos ?? 1, retain: target.retain ?? false }))
      .then(() => void this.s.published++)
      .catch((err: unknown) => {
        this.s.failed++;
        log.warn({ err: (err as Error).message, rule: rule.name }, 'alert publish failed');
      })
      .finally(() => this.publishes.delete(p));
    this.publishes.add(p);
  }

  /** Queues a store write behind the earlier ones; a failure stops the runner. */
  private write(kind: OutputKind, rows: number, fn: () => Promise<{ bytes: number }[]>): void {
    this.writes = this.writes.then(async () => {
      if (this.error !== undefined) {
        if (kind === 'readings') this.s.unwritten += rows;
        return;
      }
      try {
        const shards = await fn();
        for (const sh of shards) this.s.bytes += sh.bytes;
        if (kind === 'readings') {
          this.s.written += rows;
          this.s.batches++;
          this.s.shards += shards.length;
        }
      } catch (err) {
        if (kind === 'readings') this.s.unwritten += rows;
        this.error ??= err;
        log.error({ err: (err as Error).message, kind }, 'stream write failed; stopping');
        void this.stop('error');
      }
    });
  }

  stats(): StreamStats {
    const wm = this.windows?.watermark;
    const quarantined = this.s.malformed + this.s.late;
    return {
      received: this.s.received,
      written: this.s.written,
      pending: this.s.received - quarantined - this.s.written - this.s.unwritten,
      quarantined: { malformed: this.s.malformed, late: this.s.late, total: quarantined },
      batches: this.s.batches,
      shards: this.s.shards,
      bytes: this.s.bytes,
      windows: { closed: this.s.closed, open: this.windows?.openCount ?? 0 },
      alerts: { raised: this.s.raised, published: this.s.published, failed: this.s.failed },
      watermark: wm === undefined || !Number.isFinite(wm) ? null : new Date(wm).toISOString(),
      unwritten: this.s.unwritten,
    };
  }

  /**
   * Stops: unsubscribes, closes all open windows (raising their alerts), flushes every batch
   * and waits for the writes and alert publishes. Safe to call more than once.
   */
  stop(reason: StopReason = 'requested'): Promise<StreamSummary> {
    this.stopping ??= this.shutdown(reason).then((summary) => {
      this.resolveDone(summary);
      return summary;
    });
    return this.stopping;
  }

  private async shutdown(reason: StopReason): Promise<StreamSummary> {
    try {
      await this.subscription?.stop();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'unsubscribing failed');
    }
    if (this.windows !== undefined) this.onClosed(this.windows.closeAll());
    for (const b of [this.readings, this.quarantine, this.windowRows, this.alertRows]) b.close();
    await this.writes;
    while (this.publishes.size > 0) await Promise.all([...this.publishes]);
    try {
      await this.connection?.flush();
      if (this.ownsConnection) await this.connection?.close();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'closing the source connection failed');
    }
    const stats = this.stats();
    const summary: StreamSummary = {
      name: this.plan.name,
      source: this.sourceText,
      output: this.plan.output,
      seconds: (this.clock.now() - this.startedAt) / 1000,
      stoppedBy: this.error !== undefined ? 'error' : reason,
      ...stats,
      balanced: stats.received === stats.written + stats.quarantined.total + stats.unwritten,
    };
    if (this.error !== undefined) summary.error = toErrorData(this.error, 'STORE_FAILED');
    log.info({ stream: this.plan.name, received: summary.received, written: summary.written }, 'stream stopped');
    return summary;
  }
}
