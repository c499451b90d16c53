/**
 * Maps failures of S3 calls to QuiverErrors that name the URI, the endpoint and what to check:
 * NOT_FOUND for a missing key or bucket; STORE_FAILED retryable for network failures and
 * server-side 5xx/throttling; STORE_FAILED not retryable for refused credentials or requests.
 */
import { InvalidArgumentError, InvalidBucketNameError, InvalidObjectNameError, InvalidPrefixError, S3Error } from 'minio';
import { QuiverError } from '../errors.js';
import { parseS3Uri } from './uri.js';

export interface S3Server {
  endpoint: string;
  region: string | undefined;
}

export const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const AUTH_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'InvalidSecurity']);
const RETRYABLE_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'OperationAborted', 'XMinioServerNotInitialized']);
/** Codes that mean the region or endpoint is wrong. */
const REGION_CODES = new Set(['AuthorizationHeaderMalformed', 'PermanentRedirect', 'MovedPermanently', 'TemporaryRedirect', 'IllegalLocationConstraintException']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);
const CREDENTIALS_HINT =
  'check QUIVER_S3_ACCESS_KEY / QUIVER_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and that they may use the bucket';


export function s3Code(err: unknown): string | undefined {
  if (!(err instanceof S3Error)) return undefined;
  return typeof err.code === 'string' && err.code !== '' ? err.code : undefined;
}

/** Maps any failure of an S3 call to a QuiverError naming the URI, the endpoint and what to check. */
export function s3Failure(err: unknown, op: string, uri: string, server: S3Server): QuiverError {
  if (err instanceof QuiverError) return err;
  const code = s3Code(err);
  const reason = err instanceof Error ? err.message : String(err);
  if (code !== undefined) return failS3(code, reason, op, uri, err, server);
  const where = `S3 at ${server.endpoint}`;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno !== undefined && NETWORK_CODES.has(errno)) {
    return QuiverError.retryable(
      'STORE_FAILED',
      `cannot reach ${where} to ${op} ${uri}: ${errno}; check that the server is running and that QUIVER_S3_ENDPOINT (or AWS_ENDPOINT_URL) points at it`,
      { cause: err, details: { uri, op, endpoint: server.endpoint, errno } },
    );
  }
  if (err instanceof InvalidBucketNameError || err instanceof InvalidObjectNameError || err instanceof InvalidPrefixError || err instanceof InvalidArgumentError) {
    return QuiverError.nonRetryable('OPTION_INVALID', `cannot ${op} ${uri}: ${reason}; S3 bucket names are 3-63 characters of a-z, 0-9, "." and "-"`, {
      cause: err,
      details: { uri, op },
    });
  }
  if (err instanceof TypeError) {
    return QuiverError.nonRetryable('INTERNAL', `S3 client rejected ${op} ${uri}: ${reason}; please report this`, { cause: err, details: { uri, op } });
  }
  // Anything else (a 5xx answer, a dropped connection mid-body) may pass on a later attempt.
  return QuiverError.retryable('STORE_FAILED', `${where} failed to ${op} ${uri}: ${reason}`, { cause: err, details: { uri, op, endpoint: server.endpoint } });
}

/** Maps an error code the S3 server answered with. */
export function failS3(code: string, reason: string, op: string, uri: string, cause: unknown, server: S3Server): QuiverError {
  const where = `S3 at ${server.endpoint}`;
  const details = { uri, op, endpoint: server.endpoint, s3Code: code };
  if (NOT_FOUND_CODES.has(code)) {
    const what = code === 'NoSuchBucket' ? `bucket "${parseS3Uri(uri).bucket}" does not exist` : `object ${uri} does not exist`;
    return QuiverError.nonRetryable('NOT_FOUND', `${what} on ${where}; check the URI and that the stage that writes it has run`, { cause, details });
  }
  if (AUTH_CODES.has(code)) {
    return QuiverError.nonRetryable('STORE_FAILED', `${where} refused to ${op} ${uri}: ${code} (${reason}); ${CREDENTIALS_HINT}`, { cause, details });
  }
  if (RETRYABLE_CODES.has(code)) {
    return QuiverError.retryable('STORE_FAILED', `${where} failed to ${op} ${uri}: ${code} (${reason}); the server is busy or failing, the task will be retried`, {
      cause,
      details,
    });
  }
  const hint = REGION_CODES.has(code) ? `; check QUIVER_S3_REGION (now "${server.region}") and QUIVER_S3_ENDPOINT` : '';
  return QuiverError.nonRetryable('STORE_FAILED', `${where} rejected ${op} ${uri}: ${code} (${reason})${hint}`, { cause, details });
}
