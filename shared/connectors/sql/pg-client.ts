/**
 * PostgreSQL connections for the `postgres` source and the `sink` operator: one `pg.Client` per
 * task (never a pool shared across tasks), the session in UTC with ISO dates, every value
 * handed over as the server's text, and an `error` listener so a connection the server drops
 * fails the running query instead of crashing the worker thread.
 *
 * ```ts
 * const client = await connectPg(url, 'quiver-read job1.users.0.3');
 * try { await client.query('select 1'); } finally { await closePg(client); }
 * ```
 */
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { logger } from '../../log.js';
import type { ErrorClass } from './driver.js';

const log = logger('connector.postgres');

/** Type parsers that keep every value as the server's text. */
export const RAW_TYPES: CustomTypesConfig = { getTypeParser: (() => (text: string) => text) as unknown as CustomTypesConfig['getTypeParser'] };

/** How long to wait for the server to accept a connection. */
const CONNECT_TIMEOUT_MS = 30_000;

export async function connectPg(url: string, appName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: appName.slice(0, 63), types: RAW_TYPES, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  // The running query rejects with the same error; this only keeps the event from being unhandled.
  client.on('error', (err) => log.warn({ err: err.message, appName }, 'postgres connection failed'));
  try {
    await client.connect();
    await client.query("set time zone 'UTC'; set datestyle = 'ISO, YMD'");
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** How long a clean close may take before the socket is simply dropped. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Ends the connection; never throws, never hangs on a server that is gone. */
export async function closePg(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)));
  const ended = client.end().then(() => 'ended' as const, () => 'ended' as const);
  if ((await Promise.race([ended, timeout])) === 'timeout') {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
  clearTimeout(timer);
}

/** SQLSTATE classes after which a new attempt may succeed. */
const RETRYABLE_CLASSES = new Set(['08', '40', '53', '55', '57', '58', 'XX']);
/** SQLSTATE classes that mean the statement itself is wrong (or not allowed). */
const STATEMENT_CLASSES = new Set(['42', '0A', '3D', '3F', '22', '23', '2B', '2F', '21', '44']);

export function classifyPg(err: unknown): ErrorClass {
  const code = (err as { code?: unknown } | null)?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (sqlState === undefined) {
    // Network errors (ECONNRESET, ECONNREFUSED...) and "Connection terminated unexpectedly".
    return { retryable: true, statement: false, auth: false, code: typeof code === 'string' ? code : undefined };
  }
  const cls = sqlState.slice(0, 2);
  if (cls === '28') return { retryable: false, statement: false, auth: true, code: sqlState };
  return { retryable: RETRYABLE_CLASSES.has(cls), statement: STATEMENT_CLASSES.has(cls), auth: false, code: sqlState };
}
