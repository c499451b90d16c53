/**
 * `quiver schedule …`: jobs that run on a cron schedule (the spec's `schedule` field).
 *
 * ```bash
 * quiver schedule add nightly.yaml          # hand it to the coordinator (cluster)
 * quiver schedule list | show nightly | run nightly | remove nightly
 * quiver schedule local nightly.yaml        # no servers: run it in this process until Ctrl-C
 * ```
 */
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { Scheduler } from '../../coordinator/scheduler.js';
import type { ScheduleInfo } from '../../coordinator/scheduler.js';
import { QuiverError } from '../../shared/errors.js';
import { loadSpec } from '../../shared/spec/load.js';
import { resolveSpecPaths } from '../../shared/spec/paths.js';
import { act, EXIT, printJson } from '../action.js';
import { CoordinatorClient } from '../client.js';
import { renderResult } from '../format.js';
import { startLocal } from '../local-run.js';
import { clientOptions, tokenFrom } from '../options.js';
import { untilSignal } from './servers.js';

const client = (argv: { coordinator: string; token?: string }) => new CoordinatorClient(argv.coordinator, tokenFrom(argv));

function renderSchedule(s: ScheduleInfo, history: number): string {
  const lines = [`${s.name}: cron '${s.cron}' (${s.timezone}), next run ${s.nextRun ?? '-'}${s.active === undefined ? '' : `, running ${s.active.jobId}`}`];
  for (const r of s.runs.slice(-history)) {
    lines.push(`  ${r.at}  ${r.status.padEnd(9)} ${r.jobId}${r.attempt > 0 ? ` (retry ${r.attempt})` : ''}${r.reason === undefined ? '' : `: ${r.reason.split('\n')[0]}`}`);
  }
  return lines.join('\n');
}

export function registerSchedule<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command('schedule', 'Jobs on a cron schedule: add, list, show, run, remove; or local', (s) =>
    s
      .command(
        'add <spec>',
        "Schedule a job on the coordinator (the spec needs schedule: { cron: '0 2 * * *' })",
        (c) => clientOptions(c).positional('spec', { type: 'string', demandOption: true, describe: 'Job spec with a schedule (YAML or JSON)' }),
        async (argv) => act(argv, async () => {
          const spec = resolveSpecPaths(await loadSpec(argv.spec), process.cwd());
          const info = await client(argv).addSchedule(spec);
          if (argv.json === true) printJson(info);
          else process.stdout.write(`scheduled ${info.name}: next run ${info.nextRun ?? '-'}\n`);
          return EXIT.ok;
        }),
      )
      .command(
        'list',
        'List schedules with their next run and last runs',
        (c) => clientOptions(c),
        async (argv) => act(argv, async () => {
          const all = await client(argv).schedules();
          if (argv.json === true) printJson(all);
          else process.stdout.write(all.length === 0 ? 'no schedules\n' : `${all.map((x) => renderSchedule(x, 3)).join('\n')}\n`);
          return EXIT.ok;
        }),
      )
      .command(
        'show <name>',
        'A schedule and its run history',
        (c) => clientOptions(c).positional('name', { type: 'string', demandOption: true, describe: 'Schedule (job) name' }),
        async (argv) => act(argv, async () => {
          const info = await client(argv).schedule(argv.name);
          if (argv.json === true) printJson(info);
          else process.stdout.write(`${renderSchedule(info, 50)}\n`);
          return EXIT.ok;
        }),
      )
      .command(
        'run <name>',
        'Run a scheduled job now (skipped while its previous run is still going)',
        (c) => clientOptions(c).positional('name', { type: 'string', demandOption: true, describe: 'Schedule (job) name' }),
        async (argv) => act(argv, async () => {
          const run = await client(argv).runSchedule(argv.name);
          if (argv.json === true) printJson(run);
          else process.stdout.write(`${run.status} ${run.jobId}${run.reason === undefined ? '' : `: ${run.reason}`}\n`);
          return run.status === 'failed' ? EXIT.jobFailed : EXIT.ok;
        }),
      )
      .command(
        'remove <name>',
        'Remove a schedule (a run in progress goes on)',
        (c) => clientOptions(c).positional('name', { type: 'string', demandOption: true, describe: 'Schedule (job) name' }),
        async (argv) => act(argv, async () => {
          await client(argv).removeSchedule(argv.name);
          if (argv.json === true) printJson({ removed: argv.name });
          else process.stdout.write(`removed schedule ${argv.name}\n`);
          return EXIT.ok;
        }),
      )
      .command(
        'local <spec>',
        'Run a scheduled job in this process (no servers) until Ctrl-C or --runs',
        (c) =>
          c
            .positional('spec', { type: 'string', demandOption: true, describe: 'Job spec with a schedule (YAML or JSON)' })
            .option('store', { type: 'string', default: '.quiver/store', describe: 'Where job data goes: a folder (env QUIVER_STORE)' })
            .option('threads', { type: 'number', describe: 'Worker threads (default: all cores)' })
            .option('runs', { type: 'number', describe: 'Exit after this many runs have finished (default: run until Ctrl-C)' }),
        async (argv) => act(argv, async () => {
          if (argv.runs !== undefined && (!Number.isInteger(argv.runs) || argv.runs < 1)) throw new QuiverError('OPTION_INVALID', `--runs must be a whole number ≥ 1, got ${argv.runs}`);
          const spec = resolveSpecPaths(await loadSpec(argv.spec), process.cwd());
          if (spec.schedule === undefined) throw new QuiverError('SPEC_INVALID', `${argv.spec} has no schedule; add e.g. schedule: { cron: '0 2 * * *' }, or run it once with \`quiver run\``);
          const opts: Parameters<typeof startLocal>[0] = { storeRoot: argv.store };
          if (argv.threads !== undefined) opts.threads = argv.threads;
          const local = await startLocal(opts);
          const scheduler = new Scheduler(local.coordinator, local.bus.jobs);
          let failed = 0;
          let finished = 0;
          let enough: () => void = () => undefined;
          const reached = new Promise<string>((resolve) => (enough = () => resolve('runs')));
          const off = local.coordinator.onEvent((e) => {
            if (e.type !== 'result') return;
            finished++;
            if (e.result.status !== 'succeeded') failed++;
            if (argv.json === true) printJson(e.result);
            else process.stdout.write(`${new Date().toISOString()} ${renderResult(e.result)}\n`);
            if (argv.runs !== undefined && finished >= argv.runs) enough();
          });
          try {
            const info = await scheduler.add(spec);
            if (argv.json !== true) process.stderr.write(`scheduled ${info.name} ('${info.cron}', ${info.timezone}); next run ${info.nextRun ?? '-'}; Ctrl-C to stop\n`);
            await Promise.race([untilSignal(), reached]);
          } finally {
            off();
            scheduler.close();
            await local.close();
          }
          return failed > 0 ? EXIT.jobFailed : EXIT.ok;
        }),
      )
      .demandCommand(1, 'name a schedule command: add, list, show, run, remove or local'),
  );
}
