/**
 * The coordinator's HTTP API (fastify), behind a bearer token:
 *   POST /v1/jobs              {spec}            → 201 {jobId, status}
 *   GET  /v1/jobs                                → [{jobId, name, status, submittedAt, seconds}]
 *   GET  /v1/jobs/:id                            → JobResult
 *   POST /v1/jobs/:id/cancel                     → JobResult
 *   GET  /v1/jobs/:id/events                     → text/event-stream of JobEvent, ends after the result
 *   GET  /v1/workers                             → worker heartbeats
 *   POST /v1/schedules         {spec}            → 201 ScheduleInfo (the spec carries `schedule`)
 *   GET  /v1/schedules                           → [ScheduleInfo]
 *   GET  /v1/schedules/:name                     → ScheduleInfo (with its run history)
 *   DELETE /v1/schedules/:name                   → 204
 *   POST /v1/schedules/:name/run                 → ScheduledRun (run now; skipped while a run is going)
 *   GET  /healthz                                → {ok: true} (no token needed)
 */
import { timingSafeEqual } from 'node:crypto';
import { fastify } from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TaskBus, WorkerHeartbeat } from '../shared/bus/types.js';
import { QuiverError, toErrorData } from '../shared/errors.js';
import type { ErrorData } from '../shared/errors.js';
import type { JobEvent, JobState } from '../shared/job.js';
import { isTerminal } from '../shared/job.js';
import { validateSpec } from '../shared/spec/load.js';
import type { Coordinator } from './coordinator.js';
import type { Scheduler } from './scheduler.js';
import { jobResult } from './job-state.js';

export interface ApiOptions {
  token: string;
  /** Serves /v1/schedules when given. */
  scheduler?: Scheduler;
  host?: string;
  port?: number;
}

function statusFor(err: ErrorData): number {
  switch (err.code) {
    case 'SPEC_INVALID':
    case 'EXPR_INVALID':
    case 'OPTION_INVALID':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
      return 404;
    case 'API_FAILED':
      return 409;
    default:
      return 500;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') === true ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export async function startApi(coordinator: Coordinator, bus: TaskBus, options: ApiOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });

  app.setErrorHandler((err, _req, reply) => {
    const data = toErrorData(err, 'API_FAILED');
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    void reply.code(fastifyStatus !== undefined && fastifyStatus < 500 && !(err instanceof QuiverError) ? fastifyStatus : statusFor(data)).send({ error: data });
  });

  app.addHook('onRequest', async (req) => {
    if (req.url === '/healthz') return;
    if (!tokenMatches(req.headers.authorization, options.token)) {
      throw new QuiverError('UNAUTHORIZED', 'missing or wrong bearer token; pass --token or set QUIVER_TOKEN to the coordinator\'s token');
    }
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.post<{ Body: { spec?: unknown; jobId?: string } }>('/v1/jobs', async (req, reply) => {
    if (req.body?.spec === undefined) throw new QuiverError('SPEC_INVALID', 'request body must be {"spec": {...}}');
    const spec = validateSpec(req.body.spec, 'submitted spec');
    const state = await coordinator.submit(spec, req.body.jobId);
    return reply.code(201).send({ jobId: state.jobId, status: state.status });
  });

  app.get('/v1/jobs', async () =>
    (await coordinator.list()).map((s) => {
      const r = s.result ?? jobResult(s);
      return { jobId: s.jobId, name: s.name, status: s.status, submittedAt: r.submittedAt, seconds: r.seconds, records: r.records };
    }),
  );

  const load = async (id: string) => {
    const state = await coordinator.get(id);
    if (state === null) throw new QuiverError('NOT_FOUND', `no job ${id}; list jobs with \`quiver jobs\``);
    return state;
  };

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (req) => jobResult(await load(req.params.id)));

  app.post<{ Params: { id: string } }>('/v1/jobs/:id/cancel', async (req) => {
    await load(req.params.id);
    return jobResult(await coordinator.cancel(req.params.id));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (req, reply) => {
    const state = await load(req.params.id);
    streamEvents(reply, coordinator, state);
    return reply;
  });

  app.get('/v1/workers', async () => {
    const beats: WorkerHeartbeat[] = [];
    for (const key of await bus.workers.keys()) {
      const hb = await bus.workers.get<WorkerHeartbeat>(key);
      if (hb !== null) beats.push(hb);
    }
    return beats.sort((a, b) => a.workerId.localeCompare(b.workerId));
  });

  const scheduler = options.scheduler;
  if (scheduler !== undefined) {
    app.post<{ Body: { spec?: unknown } }>('/v1/schedules', async (req, reply) => {
      if (req.body?.spec === undefined) throw new QuiverError('SPEC_INVALID', 'request body must be {"spec": {...}}');
      return reply.code(201).send(await scheduler.add(validateSpec(req.body.spec, 'submitted spec')));
    });
    app.get('/v1/schedules', async () => scheduler.list());
    app.get<{ Params: { name: string } }>('/v1/schedules/:name', async (req) => scheduler.get(req.params.name));
    app.delete<{ Params: { name: string } }>('/v1/schedules/:name', async (req, reply) => {
      await scheduler.remove(req.params.name);
      return reply.code(204).send();
    });
    app.post<{ Params: { name: string } }>('/v1/schedules/:name/run', async (req) => scheduler.runNow(req.params.name));
  }

  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 7070 });
  return { app, url };
}

/** Live events of one job. A late subscriber first gets a snapshot of the running stage; an ended job, its result. */
function streamEvents(reply: FastifyReply, coordinator: Coordinator, state: JobState): void {
  const { jobId } = state;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (e: JobEvent): void => {
    res.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  if (isTerminal(state.status)) {
    send({ type: 'result', jobId, result: state.result ?? jobResult(state), at: Date.now() });
    res.end();
    return;
  }
  const running = state.stages.find((s) => s.status === 'running');
  const phase = running?.phases[running.phases.length - 1];
  if (running !== undefined && phase !== undefined) {
    const at = Date.now();
    send({ type: 'stage', jobId, stage: running.id, status: 'running', phase: running.phases.length - 1, tasks: phase.tasks.length, at });
    const done = phase.tasks.filter((t) => t.status === 'succeeded');
    const rows = done.reduce((n, t) => n + Number(t.output?.stats.rowsIn ?? 0), 0);
    if (done.length > 0) send({ type: 'task', jobId, stage: running.id, phase: running.phases.length - 1, index: -1, ok: true, rows, done: done.length, total: phase.tasks.length, retry: false, at });
  }
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  const off = coordinator.onEvent((e) => {
    if (e.jobId !== jobId) return;
    send(e);
    if (e.type === 'result') stop();
  });
  function stop(): void {
    clearInterval(ping);
    off();
    res.end();
  }
  res.on('close', () => {
    clearInterval(ping);
    off();
  });
}

