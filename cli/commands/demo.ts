import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { generateUsers } from '../../coordinator/gen/users.js';
import { loadSpec } from '../../shared/spec/load.js';
import { resolveSpecPaths } from '../../shared/spec/paths.js';
import { act, EXIT, printJson } from '../action.js';
import { bytes, n, renderResult } from '../format.js';
import { runLocal } from '../local-run.js';
import { previewOutput } from '../preview.js';
import { JobProgress } from '../progress.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/users-etl.yaml', import.meta.url));

export function registerDemo<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command(
    'demo',
    'Generate a customer data set and run examples/users-etl.yaml on it locally (no servers needed)',
    (c) =>
      c
        .option('rows', { type: 'number', default: 200_000, describe: 'Rows of generated customers' })
        .option('data', { type: 'string', default: 'data/users.csv', describe: 'Where the generated data goes (reused if present with --no-regen)' })
        .option('regen', { type: 'boolean', default: true, describe: 'Regenerate the data even if the file exists' })
        .option('store', { type: 'string', default: '.quiver/store', describe: 'Where job data and outputs go' })
        .option('threads', { type: 'number', describe: 'Worker threads (default: all cores)' }),
    async (argv) => act(argv, async () => {
      const say = (s: string): void => {
        if (argv.json !== true) process.stdout.write(`${s}\n`);
      };
      if (argv.regen || !existsSync(argv.data)) {
        const g = await generateUsers({ rows: argv.rows, seed: 7, out: argv.data });
        say(`generated ${n(g.rows)} customers (${bytes(g.bytes)}) into ${argv.data} in ${g.seconds.toFixed(2)}s`);
      }
      const spec = resolveSpecPaths(await loadSpec(EXAMPLE), process.cwd());
      const ingest = spec.stages.find((s) => s.op === 'ingest') as { source: { uri: string } } | undefined;
      if (ingest !== undefined) ingest.source.uri = resolve(argv.data);
      say(`running ${EXAMPLE} locally (${spec.stages.length} stages)`);
      const progress = argv.json === true ? undefined : new JobProgress();
      const opts: Parameters<typeof runLocal>[1] = { storeRoot: argv.store };
      if (argv.threads !== undefined) opts.threads = argv.threads;
      if (progress !== undefined) opts.onEvent = progress.onEvent;
      const result = await runLocal(spec, opts);
      progress?.stop();
      if (argv.json === true) {
        printJson(result);
      } else {
        say(renderResult(result));
        for (const o of result.outputs) say(`\n${o.stage}: ${o.uri}\n${await previewOutput(o.uri, 5)}`);
      }
      return result.status === 'succeeded' ? EXIT.ok : EXIT.jobFailed;
    }),
  );
}
