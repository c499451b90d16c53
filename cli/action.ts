/** Wraps command handlers: errors print as `error [CODE]: message` (or JSON) and set the exit code. */
import { toErrorData } from '../shared/errors.js';
import type { ErrorData } from '../shared/errors.js';
import { setLogLevel } from '../shared/log.js';

export const EXIT = { ok: 0, jobFailed: 1, usage: 2, unavailable: 3 } as const;

function exitCodeFor(e: ErrorData): number {
  switch (e.code) {
    case 'SPEC_INVALID':
    case 'EXPR_INVALID':
    case 'OPTION_INVALID':
    case 'NOT_FOUND':
    case 'UNAUTHORIZED':
      return EXIT.usage;
    case 'BUS_FAILED':
    case 'STORE_FAILED':
    case 'API_FAILED':
      return EXIT.unavailable;
    default:
      return EXIT.jobFailed;
  }
}

export interface CommonArgs {
  json?: boolean;
  verbose?: boolean;
  logLevel?: string;
}

/** Runs a command body: sets the log level, maps a thrown error to a message and an exit code. */
export async function act(argv: CommonArgs, fn: () => Promise<number | void>): Promise<void> {
  setLogLevel(argv.logLevel ?? (argv.verbose === true ? 'debug' : 'warn'));
  try {
    const code = await fn();
    process.exitCode = code ?? EXIT.ok;
  } catch (err) {
    const e = toErrorData(err);
    if (argv.json === true) process.stdout.write(`${JSON.stringify({ error: e })}\n`);
    else process.stderr.write(`error [${e.code}]: ${e.message}\n`);
    process.exitCode = exitCodeFor(e);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
