/**
 * Store URIs. Two kinds:
 *
 * - `s3://bucket/key/...` for S3-compatible stores; the key may be empty (`s3://bucket`,
 *   `s3://bucket/`) when the URI is a prefix for `list`/`deletePrefix`.
 * - local paths: `file:///abs/path`, `/abs/path`, or a relative path that resolves against
 *   `process.cwd()` at the time of use.
 *
 * ```ts
 * joinUri('s3://quiver/jobs/', 'j1', 'shard-0001.arrow'); // 's3://quiver/jobs/j1/shard-0001.arrow'
 * parseS3Uri('s3://quiver/jobs/j1');                      // { bucket: 'quiver', key: 'jobs/j1' }
 * localPath('file:///var/lib/quiver/x.arrow');            // '/var/lib/quiver/x.arrow'
 * ```
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuiverError } from '../errors.js';

export const S3_SCHEME = 's3://';
const FILE_SCHEME = 'file://';

/** Where an `s3://` URI points: the bucket and the key inside it (empty for the bucket itself). */
export interface S3Location {
  bucket: string;
  key: string;
}

export function isS3Uri(uri: string): boolean {
  return uri.startsWith(S3_SCHEME);
}

export function isFileUri(uri: string): boolean {
  return uri.startsWith(FILE_SCHEME);
}

/**
 * Splits `s3://bucket/key` into bucket and key. The key keeps its trailing slash, if any.
 * Throws OPTION_INVALID (not retryable) when the URI is not `s3://` or names no bucket.
 */
export function parseS3Uri(uri: string): S3Location {
  if (!isS3Uri(uri)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" is not an S3 URI; write it as s3://bucket/key`);
  }
  const rest = uri.slice(S3_SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') {
    throw QuiverError.nonRetryable('OPTION_INVALID', `S3 URI "${uri}" names no bucket; write it as s3://bucket/key`);
  }
  return { bucket, key };
}

/** The inverse of {@link parseS3Uri}. */
export function formatS3Uri(bucket: string, key = ''): string {
  return `${S3_SCHEME}${bucket}/${key}`;
}

/**
 * Appends path segments to a URI of either kind with exactly one `/` between parts. Slashes at
 * the joints are collapsed; empty names are skipped; a trailing slash on the last name is kept
 * (so the result can still be used as a "folder" prefix).
 */
export function joinUri(prefix: string, ...names: string[]): string {
  let out = prefix;
  for (const name of names) {
    const trimmed = name.replace(/^\/+/, '');
    if (trimmed === '') continue;
    out = out === '' ? trimmed : `${stripTrailingSlashes(out)}/${trimmed}`;
  }
  return out;
}

/** Drops trailing slashes, but never the ones that belong to the scheme (`s3://`, `file://`). */
function stripTrailingSlashes(uri: string): string {
  const min = isS3Uri(uri) ? S3_SCHEME.length : isFileUri(uri) ? FILE_SCHEME.length : 0;
  let end = uri.length;
  while (end > min && uri[end - 1] === '/') end--;
  return uri.slice(0, end);
}

/**
 * The local filesystem path for a non-S3 URI: `file://` URLs are decoded, relative paths are
 * resolved against `process.cwd()`. A trailing slash is kept so prefixes stay prefixes.
 * Throws OPTION_INVALID for `s3://` URIs and other URL schemes.
 */
export function localPath(uri: string): string {
  if (isS3Uri(uri)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" is an S3 URI, not a local path`);
  }
  let path: string;
  if (isFileUri(uri)) {
    try {
      path = fileURLToPath(uri);
    } catch (err) {
      throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" is not a valid file:// URL; write it as file:///absolute/path`, { cause: err });
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `"${uri}" uses a scheme the store does not know; use s3://bucket/key, file:///path or a plain path`);
  } else {
    path = uri;
  }
  const abs = isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path);
  return path.endsWith('/') && !abs.endsWith('/') ? `${abs}/` : abs;
}

/** Validates a [start, end) byte range: start a non-negative integer, end an integer (or Infinity) >= start. */
export function checkRange(uri: string, start: number, end: number): void {
  const okStart = Number.isSafeInteger(start) && start >= 0;
  const okEnd = (Number.isSafeInteger(end) || end === Infinity) && end >= start;
  if (!okStart || !okEnd) {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `getRange(${uri}, ${start}, ${end}): start must be an integer >= 0 and end an integer >= start (or Infinity)`,
    );
  }
}

/** Sorts listed objects the way S3 lists keys: by the UTF-8 bytes of their URIs. */
export function sortByUri<T extends { uri: string }>(items: T[]): T[] {
  const keyed = items.map((item) => ({ item, bytes: Buffer.from(item.uri) }));
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return keyed.map((k) => k.item);
}

