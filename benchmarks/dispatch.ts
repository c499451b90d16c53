/**
 * `npm run bench -- dispatch [--tasks N]`: empty (noop) tasks through coordinator → bus →
 * worker pool → result → commit. Reports tasks/s and per-task overhead, in-memory bus vs NATS
 * JetStream (NATS_URL, else a nats-server started on a random port), 1 thread (latency) and
 * 4 threads (throughput).
 */
import { createBus } from '../shared/bus/index.js';
import { createStore } from '../shared/store/index.js';
import type { JobSpec } from '../shared/spec/types.js';
import { startNats } from '../tests/helpers/nats.js';
import { tempDir } from '../tests/helpers/tmp.js';
import type { Row } from './harness.js';
import { printTable, runJob } from './harness.js';

export async function benchDispatch(args: { tasks: number }): Promise<Row[]> {
  const nats = await startNats();
  const dir = await tempDir('quiver-bench');
  const store = createStore();
  const rows: Row[] = [];
  const spec = (n: number): JobSpec => ({ name: 'bench-dispatch', stages: [{ id: 'noop', op: 'noop', tasks: n }] });
  try {
    for (const bus of ['memory', 'nats'] as const) {
      for (const threads of [1, 4]) {
        const b = await createBus(bus === 'nats' ? { nats: nats.url, namespace: `qb${Math.random().toString(36).slice(2, 8)}` } : {});
        try {
          await runJob(b, store, { root: dir.path }, spec(50), threads, bus === 'nats' ? 'cluster' : 'local'); // warm-up
          const { seconds } = await runJob(b, store, { root: dir.path }, spec(args.tasks), threads, bus === 'nats' ? 'cluster' : 'local');
          rows.push({ scenario: `${bus} bus, ${threads} thread(s)`, tasks: args.tasks, seconds, 'tasks/s': args.tasks / seconds, 'ms/task (wall)': (seconds * 1000) / args.tasks, 'ms/task per thread': (seconds * 1000 * threads) / args.tasks });
        } finally {
          const destroy = (b as { destroy?: () => Promise<void> }).destroy;
          if (destroy !== undefined) await destroy.call(b);
          await b.close();
        }
      }
    }
  } finally {
    await dir.cleanup();
    await nats.stop();
  }
  printTable(`dispatch: ${args.tasks} empty tasks`, rows);
  return rows;
}
