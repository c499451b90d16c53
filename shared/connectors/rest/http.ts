/**
 * The HTTP side of the rest source: one JSON request at a time through Node's built-in fetch,
 * with a per-request timeout (body included), a shared token bucket, and retries with
 * exponential backoff and jitter on 408/429/5xx, network errors and timeouts, honouring
 * `Retry-After`. Other 4xx fail at once; a body that is not JSON fails with INPUT_INVALID
 * (a body that claims to be JSON but does not parse is retried once first: proxies and
 * overloaded servers sometimes cut bodies short).
 *
 * Secrets (auth token, secret headers and query values) are resolved here, in the process that
 * makes the requests; messages never show them (secret query values print as ***).
 *
 * ```ts
 * const client = new RestClient(opts, { limiter: new TokenBucket({ perSecond: 5 }) });
 * const { body } = await client.getJson(client.urlFor(opts.url, { page: '2' }));
 * ```
 */
import { setTimeout as delay } from 'node:timers/promises';
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import { describeSecret, resolveSecret } from '../secrets.js';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import type { TokenBucket } from './rate-limit.js';
import type { RestRequestOptions } from './spec.js';

const log = logger('source.rest');

export interface RestClientOptions {
  limiter?: TokenBucket | null;
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
}

export interface JsonResponse {
  /** The URL as shown in messages (secret query values masked). */
  shown: string;
  status: number;
  headers: Headers;
  body: unknown;
}

/** What the client did, for the task's stats. */
export interface RequestStats {
  requests: number;
  retries: number;
  /** Milliseconds spent waiting before retries. */
  waitedMs: number;
}

/** A failed attempt that may pass on a later one. */
interface Transient {
  kind: 'transient';
  reason: string;
  badJson?: boolean;
  timeout: boolean;
  retryAfterMs: number | null;
}

const SNIPPET = 100;

/** Redirects followed per request. */
const MAX_REDIRECTS = 5;

function snippet(text: string): string {
  return JSON.stringify(text.length > SNIPPET ? `${text.slice(0, SNIPPET)}...` : text);
}

function statusText(res: Response): string {
  return `${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}`;
}

export class RestClient {
  readonly stats: RequestStats = { requests: 0, retries: 0, waitedMs: 0 };
  private readonly opts: RestRequestOptions;
  private readonly origin: string;
  private readonly headers: Headers;
  private readonly authHeaders: Headers;
  private readonly query: [string, string][];
  private readonly secretParams: Set<string>;
  private readonly secrets: string[];
  private readonly limiter: TokenBucket | null;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly random: () => number;

