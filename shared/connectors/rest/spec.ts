/**
 * The `rest` source's fields: their JSON Schema, and their validation into {@link RestOptions}
 * (defaults filled in, every bad field named by its spec path).
 *
 * ```ts
 * const opts = resolveRest(stage, 'stages[0]', 65536);
 * opts.pagination.style; // 'cursor'
 * ```
 */
import type { ColumnType, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { COLUMN_TYPES } from '../../arrow/schema.js';
import { DEFAULT_NULL_VALUES } from '../../formats/types.js';
import type { StageSpec } from '../../spec/types.js';
import { isSecretRef, secretSchema } from '../secrets.js';
import type { SecretRef } from '../secrets.js';

export const PAGINATION_STYLES = ['none', 'page', 'offset', 'cursor', 'link'] as const;
export type PaginationStyle = (typeof PAGINATION_STYLES)[number];

export interface RestPagination {
  style: PaginationStyle;
  /** page: query parameter of the page number. */
  pageParam: string;
  /** page/cursor/link: query parameter of the page size, sent only when `pageSize` is set. */
  sizeParam: string;
  /** Records per page asked for (offset: the limit, default 100); null: the server's default. */
  pageSize: number | null;
  /** page: number of the first page. */
  startPage: number;
  offsetParam: string;
  limitParam: string;
  cursorParam: string;
  /** cursor: dot path of the next cursor (or next URL) in the body. */
  cursorPath: string | null;
  /** page/offset: dot path of the total record count in the body. */
  totalPath: string | null;
  /** Stop after this many pages (per stage). */
  maxPages: number | null;
}

export interface RestRetries {
  /** Retries after the first attempt. */
  max: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export interface RestAuth {
  header: string;
  /** Put before the token with a space; '' sends the token alone. */
  scheme: string;
  token: SecretRef;
}

/** What a request needs: everything JSON, secrets still by reference. */
export interface RestRequestOptions {
  /** Spec path of the source, for messages: `stages[0].source`. */
  where: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, SecretRef>;
  query: Record<string, SecretRef>;
  /** POST: JSON body. */
  body: unknown;
  auth: RestAuth | null;
  retries: RestRetries;
  /** Requests per second for the whole stage (split among its tasks); null: unlimited. */
  requestsPerSecond: number | null;
  /** Requests that may go at once after a quiet spell. */
  burst: number;
  timeoutMs: number;
}

export interface RestOptions extends RestRequestOptions {
  /** Dot path of the records array; null: the body if it is an array, else its one array field. */
  records: string | null;
  pagination: RestPagination;
  declared: Record<string, ColumnType>;
  nullValues: string[];
  /** Nested objects become `parent.child` columns (one level); otherwise JSON strings. */
  flatten: boolean;
  /** At most this many parallel tasks (page/offset with totalPath). */
  maxTasks: number;
  shardRows: number;
}

const typeNames = COLUMN_TYPES.join(', ');
const dotPath = { type: 'string', minLength: 1, pattern: '^[^.]+(\\.[^.]+)*$' };
const paramName = { type: 'string', minLength: 1 };
const scalarOrSecret = { oneOf: [{ type: ['number', 'boolean'] }, secretSchema('A value.')] };

/** JSON Schema of a rest source (`source.kind: rest`). */
export const restSourceSchema: Record<string, unknown> = {
  type: 'object',
  required: ['kind', 'url'],
  additionalProperties: false,
  description: 'A paginated JSON API over HTTP(S).',
  properties: {
    kind: { const: 'rest', description: 'A JSON API over HTTP(S).' },
    url: { type: 'string', pattern: '^https?://', description: 'The first page (http:// or https://); `query` is added to it.' },
    method: { enum: ['GET', 'POST'], default: 'GET', description: 'HTTP method of every request.' },
    headers: { type: 'object', additionalProperties: secretSchema('A header value.'), description: 'Extra request headers; values may be secrets.' },
    query: { type: 'object', additionalProperties: scalarOrSecret, description: 'Query parameters added to every request; values may be secrets (shown as *** in messages).' },
    body: { description: 'POST: a JSON body sent with every request (pagination parameters still go in the query).' },
    auth: {
      type: 'object',
      description: 'Token auth: `<header>: <scheme> <token>` (default Authorization: Bearer ...), sent only to the origin of url.',
      required: ['token'],
      additionalProperties: false,
      properties: {
        header: { type: 'string', minLength: 1, default: 'Authorization' },
        scheme: { type: 'string', default: 'Bearer', description: "Put before the token; '' sends the token alone (X-Api-Key style)." },
        token: secretSchema('The API token.'),
      },
    },
    records: { ...dotPath, description: 'Dot path of the records array in each body (data.items). Default: the body when it is an array, else its only array-valued field.' },
    pagination: {
      type: 'object',
      description: 'How to get the next page (default: style none, one request).',
      required: ['style'],
      additionalProperties: false,
      properties: {
        style: { enum: [...PAGINATION_STYLES], description: 'none | page (page numbers) | offset (offset+limit) | cursor (next cursor in the body) | link (RFC 5988 Link: rel="next").' },
        pageParam: { ...paramName, default: 'page' },
        sizeParam: { ...paramName, description: 'Page-size parameter (page/link: per_page, cursor: limit), sent when pageSize is set.' },
        pageSize: { type: 'integer', minimum: 1, description: 'Records per page to ask for (offset: default 100; others: the server default).' },
        startPage: { type: 'integer', minimum: 0, default: 1 },
        offsetParam: { ...paramName, default: 'offset' },
        limitParam: { ...paramName, default: 'limit' },
        cursorParam: { ...paramName, default: 'cursor' },
        cursorPath: { ...dotPath, description: 'cursor: dot path of the next cursor in the body (meta.next_cursor); an absolute URL there is fetched as is.' },
        totalPath: { ...dotPath, description: 'page/offset: dot path of the total record count (meta.total); reading stops there, and the stage splits into parallel tasks.' },
        maxPages: { type: 'integer', minimum: 1, description: 'Read at most this many pages.' },
      },
    },
    retries: {
      type: 'object',
      description: 'Retries of a request on 408/429/5xx, network errors and timeouts: exponential backoff with jitter, or what Retry-After asks.',
      additionalProperties: false,
      properties: {
        max: { type: 'integer', minimum: 0, maximum: 20, default: 5 },
        backoffMs: { type: 'integer', minimum: 0, default: 500 },
        maxBackoffMs: { type: 'integer', minimum: 0, default: 30000 },
      },
    },
    rateLimit: {
      type: 'object',
      description: 'A token bucket over every request of the stage.',
      required: ['requestsPerSecond'],
      additionalProperties: false,
      properties: {
        requestsPerSecond: { type: 'number', exclusiveMinimum: 0, description: 'For the whole stage: parallel tasks share it.' },
        burst: { type: 'integer', minimum: 1, default: 1 },
      },
    },
    timeoutMs: { type: 'integer', minimum: 1, default: 30000, description: 'Per request, body included.' },
    schema: { type: 'object', additionalProperties: { enum: [...COLUMN_TYPES] }, description: `Column types by name (${typeNames}); override the types inferred from the first page, and add columns it lacks.` },
    nullValues: { type: 'array', items: { type: 'string' }, description: 'String values read as null.' },
    flatten: { type: 'boolean', default: true, description: 'Nested objects become parent.child columns (one level; deeper values and arrays stay JSON strings). false: every object is a JSON string.' },
    maxTasks: { type: 'integer', minimum: 1, maximum: 256, default: 4, description: 'Parallel tasks at most (page/offset with totalPath).' },
  },
};

function invalid(where: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${where}.${message}`);
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DOT_PATH = /^[^.]+(\.[^.]+)*$/;

function optString(o: Obj, key: string, where: string, fallback: string, allowEmpty = false): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || (!allowEmpty && v === '')) throw invalid(where, `${key}: must be a ${allowEmpty ? '' : 'non-empty '}string, got ${JSON.stringify(v)}`);
  return v;
}

function optInt(o: Obj, key: string, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(where, `${key}: must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${JSON.stringify(v)}`);
  return v;
}

function optPath(o: Obj, key: string, where: string): string | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'string' || !DOT_PATH.test(v)) throw invalid(where, `${key}: must be a dot path like data.items, got ${JSON.stringify(v)}`);
  return v;
}

function optObj(o: Obj, key: string, where: string): Obj {
  const v = o[key];
  if (v === undefined) return {};
  if (!isObj(v)) throw invalid(where, `${key}: must be an object`);
  return v;
}

function checkKeys(o: Obj, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalid(where, `${k}: unknown field; use one of ${allowed.join(', ')}`);
  }
}

const PAGINATION_KEYS = ['style', 'pageParam', 'sizeParam', 'pageSize', 'startPage', 'offsetParam', 'limitParam', 'cursorParam', 'cursorPath', 'totalPath', 'maxPages'] as const;

function resolvePagination(src: Obj, where: string): RestPagination {
  const p = optObj(src, 'pagination', where);
  const pw = `${where}.pagination`;
  checkKeys(p, PAGINATION_KEYS, pw);
  const style = p.style ?? 'none';
  if (!PAGINATION_STYLES.includes(style as PaginationStyle)) throw invalid(pw, `style: use one of ${PAGINATION_STYLES.join(', ')}, got ${JSON.stringify(style)}`);
  const s = style as PaginationStyle;
  const pageSize = optInt(p, 'pageSize', pw, 1);
  const out: RestPagination = {
    style: s,
    pageParam: optString(p, 'pageParam', pw, 'page'),
    sizeParam: optString(p, 'sizeParam', pw, s === 'cursor' ? 'limit' : 'per_page'),
    pageSize: s === 'offset' ? (pageSize ?? 100) : pageSize,
    startPage: optInt(p, 'startPage', pw, 0) ?? 1,
    offsetParam: optString(p, 'offsetParam', pw, 'offset'),
    limitParam: optString(p, 'limitParam', pw, 'limit'),
    cursorParam: optString(p, 'cursorParam', pw, 'cursor'),
    cursorPath: optPath(p, 'cursorPath', pw),
    totalPath: optPath(p, 'totalPath', pw),
    maxPages: optInt(p, 'maxPages', pw, 1),
  };
  if (s === 'cursor' && out.cursorPath === null) throw invalid(pw, 'cursorPath: required with style cursor: the dot path of the next cursor in each body, like meta.next_cursor');
  if (s !== 'cursor' && out.cursorPath !== null) throw invalid(pw, `cursorPath: only for style cursor (this is ${s})`);
  if (out.totalPath !== null && s !== 'page' && s !== 'offset') throw invalid(pw, `totalPath: only for styles page and offset (this is ${s})`);
  return out;
}

function resolveSecretMap(o: Obj, key: string, where: string, scalars: boolean): Record<string, SecretRef> {
  const out: Record<string, SecretRef> = {};
  for (const [name, v] of Object.entries(optObj(o, key, where))) {
    if (scalars && (typeof v === 'number' || typeof v === 'boolean')) out[name] = String(v);
    else if (typeof v === 'string' || isSecretRef(v)) out[name] = v;
    else throw invalid(where, `${key}.${name}: must be a string${scalars ? ', number, boolean' : ''} or a secret ({ env: NAME } or { file: path })`);
  }
  return out;
}

function resolveAuth(src: Obj, where: string): RestAuth | null {
  if (src.auth === undefined) return null;
  const a = optObj(src, 'auth', where);
  const aw = `${where}.auth`;
  checkKeys(a, ['header', 'scheme', 'token'], aw);
  if (!isSecretRef(a.token)) throw invalid(aw, 'token: required, a string or a secret ({ env: NAME } or { file: path })');
  return { header: optString(a, 'header', aw, 'Authorization'), scheme: optString(a, 'scheme', aw, 'Bearer', true), token: a.token };
}

function resolveRetries(src: Obj, where: string): RestRetries {
  const r = optObj(src, 'retries', where);
  const rw = `${where}.retries`;
  checkKeys(r, ['max', 'backoffMs', 'maxBackoffMs'], rw);
  const out = { max: optInt(r, 'max', rw, 0, 20) ?? 5, backoffMs: optInt(r, 'backoffMs', rw, 0) ?? 500, maxBackoffMs: optInt(r, 'maxBackoffMs', rw, 0) ?? 30_000 };
  if (out.maxBackoffMs < out.backoffMs) throw invalid(rw, `maxBackoffMs: must be at least backoffMs (${out.backoffMs}), got ${out.maxBackoffMs}`);
  return out;
}

const SOURCE_KEYS = ['kind', 'url', 'method', 'headers', 'query', 'body', 'auth', 'records', 'pagination', 'retries', 'rateLimit', 'timeoutMs', 'schema', 'nullValues', 'flatten', 'maxTasks'] as const;

/** Checks a rest stage's fields and fills in defaults; `path` is the stage's (`stages[0]`). */
export function resolveRest(stage: StageSpec, path: string, defaultShardRows: number): RestOptions {
  const src = (stage as { source?: unknown }).source;
  const where = `${path}.source`;
  if (!isObj(src)) throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: required, an object with kind: rest and url`);
  checkKeys(src, SOURCE_KEYS, where);
  const url = src.url;
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url)) throw invalid(where, `url: must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  const method = src.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') throw invalid(where, `method: use GET or POST, got ${JSON.stringify(method)}`);
  if (src.body !== undefined && method !== 'POST') throw invalid(where, 'body: only with method: POST');
  const rate = optObj(src, 'rateLimit', where);
  checkKeys(rate, ['requestsPerSecond', 'burst'], `${where}.rateLimit`);
  const rps = rate.requestsPerSecond;
  if (src.rateLimit !== undefined && (typeof rps !== 'number' || !(rps > 0) || !Number.isFinite(rps))) {
    throw invalid(where, `rateLimit.requestsPerSecond: must be a number > 0, got ${JSON.stringify(rps)}`);
  }
  const declared = optObj(src, 'schema', where);
  for (const [name, type] of Object.entries(declared)) {
    if (!COLUMN_TYPES.includes(type as ColumnType)) throw invalid(where, `schema.${name}: use one of ${typeNames}, got ${JSON.stringify(type)}`);
  }
  if (src.nullValues !== undefined && (!Array.isArray(src.nullValues) || src.nullValues.some((v) => typeof v !== 'string'))) throw invalid(where, 'nullValues: must be a list of strings');
  if (src.flatten !== undefined && typeof src.flatten !== 'boolean') throw invalid(where, 'flatten: must be true or false');
  const shardRows = (stage as { shardRows?: unknown }).shardRows ?? defaultShardRows;
  if (typeof shardRows !== 'number' || !Number.isInteger(shardRows) || shardRows < 1) throw invalid(path, `shardRows: must be a whole number ≥ 1, got ${JSON.stringify(shardRows)}`);
  return {
    where,
    url,
    method,
    headers: resolveSecretMap(src, 'headers', where, false),
    query: resolveSecretMap(src, 'query', where, true),
    body: src.body,
    auth: resolveAuth(src, where),
    retries: resolveRetries(src, where),
    requestsPerSecond: typeof rps === 'number' ? rps : null,
    burst: optInt(rate, 'burst', `${where}.rateLimit`, 1) ?? 1,
    timeoutMs: optInt(src, 'timeoutMs', where, 1) ?? 30_000,
    records: optPath(src, 'records', where),
    pagination: resolvePagination(src, where),
    declared: declared as Record<string, ColumnType>,
    nullValues: (src.nullValues as string[] | undefined) ?? [...DEFAULT_NULL_VALUES],
    flatten: (src.flatten as boolean | undefined) ?? true,
    maxTasks: optInt(src, 'maxTasks', where, 1, 256) ?? 4,
    shardRows,
  };
}

/** What every rest task carries (JSON; secrets by reference only). */
export interface RestParams {
  kind: 'rest';
  /** `requestsPerSecond` here is this task's share of the stage's rate. */
  request: RestRequestOptions;
  /** The records path found at plan time (`''`: the body is the array). */
  records: string;
  pagination: RestPagination;
  /** Pages (page style) or offsets (offset style) this task reads; null: the whole walk. */
  range: { start: number; end: number | null } | null;
  /** Records on a full page as the server sent them at plan time. */
  observedSize: number | null;
  schema: SchemaDef;
  nullValues: string[];
  flatten: boolean;
  shardRows: number;
}

/** The request half of resolved options (what a client needs). */
export function requestOptions(opts: RestOptions): RestRequestOptions {
  const { where, url, method, headers, query, body, auth, retries, requestsPerSecond, burst, timeoutMs } = opts;
  return { where, url, method, headers, query, body, auth, retries, requestsPerSecond, burst, timeoutMs };
}
