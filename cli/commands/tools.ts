import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { loadSpec } from '../../shared/spec/load.js';
import { jobSpecSchema } from '../../shared/spec/schema.js';
import { computeBackend } from '../../shared/compute/backend.js';
import { allOperators } from '../../shared/operators/registry.js';
import { act, printJson } from '../action.js';

export function registerToolCommands<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'validate <spec>',
      'Check a job spec against the schema and the stage graph, without running it',
      (c) => c.positional('spec', { type: 'string', demandOption: true, describe: 'Job spec file (YAML or JSON)' }),
      async (argv) => act(argv, async () => {
        const spec = await loadSpec(argv.spec);
        if (argv.json === true) printJson({ ok: true, name: spec.name, stages: spec.stages.length });
        else process.stdout.write(`${argv.spec}: ok (${spec.stages.length} stages)\n`);
      }),
    )
    .command(
      'schema',
      'Print the job-spec JSON Schema (point your editor at docs/job-spec.schema.json)',
      (c) => c,
      async (argv) => act(argv, async () => {
        process.stdout.write(`${JSON.stringify(jobSpecSchema(), null, 2)}\n`);
      }),
    )
    .command(
      'ops',
      'List the operators a stage can use',
      (c) => c,
      async (argv) => act(argv, async () => {
        const ops = allOperators().map((o) => ({ name: o.name, summary: o.summary, inputs: o.arity }));
        if (argv.json === true) return printJson(ops);
        for (const o of ops) process.stdout.write(`${o.name.padEnd(10)} ${o.summary}\n`);
      }),
    )
    .command(
      'backend',
      'Show which compute backend this machine gets (tfjs-node-gpu, tfjs-node, wasm, cpu) and measure a matmul on it',
      (c) => c.option('size', { type: 'number', default: 512, describe: 'Matmul size n (n×64 · 64×4n)' }),
      async (argv) => act(argv, async () => {
        const b = await computeBackend();
        const n = argv.size;
        const a = b.tf.randomNormal([n, 64]);
        const m = b.tf.randomNormal([64, 4 * n]);
        const run = async (): Promise<number> => {
          const t = performance.now();
          const c = b.tf.matMul(a, m);
          await c.data();
          c.dispose();
          return performance.now() - t;
        };
        await run();
        const times: number[] = [];
        for (let i = 0; i < 5; i++) times.push(await run());
        const ms = Math.min(...times);
        const gflops = (2 * n * 64 * 4 * n) / (ms / 1000) / 1e9;
        const report = { backend: b.name, tfBackend: b.tfBackend, loadMs: Math.round(b.loadMs), attempts: b.attempts, matmul: { shape: `${n}x64 · 64x${4 * n}`, ms, gflops } };
        if (argv.json === true) return printJson(report);
        process.stdout.write(`compute backend: ${b.name} (tfjs '${b.tfBackend}', loaded in ${report.loadMs} ms)\n`);
        for (const x of b.attempts) process.stdout.write(`  ${x.ok ? '✓' : '·'} ${x.name.padEnd(14)} ${x.ok ? 'in use' : x.reason}\n`);
        process.stdout.write(`matmul ${report.matmul.shape}: ${ms.toFixed(2)} ms, ${gflops.toFixed(1)} GFLOP/s (best of 5)\n`);
      }),
    );
}
