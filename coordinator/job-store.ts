/**
 * A job's state in the jobs bucket, written incrementally so that a result costs one small
 * write whatever the job's size:
 *   job.<jobId>                          the header: spec, statuses, stage outputs, task counts
 *                                        per phase; once terminal, the JobResult
 *   plan.<jobId>.<stage>.<phase>.<chunk> a phase's task plans (inputs, params), PLAN_CHUNK tasks
 *                                        per entry, written once when the phase is planned
 *   res.<jobId>.<stage>.<phase>.<index>  one task's outcome (status, retries, output, error)
 * Every value stays small (NATS's default max payload is 1 MB) whatever the job's size.
 */
import type { KvStore } from '../shared/bus/types.js';
import type { JobState, TaskRecord } from '../shared/job.js';

export type Outcome = Pick<TaskRecord, 'status' | 'retries' | 'output' | 'error' | 'workerId' | 'seconds'>;
type Plan = Pick<TaskRecord, 'index' | 'inputs' | 'params' | 'outputPrefix'>;

/** Task plans per KV entry. */
export const PLAN_CHUNK = 200;

const headerKey = (jobId: string): string => `job.${jobId}`;
const outcomePrefix = (jobId: string): string => `res.${jobId}.`;
const planKey = (jobId: string, stage: string, phase: number, chunk: number): string => `plan.${jobId}.${stage}.${phase}.${chunk}`;
const outcomeKey = (jobId: string, stage: string, phase: number, index: number): string => `${outcomePrefix(jobId)}${stage}.${phase}.${index}`;

interface HeaderPhase {
  tasks: TaskRecord[];
  /** Tasks in the phase; their plans are in the plan.* entries. */
  count?: number;
}

export class JobStore {
  /** Phases whose plans this process has stored: `<jobId>.<stage>.<phase>`. */
  private readonly planned = new Set<string>();

  constructor(private readonly kv: KvStore) {}

  /** Writes the header, and the plans of phases not stored yet (plans never change). */
  async saveHeader(state: JobState): Promise<void> {
    for (const st of state.stages) {
      for (const [phase, p] of st.phases.entries()) {
        const id = `${state.jobId}.${st.id}.${phase}`;
        if (this.planned.has(id)) continue;
        for (let c = 0; c * PLAN_CHUNK < p.tasks.length; c++) {
          const plans: Plan[] = p.tasks.slice(c * PLAN_CHUNK, (c + 1) * PLAN_CHUNK).map((t) => ({ index: t.index, inputs: t.inputs, params: t.params, outputPrefix: t.outputPrefix }));
          await this.kv.put(planKey(state.jobId, st.id, phase, c), plans);
        }
        this.planned.add(id);
      }
    }
    const header: JobState = {
      ...state,
      stages: state.stages.map((st) => ({ ...st, phases: st.phases.map((p): HeaderPhase => ({ tasks: [], count: p.tasks.length })) })),
    };
    await this.kv.put(headerKey(state.jobId), header);
  }

  /** Stores one task's outcome (call before committing it in memory). */
  async saveOutcome(jobId: string, stage: string, phase: number, index: number, outcome: Outcome): Promise<void> {
    await this.kv.put(outcomeKey(jobId, stage, phase, index), outcome);
  }

  /** The header alone: statuses and outputs; no task plans or outcomes. */
  header(jobId: string): Promise<JobState | null> {
    return this.kv.get<JobState>(headerKey(jobId));
  }

  /** The full state: header, task plans, and every task outcome. */
  async load(jobId: string): Promise<JobState | null> {
    const state = await this.header(jobId);
    if (state === null) return null;
    for (const st of state.stages) {
      for (const [phase, p] of (st.phases as HeaderPhase[]).entries()) {
        const count = p.count ?? 0;
        const tasks: TaskRecord[] = [];
        for (let c = 0; c * PLAN_CHUNK < count; c++) {
          const plans = (await this.kv.get<Plan[]>(planKey(jobId, st.id, phase, c))) ?? [];
          for (const plan of plans) tasks.push({ ...plan, status: 'pending', retries: 0 });
        }
        st.phases[phase] = { tasks };
        this.planned.add(`${jobId}.${st.id}.${phase}`);
      }
    }
    const prefix = outcomePrefix(jobId);
    for (const key of await this.kv.keys(prefix)) {
      const [stage, phase, index] = key.slice(prefix.length).split('.');
      const rec = state.stages.find((s) => s.id === stage)?.phases[Number(phase)]?.tasks[Number(index)];
      const outcome = await this.kv.get<Outcome>(key);
      if (rec !== undefined && outcome !== null) Object.assign(rec, outcome);
    }
    return state;
  }

  async jobIds(): Promise<string[]> {
    return (await this.kv.keys('job.')).map((k) => k.slice('job.'.length));
  }

  async exists(jobId: string): Promise<boolean> {
    return (await this.kv.get(headerKey(jobId))) !== null;
  }
}
