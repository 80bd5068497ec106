// The retry edges of the credential providers' HTTP: which failures are retried, how long it
// waits, and the two bounds (4 attempts, 20 s), with a fake clock so nothing really sleeps.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import nock from 'nock';
import {
  backoffDelay,
  DEFAULT_RETRY,
  requestWithRetry,
  UserError,
  type HttpClock,
  type HttpRequest,
  type Transport,
} from '@depot-actions/core';
// Provider implementations are not exported (they load lazily behind the provider objects).
import { exchangeGitHubToken } from '../src/credentials/github-exchange';
import { publicForkToken } from '../src/credentials/github-public';

// nock 15's fetch interception (@mswjs/interceptors) calls Promise.withResolvers, which Node 20 lacks.
if (!('withResolvers' in Promise)) {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

const HOST = 'https://auth.example.test';
const REQUEST: HttpRequest = {
  url: `${HOST}/token`,
  method: 'POST',
  json: { token: 'x' },
  what: 'the test exchange',
};

/** A clock that only moves when the code sleeps (or a test advances it); records every wait. */
function fakeClock(random = 0.5): HttpClock & { sleeps: number[]; advance(ms: number): void } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
    sleeps,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A transport that answers every request at once with `status` (as a server would, without a socket). */
const answering =
  (status: number, onRequest: () => void = () => {}): Transport =>
  async () => {
    onRequest();
    return {
      status,
      headers: {},
      body: (async function* () {
        yield Buffer.from('{}');
      })(),
      cancel: () => {},
    };
  };

/** A transport whose requests never get an answer (a server that accepts and then hangs). */
const hanging: Transport = () => new Promise(() => {});

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
});
// nock patches process-wide state that outlives this file's module registry: undo it, or later
// test files in this jest worker cannot reach their local servers.
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe('requestWithRetry', () => {
  test('503 three times, then OK: four attempts with growing, jittered waits', async () => {
    const scope = nock(HOST).post('/token').times(3).reply(503).post('/token').reply(200, { ok: true });
    const clock = fakeClock(0.5);
    const response = await requestWithRetry(REQUEST, { clock });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
    expect(clock.sleeps).toEqual([750, 1500, 3000]);
    expect(scope.isDone()).toBe(true);
  });

  test('jitter keeps each wait between half and all of its ceiling', () => {
    for (const [next, ceiling] of [
      [2, 1000],
      [3, 2000],
      [4, 4000],
    ] as const) {
      expect(backoffDelay(next, DEFAULT_RETRY, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(next, DEFAULT_RETRY, () => 0.999999)).toBe(ceiling);
    }
  });

  test('429 is retried, honouring Retry-After', async () => {
    nock(HOST).post('/token').reply(429, 'slow down', { 'retry-after': '3' }).post('/token').reply(200, '{}');
    const clock = fakeClock();
    expect((await requestWithRetry(REQUEST, { clock })).status).toBe(200);
    expect(clock.sleeps).toEqual([3000]);
  });

  test('a network error is retried', async () => {
    nock(HOST)
      .post('/token')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .post('/token')
      .reply(200, '{}');
    const clock = fakeClock();
    expect((await requestWithRetry(REQUEST, { clock })).status).toBe(200);
    expect(clock.sleeps).toHaveLength(1);
  });

  test('stops after 4 attempts and says what the last failure was', async () => {
    const scope = nock(HOST).post('/token').times(4).reply(502);
    const extra = nock(HOST).post('/token').reply(200, '{}');
    const clock = fakeClock();
    const error = await requestWithRetry(REQUEST, { clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /^The test exchange failed after 4 attempts in 5\.3 s \(last: HTTP 502\)\.$/,
    );
    expect((error as UserError).hint).toContain(HOST);
    expect(scope.isDone()).toBe(true);
    expect(extra.isDone()).toBe(false);
    expect(clock.sleeps).toHaveLength(3);
  });

  test('never waits or starts an attempt past 20 s in all', async () => {
    const clock = fakeClock(0.5);
    // Each attempt "takes" 7 s: 0→7, wait 0.75, 7.75→14.75, wait 1.5, 16.25→23.25; a third wait would pass 20 s.
    const slow = answering(503, () => clock.advance(7000));
    const error = await requestWithRetry(REQUEST, { clock, transport: slow }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('failed after 3 attempts in 23.3 s');
    expect(clock.sleeps).toEqual([750, 1500]);
  });

  test('a Retry-After beyond the budget ends the retries at once', async () => {
    nock(HOST).post('/token').reply(503, '', { 'retry-after': '30' });
    const clock = fakeClock();
    const error = await requestWithRetry(REQUEST, { clock }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('failed after 1 attempt ');
    expect(clock.sleeps).toEqual([]);
  });

  test('a hanging server is cut off by the remaining budget, in real time', async () => {
    const started = Date.now();
    const error = await requestWithRetry(REQUEST, { transport: hanging, policy: { totalMs: 300 } }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect((error as Error).message).toMatch(
      /failed after 1 attempt in 0\.\d s \(last: no answer within 300 ms\)/,
    );
  });

  test('a body that stops arriving fails the attempt after the stall limit, and is retried', async () => {
    let attempts = 0;
    const stalling: Transport = async () => {
      attempts++;
      return {
        status: 200,
        headers: {},
        body: (async function* () {
          yield Buffer.from('{"par');
          await new Promise(() => {}); // no more bytes, ever
        })(),
        cancel: () => {},
      };
    };
    const started = Date.now();
    const error = await requestWithRetry(REQUEST, {
      transport: stalling,
      policy: { stallMs: 100, attempts: 2, baseDelayMs: 10 },
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(attempts).toBe(2);
    expect((error as Error).message).toMatch(/failed after 2 attempts .*\(last: no data for 100 ms\)/);
  });

  test.each([400, 401, 403, 404])('HTTP %i is returned to the caller, not retried', async (status) => {
    nock(HOST).post('/token').reply(status, { error: 'no' });
    const extra = nock(HOST).post('/token').reply(200, '{}');
    const clock = fakeClock();
    expect((await requestWithRetry(REQUEST, { clock })).status).toBe(status);
    expect(clock.sleeps).toEqual([]);
    expect(extra.isDone()).toBe(false);
  });

  test('sends JSON with the right headers', async () => {
    nock(HOST, { reqheaders: { 'content-type': 'application/json', authorization: 'Token t' } })
      .post('/token', { token: 'x' })
      .reply(200, '{}');
    const response = await requestWithRetry(
      { ...REQUEST, headers: { authorization: 'Token t' } },
      { clock: fakeClock() },
    );
    expect(response.status).toBe(200);
  });
});

describe('GitHub OIDC exchange over HTTP', () => {
  const io = { mask: () => undefined, warn: () => undefined };
  // An unsigned JWT is enough: the exchange only decodes it to explain a refusal.
  const idToken = [
    Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
    Buffer.from(
      JSON.stringify({
        sub: 'repo:acme/app:ref:refs/heads/dev',
        repository: 'acme/app',
        ref: 'refs/heads/dev',
        aud: 'https://depot.dev',
      }),
    ).toString('base64url'),
    'c2ln',
  ].join('.');
  const options = { idToken: async () => idToken, exchangeUrl: `${HOST}/`, http: { clock: fakeClock() } };

  test('a 403 is not retried and names the claims', async () => {
    nock(HOST)
      .post('/auth/oidc/github-actions', { token: idToken })
      .reply(403, { ok: false, error: 'no match' });
    const error = (await exchangeGitHubToken(options, io).catch((e: unknown) => e)) as UserError;
    expect(error.message).toBe(
      "Depot refused this job's GitHub OIDC token (HTTP 403: no match). Token claims: sub=repo:acme/app:ref:refs/heads/dev, repository=acme/app, ref=refs/heads/dev, aud=https://depot.dev.",
    );
  });

  test('a server message that echoes the token is redacted', async () => {
    nock(HOST)
      .post('/auth/oidc/github-actions')
      .reply(401, { error: `bad token ${idToken}` });
    const error = (await exchangeGitHubToken(options, io).catch((e: unknown) => e)) as UserError;
    expect(error.message).not.toContain(idToken);
    expect(error.message).toContain('bad token ***');
  });

  test('ok: false is an error, not a token', async () => {
    nock(HOST).post('/auth/oidc/github-actions').reply(200, { ok: false, token: 'nope' });
    await expect(exchangeGitHubToken(options, io)).rejects.toThrow('without a token');
  });
});

describe('public-fork polling', () => {
  test('polls at most 60 times by default, then times out with the challenge code', async () => {
    nock(HOST)
      .post('/claim')
      .reply(200, { challengeCode: 'abc-123', exchangeURL: `${HOST}/exchange/c1` })
      .post('/exchange/c1')
      .times(60)
      .reply(404);
    const extra = nock(HOST).post('/exchange/c1').reply(200, 'late');
    const lines: string[] = [];
    const clock = fakeClock();
    const error = await publicForkToken(
      {
        issuerUrl: HOST,
        eventName: 'pull_request',
        repository: 'acme/app',
        runId: '1',
        runAttempt: '1',
        info: (m) => lines.push(m),
        http: { clock },
      },
      { mask: () => undefined, warn: () => undefined },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'OIDC auth challenge abc-123 timed out after 60 s and 60 polls (last answer: HTTP 404).',
    );
    expect(lines[0]).toBe('Waiting for OIDC auth challenge abc-123');
    expect(clock.sleeps).toEqual(Array(60).fill(1000));
    expect(extra.isDone()).toBe(false);
  });

  test('an issuer that holds every poll open cannot stretch the wait past its time', async () => {
    nock(HOST)
      .post('/claim')
      .reply(200, { challengeCode: 'c', exchangeURL: `${HOST}/exchange/c1` });
    let polls = 0;
    const claimThenHang: Transport = async (request) => {
      if (request.url.endsWith('/claim')) {
        return {
          status: 200,
          headers: {},
          body: (async function* () {
            yield Buffer.from(JSON.stringify({ challengeCode: 'c', exchangeURL: `${HOST}/exchange/c1` }));
          })(),
          cancel: () => {},
        };
      }
      polls++;
      return hanging(request);
    };
    const started = Date.now();
    const error = await publicForkToken(
      {
        issuerUrl: HOST,
        eventName: 'pull_request',
        repository: 'acme/app',
        runId: '1',
        runAttempt: '1',
        info: () => {},
        waitMs: 1500,
        pollIntervalMs: 100,
        http: { transport: claimThenHang },
      },
      { mask: () => undefined, warn: () => undefined },
    ).catch((e: unknown) => e);
    nock.cleanAll();
    // The wait (1.5 s) plus at most the last poll's floor (1 s).
    expect(Date.now() - started).toBeLessThan(2800);
    expect(polls).toBeGreaterThanOrEqual(1);
    expect((error as Error).message).toMatch(
      /^OIDC auth challenge c timed out after 2 s and \d+ polls? \(last answer: .*no answer within/,
    );
  });

  test('a refused claim is an error with the issuer message', async () => {
    nock(HOST).post('/claim').reply(400, { error: 'not a public repository' });
    await expect(
      publicForkToken(
        {
          issuerUrl: HOST,
          eventName: 'pull_request',
          repository: 'acme/app',
          runId: '1',
          runAttempt: '1',
          info: () => undefined,
        },
        { mask: () => undefined, warn: () => undefined },
      ),
    ).rejects.toThrow('The public-fork OIDC issuer refused the claim for acme/app: not a public repository.');
  });
});
