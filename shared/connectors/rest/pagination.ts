/**
 * Walking an API's pages, one style each:
 *  - `none`: one request;
 *  - `page`: `?page=N` from startPage (or a task's range start) until an empty page, the range
 *    end, or the total (`totalPath`) is reached (pages counted at the size the server sends);
 *  - `offset`: `?offset=O&limit=L`, O advancing by the records received, same stops;
 *  - `cursor`: the next cursor from the body (`cursorPath`) goes into `?cursor=` (or, when it is
 *    an absolute URL, is fetched as is) until it is missing, null or '' (empty pages in between
 *    are followed);
 *  - `link`: the `Link: <...>; rel="next"` header until there is none.
 * Loops are caught: a page with the same records as the one before (page/offset: the API
 * ignores the parameter) or a cursor/next URL seen before fails with INPUT_INVALID.
 *
 * ```ts
 * const state = newWalkState();
 * for await (const page of walkPages(client, { ...opts, range: null, observedSize: null }, state)) use(page.records);
 * ```
 */
import { createHash } from 'node:crypto';
import { QuiverError } from '../../errors.js';
import type { RestClient } from './http.js';
import { parseLinkHeader } from './link-header.js';
import { getPath, recordsOf, recordsPathOf } from './records.js';
import type { RestPagination } from './spec.js';

/** Pages (page style) or offsets (offset style) [start, end) a task reads; end null: to the last. */
export interface PageRange {
  start: number;
  end: number | null;
}

export interface WalkOptions {
  where: string;
  url: string;
  /** Records path as configured (null: found from the first body). */
  records: string | null;
  pagination: RestPagination;
  range: PageRange | null;
  /** Records per full page as seen at plan time (page style without pageSize); for the total check. */
  observedSize: number | null;
}

export interface Page {
  /** 1-based: the API's page number (page style) or the page's place in the walk. */
  number: number;
  /** Its URL as shown in messages. */
  url: string;
  records: unknown[];
  body: unknown;
}

export interface WalkState {
  pages: number;
  /** Stopped by maxPages with more pages to go. */
  truncated: boolean;
  /** The records path in use (found from the first body when not configured). */
  recordsPath: string | null;
  /** Total records as the last body said (totalPath), or null. */
  total: number | null;
}

export function newWalkState(): WalkState {
  return { pages: 0, truncated: false, recordsPath: null, total: null };
}

export function totalOf(body: unknown, path: string, where: string, url: string): number {
  const v = getPath(body, path);
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.pagination.totalPath: "${path}" in the body of ${url} is ${JSON.stringify(v) ?? 'missing'}, not a record count; check totalPath`);
  }
  return n;
}

function digest(records: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(records)).digest('base64');
}

/** The next cursor in `body`, or null at the end. */
function cursorOf(body: unknown, path: string, where: string, url: string): string | null {
  const v = getPath(body, path);
  if (v === undefined || v === null || v === '' || v === false) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.pagination.cursorPath: "${path}" in the body of ${url} is ${JSON.stringify(v).slice(0, 100)}, not a cursor (a string or number); check cursorPath`);
}

/** The pages of a walk, in order. Fills `state` as it goes. */
export async function* walkPages(client: RestClient, opts: WalkOptions, state: WalkState): AsyncGenerator<Page> {
  const p = opts.pagination;
  const { where } = opts;
  const size: Record<string, string> = p.pageSize === null || p.style === 'offset' ? {} : { [p.sizeParam]: String(p.pageSize) };
  let pageNo = opts.range?.start ?? p.startPage;
  let offset = opts.range?.start ?? 0;
  const end = opts.range?.end ?? null;
  let url: string;
  if (p.style === 'page') url = client.urlFor(opts.url, { [p.pageParam]: String(pageNo), ...size });
  else if (p.style === 'offset') url = client.urlFor(opts.url, { [p.offsetParam]: String(offset), [p.limitParam]: String(p.pageSize!) });
  else url = client.urlFor(opts.url, size);
  // Records per full page as the server sends them (it may cap pageSize): for the total check.
  let biggest = opts.observedSize ?? 0;
  let previous: string | null = null;
  const seen = new Set<string>();

  for (;;) {
    if (p.maxPages !== null && state.pages >= p.maxPages) {
      state.truncated = true;
      return;
    }
    if (p.style === 'offset') {
      const limit = end === null ? p.pageSize! : Math.min(p.pageSize!, end - offset);
      url = client.urlFor(opts.url, { [p.offsetParam]: String(offset), [p.limitParam]: String(limit) });
    }
    const res = await client.getJson(url);
    state.recordsPath ??= recordsPathOf(res.body, opts.records, where, res.shown);
    const records = recordsOf(res.body, state.recordsPath, where, res.shown);
    state.pages++;
    const number = p.style === 'page' ? pageNo : p.style === 'offset' ? Math.floor(offset / (biggest > 0 ? biggest : p.pageSize!)) + 1 : state.pages;
    yield { number, url: res.shown, records, body: res.body };
    if (p.style === 'none' || (records.length === 0 && (p.style === 'page' || p.style === 'offset'))) return;
    if (p.totalPath !== null) state.total = totalOf(res.body, p.totalPath, where, res.shown);

    if (p.style === 'page' || p.style === 'offset') {
      const hash = digest(records);
      if (hash === previous) {
        const param = p.style === 'page' ? 'pageParam' : 'offsetParam';
        throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.pagination.${param}: ${res.shown} returned the same records as the page before; the API seems to ignore "${p.style === 'page' ? p.pageParam : p.offsetParam}": check the parameter names`);
      }
      previous = hash;
      biggest = Math.max(biggest, records.length);
    }
    if (p.style === 'page') {
      if (state.total !== null && biggest > 0 && (pageNo - p.startPage + 1) * biggest >= state.total) return;
      pageNo++;
      if (end !== null && pageNo >= end) return;
      url = client.urlFor(opts.url, { [p.pageParam]: String(pageNo), ...size });
    } else if (p.style === 'offset') {
      offset += records.length;
      if (state.total !== null && offset >= state.total) return;
      if (end !== null && offset >= end) return;
    } else if (p.style === 'cursor') {
      const cursor = cursorOf(res.body, p.cursorPath!, where, res.shown);
      if (cursor === null) return;
      if (seen.has(cursor)) throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.pagination.cursorPath: ${res.shown} returned cursor ${JSON.stringify(cursor.slice(0, 100))} again; the API is looping: check cursorParam and cursorPath`);
      seen.add(cursor);
      url = /^https?:\/\//i.test(cursor) ? client.urlFor(cursor) : client.urlFor(opts.url, { [p.cursorParam]: cursor, ...size });
    } else {
      const next = parseLinkHeader(res.headers.get('link')).get('next');
      if (next === undefined) return;
      const resolved = new URL(next, url).toString();
      if (seen.has(resolved) || resolved === url) throw QuiverError.nonRetryable('INPUT_INVALID', `${where}.pagination: ${res.shown} links to ${client.show(resolved)} as next again; the API is looping`);
      seen.add(url);
      url = client.urlFor(resolved);
    }
  }
}
