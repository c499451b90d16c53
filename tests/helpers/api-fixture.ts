/**
 * A real HTTP server (node:http, random port) serving a generated loyalty dataset as a JSON API
 * under every pagination style, checking a bearer token, and misbehaving on request: status
 * codes (500, 429 with Retry-After...), slow responses, broken JSON, an HTML page with 200, a
 * connection reset. It records every request (arrival and response times, status, fault) so
 * tests can assert that retries happened and how long they waited.
 *
 * ```ts
 * const api = await startApiFixture({ records: 2500 });
 * after(() => api.close());
 * api.inject((r) => r.path === '/v1/page' && r.query.get('page') === '3', { kind: 'status', status: 500 }, 2);
 * // source: { kind: rest, url: `${api.url}/v1/page`, auth: { token: api.token }, ... }
 * assert.equal(api.count((r) => r.path === '/v1/page'), 27);
 * ```
 *
 * Routes (all need `Authorization: Bearer <token>`; 401 otherwise):
 *  - `/v1/page?page=N&per_page=M`   → `{ data: { items }, meta: { page, per_page, total } }` (page from 1; per_page capped at maxPageSize)
 *  - `/v1/offset?offset=O&limit=L`  → `{ results, total }`
 *  - `/v1/cursor?cursor=C&limit=L`  → `{ items, meta: { next_cursor } }` (opaque cursor; null at the end)
 *  - `/v1/link?page=N&per_page=M`   → a bare array, `Link: </v1/link?page=N+1&per_page=M>; rel="next", <...>; rel="last"`
 *  - `/v1/all`                      → `{ customers, count }` (everything at once)
 *  - `/v1/ignores-page`             → page 1 whatever `page` says, with a total (a broken API)
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoyaltyRecord {
  customer_id: number;
  tier: string;
  points: number;
  joined: string;
  contact: { email: string; country: string };
  tags: string[];
}

const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const COUNTRIES = ['NO', 'SE', 'DK', 'FI', 'IS', 'DE'];

/** `n` deterministic records; customer_id 1..n. */
export function loyaltyRecords(n: number): LoyaltyRecord[] {
  const out: LoyaltyRecord[] = [];
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const day0 = Date.UTC(2015, 0, 1);
  for (let i = 1; i <= n; i++) {
    const joined = new Date(day0 + Math.floor(rand() * 3650) * 86_400_000).toISOString().slice(0, 10);
    out.push({
      customer_id: i,
      tier: TIERS[Math.floor(rand() * TIERS.length)]!,
      points: Math.floor(rand() * 100_000),
      joined,
      contact: { email: `c${i}@example.com`, country: COUNTRIES[i % COUNTRIES.length]! },
      tags: i % 7 === 0 ? ['vip', `t${i % 3}`] : [],
    });
  }
  return out;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'bad-json' }
  | { kind: 'html' }
  | { kind: 'reset' };

export interface FixtureRequest {
  /** 1-based order of arrival. */
  n: number;
  /** performance.now() when the request arrived, and when its response was sent (null: none). */
  at: number;
  doneAt: number | null;
  path: string;
  query: URLSearchParams;
  authorized: boolean;
  status: number | null;
  fault: Fault['kind'] | null;
}

export interface ApiFixtureOptions {
  /** Records served. Default 2500. */
  records?: number;
  token?: string;
  /** Page size when the client sends none. Default 100. */
  defaultPageSize?: number;
  /** Largest page size served (a bigger request gets this many). Default 250. */
  maxPageSize?: number;
  /** Values replaced in the served records, by 0-based index (to make records that do not fit a type). */
  corrupt?: ReadonlyArray<{ index: number; patch: Record<string, unknown> }>;
}

