/**
 * e2e harness: runs the real `quiver` CLI (compiled JS) as separate processes — a coordinator,
 * workers, submit/status/cancel clients — against a real nats-server and a real S3 server.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { JobResult } from '../../shared/job.js';
import type { ObjectStore } from '../../shared/store/types.js';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export function quiver(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quiver ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JobResult a `--json` command printed as its last stdout line. */
export function lastJson<T = JobResult>(run: CliRun): T {
  const lines = run.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`no JSON on the last stdout line (exit ${run.code})\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-4000)}`);
  }
}

export interface Daemon {
  child: ChildProcess;
  output: () => string;
  /** Resolves when `text` has appeared on stdout. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a long-running CLI command (coordinator, worker). */
export function daemon(args: string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    output: () => `stdout:\n${out}\nstderr:\n${err.slice(-6000)}`,
    async waitFor(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing "${text}"\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}"\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface Checksum {
  rows: number;
  /** Sum of per-row SHA-256 prefixes mod 2^64: independent of row and file order. */
  sum: string;
}

/** Order-independent checksum of the data rows of every CSV file under `prefix` (headers skipped). */
export async function csvChecksum(store: ObjectStore, prefix: string): Promise<Checksum> {
  let rows = 0;
  let sum = 0n;
  const mask = (1n << 64n) - 1n;
  const files = (await store.list(prefix)).filter((o) => o.uri.endsWith('.csv'));
  for (const f of files) {
    const text = new TextDecoder().decode(await store.get(f.uri));
    const lines = text.split('\n');
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      rows++;
      sum = (sum + createHash('sha256').update(line).digest().readBigUInt64BE(0)) & mask;
    }
  }
  return { rows, sum: sum.toString(16) };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A CLI call against the coordinator under test (`--coordinator`, `--token`, `--json` added). */
export type ClientCall = (...args: string[]) => Promise<CliRun>;

/** Waits until `n` workers report `running` (`quiver workers`). */
export function untilWorkersRunning(client: ClientCall, n: number, timeoutMs?: number): Promise<true> {
  return until(`${n} live workers`, async () => {
    const r = await client('workers');
    const ws = r.code === 0 ? lastJson<Array<{ state: string }>>(r) : [];
    return ws.filter((w) => w.state === 'running').length >= n ? true : undefined;
  }, timeoutMs);
}

/** Polls `quiver status` until the job has ended; its final result. */
export function untilJobEnd(client: ClientCall, jobId: string, timeoutMs: number): Promise<JobResult> {
  return until('job end', async () => {
    const s = lastJson(await client('status', jobId));
    return ['succeeded', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
  }, timeoutMs, 500);
}
