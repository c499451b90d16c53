/**
 * Runs one job: stage after stage, phase after phase, each phase a set of tasks dispatched on
 * the bus. Commits the first successful result of each task and ignores duplicates; a final
 * failure or a dead-lettered task fails the job with the task, its shard and what to do.
 * State is persisted before a result is acknowledged, so a coordinator restarted from the
 * persisted state resumes the job: it re-dispatches pending tasks (the bus drops duplicates by
 * task id) and picks up results that arrived while it was down.
 */
import type { DeadLetter, TaskBus } from '../shared/bus/types.js';
import { QuiverError, toErrorData } from '../shared/errors.js';
import type { ErrorData } from '../shared/errors.js';
import type { JobEvent, JobState, PhaseRecord, StageState } from '../shared/job.js';
import { isTerminal } from '../shared/job.js';
import { logger } from '../shared/log.js';
import { getOperator } from '../shared/operators/registry.js';
import { registryIndex } from '../shared/registry/index.js';
import type { KvStore } from '../shared/bus/types.js';
import type { PhaseOutcome, PhasePlan, PlanContext } from '../shared/operators/types.js';
import { buildReport, reportDir, writeReport } from '../shared/quality/report.js';
import type { QualitySection } from '../shared/quality/types.js';
import { stageInputs } from '../shared/spec/types.js';
import type { ObjectStore } from '../shared/store/types.js';
import type { TaskResult } from '../shared/task.js';
import { descriptorFor, jobResult, stagePrefix } from './job-state.js';
import type { JobStore, Outcome } from './job-store.js';

export interface JobRunnerDeps {
  bus: TaskBus;
  store: ObjectStore;
  jobs: JobStore;
  emit: (event: JobEvent) => void;
}

