/**
 * Scheduled jobs: a spec with a `schedule` (cron pattern, time zone, retries) handed to the
 * coordinator runs at every tick. Each run is a normal job with a deterministic id
 * (`<name>-<yyyymmdd>-<hhmmss>`, `-retry<n>` for retries), logged and kept in the schedule's
 * run history. A tick never starts a run while the previous run of that schedule is still
 * going (it is recorded as `skipped`); a failed run is retried after `retryDelay` seconds up to
 * `retries` times. Schedules and their history live in the jobs KV bucket (`sched.<name>`), so
 * a restarted coordinator re-arms them and follows a run it left running.
 *
 * ```ts
 * const scheduler = new Scheduler(coordinator, bus.jobs);
 * await scheduler.start();
 * await scheduler.add(specWithSchedule);
 * ```
 */
import { Cron } from 'croner';
import type { KvStore } from '../shared/bus/types.js';
import { isErrorCode, QuiverError } from '../shared/errors.js';
import type { JobState } from '../shared/job.js';
import { isTerminal } from '../shared/job.js';
import { logger } from '../shared/log.js';
import type { JobSpec } from '../shared/spec/types.js';
import type { Coordinator } from './coordinator.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface ScheduledRun {
  jobId: string;
  /** The tick (scheduled time, ISO) this run belongs to; retries share their tick. */
  tick: string;
  /** 0 for the tick's first run, n for its n-th retry. */
  attempt: number;
  status: RunStatus;
  at: string;
  finishedAt?: string;
  /** Why it failed or was skipped. */
  reason?: string;
}

export interface ScheduleRecord {
  name: string;
  spec: JobSpec;
  addedAt: string;
  /** The run in progress, if any. */
  active?: { jobId: string; tick: string; attempt: number };
  /** Newest last, at most HISTORY entries. */
  runs: ScheduledRun[];
}

export interface ScheduleInfo extends ScheduleRecord {
  cron: string;
  timezone: string;
  nextRun: string | null;
}

