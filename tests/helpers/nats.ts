/**
 * A real nats-server for integration tests: NATS_URL when set, otherwise one spawned on a free
 * port with a temporary JetStream store, removed again by `stop()`. Name every stream and bucket
 * with {@link randomNamespace} so tests never share state.
 *
 * ```ts
 * const nats = await natsOrSkip();   // undefined when nats-server is missing and CI !== 'true'
 * describe('nats', { skip: nats ? false : NATS_SKIP_REASON }, () => { ... });
 * after(() => nats?.stop());
 * ```
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface NatsServer {
  readonly url: string;
  /** Kills a spawned server and removes its store; a no-op for NATS_URL. */
  stop(): Promise<void>;
}

export interface StartNatsOptions {
  /** Default true. False always spawns a server (ignoring NATS_URL), to test a server without JetStream. */
  jetstream?: boolean;
}

export const NATS_SKIP_REASON = 'nats-server not installed';

/** Thrown by {@link startNats} when the nats-server binary cannot be found. */
export class NatsServerMissingError extends Error {
  constructor() {
    super(
      'nats-server is not installed (looked in PATH, /usr/sbin, /usr/local/bin and $NATS_SERVER_BIN). ' +
        'Install it with `apt-get install nats-server`, or set NATS_URL to a running server started with -js.',
    );
    this.name = 'NatsServerMissingError';
  }
}

/** A namespace no other test uses: `t-` and 10 hex digits. */
export function randomNamespace(): string {
  return `t-${randomBytes(5).toString('hex')}`;
}

async function findBinary(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  const candidates = [process.env.NATS_SERVER_BIN, ...dirs.filter((d) => d !== '').map((d) => join(d, 'nats-server'))];
  for (const c of candidates) {
    if (c === undefined || c === '') continue;
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once a client can connect (and, with JetStream, reach its API). */
async function waitReady(url: string, jetstream: boolean, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}:\n${log()}`);
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
      try {
        if (jetstream) await jetstreamManager(nc);
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      last = err;
      await sleep(50);
    }
  }
  throw new Error(`nats-server at ${url} did not become ready in 10 s: ${String(last)}\n${log()}`);
}

async function spawnServer(bin: string, jetstream: boolean): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-nats-'));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', dir] : [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4_000)));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, jetstream, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/**
 * NATS_URL when set (stop is a no-op), otherwise a nats-server spawned on a free port with a
 * temporary store. Throws {@link NatsServerMissingError} when the binary is missing.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const jetstream = options.jetstream ?? true;
  const fromEnv = process.env.NATS_URL;
  if (jetstream && fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, stop: () => Promise.resolve() };
  const bin = await findBinary();
  if (bin === undefined) throw new NatsServerMissingError();
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnServer(bin, jetstream);
    } catch (err) {
      last = err; // most likely the free port was taken meanwhile
    }
  }
  throw last;
}

/**
 * {@link startNats}, or undefined when nats-server is missing and CI is not 'true' (then, given a
 * test context, it calls `t.skip()`). With CI=true a missing server is an error.
 */
export async function natsOrSkip(t?: { skip(message?: string): void }, options: StartNatsOptions = {}): Promise<NatsServer | undefined> {
  try {
    return await startNats(options);
  } catch (err) {
    if (!(err instanceof NatsServerMissingError) || process.env.CI === 'true') throw err;
    t?.skip(NATS_SKIP_REASON);
    return undefined;
  }
}
