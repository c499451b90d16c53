/**
 * The `mysql` source connector (MySQL and MariaDB): the rows of a query or table, read in
 * parallel partitions, each as a streamed result (mysql2 `query().on('result')`: rows are
 * handled as they arrive off the socket, never buffered whole) cut into batches of `fetchRows`.
 *
 * ```yaml
 * - id: orders
 *   op: ingest
 *   source: { kind: mysql, url: { env: SHOP_URL }, query: "select * from orders", partitionColumn: id, partitions: 8 }
 * ```
 *
 * Values arrive as the server's text (binary strings as `\x` hex, BIT as its number); the
 * session runs in UTC so TIMESTAMP columns read the same from every worker.
 */
import mysql from 'mysql2';
import type { Connection, FieldPacket } from 'mysql2';
import { logger } from '../../log.js';
import type { SourceConnector } from '../types.js';
import { bitsText, hexText } from './convert.js';
import type { ErrorClass, SqlColumn, SqlDriver, SqlSession, TextRow } from './driver.js';
import { planSql } from './plan.js';
import { readSql } from './read.js';
import { sqlSourceSchema, tableParts } from './spec.js';
import { mysqlColumnType, mysqlIsBinary, MysqlType } from './types-map.js';
import type { MysqlField } from './types-map.js';

const log = logger('connector.mysql');

const CONNECT_TIMEOUT_MS = 30_000;
/** How long a clean close may take before the socket is simply dropped. */
const CLOSE_TIMEOUT_MS = 5_000;

/** `` `name` `` with embedded backticks doubled. */
export function mysqlQuoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Every value as raw bytes (or null); the session turns them into text per column. */
const rawCast = (field: { buffer: () => Buffer | null }): Buffer | null => field.buffer();

type ValueForm = 'text' | 'hex' | 'bits';

function formOf(field: MysqlField): ValueForm {
  if ((field.columnType ?? field.type) === MysqlType.BIT) return 'bits';
  return mysqlIsBinary(field) ? 'hex' : 'text';
}

function textRow(row: readonly (Buffer | null)[], forms: readonly ValueForm[]): TextRow {
  const out: TextRow = new Array<string | null>(row.length);
  for (let i = 0; i < row.length; i++) {
    const b = row[i];
    if (b === null || b === undefined) out[i] = null;
    else {
      const form = forms[i] ?? 'text';
      out[i] = form === 'text' ? b.toString('utf8') : form === 'hex' ? hexText(b) : bitsText(b);
    }
  }
  return out;
}

class MysqlSession implements SqlSession {
  constructor(private readonly conn: Connection) {}

  private run(sql: string, values: readonly string[], fetchRows: number, onBatch: (rows: TextRow[]) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let forms: ValueForm[] = [];
      let batch: TextRow[] = [];
      let settled = false;
      // mysql2 reports a connection the server drops on the connection, not on the query in flight.
      const lost = (err?: unknown): void => fail(err ?? Object.assign(new Error('Connection lost: the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }));
      const done = (): void => {
        this.conn.off('error', lost);
        this.conn.off('end', lost);
      };
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        done();
        reject(err);
      };
      this.conn.on('error', lost);
      this.conn.on('end', lost);
      const flush = (): boolean => {
        if (batch.length === 0) return true;
        const rows = batch;
        batch = [];
        try {
          onBatch(rows);
          return true;
        } catch (err) {
          // Stop the stream: the rest of the result is of no use once a batch failed.
          this.conn.destroy();
          fail(err);
          return false;
        }
      };
      const q = this.conn.query({ sql, values: [...values], rowsAsArray: true, typeCast: rawCast as never });
      q.on('fields', (fields: FieldPacket[]) => (forms = fields.map(formOf)));
      q.on('result', (row: unknown) => {
        if (settled) return;
        batch.push(textRow(row as (Buffer | null)[], forms));
        if (batch.length >= fetchRows) flush();
      });
      q.on('error', fail);
      q.on('end', () => {
        if (settled || !flush()) return;
        settled = true;
        done();
        resolve();
      });
    });
  }

