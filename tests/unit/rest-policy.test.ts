/**
 * The rest source's request policy, with no servers: backoff with jitter, Retry-After parsing,
 * the token bucket (on a fake clock) and Link-header parsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, parseRetryAfter } from '../../shared/connectors/rest/backoff.js';
import { parseLinkHeader } from '../../shared/connectors/rest/link-header.js';
import { TokenBucket } from '../../shared/connectors/rest/rate-limit.js';

test('backoff doubles from backoffMs, caps at maxBackoffMs, and jitters into [base/2, base]', () => {
  const opts = { backoffMs: 500, maxBackoffMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, opts, () => 1)), [500, 1000, 2000, 4000]);
  assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, opts, () => 0)), [250, 500, 1000, 2000]);
  assert.equal(backoffDelay(10, opts, () => 1), 30_000);
  assert.equal(backoffDelay(100, opts, () => 0), 15_000);
  assert.equal(backoffDelay(3, opts, () => 0.5), 3000);
});

test('Retry-After: seconds, an HTTP date, or nothing usable', () => {
  assert.equal(parseRetryAfter('120'), 120_000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter('1.5'), 1500);
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 11:00:00 GMT', now), 0, 'a date in the past: go now');
  assert.equal(parseRetryAfter('Monday, 01-Jan-24 12:01:00 GMT', now), 60_000, 'RFC 850 form');
  for (const bad of [null, undefined, '', '-5', 'soon', '12abc']) assert.equal(parseRetryAfter(bad, now), null, String(bad));
});

function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1000;
  const slept: number[] = [];
  return {
    now: () => t,
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

test('token bucket: N takes at R/s span (N-1)/R seconds; callers queue in order', async () => {
  const clock = fakeClock();
  const bucket = new TokenBucket({ perSecond: 4, now: clock.now, sleep: clock.sleep });
  const times: number[] = [];
  await Promise.all(Array.from({ length: 9 }, () => bucket.take().then(() => times.push(clock.now()))));
  assert.equal(times.length, 9);
  assert.equal(times[0], 1000, 'the first goes at once');
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 250, `gap ${i}: ${times[i]! - times[i - 1]!}`);
  assert.equal(times[8]! - times[0]!, 2000);
});

test('token bucket: a burst goes at once after a quiet spell, then the rate holds', async () => {
  const clock = fakeClock();
  const bucket = new TokenBucket({ perSecond: 10, burst: 3, now: clock.now, sleep: clock.sleep });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    await bucket.take();
    times.push(clock.now());
  }
  assert.deepEqual(times, [1000, 1000, 1000, 1100, 1200]);
  assert.throws(() => new TokenBucket({ perSecond: 0 }), /perSecond must be a number > 0/);
  assert.throws(() => new TokenBucket({ perSecond: 1, burst: 0.5 }), /burst must be a whole number/);
});

test('Link header: rel values (several per link too), quoted commas, first link of a rel wins', () => {
  const links = parseLinkHeader('<https://api.x/v1/u?page=3&per_page=2>; rel="next", <https://api.x/v1/u?page=1>; rel="first prev"; title="a, b", <https://api.x/v1/u?page=9>; rel=last, <https://other/next>; rel="next"');
  assert.equal(links.get('next'), 'https://api.x/v1/u?page=3&per_page=2');
  assert.equal(links.get('first'), 'https://api.x/v1/u?page=1');
  assert.equal(links.get('prev'), 'https://api.x/v1/u?page=1');
  assert.equal(links.get('last'), 'https://api.x/v1/u?page=9');
  assert.equal(parseLinkHeader('</v1/link?page=2>; REL="Next"').get('next'), '/v1/link?page=2');
  assert.equal(parseLinkHeader(null).size, 0);
  assert.equal(parseLinkHeader('garbage').size, 0);
});
