/**
 * The real MySQL/MariaDB for integration tests: MYSQL_URL when set, else the local test server
 * (mysql://root@127.0.0.1:3306/test). Tables get random names and are dropped by `cleanup()`.
 * When the server cannot be reached the suite is skipped, unless CI=true, where that is a failure.
 *
 * ```ts
 * const my = await mysqlOrSkip();
 * describe('mysql source', { skip: my === undefined ? MYSQL_SKIP_REASON : false }, () => { ... });
 * ```
 */
import mysql from 'mysql2/promise';
import { randomSuffix } from './postgres.js';

export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const MYSQL_SKIP_REASON = `MySQL/MariaDB is not reachable at ${MYSQL_URL.replace(/\/\/[^@/]*@/, '//…@')} (set MYSQL_URL)`;

export interface TestMysql {
  readonly url: string;
  readonly conn: mysql.Connection;
  table(prefix: string): string;
  query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  cleanup(): Promise<void>;
}

export async function mysqlOrSkip(): Promise<TestMysql | undefined> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`${MYSQL_SKIP_REASON}: ${(err as Error).message}; CI=true requires it`, { cause: err });
    return undefined;
  }
  conn.on('error', () => undefined);
  const tables: string[] = [];
  let closed = false;
  return {
    url: MYSQL_URL,
    conn,
    table(prefix) {
      const name = `${prefix}_${randomSuffix()}`;
      tables.push(name);
      return name;
    },
    async query<R>(sql: string, values?: unknown[]) {
      const [rows] = await conn.query(sql, values);
      return rows as R[];
    },
    async cleanup() {
      if (closed) return;
      closed = true;
      for (const t of tables) await conn.query(`drop table if exists \`${t}\``).catch(() => undefined);
      await conn.end();
    },
  };
}

/**
 * Kills (KILL <id>) connections running a query containing `marker` (other than a plan's
 * `select min(...)`) for over `afterMs`; polls until `stop()`. See postgres.ts terminateReads.
 */
export function killReads(marker: string, opts: { afterMs?: number; times?: number } = {}): { stop(): Promise<number> } {
  const afterMs = opts.afterMs ?? 200;
  const times = opts.times ?? Infinity;
  let stopped = false;
  let killed = 0;
  const loop = (async () => {
    const conn = await mysql.createConnection({ uri: MYSQL_URL });
    conn.on('error', () => undefined);
    try {
      while (!stopped && killed < times) {
        const [rows] = await conn.query(
          `select id from information_schema.processlist where id <> connection_id() and info like ? and info not like 'select min(%' and command = 'Query' and time_ms > ?`,
          [`%${marker}%`, afterMs],
        );
        for (const r of rows as { id: number }[]) {
          if (killed >= times) break;
          await conn.query(`kill ${Number(r.id)}`).catch(() => undefined);
          killed++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await conn.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return killed;
    },
  };
}