  async describe(query: string): Promise<SqlColumn[]> {
    const fields = await new Promise<FieldPacket[]>((resolve, reject) => {
      this.conn.query({ sql: `select * from (${query}) q limit 0`, rowsAsArray: true }, (err, _rows, f) => (err ? reject(err) : resolve(f ?? [])));
    });
    return fields.map((f) => ({ name: f.name, ...mysqlColumnType(f) }));
  }

  async first(sql: string, values: readonly string[]): Promise<TextRow | undefined> {
    const rows: TextRow[] = [];
    await this.run(sql, values, 1, (batch) => rows.push(...batch));
    return rows[0];
  }

  stream(sql: string, values: readonly string[], fetchRows: number, onBatch: (rows: TextRow[]) => void): Promise<void> {
    return this.run(sql, values, fetchRows, onBatch);
  }

  /** Ends the connection; never throws, never hangs on a server that is gone. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.conn.end(() => resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.conn.destroy();
  }
}

const RETRYABLE_ERRNOS = new Set([
  1040, // too many connections
  1053, // server shutdown
  1158, 1159, 1160, 1161, // network read/write errors
  1205, // lock wait timeout
  1213, // deadlock
  1317, // query interrupted
  1927, // connection killed (MariaDB)
  2006, // server has gone away
  2013, // lost connection during query
  3024, // max execution time exceeded
]);

export function classifyMysql(err: unknown): ErrorClass {
  const e = (err ?? {}) as { code?: unknown; errno?: unknown; sqlState?: unknown; fatal?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const sqlState = typeof e.sqlState === 'string' ? e.sqlState : undefined;
  if (errno === 1045 || errno === 1044 || sqlState?.startsWith('28') === true) return { retryable: false, statement: false, auth: true, code };
  if (errno !== undefined && RETRYABLE_ERRNOS.has(errno)) return { retryable: true, statement: false, auth: false, code };
  if (sqlState?.startsWith('08') === true || sqlState === '40001') return { retryable: true, statement: false, auth: false, code };
  if (sqlState !== undefined && /^(42|22|23|21|0A|3D)/.test(sqlState)) return { retryable: false, statement: true, auth: false, code };
  // No server error number: a network failure (ECONNRESET, PROTOCOL_CONNECTION_LOST...).
  if (errno === undefined || e.fatal === true || (code !== undefined && (code.startsWith('E') && !code.startsWith('ER_')))) return { retryable: true, statement: false, auth: false, code };
  return { retryable: false, statement: false, auth: false, code };
}

export const mysqlDriver: SqlDriver = {
  kind: 'mysql',
  product: 'MySQL/MariaDB',
  quoteIdent: mysqlQuoteIdent,
  quoteTable: (name, path) => tableParts(name, path).map(mysqlQuoteIdent).join('.'),
  placeholder: () => '?',
  hashCondition: (column, buckets, bucket) => `coalesce(crc32(${column}) % ${buckets}, 0) = ${bucket}`,
  async connect(url, appName) {
    const conn = mysql.createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS, connectAttributes: { program_name: appName.slice(0, 60) } });
    // A query in flight gets the error too; this only keeps the event from being unhandled.
    conn.on('error', (err: Error) => log.warn({ err: err.message, appName }, 'mysql connection failed'));
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve, reject) => conn.query("set time_zone = '+00:00'", (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return new MysqlSession(conn);
  },
  classify: classifyMysql,
};

export const mysqlConnector: SourceConnector = {
  kind: 'mysql',
  summary: 'a MySQL/MariaDB query or table, read in parallel key-range or hash partitions as streamed results',
  schema: sqlSourceSchema('mysql', 'MySQL/MariaDB'),
  plan: (ctx, schemaOnly) => planSql(ctx, mysqlDriver, schemaOnly),
  read: (input) => readSql(mysqlDriver, input),
};