export interface ApiFixture {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  /** The records as generated (before `corrupt`). */
  records: LoyaltyRecord[];
  requests: FixtureRequest[];
  /** The next `times` requests matching `match` get `fault` (checked in injection order). */
  inject(match: (r: FixtureRequest) => boolean, fault: Fault, times?: number): void;
  count(match?: (r: FixtureRequest) => boolean): number;
  /** Forgets recorded requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

interface Injection {
  match: (r: FixtureRequest) => boolean;
  fault: Fault;
  left: number;
}

const HTML = '<!DOCTYPE html><html><head><title>Sign in - Example SSO</title></head><body><form action="/login">Please sign in</form></body></html>';

function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const v = q.get(name);
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
const decodeCursor = (c: string | null): number => (c === null ? 0 : Number(Buffer.from(c, 'base64url').toString().slice(2)) || 0);

export async function startApiFixture(options: ApiFixtureOptions = {}): Promise<ApiFixture> {
  const records = loyaltyRecords(options.records ?? 2500);
  const served: unknown[] = records.map((r) => ({ ...r }));
  for (const c of options.corrupt ?? []) served[c.index] = { ...(served[c.index] as object), ...c.patch };
  const token = options.token ?? `tok-${Math.random().toString(36).slice(2)}`;
  const defaultSize = options.defaultPageSize ?? 100;
  const maxSize = options.maxPageSize ?? 250;
  const requests: FixtureRequest[] = [];
  let injections: Injection[] = [];
  let base = '';

  const send = (res: ServerResponse, rec: FixtureRequest, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    rec.status = status;
    rec.doneAt = performance.now();
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const route = (res: ServerResponse, rec: FixtureRequest): void => {
    const q = rec.query;
    const total = served.length;
    switch (rec.path) {
      case '/v1/page': {
        const size = Math.min(maxSize, intParam(q, 'per_page', defaultSize) || defaultSize);
        const page = Math.max(1, intParam(q, 'page', 1));
        send(res, rec, 200, { data: { items: served.slice((page - 1) * size, page * size) }, meta: { page, per_page: size, total } });
        return;
      }
      case '/v1/offset': {
        const limit = Math.min(maxSize, intParam(q, 'limit', defaultSize) || defaultSize);
        const offset = intParam(q, 'offset', 0);
        send(res, rec, 200, { results: served.slice(offset, offset + limit), total });
        return;
      }
      case '/v1/cursor': {
        const limit = Math.min(maxSize, intParam(q, 'limit', defaultSize) || defaultSize);
        const offset = decodeCursor(q.get('cursor'));
        const next = offset + limit < total ? encodeCursor(offset + limit) : null;
        send(res, rec, 200, { items: served.slice(offset, offset + limit), meta: { next_cursor: next } });
        return;
      }
      case '/v1/link': {
        const size = Math.min(maxSize, intParam(q, 'per_page', defaultSize) || defaultSize);
        const page = Math.max(1, intParam(q, 'page', 1));
        const last = Math.max(1, Math.ceil(total / size));
        const links = [`<${base}/v1/link?page=1&per_page=${size}>; rel="first"`, `<${base}/v1/link?page=${last}&per_page=${size}>; rel="last"`];
        if (page < last) links.unshift(`</v1/link?page=${page + 1}&per_page=${size}>; rel="next"`);
        send(res, rec, 200, served.slice((page - 1) * size, page * size), { link: links.join(', ') });
        return;
      }
      case '/v1/all':
        send(res, rec, 200, { customers: served, count: total });
        return;
      case '/v1/ignores-page':
        send(res, rec, 200, { data: { items: served.slice(0, defaultSize) }, meta: { total } });
        return;
      default:
        send(res, rec, 404, { error: `no route ${rec.path}` });
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? '/', base);
    const rec: FixtureRequest = {
      n: requests.length + 1,
      at: performance.now(),
      doneAt: null,
      path: u.pathname,
      query: u.searchParams,
      authorized: req.headers.authorization === `Bearer ${token}`,
      status: null,
      fault: null,
    };
    requests.push(rec);
    res.on('error', () => undefined);
    const inj = injections.find((i) => i.left > 0 && i.match(rec));
    if (inj !== undefined) {
      inj.left--;
      rec.fault = inj.fault.kind;
      const f = inj.fault;
      switch (f.kind) {
        case 'status':
          send(res, rec, f.status, { error: `injected ${f.status}` }, f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter });
          return;
        case 'slow':
          setTimeout(() => {
            if (!res.destroyed) route(res, rec);
          }, f.ms).unref();
          return;
        case 'bad-json':
          rec.status = 200;
          rec.doneAt = performance.now();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"data": {"items": [{"customer_id": 1, "tier": "go');
          return;
        case 'html':
          rec.status = 200;
          rec.doneAt = performance.now();
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(HTML);
          return;
        case 'reset':
          req.socket.resetAndDestroy();
          return;
      }
    }
    if (!rec.authorized) {
      send(res, rec, 401, { error: 'invalid or missing bearer token' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    route(res, rec);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    token,
    records,
    requests,
    inject(match, fault, times = 1) {
      injections.push({ match, fault, left: times });
    },
    count(match) {
      return match === undefined ? requests.length : requests.filter(match).length;
    },
    reset() {
      requests.length = 0;
      injections = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