interface Waiter {
  stage: string;
  phase: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class JobRunner {
  private waiter: Waiter | undefined;
  private persisting: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private index: KvStore | undefined;
  private readonly log;

  constructor(
    readonly state: JobState,
    private readonly deps: JobRunnerDeps,
  ) {
    this.log = logger('coordinator.job', { jobId: state.jobId });
  }

  /** Runs (or resumes) the job to a terminal status. Never throws: failures end up in the state. */
  async run(): Promise<JobState> {
    const { state } = this;
    if (isTerminal(state.status)) return state;
    state.status = 'running';
    state.startedAt ??= Date.now();
    this.deps.emit({ type: 'job', jobId: state.jobId, status: 'running', at: Date.now() });
    await this.persist();
    try {
      for (let i = 0; i < state.stages.length; i++) {
        if (isTerminal(state.status)) break;
        await this.runStage(i);
      }
      if (state.status === 'running') {
        await this.writeQualityReport();
        await this.finish('succeeded');
      }
    } catch (err) {
      if (!isTerminal(state.status)) await this.fail(toErrorData(err));
    }
    return state;
  }

  /**
   * Gathers the quality section of every stage whose operator has one and writes the job's
   * report (`<root>/jobs/<jobId>/quality/report.{json,html}`); its URIs go into the state.
   */
  private async writeQualityReport(): Promise<void> {
    const { state } = this;
    try {
      const sections: QualitySection[] = [];
      for (const [i, st] of state.stages.entries()) {
        const op = getOperator(st.op);
        if (op.quality === undefined || st.output === undefined) continue;
        const done: PhaseOutcome[] = st.phases.map((p, k) => ({ phase: k, tasks: p.tasks.map((t) => t.output!) }));
        const section = await op.quality(this.planContext(i), done, st.output);
        if (section !== null) sections.push(section);
      }
      const report = buildReport(state, jobResult({ ...state, status: 'succeeded', finishedAt: Date.now() }), sections);
      state.quality = await writeReport(this.deps.store, reportDir(state.store.root, state.jobId), report);
    } catch (err) {
      const data = toErrorData(err);
      throw new QuiverError(data.code, `every stage succeeded, but writing the data-quality report failed: ${data.message}`, { cause: err, retryable: data.retryable });
    }
  }

  private planContext(i: number): PlanContext {
    const { state } = this;
    const stage = state.spec.stages[i]!;
    const inputs = stageInputs(stage).map((id) => {
      const output = state.stages.find((s) => s.id === id)?.output;
      if (output === undefined) throw new QuiverError('INTERNAL', `stage ${stage.id} needs the output of ${id}, which has none`);
      return output;
    });
    this.index ??= registryIndex(this.deps.bus, this.deps.store, state.store.root);
    return { jobId: state.jobId, stage, path: `stages[${i}]`, inputs, store: this.deps.store, stagePrefix: stagePrefix(state, stage.id), shardRows: state.shardRows, registryIndex: this.index };
  }

  private async runStage(i: number): Promise<void> {
    const st = this.state.stages[i]!;
    if (st.status === 'succeeded') return;
    const op = getOperator(st.op);
    const ctx = this.planContext(i);
    st.status = 'running';
    st.startedAt ??= Date.now();
    try {
      if (st.phases.length === 0) {
        this.addPhase(st, ctx, await op.plan(ctx));
        await this.persist();
      }
      for (;;) {
        const phase = st.phases.length - 1;
        this.deps.emit({ type: 'stage', jobId: this.state.jobId, stage: st.id, status: 'running', phase, tasks: st.phases[phase]!.tasks.length, at: Date.now() });
        const began = Date.now();
        await this.runPhase(st, phase);
        (st.phaseSeconds ??= [])[phase] = (Date.now() - began) / 1000;
        const done: PhaseOutcome[] = st.phases.map((p, k) => ({ phase: k, tasks: p.tasks.map((t) => t.output!) }));
        const next = op.next === undefined ? null : await op.next(ctx, done);
        if (next === null) {
          st.output = await op.output(ctx, done);
          break;
        }
        this.addPhase(st, ctx, next);
        await this.persist();
      }
      st.status = 'succeeded';
      st.finishedAt = Date.now();
      this.deps.emit({ type: 'stage', jobId: this.state.jobId, stage: st.id, status: 'succeeded', phase: st.phases.length - 1, tasks: 0, at: Date.now() });
      await this.persist();
    } catch (err) {
      if (isTerminal(this.state.status)) return;
      const data = toErrorData(err);
      if (!data.message.includes(ctx.path) && !data.message.startsWith(`stage ${st.id}`)) {
        data.message = `stage ${st.id} (${ctx.path}, op ${st.op}): ${data.message}`;
      }
      st.status = 'failed';
      st.finishedAt = Date.now();
      await this.fail(data);
    }
  }

  private addPhase(st: StageState, ctx: PlanContext, plan: PhasePlan): void {
    const record: PhaseRecord = {
      tasks: plan.tasks.map((t, index) => ({
        index,
        inputs: t.inputs,
        params: t.params,
        outputPrefix: t.outputPrefix ?? ctx.stagePrefix,
        status: 'pending',
        retries: 0,
      })),
    };
    st.phases.push(record);
  }

  private async runPhase(st: StageState, phase: number): Promise<void> {
    const tasks = st.phases[phase]!.tasks;
    const finished = new Promise<void>((resolve, reject) => {
      this.waiter = { stage: st.id, phase, resolve, reject };
    });
    finished.catch(() => undefined);
    this.checkPhase();
    for (const rec of tasks) {
      if (rec.status !== 'pending') continue;
      if (isTerminal(this.state.status)) break;
      await this.deps.bus.dispatch(descriptorFor(this.state, st, phase, rec));
    }
    await finished;
  }

  private checkPhase(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const st = this.state.stages.find((s) => s.id === w.stage)!;
    if (st.phases[w.phase]!.tasks.every((t) => t.status === 'succeeded')) {
      this.waiter = undefined;
      w.resolve();
    }
  }

  /** Called for every result on the bus for this job (duplicates included). */
  async onResult(r: TaskResult): Promise<void> {
    if (isTerminal(this.state.status)) return;
    const st = this.state.stages.find((s) => s.id === r.stageId);
    const rec = st?.phases[r.phase]?.tasks[r.index];
    if (st === undefined || rec === undefined || rec.status !== 'pending') return; // duplicate or stale: first commit wins
    const total = st.phases[r.phase]!.tasks.length;
    // Store the outcome first, commit it in memory after: a failed write leaves the task
    // pending, so the result (not acked) comes again.
    if (r.ok && r.output !== undefined) {
      const outcome: Outcome = { status: 'succeeded', retries: rec.retries, output: r.output, workerId: r.workerId, seconds: r.seconds };
      await this.deps.jobs.saveOutcome(r.jobId, r.stageId, r.phase, r.index, outcome);
      if (rec.status !== 'pending' || isTerminal(this.state.status)) return;
      Object.assign(rec, outcome);
      const done = st.phases[r.phase]!.tasks.filter((t) => t.status === 'succeeded').length;
      const rows = Number(r.output.stats.rowsIn ?? 0);
      this.deps.emit({ type: 'task', jobId: r.jobId, stage: r.stageId, phase: r.phase, index: r.index, ok: true, rows, done, total, retry: false, at: Date.now() });
      this.checkPhase();
      return;
    }
    const error = r.error ?? { code: 'INTERNAL', message: 'task failed without an error', retryable: false };
    if (!r.final) {
      await this.deps.jobs.saveOutcome(r.jobId, r.stageId, r.phase, r.index, { status: 'pending', retries: rec.retries + 1 });
      rec.retries++;
      this.deps.emit({ type: 'task', jobId: r.jobId, stage: r.stageId, phase: r.phase, index: r.index, ok: false, rows: 0, done: 0, total, retry: true, at: Date.now() });
      return;
    }
    await this.deps.jobs.saveOutcome(r.jobId, r.stageId, r.phase, r.index, { status: 'failed', retries: rec.retries, error });
    if (rec.status !== 'pending' || isTerminal(this.state.status)) return;
    rec.status = 'failed';
    rec.error = error;
    await this.fail(this.taskError(st, r.phase, r.index, error, r.attempt));
  }

  async onDeadLetter(dead: DeadLetter): Promise<void> {
    const t = dead.task;
    const st = this.state.stages.find((s) => s.id === t.stageId);
    const rec = st?.phases[t.phase]?.tasks[t.index];
    if (st === undefined || rec === undefined || rec.status !== 'pending' || isTerminal(this.state.status)) return;
    const error: ErrorData = {
      code: 'TASK_EXHAUSTED',
      message: `no worker finished it in ${dead.deliveries} deliveries (workers died or timed out while running it)`,
      retryable: false,
    };
    await this.deps.jobs.saveOutcome(t.jobId, t.stageId, t.phase, t.index, { status: 'failed', retries: rec.retries, error });
    rec.status = 'failed';
    rec.error = error;
    await this.fail(this.taskError(st, t.phase, t.index, error, dead.deliveries));
  }

  private taskError(st: StageState, phase: number, index: number, error: ErrorData, attempts: number): ErrorData {
    const rec = st.phases[phase]!.tasks[index]!;
    const shard = rec.inputs.map((i) => (i.start === undefined ? i.uri : `${i.uri} bytes ${i.start}-${i.end ?? ''}`)).join(', ');
    const hint = error.code === 'TASK_EXHAUSTED'
      ? 'the worker running it kept dying or going silent; check worker logs and memory, and raise --ack-wait if tasks legitimately run long without a sign of life'
      : error.retryable
      ? 'it failed on every attempt; check the worker logs for this task, fix the cause, and resubmit'
      : 'this failure does not go away on retry; fix the input or the spec and resubmit';
    return {
      code: error.code,
      retryable: false,
      message: `task ${this.state.jobId}.${st.id}.${phase}.${index} (stage ${st.id}, shard ${shard || 'none'}) failed after ${attempts} attempt(s): ${error.message} — ${hint}`,
      details: { ...error.details, stage: st.id, phase, index, shard, attempts },
    };
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.state.status)) return;
    await this.finish('cancelled', { code: 'CANCELLED', message: 'cancelled by user', retryable: false });
  }

  private async fail(error: ErrorData): Promise<void> {
    this.log.error({ error }, 'job failed');
    await this.finish('failed', error);
  }

  private async finish(status: 'succeeded' | 'failed' | 'cancelled', error?: ErrorData): Promise<void> {
    const { state } = this;
    state.status = status;
    state.finishedAt = Date.now();
    if (error !== undefined) state.error = error;
    for (const st of state.stages) {
      if (st.status === 'running' || st.status === 'pending') st.status = status === 'cancelled' ? 'cancelled' : st.status === 'running' ? 'failed' : 'pending';
    }
    if (status !== 'succeeded') {
      // Stop all remaining work of this job: queued tasks are purged, running ones aborted.
      await this.deps.bus.purgeJob(state.jobId).catch((err: unknown) => this.log.warn({ err }, 'purge failed'));
      await this.deps.bus.publishControl({ type: 'cancel', jobId: state.jobId }).catch((err: unknown) => this.log.warn({ err }, 'cancel broadcast failed'));
    }
    state.result = jobResult(state);
    await this.persist();
    this.deps.emit({ type: 'job', jobId: state.jobId, status, at: Date.now() });
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(new QuiverError(status === 'cancelled' ? 'CANCELLED' : 'KERNEL_FAILED', error?.message ?? status));
  }

  /**
   * Writes the job header (plans and statuses; task outcomes are written one by one); resolves
   * once this call's changes are stored. While a write is in flight, every caller shares one
   * follow-up write that serializes the state then.
   */
  persist(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.persisting !== undefined) {
      this.queued = this.persisting.catch(() => undefined).then(() => {
        this.queued = undefined;
        return this.persist();
      });
      return this.queued;
    }
    this.state.revision++;
    this.persisting = this.deps.jobs.saveHeader(this.state).finally(() => {
      this.persisting = undefined;
    });
    return this.persisting;
  }
}
