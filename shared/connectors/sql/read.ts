/**
 * The worker half of a database source: one task reads one partition over its own connection,
 * through a server-side cursor in batches of `fetchRows`, converting each row's text to the
 * stage's column types and appending it to shards of ~shardRows rows (shards.ts), so only one
 * batch of rows is ever held as JS values.
 *
 * Outputs: `part-<task>-<k>.arrow`, plus `quarantine-<task>.ndjson` for rows whose values do
 * not fit their column's type (source `<kind> <what> partition i/n (<condition>)`, line = the
 * row's 1-based number within the partition, reason naming the column and the row's key).
 *
 * A connection that drops mid-read fails the task with a retryable error; the runtime runs it
 * again and the retry overwrites the same object names. Statement errors are not retryable.
 */
import type { Value } from '../../arrow/columns.js';
import { QuiverError } from '../../errors.js';
import { encodeQuarantine, quarantineText } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';
import type { KernelInput, KernelResult } from '../../operators/types.js';
import { describeSecret, resolveSecret } from '../secrets.js';
import { converterFor, Rejected } from './convert.js';
import { errorText } from './driver.js';
import type { SqlDriver, SqlSession, TextRow } from './driver.js';
import { ShardWriter } from './shards.js';
import type { SqlReadParams } from './spec.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function checkParams(params: unknown, kind: string): SqlReadParams {
  const p = params as Partial<SqlReadParams> | null;
  if (p === null || typeof p !== 'object' || p.kind !== kind || typeof p.sql !== 'string' || !Array.isArray(p.schema?.fields) || !Array.isArray(p.values)) {
    throw QuiverError.nonRetryable('INTERNAL', `${kind} read task parameters are malformed (need sql, values, schema); re-plan the job with a matching quiver version`);
  }
  return p as SqlReadParams;
}

/** A read-time database error as a QuiverError that says whether a retry may help. */
function readError(driver: SqlDriver, err: unknown, p: SqlReadParams, where: string, rowsSoFar: number): QuiverError {
  if (err instanceof QuiverError) return err;
  const c = driver.classify(err);
  const part = `partition ${p.partition + 1}/${p.partitions} (${p.label}) of ${p.what}`;
  const details = { code: c.code, partition: p.partition, rowsRead: rowsSoFar };
  if (c.auth) return QuiverError.nonRetryable('INPUT_INVALID', `${p.urlPath}: ${driver.product} refused the credentials (url from ${describeSecret(p.url)}): ${errorText(err)}; check the user and password`, { cause: err, details });
  if (!c.retryable) {
    return QuiverError.nonRetryable('INPUT_INVALID', `${driver.product} rejected the read of ${part} while ${where}: ${errorText(err)}; fix the source query or the database`, { cause: err, details });
  }
  return QuiverError.retryable('SOURCE_FAILED', `${driver.product} connection failed while ${where} ${part} after ${rowsSoFar} rows: ${errorText(err)}; the task is retried from the start`, { cause: err, details });
}

/** The row as a small JSON object for its quarantine record. */
function rawOf(names: readonly string[], row: TextRow): string {
  const o: Record<string, string | null> = {};
  names.forEach((n, i) => (o[n] = row[i] ?? null));
  return JSON.stringify(o);
}

/** Reads one partition (task params {@link SqlReadParams}) into shards and a quarantine. */
export async function readSql(driver: SqlDriver, { task }: KernelInput): Promise<KernelResult> {
  const p = checkParams(task.params, driver.kind);
  const url = resolveSecret(p.url, p.urlPath);
  const fields = p.schema.fields;
  const names = fields.map((f) => f.name);
  const convert = fields.map((f) => converterFor(f.type));
  const writer = new ShardWriter(p.schema, p.shardRows, task.index);
  const quarantine: QuarantineRecord[] = [];
  const source = `${driver.kind} ${p.what} partition ${p.partition + 1}/${p.partitions} (${p.label})`;
  const values: Value[] = new Array<Value>(fields.length);
  let rowsIn = 0;

  let batchError: unknown;
  const onBatch = (rows: TextRow[]): void => {
    try {
      addRows(rows);
    } catch (err) {
      batchError = err;
      throw err;
    }
  };
  const addRows = (rows: TextRow[]): void => {
    for (const row of rows) {
      rowsIn++;
      let reject: string | null = null;
      for (let i = 0; i < convert.length; i++) {
        const text = row[i];
        if (text === null || text === undefined) {
          values[i] = null;
          continue;
        }
        const v = convert[i]!(text);
        if (v instanceof Rejected) {
          reject = `column "${names[i]!}" (${fields[i]!.type}): ${v.reason}`;
          break;
        }
        values[i] = v;
      }
      if (reject === null) {
        writer.append(values);
        continue;
      }
      const key = p.keyIndex >= 0 ? `; key ${names[p.keyIndex]!}=${row[p.keyIndex] ?? 'null'}` : '';
      quarantine.push(quarantineText(source, rowsIn, `${reject}${key}`, rawOf(names, row)));
    }
  };

  let session: SqlSession;
  try {
    session = await driver.connect(url, `quiver-read ${task.id}`);
  } catch (err) {
    throw readError(driver, err, p, 'connecting for', 0);
  }
  try {
    await session.stream(p.sql, p.values, p.fetchRows, onBatch);
  } catch (err) {
    // A failure of our own (not the database's) is not a reason to retry.
    if (err === batchError && err !== undefined) {
      throw err instanceof QuiverError ? err : QuiverError.nonRetryable('SOURCE_FAILED', `${driver.kind} read of ${source} failed on row ${rowsIn}: ${errorText(err)}`, { cause: err });
    }
    throw readError(driver, err, p, 'reading', rowsIn);
  } finally {
    await session.close();
  }

  const objects = writer.finish();
  if (quarantine.length > 0) {
    objects.push({ name: `quarantine-${pad(task.index, 5)}.ndjson`, bytes: encodeQuarantine(quarantine), rows: quarantine.length, kind: 'quarantine' });
  }
  return {
    objects,
    stats: {
      rowsIn,
      rowsOut: writer.rows,
      quarantined: quarantine.length,
      nulls: writer.nulls,
      schema: { fields: fields.map((f, i) => ({ ...f, nullable: writer.nulls[i]! > 0 })) },
      partition: p.label,
    },
  };
}
