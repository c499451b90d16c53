/**
 * The real PostgreSQL for integration tests: PG_URL when set, else the local test server
 * (postgres://postgres@127.0.0.1:5432/test). Tables get random names and are dropped by
 * `cleanup()`. When the server cannot be reached the suite is skipped, unless CI=true, where
 * that is a failure.
 *
 * ```ts
 * const pg = await postgresOrSkip();            // undefined: skipped (CI=true: throws instead)
 * describe('postgres source', { skip: pg === undefined ? PG_SKIP_REASON : false }, () => {
 *   const table = pg!.table('users');            // users_3f9a1c2b7d, dropped by pg.cleanup()
 *   after(() => pg?.cleanup());
 * });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { Dataset } from '../../shared/dataset.js';
import { QuiverError } from '../../shared/errors.js';
import type { Operator, PhaseOutcome, PhasePlan } from '../../shared/operators/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { TaskDescriptor, TaskOutput } from '../../shared/task.js';
import { planContext } from './stage-runner.js';

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PG_SKIP_REASON = `PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@/]*@/, '//…@')} (set PG_URL)`;

export interface TestPostgres {
  readonly url: string;
  /** A connected client for the test's own queries (closed by cleanup). */
  readonly client: pg.Client;
  /** A fresh random table name with `prefix`, dropped by cleanup(). */
  table(prefix: string): string;
  /** Runs one query on the test client. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Drops the tables handed out and closes the client. Safe to call twice. */
  cleanup(): Promise<void>;
}

export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

export async function connectTestPg(url = PG_URL): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The test server, or undefined when it is unreachable and CI is not 'true' (then it throws). */
export async function postgresOrSkip(): Promise<TestPostgres | undefined> {
  let client: pg.Client;
  try {
    client = await connectTestPg();
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`${PG_SKIP_REASON}: ${(err as Error).message}; CI=true requires it`, { cause: err });
    return undefined;
  }
  const tables: string[] = [];
  let closed = false;
  return {
    url: PG_URL,
    client,
    table(prefix) {
      const name = `${prefix}_${randomSuffix()}`;
      tables.push(name);
      return name;
    },
    async query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      return (await client.query<R>(sql, values)).rows;
    },
    async cleanup() {
      if (closed) return;
      closed = true;
      for (const t of tables) await client.query(`drop table if exists "${t}"`).catch(() => undefined);
      await client.end();
    },
  };
}

/**
 * Terminates (pg_terminate_backend) every server process whose query contains `marker` and that
 * is a quiver read task (`application_name` starts with `quiver-read`), once it has run for
 * `afterMs`; polls until `stop()`. `times` caps how many it terminates (Infinity: all).
 */
export function terminateReads(marker: string, opts: { afterMs?: number; times?: number } = {}): { stop(): Promise<number> } {
  const afterMs = opts.afterMs ?? 200;
  const times = opts.times ?? Infinity;
  let stopped = false;
  let killed = 0;
  const loop = (async () => {
    const client = await connectTestPg();
    try {
      while (!stopped && killed < times) {
        const { rows } = await client.query<{ ok: boolean }>(
          `select pg_terminate_backend(pid) as ok from pg_stat_activity
            where pid <> pg_backend_pid() and application_name like 'quiver-read%' and query like $1
              and state = 'active' and now() - query_start > make_interval(secs => $2::float8 / 1000)`,
          [`%${marker}%`, afterMs],
        );
        killed += rows.filter((r) => r.ok).length;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await client.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return killed;
    },
  };
}

/** Order-independent checksums of the generated source table's rows (see the source tests). */
export function checksumOf(rows: readonly Record<string, unknown>[]): Record<string, string> {
  let id = 0n;
  let grp = 0n;
  let v4 = 0n;
  let names = 0n;
  let namelen = 0n;
  let flags = 0n;
  let ts = 0n;
  let days = 0n;
  let idgrp = 0n;
  for (const r of rows) {
    id += BigInt(r.id as number);
    grp += BigInt(r.grp as number);
    v4 += BigInt((r.v as number) * 4);
    if (r.name !== null) {
      names++;
      namelen += BigInt((r.name as string).length);
    }
    if (r.flag === true) flags++;
    ts += BigInt(r.ts as number);
    days += BigInt((r.d as number) / 86_400_000);
    idgrp += BigInt(r.id as number) * BigInt(r.grp as number);
  }
  const s = (n: bigint): string => n.toString();
  return { n: String(rows.length), id: s(id), grp: s(grp), v4: s(v4), names: s(names), namelen: s(namelen), flags: s(flags), ts: s(ts), days: s(days), idgrp: s(idgrp) };
}

export interface RetriedRun {
  output: Dataset;
  phases: PhaseOutcome[];
  /** Every failed attempt's error, in order. */
  failures: QuiverError[];
}

/**
 * Runs a stage like the worker runtime does for retries: each task's kernel up to `maxAttempts`
 * times while it fails with a retryable error (outputs of the attempt that succeeds overwrite
 * the same names); the last error is thrown when a task never succeeds.
 */
export async function runWithRetries(op: Operator, stage: StageSpec, dir: string, maxAttempts: number): Promise<RetriedRun> {
  const ctx = planContext(stage, [], dir);
  const store = new LocalStore();
  const phases: PhaseOutcome[] = [];
  const failures: QuiverError[] = [];
  let plan: PhasePlan | null = await op.plan(ctx);
  while (plan !== null) {
    const phase = phases.length;
    const tasks: TaskOutput[] = [];
    for (const [index, t] of plan.tasks.entries()) {
      const task: TaskDescriptor = {
        id: `${ctx.jobId}.${stage.id}.${phase}.${index}`,
        jobId: ctx.jobId,
        stageId: stage.id,
        phase,
        index,
        op: op.name,
        inputs: t.inputs,
        outputPrefix: t.outputPrefix ?? ctx.stagePrefix,
        params: JSON.parse(JSON.stringify(t.params)) as unknown,
        store: { root: ctx.stagePrefix },
        maxAttempts,
      };
      const inputs = await Promise.all(t.inputs.map(async (i) => new Uint8Array(await readFile(i.uri))));
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await op.kernel({ task, inputs });
          const out: TaskOutput = { shards: [], quarantine: [], stats: result.stats };
          for (const o of result.objects) {
            const uri = task.outputPrefix + o.name;
            await store.put(uri, o.bytes);
            (o.kind === 'quarantine' ? out.quarantine : out.shards).push({ uri, rows: o.rows, bytes: o.bytes.length });
          }
          tasks.push(out);
          break;
        } catch (err) {
          if (!(err instanceof QuiverError)) throw err;
          failures.push(err);
          if (!err.retryable || attempt >= maxAttempts) throw err;
        }
      }
    }
    phases.push({ phase, tasks });
    plan = op.next === undefined ? null : await op.next(ctx, phases);
  }
  return { output: await op.output(ctx, phases), phases, failures };
}
