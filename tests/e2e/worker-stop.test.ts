/**
 * A worker told to stop exits in bounded time even when its bus is gone: the namespace's
 * streams deleted and the NATS server stopped under it (what a benchmark or a torn-down
 * cluster does). It drains for `--grace`, then the process exits, instead of retrying the dead
 * connection forever.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createBus } from '../../shared/bus/index.js';
import { startNats } from '../helpers/nats.js';
import { daemon } from './cluster.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

test('SIGTERM with the bus gone: the worker exits within grace + 10 s', { timeout: 60_000 }, async () => {
  const nats = await startNats();
  cleanup.push(nats.stop);
  const namespace = `qstop${Math.random().toString(36).slice(2, 8)}`;
  const bus = await createBus({ nats: nats.url, namespace });
  const worker = daemon(['worker', '--nats', nats.url, '--namespace', namespace, '--threads', '1', '--grace', '1000', '--worker-id', 'stopper']);
  cleanup.push(() => worker.kill('SIGKILL'));
  await worker.waitFor('running with', 30_000);
  const destroy = (bus as { destroy?: () => Promise<void> }).destroy;
  if (destroy !== undefined) await destroy.call(bus);
  await bus.close();
  await nats.stop();
  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
  worker.child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 25_000).unref())]);
  assert.notEqual(code, 'hung', `the worker was still running 25 s after SIGTERM\n${worker.output()}`);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < 1 + 10 + 5, `exited after ${seconds} s`);
});
