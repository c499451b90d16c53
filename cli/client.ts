/**
 * HTTP client for the coordinator API (used by `quiver submit|status|jobs|cancel|workers`).
 */
import type { WorkerHeartbeat } from '../shared/bus/types.js';
import { fromErrorData, QuiverError } from '../shared/errors.js';
import type { ErrorData } from '../shared/errors.js';
import type { JobEvent, JobResult, JobStatus } from '../shared/job.js';
import type { JobSpec } from '../shared/spec/types.js';
import type { ScheduledRun, ScheduleInfo } from '../coordinator/scheduler.js';

export interface JobSummary {
  jobId: string;
  name: string;
  status: JobStatus;
  submittedAt: string;
  seconds: number;
  records: JobResult['records'];
}

export class CoordinatorClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
      if (body !== undefined) init.body = JSON.stringify(body);
      res = await fetch(`${this.base}${path}`, init);
    } catch (err) {
      throw QuiverError.retryable('API_FAILED', `cannot reach the coordinator at ${this.base}: ${(err as Error).message}; is \`quiver coordinator\` running there? (set --coordinator or QUIVER_COORDINATOR)`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new QuiverError('API_FAILED', `coordinator at ${this.base} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const error = (json as { error?: ErrorData } | undefined)?.error;
      throw error !== undefined ? fromErrorData(error) : new QuiverError('API_FAILED', `coordinator answered ${res.status}: ${text.slice(0, 200)}`);
    }
    return json as T;
  }

  addSchedule(spec: JobSpec): Promise<ScheduleInfo> {
    return this.call('POST', '/v1/schedules', { spec });
  }

  schedules(): Promise<ScheduleInfo[]> {
    return this.call('GET', '/v1/schedules');
  }

  schedule(name: string): Promise<ScheduleInfo> {
    return this.call('GET', `/v1/schedules/${encodeURIComponent(name)}`);
  }

  removeSchedule(name: string): Promise<void> {
    return this.call('DELETE', `/v1/schedules/${encodeURIComponent(name)}`);
  }

  runSchedule(name: string): Promise<ScheduledRun> {
    return this.call('POST', `/v1/schedules/${encodeURIComponent(name)}/run`);
  }

  submit(spec: JobSpec, jobId?: string): Promise<{ jobId: string; status: JobStatus }> {
    return this.call('POST', '/v1/jobs', jobId === undefined ? { spec } : { spec, jobId });
  }

  status(jobId: string): Promise<JobResult> {
    return this.call('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
  }

  jobs(): Promise<JobSummary[]> {
    return this.call('GET', '/v1/jobs');
  }

  cancel(jobId: string): Promise<JobResult> {
    return this.call('POST', `/v1/jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  workers(): Promise<WorkerHeartbeat[]> {
    return this.call('GET', '/v1/workers');
  }

  /** Streams a job's events until its result; reconnects if the stream drops (e.g. coordinator restart). */
  async *events(jobId: string, reconnectForMs = 120_000): AsyncGenerator<JobEvent> {
    let lastContact = Date.now();
    for (;;) {
      try {
        const res = await fetch(`${this.base}/v1/jobs/${encodeURIComponent(jobId)}/events`, { headers: { authorization: `Bearer ${this.token}` } });
        if (!res.ok || res.body === null) {
          const body = (await res.json().catch(() => undefined)) as { error?: ErrorData } | undefined;
          // Auth and unknown-job errors will not pass by reconnecting.
          if (body?.error !== undefined && res.status < 500) throw fromErrorData(body.error);
          throw new QuiverError('API_FAILED', `event stream answered ${res.status}`);
        }
        lastContact = Date.now();
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (data === '') continue;
            const event = JSON.parse(data) as JobEvent;
            yield event;
            if (event.type === 'result') return;
          }
        }
      } catch (err) {
        if (err instanceof QuiverError && err.code !== 'API_FAILED') throw err;
      }
      // The stream ended without a result: the coordinator restarted. Wait for it and reconnect.
      if (Date.now() - lastContact > reconnectForMs) {
        throw QuiverError.retryable('API_FAILED', `lost the coordinator at ${this.base} for ${Math.round(reconnectForMs / 1000)}s; the job goes on: follow it with \`quiver status ${jobId}\``);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
