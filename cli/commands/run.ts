import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { loadSpec } from '../../shared/spec/load.js';
import { act, EXIT, printJson } from '../action.js';
import { renderResult } from '../format.js';
import { runLocal } from '../local-run.js';
import { JobProgress } from '../progress.js';
import { s3From, s3Options } from '../options.js';
import { resolveSpecPaths } from '../../shared/spec/paths.js';

export function registerRun<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command(
    'run <spec>',
    'Run a job locally: same planner, operators and kernels, no servers (in-memory bus, local store)',
    (c) =>
      s3Options(
        c
          .positional('spec', { type: 'string', demandOption: true, describe: 'Job spec file (YAML or JSON)' })
          .option('store', { type: 'string', default: '.quiver/store', describe: 'Where job data goes: a folder or s3://bucket/prefix (env QUIVER_STORE)' })
          .option('threads', { type: 'number', describe: 'Worker threads (default: all cores)' })
          .option('job-id', { type: 'string', describe: 'Job id (default: <name>-<time>-<random>)' }),
      ),
    async (argv) => act(argv, async () => {
      const spec = resolveSpecPaths(await loadSpec(argv.spec), process.cwd());
      const progress = argv.json === true ? undefined : new JobProgress();
      const opts: Parameters<typeof runLocal>[1] = { storeRoot: argv.store };
      if (argv.threads !== undefined) opts.threads = argv.threads;
      if (argv.jobId !== undefined) opts.jobId = argv.jobId;
      if (argv.store.startsWith('s3://')) opts.s3 = s3From(argv);
      if (progress !== undefined) opts.onEvent = progress.onEvent;
      const result = await runLocal(spec, opts);
      progress?.stop();
      if (argv.json === true) printJson(result);
      else process.stdout.write(`${renderResult(result)}\n`);
      return result.status === 'succeeded' ? EXIT.ok : EXIT.jobFailed;
    }),
  );
}
