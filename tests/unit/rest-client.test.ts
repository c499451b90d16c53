/**
 * The rest client's handling of secrets and URLs, with no servers: secrets resolve from the
 * environment with errors naming the field, secret query values are masked in shown URLs, and
 * bad header values are a spec error.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { isErrorCode } from '../../shared/errors.js';
import { RestClient } from '../../shared/connectors/rest/http.js';
import { requestOptions, resolveRest } from '../../shared/connectors/rest/spec.js';

const options = (source: Record<string, unknown>) => requestOptions(resolveRest({ id: 's', op: 'ingest', source: { kind: 'rest', ...source } }, 'stages[0]', 10));

test('urls: the spec query is added, pagination params win, secret values are masked when shown', () => {
  const client = new RestClient(options({ url: 'https://api.x/v1/u?fixed=1', query: { key: { env: 'API_KEY' }, n: 5 } }), { env: { API_KEY: 'sekrit-key' } });
  const url = client.urlFor('https://api.x/v1/u?fixed=1', { page: '3', n: '7' });
  assert.equal(url, 'https://api.x/v1/u?fixed=1&key=sekrit-key&n=7&page=3');
  assert.equal(client.show(url), 'https://api.x/v1/u?fixed=1&key=***&n=7&page=3');
  // A next URL from the server keeps its own params; the spec's query fills in only what is missing, and only on the same origin.
  assert.equal(client.urlFor('https://api.x/v1/u?page=4&key=given'), 'https://api.x/v1/u?page=4&key=given&n=5');
  assert.equal(client.urlFor('https://cdn.other/v1/u?page=4'), 'https://cdn.other/v1/u?page=4');
});

test('a secret that is not set is SPEC_INVALID naming the field and the variable', () => {
  assert.throws(
    () => new RestClient(options({ url: 'https://api.x/v1/u', auth: { token: { env: 'NO_SUCH_TOKEN_VAR' } } }), { env: {} }),
    (e: unknown) => isErrorCode(e, 'SPEC_INVALID') && /^stages\[0\]\.source\.auth\.token: environment variable NO_SUCH_TOKEN_VAR is not set/.test((e as Error).message),
  );
  assert.throws(
    () => new RestClient(options({ url: 'https://api.x/v1/u', headers: { 'X-Key': { env: 'K' } } }), { env: {} }),
    /^QuiverError: stages\[0\]\.source\.headers\.X-Key: environment variable K is not set/,
  );
});

test('a token with a stray newline is a spec error, not a retried network error', () => {
  assert.throws(
    () => new RestClient(options({ url: 'https://api.x/v1/u', auth: { token: { env: 'T' } } }), { env: { T: 'abc\ndef' } }),
    (e: unknown) => isErrorCode(e, 'SPEC_INVALID') && /^stages\[0\]\.source\.auth: not a valid HTTP header value; check it for line breaks/.test((e as Error).message) && !(e as Error).message.includes('abc'),
  );
  assert.throws(() => new RestClient(options({ url: 'https://api.x/v1/u', headers: { 'Bad Name': 'v' } }), { env: {} }), /stages\[0\]\.source\.headers\.Bad Name: not a valid HTTP header name \("Bad Name"\)/);
});

test('redirects: auth and secret headers reach only the spec url\'s origin; too many redirects is an error', async () => {
  const seen: Array<{ server: string; path: string; auth: string | undefined; key: string | undefined }> = [];
  const listen = (name: string, handler: (path: string, res: ServerResponse) => void) =>
    new Promise<{ url: string; close(): void }>((resolve) => {
      const srv = createServer((req, res) => {
        seen.push({ server: name, path: req.url ?? '', auth: req.headers.authorization, key: req.headers['x-api-key'] as string | undefined });
        handler(req.url ?? '', res);
      });
      srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, close: () => srv.close() }));
    });
  const other = await listen('other', (_p, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[{"a":1}]'));
  const api = await listen('api', (path, res) => {
    if (path === '/same') res.writeHead(302, { location: '/final' }).end();
    else if (path === '/away') res.writeHead(302, { location: `${other.url}/data` }).end();
    else if (path === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('[{"a":2}]');
  });
  try {
    const client = new RestClient(options({ url: `${api.url}/same`, headers: { 'X-Api-Key': { env: 'K' } }, auth: { token: { env: 'T' } } }), { env: { K: 'key-1234', T: 'tok-5678' } });
    assert.deepEqual((await client.getJson(`${api.url}/same`)).body, [{ a: 2 }]);
    assert.deepEqual((await client.getJson(`${api.url}/away`)).body, [{ a: 1 }]);
    const toApi = seen.filter((s) => s.server === 'api');
    assert.ok(toApi.every((s) => s.auth === 'Bearer tok-5678' && s.key === 'key-1234'), 'the API origin gets its credentials, also after a same-origin redirect');
    assert.deepEqual(seen.filter((s) => s.server === 'other').map((s) => [s.auth, s.key]), [[undefined, undefined]], 'another origin gets neither the token nor the secret header');
    await assert.rejects(client.getJson(`${api.url}/loop`), (e: unknown) => isErrorCode(e, 'INPUT_INVALID') && /redirected more than 5 times/.test((e as Error).message));
  } finally {
    api.close();
    other.close();
  }
});
