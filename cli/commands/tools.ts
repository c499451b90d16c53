import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { loadSpec } from '../../shared/spec/load.js';
import { jobSpecSchema } from '../../shared/spec/schema.js';
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
    );
}
