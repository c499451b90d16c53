import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { isTerminal } from '../../shared/job.js';
import { loadSpec } from '../../shared/spec/load.js';
import { act, EXIT, printJson } from '../action.js';
import { CoordinatorClient } from '../client.js';
import { n, renderResult } from '../format.js';
import { clientOptions, tokenFrom } from '../options.js';
import { JobProgress } from '../progress.js';
import { resolveSpecPaths } from '../../shared/spec/paths.js';

const client = (argv: { coordinator: string; token?: string }) => new CoordinatorClient(argv.coordinator, tokenFrom(argv));

export function registerClientCommands<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'submit <spec>',
      'Submit a job to a coordinator',
      (c) =>
        clientOptions(c)
          .positional('spec', { type: 'string', demandOption: true, describe: 'Job spec file (YAML or JSON)' })
          .option('wait', { type: 'boolean', default: false, describe: 'Wait for the job to finish, with progress; exit 1 if it fails' })
          .option('job-id', { type: 'string', describe: 'Job id (default: <name>-<time>-<random>)' }),
      async (argv) => act(argv, async () => {
        const spec = resolveSpecPaths(await loadSpec(argv.spec), process.cwd());
        const api = client(argv);
        const { jobId } = await api.submit(spec, argv.jobId);
        if (!argv.wait) {
          if (argv.json === true) printJson({ jobId });
          else process.stdout.write(`submitted ${jobId}\nfollow it with: quiver status ${jobId}\n`);
          return EXIT.ok;
        }
        if (argv.json !== true) process.stderr.write(`submitted ${jobId}\n`);
        const progress = argv.json === true ? undefined : new JobProgress();
        let result = undefined as Awaited<ReturnType<typeof api.status>> | undefined;
        for await (const e of api.events(jobId)) {
          progress?.onEvent(e);
          if (e.type === 'result') result = e.result;
        }
        progress?.stop();
        result ??= await api.status(jobId);
        if (argv.json === true) printJson(result);
        else process.stdout.write(`${renderResult(result)}\n`);
        return result.status === 'succeeded' ? EXIT.ok : EXIT.jobFailed;
      }),
    )
    .command(
      'status <job>',
      'Show a job: status, stages, records, outputs, errors',
      (c) => clientOptions(c).positional('job', { type: 'string', demandOption: true, describe: 'Job id' }),
      async (argv) => act(argv, async () => {
        const result = await client(argv).status(argv.job);
        if (argv.json === true) printJson(result);
        else process.stdout.write(`${renderResult(result)}\n`);
        return isTerminal(result.status) && result.status !== 'succeeded' ? EXIT.jobFailed : EXIT.ok;
      }),
    )
    .command(
      'jobs',
      'List jobs, newest first',
      (c) => clientOptions(c),
      async (argv) => act(argv, async () => {
        const jobs = await client(argv).jobs();
        if (argv.json === true) return printJson(jobs);
        if (jobs.length === 0) process.stdout.write('no jobs yet: submit one with `quiver submit spec.yaml`\n');
        for (const j of jobs) {
          process.stdout.write(`${j.jobId.padEnd(44)} ${j.status.padEnd(10)} ${j.submittedAt}  ${j.seconds.toFixed(1)}s  ${n(j.records.out)} rows out\n`);
        }
      }),
    )
    .command(
      'cancel <job>',
      'Cancel a job: queued tasks are removed and running ones stopped',
      (c) => clientOptions(c).positional('job', { type: 'string', demandOption: true, describe: 'Job id' }),
      async (argv) => act(argv, async () => {
        const result = await client(argv).cancel(argv.job);
        if (argv.json === true) printJson(result);
        else process.stdout.write(`${result.jobId}: ${result.status}\n`);
      }),
    )
    .command(
      'workers',
      'List workers and their heartbeats',
      (c) => clientOptions(c),
      async (argv) => act(argv, async () => {
        const workers = await client(argv).workers();
        if (argv.json === true) return printJson(workers);
        if (workers.length === 0) process.stdout.write('no live workers: start some with `quiver worker --nats ...`\n');
        for (const w of workers) {
          const age = ((Date.now() - w.at) / 1000).toFixed(1);
          process.stdout.write(`${w.workerId.padEnd(36)} ${w.state.padEnd(9)} ${w.busy}/${w.threads} busy  ${w.tasksDone} done  seen ${age}s ago\n`);
        }
      }),
    );
}
