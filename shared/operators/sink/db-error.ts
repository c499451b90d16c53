/**
 * A database error met by a sink task, as a QuiverError that says whether a retry may help:
 * a lost connection, a server restarting or a deadlock is retryable (every sink step is one
 * transaction, so a retry starts clean); a rejected statement or value (too long for a column,
 * a constraint) is not; refused credentials are not.
 *
 * ```ts
 * throw sinkDbError(err, `loading shard ${uri} into ${staging}`, p.urlPath, p.url);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { describeSecret } from '../../connectors/secrets.js';
import type { SecretRef } from '../../connectors/secrets.js';
import { errorText } from '../../connectors/sql/driver.js';
import { classifyPg } from '../../connectors/sql/pg-client.js';

export function sinkDbError(err: unknown, doing: string, urlPath: string, url: SecretRef): QuiverError {
  if (err instanceof QuiverError) return err;
  const c = classifyPg(err);
  const details = { code: c.code };
  if (c.auth) return QuiverError.nonRetryable('INPUT_INVALID', `${urlPath}: PostgreSQL refused the credentials (url from ${describeSecret(url)}): ${errorText(err)}; check the user and password`, { cause: err, details });
  if (c.retryable) return QuiverError.retryable('SOURCE_FAILED', `PostgreSQL connection failed while ${doing}: ${errorText(err)}; the task is retried (its transaction was rolled back)`, { cause: err, details });
  return QuiverError.nonRetryable('INPUT_INVALID', `PostgreSQL rejected ${doing}: ${errorText(err)}${c.code === undefined ? '' : ` (SQLSTATE ${c.code})`}; fix the data or the target table`, { cause: err, details });
}
