/**
 * The coordinator: accepts jobs, runs each with a JobRunner, routes task results and dead
 * letters to the right runner, and on start resumes every job the jobs bucket says is still
 * queued or running (a coordinator killed mid-job and restarted finishes it).
 *
 * ```ts
 * const coordinator = new Coordinator(bus, store, { store: { root: 's3://quiver/prod' }, mode: 'cluster' });
 * await coordinator.start();
 * const { jobId } = await coordinator.submit(spec);
 * const final = await coordinator.wait(jobId);
 * ```
 */
import { EventEmitter } from 'node:events';
import type { Subscription, TaskBus } from '../shared/bus/types.js';
import { QuiverError } from '../shared/errors.js';
import type { JobEvent, JobState } from '../shared/job.js';
import { isTerminal } from '../shared/job.js';
import { logger } from '../shared/log.js';
import type { JobSpec } from '../shared/spec/types.js';
import type { ObjectStore, StoreConfig } from '../shared/store/types.js';
import { JobRunner } from './job-runner.js';
import { writeManifests } from './datasets.js';
import { jobResult, newJobState } from './job-state.js';
import { JobStore } from './job-store.js';

export interface CoordinatorOptions {
  store: StoreConfig;
  mode: 'local' | 'cluster';
  /**
   * Deliveries the bus allows a task (its max_deliver). A job's maxAttempts is capped to it, so
   * a retryable failure ends as the task's own error, not as a dead letter. Default 4.
   */
  maxDeliver?: number;
}

export class Coordinator {
  private readonly runners = new Map<string, JobRunner>();
  private readonly running = new Map<string, Promise<JobState>>();
  private readonly events = new EventEmitter();
  private subs: Subscription[] = [];
  private readonly log = logger('coordinator');
  private readonly jobs: JobStore;

  constructor(
    private readonly bus: TaskBus,
    private readonly store: ObjectStore,
    private readonly options: CoordinatorOptions,
  ) {
    this.events.setMaxListeners(0);
    this.jobs = new JobStore(bus.jobs);
  }

  /** Resumes unfinished jobs from the jobs bucket, then starts consuming results. */
  async start(): Promise<void> {
    const resumed: JobState[] = [];
    for (const id of await this.jobs.jobIds()) {
      const header = await this.jobs.header(id);
      if (header === null || isTerminal(header.status)) continue;
      const state = await this.jobs.load(id);
      if (state !== null) resumed.push(state);
    }
    // Runners must exist before results flow, so no result of a resumed job is dropped.
    for (const state of resumed) this.runners.set(state.jobId, new JobRunner(state, this.deps()));
    this.subs.push(
      this.bus.onResult(async (r) => {
        await this.runners.get(r.jobId)?.onResult(r);
      }),
      this.bus.onDeadLetter(async (d) => {
        await this.runners.get(d.task.jobId)?.onDeadLetter(d);
      }),
    );
    for (const state of resumed) {
      this.log.info({ jobId: state.jobId, status: state.status }, 'resuming job');
      this.launch(this.runners.get(state.jobId)!);
    }
  }

  private deps() {
    return { bus: this.bus, store: this.store, jobs: this.jobs, emit: (e: JobEvent) => this.emit(e) };
  }

  private emit(event: JobEvent): void {
    this.events.emit('event', event);
    if (event.type === 'job' && isTerminal(event.status)) {
      const runner = this.runners.get(event.jobId);
      if (runner !== undefined) this.events.emit('event', { type: 'result', jobId: event.jobId, result: jobResult(runner.state), at: Date.now() } satisfies JobEvent);
    }
  }

  private launch(runner: JobRunner): void {
    const done = runner
      .run()
      .then(async (state) => {
        if (state.status === 'succeeded') {
          // Manifests of the versions this job produced; a failure here never fails the job.
          await writeManifests(this.store, state).catch((err: unknown) => this.log.warn({ jobId: state.jobId, err: (err as Error).message }, 'could not write dataset manifests'));
        }
        return state;
      })
      .finally(() => {
      this.runners.delete(runner.state.jobId);
      this.running.delete(runner.state.jobId);
    });
    this.running.set(runner.state.jobId, done);
  }

  /** Validated spec in, job id out; the job runs in the background. */
  async submit(spec: JobSpec, jobId?: string): Promise<JobState> {
    if (jobId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobId)) {
      throw new QuiverError('OPTION_INVALID', `job id ${JSON.stringify(jobId)} is invalid; use letters, digits, '-' and '_' (no dots or spaces)`);
    }
    const opts: Parameters<typeof newJobState>[1] = { mode: this.options.mode, store: this.options.store };
    if (jobId !== undefined) opts.jobId = jobId;
    const state = newJobState(spec, opts);
    const maxDeliver = this.options.maxDeliver ?? 4;
    if (state.maxAttempts > maxDeliver) {
      this.log.warn({ jobId: state.jobId, maxAttempts: state.maxAttempts, maxDeliver }, 'maxAttempts capped to the bus max deliveries; raise --max-deliver to allow more');
      state.maxAttempts = maxDeliver;
    }
    if (await this.jobs.exists(state.jobId)) {
      throw new QuiverError('API_FAILED', `job ${state.jobId} already exists; submit with another id`);
    }
    const runner = new JobRunner(state, this.deps());
    this.runners.set(state.jobId, runner);
    await runner.persist();
    this.log.info({ jobId: state.jobId, name: spec.name }, 'job submitted');
    this.launch(runner);
    return state;
  }

  /** The full state of a job (running ones from memory, others from the jobs bucket). */
  async get(jobId: string): Promise<JobState | null> {
    return this.runners.get(jobId)?.state ?? (await this.jobs.load(jobId));
  }

  /** Every job, newest first: running ones in full, others as headers (with `result` once ended). */
  async list(): Promise<JobState[]> {
    const states: JobState[] = [];
    for (const id of await this.jobs.jobIds()) {
      const s = this.runners.get(id)?.state ?? (await this.jobs.header(id));
      if (s !== null) states.push(s);
    }
    return states.sort((a, b) => b.submittedAt - a.submittedAt);
  }

  async cancel(jobId: string): Promise<JobState> {
    const runner = this.runners.get(jobId);
    if (runner !== undefined) {
      await runner.cancel();
      return runner.state;
    }
    const state = await this.jobs.load(jobId);
    if (state === null) throw new QuiverError('NOT_FOUND', `no job ${jobId}; list jobs with \`quiver jobs\``);
    return state;
  }

  /** Resolves with the job's state once it is terminal. */
  async wait(jobId: string): Promise<JobState> {
    const running = this.running.get(jobId);
    if (running !== undefined) return running;
    const state = await this.get(jobId);
    if (state === null) throw new QuiverError('NOT_FOUND', `no job ${jobId}; list jobs with \`quiver jobs\``);
    return state;
  }

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** Stops consuming; running jobs stay in the jobs bucket and resume on the next start. */
  async close(): Promise<void> {
    for (const sub of this.subs) await sub.close();
    this.subs = [];
  }
}