  constructor(opts: RestRequestOptions, options: RestClientOptions = {}) {
    this.opts = opts;
    this.origin = new URL(opts.url).origin;
    this.limiter = options.limiter ?? null;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.random = options.random ?? Math.random;
    const env = options.env ?? process.env;
    this.secrets = [];
    const reveal = (ref: Parameters<typeof resolveSecret>[0], field: string): string => {
      const v = resolveSecret(ref, `${opts.where}.${field}`, env);
      if (typeof ref !== 'string' && v.length >= 4) this.secrets.push(v);
      return v;
    };
    this.headers = new Headers({ accept: 'application/json' });
    if (opts.method === 'POST') this.headers.set('content-type', 'application/json');
    // Checked one by one so the error names the field; never quote the value (it may be a secret).
    const add = (h: Headers, name: string, value: string, field: string): void => {
      try {
        h.set(name, value);
      } catch {
        throw QuiverError.nonRetryable('SPEC_INVALID', `${opts.where}.${field}: not a valid HTTP header ${/^[!#$%&'*+.^`|~\w-]+$/.test(name) ? 'value' : `name (${JSON.stringify(name)})`}; check it for line breaks or other control characters (a secret file with a stray newline?)`);
      }
    };
    const secretHeaders: [string, string][] = [];
    for (const [name, ref] of Object.entries(opts.headers)) {
      const value = reveal(ref, `headers.${name}`);
      if (typeof ref === 'string') add(this.headers, name, value, `headers.${name}`);
      else secretHeaders.push([name, value]);
    }
    // Auth and secret headers go only to the origin of `url` (not to a next link on another host).
    this.authHeaders = new Headers(this.headers);
    for (const [name, value] of secretHeaders) add(this.authHeaders, name, value, `headers.${name}`);
    if (opts.auth !== null) {
      const token = reveal(opts.auth.token, 'auth.token');
      if (typeof opts.auth.token === 'string' && token.length >= 4) this.secrets.push(token);
      add(this.authHeaders, opts.auth.header, opts.auth.scheme === '' ? token : `${opts.auth.scheme} ${token}`, 'auth');
    }
    this.secretParams = new Set(Object.entries(opts.query).filter(([, ref]) => typeof ref !== 'string').map(([k]) => k));
    this.query = Object.entries(opts.query).map(([k, ref]) => [k, reveal(ref, `query.${k}`)]);
  }

  /** `base` with the spec's query and `params` set (params win; the spec's query only where missing on other URLs). */
  urlFor(base: string, params: Record<string, string> = {}): string {
    const u = new URL(base);
    const sameOrigin = u.origin === this.origin;
    for (const [k, v] of this.query) if (sameOrigin && !u.searchParams.has(k)) u.searchParams.set(k, v);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** The URL for messages: secret query values masked. */
  show(url: string): string {
    if (this.secretParams.size === 0) return url;
    const u = new URL(url);
    for (const k of this.secretParams) if (u.searchParams.has(k)) u.searchParams.set(k, '***');
    return u.toString().replace(/=%2A%2A%2A/g, '=***');
  }

  /** `text` with every resolved secret replaced by ***. */
  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }

  private authHint(): string {
    const a = this.opts.auth;
    if (a === null) return `the API wants credentials: set ${this.opts.where}.auth.token`;
    return `check the token in ${this.opts.where}.auth.token (from ${describeSecret(a.token)}): is it valid, unexpired, and allowed to read this API?`;
  }

  /** Fetches `url` and parses its JSON body, retrying transient failures. */
  async getJson(url: string): Promise<JsonResponse> {
    const shown = this.show(url);
    const { retries } = this.opts;
    let badJsonRetried = false;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(url, shown, badJsonRetried);
      if (!('kind' in outcome)) return outcome;
      if (outcome.badJson === true) badJsonRetried = true;
      if (attempt >= retries.max) {
        const tries = `${attempt + 1} attempt${attempt === 0 ? '' : 's'}`;
        throw QuiverError.retryable(outcome.timeout ? 'TIMEOUT' : 'SOURCE_FAILED', `${this.opts.where}: ${this.opts.method} ${shown} failed after ${tries}; last: ${outcome.reason}. Check the API's health, or raise ${this.opts.where}.retries.max / timeoutMs`, {
          details: { url: shown },
        });
      }
      let wait = outcome.retryAfterMs ?? backoffDelay(attempt, retries, this.random);
      if (outcome.retryAfterMs !== null && outcome.retryAfterMs > retries.maxBackoffMs) {
        throw QuiverError.retryable('SOURCE_FAILED', `${this.opts.where}: ${this.opts.method} ${shown}: the server asked to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s (Retry-After), more than retries.maxBackoffMs (${retries.maxBackoffMs}); raise it, or lower rateLimit.requestsPerSecond`, {
          details: { url: shown },
        });
      }
      wait = Math.max(0, wait);
      log.warn({ url: shown, attempt: attempt + 1, waitMs: wait, reason: outcome.reason }, 'rest request failed; retrying');
      this.stats.retries++;
      this.stats.waitedMs += wait;
      if (wait > 0) await this.sleep(wait);
    }
  }

  /**
   * Fetches `url`, following redirects by hand (at most MAX_REDIRECTS): auth and secret headers
   * go only to the origin of the spec's `url`, so a redirect to another host never receives them
   * (fetch itself would forward custom headers such as X-Api-Key).
   */
  private async follow(url: string, signal: AbortSignal): Promise<Response> {
    const { method } = this.opts;
    let target = url;
    // 307/308 repeat the request as it was; 301/302/303 turn a POST into a GET without body.
    let verb: string = method;
    for (let hop = 0; ; hop++) {
      const headers = new URL(target).origin === this.origin ? this.authHeaders : this.headers;
      const body = verb === 'POST' ? JSON.stringify(this.opts.body ?? {}) : undefined;
      const res = await fetch(target, { method: verb, headers, body, signal, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) return res;
      if (res.status !== 307 && res.status !== 308) verb = 'GET';
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw QuiverError.nonRetryable('INPUT_INVALID', `${this.opts.where}: ${method} ${this.show(url)} redirected more than ${MAX_REDIRECTS} times (last to ${this.show(new URL(location, target).toString())}); check url`);
      }
      target = new URL(location, target).toString();
    }
  }

  private async attempt(url: string, shown: string, badJsonRetried: boolean): Promise<JsonResponse | Transient> {
    await this.limiter?.take();
    this.stats.requests++;
    const { method, timeoutMs, where } = this.opts;
    let res: Response;
    let text: string;
    try {
      res = await this.follow(url, AbortSignal.timeout(timeoutMs));
      text = await res.text();
    } catch (err) {
      if (err instanceof QuiverError) throw err;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { kind: 'transient', reason: `no complete response within ${timeoutMs} ms (timeoutMs)`, timeout: true, retryAfterMs: null };
      const cause = e.cause === undefined ? '' : ` (${[e.cause.code, e.cause.message].filter((x) => x !== undefined).join(': ')})`;
      return { kind: 'transient', reason: `network error: ${e.message}${cause}`, timeout: false, retryAfterMs: null };
    }
    const ct = res.headers.get('content-type') ?? '';
    const about = (): string => this.scrub(snippet(text));
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      return { kind: 'transient', reason: `${statusText(res)}, body ${about()}`, timeout: false, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
    }
    if (res.status === 401 || res.status === 403) {
      throw QuiverError.nonRetryable('UNAUTHORIZED', `${where}: ${method} ${shown} was refused with ${statusText(res)} (body ${about()}); ${this.authHint()}`, { details: { url: shown, status: res.status } });
    }
    if (res.status === 404) {
      throw QuiverError.nonRetryable('NOT_FOUND', `${where}.url: ${method} ${shown} returned 404 Not Found (body ${about()}); check url, query and the pagination parameters`, { details: { url: shown, status: 404 } });
    }
    if (res.status < 200 || res.status >= 300) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `${where}: ${method} ${shown} returned ${statusText(res)} (body ${about()}); check url, query, headers and the pagination parameters`, { details: { url: shown, status: res.status } });
    }
    try {
      return { shown, status: res.status, headers: res.headers, body: JSON.parse(text) as unknown };
    } catch (err) {
      const jsonish = ct === '' || /json/i.test(ct);
      const kind = ct === '' ? 'no content type' : `content-type ${ct}`;
      if (jsonish && !badJsonRetried) return { kind: 'transient', badJson: true, reason: `bad JSON (${(err as Error).message}), ${kind}, body ${about()}`, timeout: false, retryAfterMs: null };
      const hint = jsonish
        ? 'the body was broken JSON twice (retried once); check the API'
        : /html/i.test(ct)
          ? 'an HTML page usually means a wrong url, a login page or a proxy error page; check url and auth'
          : 'the source reads JSON APIs only; check url';
      const why = jsonish ? `not valid JSON (${(err as Error).message})` : 'not JSON';
      throw QuiverError.nonRetryable('INPUT_INVALID', `${where}: ${method} ${shown} returned ${res.status} with ${kind}, ${why}; body starts ${about()}; ${hint}`, {
        details: { url: shown, status: res.status, contentType: ct },
      });
    }
  }
}
