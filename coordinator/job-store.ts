/**
 * A job's state in the jobs bucket, written incrementally so that a result costs one small
 * write whatever the job's size:
 *   job.<jobId>                          the header: spec, statuses, phase plans (task inputs and
 *                                        params), stage outputs; once terminal, the JobResult
 *   res.<jobId>.<stage>.<phase>.<index>  one task's outcome (status, retries, output, error)
 * Loading overlays the outcomes on the header's plans.
 */
import type { KvStore } from '../shared/bus/types.js';
import type { JobState, TaskRecord } from '../shared/job.js';

type Outcome = Pick<TaskRecord, 'status' | 'retries' | 'output' | 'error' | 'workerId' | 'seconds'>;

const headerKey = (jobId: string): string => `job.${jobId}`;
const outcomePrefix = (jobId: string): string => `res.${jobId}.`;
const outcomeKey = (jobId: string, stage: string, phase: number, index: number): string => `${outcomePrefix(jobId)}${stage}.${phase}.${index}`;

export class JobStore {
  constructor(private readonly kv: KvStore) {}

  /** Writes the header: the state with every task stripped to its plan. */
  async saveHeader(state: JobState): Promise<void> {
    const header: JobState = {
      ...state,
      stages: state.stages.map((st) => ({
        ...st,
        phases: st.phases.map((p) => ({
          tasks: p.tasks.map((t) => ({ index: t.index, inputs: t.inputs, params: t.params, outputPrefix: t.outputPrefix, status: 'pending', retries: 0 })),
        })),
      })),
    };
    await this.kv.put(headerKey(state.jobId), header);
  }

  async saveOutcome(jobId: string, stage: string, phase: number, rec: TaskRecord): Promise<void> {
    const outcome: Outcome = { status: rec.status, retries: rec.retries };
    if (rec.output !== undefined) outcome.output = rec.output;
    if (rec.error !== undefined) outcome.error = rec.error;
    if (rec.workerId !== undefined) outcome.workerId = rec.workerId;
    if (rec.seconds !== undefined) outcome.seconds = rec.seconds;
    await this.kv.put(outcomeKey(jobId, stage, phase, rec.index), outcome);
  }

  /** The header alone (plans and statuses; task outcomes not loaded). */
  header(jobId: string): Promise<JobState | null> {
    return this.kv.get<JobState>(headerKey(jobId));
  }

  /** The full state: header plus every task outcome. */
  async load(jobId: string): Promise<JobState | null> {
    const state = await this.header(jobId);
    if (state === null) return null;
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
