/**
 * A real MQTT broker for integration tests: MQTT_URL, else mqtt://127.0.0.1:1883; when that
 * cannot be reached and the `mosquitto` binary exists, one is spawned on a free port (stopped
 * again by `stop()`). Use a random topic per test ({@link randomTopic}).
 *
 * ```ts
 * const mqtt = await mqttOrSkip(t);   // undefined (test skipped) when no broker and no mosquitto, unless CI=true
 * after(() => mqtt?.stop());
 * ```
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync } from 'mqtt';

export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';
export const MQTT_SKIP_REASON = 'no MQTT broker reachable and mosquitto not installed';

export interface MqttBroker {
  readonly url: string;
  /** Stops a spawned broker; a no-op for one that was already running. */
  stop(): Promise<void>;
}

export class MqttBrokerMissingError extends Error {
  constructor(url: string) {
    super(
      `no MQTT broker at ${url} and mosquitto is not installed (looked in PATH, /usr/sbin, /usr/local/sbin, $MOSQUITTO_BIN). ` +
        'Install it with `apt-get install mosquitto`, or set MQTT_URL to a running broker.',
    );
    this.name = 'MqttBrokerMissingError';
  }
}

/** A topic (or subject) segment no other test uses: `t-` and 10 hex digits. */
export function randomTopic(): string {
  return `t-${randomBytes(5).toString('hex')}`;
}

async function reachable(url: string, timeoutMs = 1_500): Promise<boolean> {
  try {
    const client = await connectAsync(url, { connectTimeout: timeoutMs, reconnectPeriod: 0 }, false);
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

async function findBinary(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  for (const c of [process.env.MOSQUITTO_BIN, ...dirs.filter((d) => d !== '').map((d) => join(d, 'mosquitto'))]) {
    if (c === undefined || c === '') continue;
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // next
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

async function spawnBroker(bin: string): Promise<MqttBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4_000)));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `mqtt://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await reachable(url, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto on port ${port} did not start:\n${stderr}`);
    }
    await sleep(50);
  }
  return { url, stop };
}

/** The broker at MQTT_URL (or the default), else a spawned mosquitto. */
export async function startMqtt(): Promise<MqttBroker> {
  const url = process.env.MQTT_URL !== undefined && process.env.MQTT_URL !== '' ? process.env.MQTT_URL : DEFAULT_MQTT_URL;
  if (await reachable(url)) return { url, stop: () => Promise.resolve() };
  const bin = await findBinary();
  if (bin === undefined) throw new MqttBrokerMissingError(url);
  return spawnBroker(bin);
}

/**
 * {@link startMqtt}, or undefined when there is no broker and no mosquitto and CI is not
 * 'true' (then, given a test context, it calls `t.skip()`). With CI=true that is an error.
 */
export async function mqttOrSkip(t?: { skip(message?: string): void }): Promise<MqttBroker | undefined> {
  try {
    return await startMqtt();
  } catch (err) {
    if (!(err instanceof MqttBrokerMissingError) || process.env.CI === 'true') throw err;
    t?.skip(MQTT_SKIP_REASON);
    return undefined;
  }
}
