#!/usr/bin/env node
/**
 * The `quiver` command line. Run `quiver --help`, or `quiver <command> --help` for any command.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from './action.js';
import { registerClientCommands } from './commands/client.js';
import { registerDemo } from './commands/demo.js';
import { registerFeatures } from './commands/features.js';
import { registerGenSensors } from './commands/gen.js';
import { registerModels } from './commands/models.js';
import { registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerServerCommands } from './commands/servers.js';
import { registerStream } from './commands/stream.js';
import { registerToolCommands } from './commands/tools.js';
import { defaultConfigPath, readConfigFile } from './options.js';

const defaults = defaultConfigPath();

let cli = yargs(hideBin(process.argv))
  .scriptName('quiver')
  .usage('$0 <command> [options]\n\nDistributed batch processing for ML pipelines: Arrow shards, NATS JetStream, Piscina pools.')
  .env('QUIVER')
  .config('config', 'Config file (YAML or JSON) holding option values, e.g. `nats: nats://...` (default ./quiver.config.yaml, ~/.config/quiver/config.yaml)', readConfigFile)
  .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output: one JSON object as the last line of stdout' })
  .option('verbose', { type: 'boolean', default: false, describe: 'Log debug detail (JSON lines on stderr)' })
  .option('log-level', { type: 'string', describe: 'Log level: fatal, error, warn (default), info, debug, trace' });
if (defaults !== undefined) cli = cli.config(readConfigFile(defaults));

cli = registerRun(cli);
cli = registerClientCommands(cli);
cli = registerSchedule(cli);
cli = registerServerCommands(cli);
cli = registerToolCommands(cli);
cli = registerGenSensors(cli);
cli = registerStream(cli);
cli = registerModels(cli);
cli = registerFeatures(cli);
cli = registerDemo(cli);

await cli
  .demandCommand(1, 'give a command; see `quiver --help`')
  .strictCommands()
  .recommendCommands()
  .wrap(Math.min(110, process.stdout.columns ?? 100))
  .epilog('Docs: docs/ in the repository (user guide, job spec reference, design notes).')
  .fail((msg: string | null, err: Error | undefined) => {
    // Argument errors (and an unreadable config file, which yargs wraps) are usage errors:
    // exit 2 like every other bad option, with one line instead of the whole help.
    if (err !== undefined && err !== null && err.name !== 'YError') throw err;
    process.stderr.write(`error [OPTION_INVALID]: ${msg ?? err?.message ?? 'invalid arguments'}\nsee \`quiver --help\` or \`quiver <command> --help\`\n`);
    process.exit(EXIT.usage);
  })
  .help()
  .alias('h', 'help')
  .version()
  .parseAsync();
