/**
 * Structured logging (pino, JSON lines to stderr). Library code logs through this; only the
 * CLI writes human text to stdout. Level comes from QUIVER_LOG_LEVEL (default "info"; the CLI
 * lowers it to "warn" unless --verbose).
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function rootLogger(): Logger {
  root ??= pino(
    { level: process.env.QUIVER_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: true }),
  );
  return root;
}

export function setLogLevel(level: string): void {
  rootLogger().level = level;
}

/** A child logger tagged with the component name (`coordinator`, `worker`, `bus.nats`...). */
export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}