const HISTORY = 50;
const KEY_PREFIX = 'sched.';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2026-11-23T02:00:00.000Z` → `20261123-020000`. */
function stamp(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export function scheduledJobId(name: string, tick: string, attempt: number): string {
  return `${name}-${stamp(tick)}${attempt > 0 ? `-retry${attempt}` : ''}`;
}

export class Scheduler {
  private readonly crons = new Map<string, Cron>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Per-schedule chain, so two ticks (or a tick and a finish) never interleave their updates. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly log = logger('scheduler');
  private closed = false;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly kv: KvStore,
  ) {}

  /** Re-arms every stored schedule and follows runs left in progress. */
  async start(): Promise<void> {
    for (const key of await this.kv.keys(KEY_PREFIX)) {
      const rec = await this.kv.get<ScheduleRecord>(key);
      if (rec === null) continue;
      this.arm(rec);
      if (rec.active !== undefined) this.follow(rec.name, rec.active.jobId, rec.active.tick, rec.active.attempt);
    }
  }

  /** Adds or replaces a schedule (its run history is kept). The spec must carry `schedule`. */
  async add(spec: JobSpec): Promise<ScheduleInfo> {
    if (spec.schedule === undefined) {
      throw QuiverError.nonRetryable('SPEC_INVALID', `job spec "${spec.name}" has no schedule; add e.g. schedule: { cron: '0 2 * * *' } or submit it with \`quiver submit\``);
    }
    const old = await this.kv.get<ScheduleRecord>(KEY_PREFIX + spec.name);
    const rec: ScheduleRecord = { name: spec.name, spec, addedAt: new Date().toISOString(), runs: old?.runs ?? [] };
    if (old?.active !== undefined) rec.active = old.active;
    await this.kv.put(KEY_PREFIX + spec.name, rec);
    this.arm(rec);
    this.log.info({ schedule: spec.name, cron: spec.schedule.cron, timezone: spec.schedule.timezone ?? 'UTC' }, 'schedule added');
    return this.info(rec);
  }

  async remove(name: string): Promise<void> {
    await this.get(name);
    this.crons.get(name)?.stop();
    this.crons.delete(name);
    await this.kv.delete(KEY_PREFIX + name);
    this.log.info({ schedule: name }, 'schedule removed');
  }

  async get(name: string): Promise<ScheduleInfo> {
    const rec = await this.kv.get<ScheduleRecord>(KEY_PREFIX + name);
    if (rec === null) throw QuiverError.nonRetryable('NOT_FOUND', `no schedule "${name}"; list them with \`quiver schedule list\``);
    return this.info(rec);
  }

  async list(): Promise<ScheduleInfo[]> {
    const out: ScheduleInfo[] = [];
    for (const key of await this.kv.keys(KEY_PREFIX)) {
      const rec = await this.kv.get<ScheduleRecord>(key);
      if (rec !== null) out.push(this.info(rec));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Runs a schedule now (same rules as a tick: skipped while a run is in progress). */
  async runNow(name: string): Promise<ScheduledRun> {
    await this.get(name);
    return this.serial(name, () => this.trigger(name, new Date().toISOString(), 0));
  }

  /** Stops every timer; runs in progress go on (they are ordinary jobs). */
  close(): void {
    this.closed = true;
    for (const c of this.crons.values()) c.stop();
    this.crons.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private info(rec: ScheduleRecord): ScheduleInfo {
    const s = rec.spec.schedule!;
    const next = this.crons.get(rec.name)?.nextRun() ?? null;
    return { ...rec, cron: s.cron, timezone: s.timezone ?? 'UTC', nextRun: next === null ? null : next.toISOString() };
  }

  private arm(rec: ScheduleRecord): void {
    this.crons.get(rec.name)?.stop();
    const s = rec.spec.schedule!;
    const cron = new Cron(s.cron, { timezone: s.timezone ?? 'UTC', protect: true }, (self: Cron) => {
      const tick = (self.currentRun() ?? new Date()).toISOString();
      void this.serial(rec.name, () => this.trigger(rec.name, tick, 0)).catch((err: unknown) => {
        this.log.error({ schedule: rec.name, tick, err: (err as Error).message }, 'scheduled run could not start');
      });
    });
    this.crons.set(rec.name, cron);
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const result = prev.then(fn);
    this.chains.set(
      name,
      result.then(
        () => undefined,
        () => undefined,
      ),
    );
    return result;
  }

  private async record(name: string, update: (rec: ScheduleRecord) => void): Promise<ScheduleRecord | null> {
    const rec = await this.kv.get<ScheduleRecord>(KEY_PREFIX + name);
    if (rec === null) return null;
    update(rec);
    if (rec.runs.length > HISTORY) rec.runs.splice(0, rec.runs.length - HISTORY);
    await this.kv.put(KEY_PREFIX + name, rec);
    return rec;
  }

  private async trigger(name: string, tick: string, attempt: number): Promise<ScheduledRun> {
    const rec = await this.kv.get<ScheduleRecord>(KEY_PREFIX + name);
    if (rec === null) throw QuiverError.nonRetryable('NOT_FOUND', `no schedule "${name}"`);
    const jobId = scheduledJobId(name, tick, attempt);
    const at = new Date().toISOString();
    if (rec.active !== undefined) {
      const prev: JobState | null = await this.coordinator.get(rec.active.jobId);
      if (prev !== null && !isTerminal(prev.status)) {
        const run: ScheduledRun = { jobId, tick, attempt, status: 'skipped', at, reason: `previous run ${rec.active.jobId} is still ${prev.status}` };
        await this.record(name, (r) => r.runs.push(run));
        this.log.warn({ schedule: name, jobId, previous: rec.active.jobId }, 'scheduled run skipped: the previous run is still going');
        return run;
      }
    }
    try {
      await this.coordinator.submit(rec.spec, jobId);
    } catch (err) {
      if (isErrorCode(err, 'API_FAILED') && (await this.coordinator.get(jobId)) !== null) {
        // This tick already ran (a restarted coordinator, or a second one): never run it twice.
        this.log.info({ schedule: name, jobId }, 'scheduled run already exists; not starting it again');
        return { jobId, tick, attempt, status: 'skipped', at, reason: 'this tick already ran' };
      }
      const run: ScheduledRun = { jobId, tick, attempt, status: 'failed', at, finishedAt: at, reason: (err as Error).message };
      await this.record(name, (r) => r.runs.push(run));
      this.log.error({ schedule: name, jobId, err: run.reason }, 'scheduled run could not be submitted');
      this.retryLater(name, tick, attempt, rec.spec);
      return run;
    }
    const run: ScheduledRun = { jobId, tick, attempt, status: 'running', at };
    await this.record(name, (r) => {
      r.active = { jobId, tick, attempt };
      r.runs.push(run);
    });
    this.log.info({ schedule: name, jobId, tick, attempt }, 'scheduled run started');
    this.follow(name, jobId, tick, attempt);
    return run;
  }

  private follow(name: string, jobId: string, tick: string, attempt: number): void {
    this.coordinator
      .wait(jobId)
      .then((state) => this.serial(name, () => this.finish(name, jobId, tick, attempt, state)))
      .catch((err: unknown) => this.log.error({ schedule: name, jobId, err: (err as Error).message }, 'lost track of a scheduled run'));
  }

  private async finish(name: string, jobId: string, tick: string, attempt: number, state: JobState): Promise<void> {
    const status: RunStatus = state.status === 'succeeded' ? 'succeeded' : state.status === 'cancelled' ? 'cancelled' : 'failed';
    const rec = await this.record(name, (r) => {
      if (r.active?.jobId === jobId) delete r.active;
      const run = r.runs.find((x) => x.jobId === jobId);
      if (run !== undefined) {
        run.status = status;
        run.finishedAt = new Date().toISOString();
        if (state.error !== undefined) run.reason = state.error.message;
      }
    });
    const fields = { schedule: name, jobId, status, seconds: state.result?.seconds };
    if (status === 'succeeded') this.log.info(fields, 'scheduled run finished');
    else this.log.warn({ ...fields, err: state.error?.message }, 'scheduled run did not succeed');
    if (status === 'failed' && rec !== null) this.retryLater(name, tick, attempt, rec.spec);
  }

  private retryLater(name: string, tick: string, attempt: number, spec: JobSpec): void {
    const retries = spec.schedule?.retries ?? 2;
    if (attempt >= retries || this.closed) return;
    const delayMs = (spec.schedule?.retryDelay ?? 60) * 1000;
    this.log.info({ schedule: name, tick, retry: attempt + 1, of: retries, inSeconds: delayMs / 1000 }, 'retrying the scheduled run');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.serial(name, () => this.trigger(name, tick, attempt + 1)).catch((err: unknown) => {
        this.log.error({ schedule: name, tick, err: (err as Error).message }, 'scheduled retry could not start');
      });
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}
