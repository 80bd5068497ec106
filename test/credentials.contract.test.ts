// Credentials in the bundled build-push action (dist/build-push/index.js), run as the GitHub runner
// runs it against the recording engine stub, a local OIDC issuer and a local Depot auth double:
// which source wins, what the user is told when it fails, and that no token ever leaks.
// CircleCI, Buildkite and GitLab have no entry point yet; their providers are tested over real
// HTTP against the same doubles in packages/core/test/credentials-providers.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDepotAuth, type DepotAuth } from './doubles/depot-auth';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { createEngineStub, type EngineStub } from './harness/engine-stub';
import { allText, filesUnder, runAction, type ActionResult, type RunActionOptions } from './harness/runner';

const INPUTS = { tags: 'example/app:1', push: 'false', project: 'prj_cred' };
const TOKEN_INPUT = 'depot_project_input_5f4e3d2c1b';
const ENV_TOKEN = 'depot_project_env_9a8b7c6d5e';

let issuer: OidcIssuer;
let auth: DepotAuth;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  auth = await startDepotAuth(issuer);
});
afterAll(async () => {
  await auth.close();
  await issuer.close();
});
afterEach(async () => {
  auth.setBehaviour({});
  while (cleanups.length) await cleanups.pop()?.();
});

interface Run {
  result: ActionResult;
  engine: EngineStub;
  /** Requests the doubles received during this run. */
  issuerRequests: typeof issuer.requests;
  authRequests: typeof auth.requests;
}

/** Runs build-push with the doubles' URLs configured; `env` adds (or, with undefined, removes) variables. */
async function run(
  env: Record<string, string | undefined>,
  options: { inputs?: Record<string, string>; githubContext?: RunActionOptions['githubContext'] } = {},
): Promise<Run> {
  const engine = await createEngineStub();
  cleanups.push(() => engine.cleanup());
  const issuerBefore = issuer.requests.length;
  const authBefore = auth.requests.length;
  const runner = engine.runnerOptions();
  const result = await runAction('build-push', {
    inputs: { ...INPUTS, ...options.inputs },
    env: {
      ...runner.env,
      DEPOT_OIDC_EXCHANGE_URL: auth.url,
      DEPOT_PUBLIC_OIDC_URL: auth.url,
      ...env,
    },
    prependPath: runner.prependPath,
    githubContext: options.githubContext,
    timeoutMs: 30_000,
  });
  cleanups.push(() => result.cleanup());
  const checked = {
    result,
    engine,
    issuerRequests: issuer.requests.slice(issuerBefore),
    authRequests: auth.requests.slice(authBefore),
  };
  await expectNoSecrets(result);
  return checked;
}

/**
 * Every token in play (issued by the doubles, given as input or env, the runner's request token, the
 * agent token) is absent from everything the step wrote and from every file left in its temp dir.
 * `::add-mask::` lines are the one place a secret must be printed: the runner consumes them.
 */
async function expectNoSecrets(result: ActionResult): Promise<void> {
  const secrets = [
    ...issuer.issued,
    ...auth.issued,
    TOKEN_INPUT,
    ENV_TOKEN,
    issuer.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN,
  ];
  const text = allText(result)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const files = await filesUnder(result.tempDir);
  const contents = await Promise.all(files.map((f) => readFile(join(result.tempDir, f), 'utf8')));
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    for (const [i, content] of contents.entries()) {
      if (content.includes(secret)) throw new Error(`a token leaked into ${files[i]}`);
    }
  }
}

const errors = (result: ActionResult): string =>
  result.annotations
    .filter((a) => a.level === 'error')
    .map((a) => a.message)
    .join('\n');
const warnings = (result: ActionResult): string =>
  result.annotations
    .filter((a) => a.level === 'warning')
    .map((a) => a.message)
    .join('\n');

/** The engine ran with a token, and the log and summary name `source`. */
async function expectAuthenticatedBy({ result, engine }: Run, source: string): Promise<void> {
  expect(result.main.exitCode).toBe(0);
  expect(result.main.stdout).toContain(`Depot credentials: ${source}`);
  expect(result.summary).toContain(`| Credentials | ${source} |`);
  const records = await engine.records();
  expect(records).toHaveLength(1);
  expect(records[0]?.hasToken).toBe(true);
}

const FORK_EVENT = {
  action: 'opened',
  number: 7,
  repository: { full_name: 'depot-test/example', private: false },
  pull_request: { number: 7, head: { repo: { full_name: 'contributor/example' } } },
};
const FORK_CONTEXT = {
  eventName: 'pull_request',
  ref: 'refs/pull/7/merge',
  event: FORK_EVENT,
  runAttempt: '2',
};

describe('GitHub OIDC exchange', () => {
  test('exchanges the job ID token for a Depot token and masks both', async () => {
    const r = await run(issuer.githubEnv);
    await expectAuthenticatedBy(r, 'GitHub OIDC');
    const idRequest = r.issuerRequests.find((q) => q.path.startsWith('/github/token'));
    expect(idRequest?.path).toContain(`audience=${encodeURIComponent('https://depot.dev')}`);
    expect(idRequest?.authorization).toBe(`bearer ${issuer.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`);
    expect(r.authRequests.map((q) => [q.path, q.status])).toEqual([['/auth/oidc/github-actions', 200]]);
    expect(r.authRequests[0]?.claims).toMatchObject({
      repository: 'depot-test/example',
      aud: 'https://depot.dev',
    });
    const depotToken = auth.issued.at(-1) ?? '';
    expect(r.result.masks).toEqual(expect.arrayContaining([depotToken, issuer.issued.at(-1)]));
    // Masked before the engine ever ran, so nothing the engine prints can show it.
    expect(r.result.main.stdout.indexOf(`::add-mask::${depotToken}`)).toBeLessThan(
      r.result.main.stdout.indexOf('Depot credentials:'),
    );
  });

  test('retries an exchange that answers 503 twice, then succeeds', async () => {
    auth.setBehaviour({ failExchange: 2 });
    const r = await run(issuer.githubEnv);
    await expectAuthenticatedBy(r, 'GitHub OIDC');
    expect(r.authRequests.map((q) => q.status)).toEqual([503, 503, 200]);
  });

  test('a refused token fails with the claims to put in the trust relationship', async () => {
    auth.setBehaviour({ refuseExchange: true });
    const r = await run(issuer.githubEnv);
    expect(r.result.main.exitCode).toBe(1);
    expect(await r.engine.records()).toEqual([]);
    expect(r.authRequests.map((q) => q.status)).toEqual([403]); // a 4xx is not retried
    const message = errors(r.result);
    expect(message).toContain("Depot refused this job's GitHub OIDC token (HTTP 403");
    expect(message).toContain('sub=repo:depot-test/example:ref:refs/heads/main');
    expect(message).toContain('repository=depot-test/example');
    expect(message).toContain('ref=refs/heads/main');
    expect(message).toContain('aud=https://depot.dev');
    expect(message).toContain('trust relationship');
  });

  test('without id-token permission, the error shows the permissions block to add', async () => {
    const r = await run(
      {},
      {
        githubContext: {
          eventName: 'pull_request',
          ref: 'refs/pull/3/merge',
          event: { ...FORK_EVENT, pull_request: { head: { repo: { full_name: 'depot-test/example' } } } },
        },
      },
    );
    expect(r.result.main.exitCode).toBe(1);
    expect(await r.engine.records()).toEqual([]);
    const message = errors(r.result);
    expect(message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
    expect(message).toMatch(/permissions:\n\s+id-token: write/);
    expect(r.issuerRequests).toEqual([]);
    expect(r.authRequests).toEqual([]);
  });
});

describe('public-fork pull requests', () => {
  const fast = { DEPOT_PUBLIC_OIDC_POLL_INTERVAL_MS: '100', DEPOT_PUBLIC_OIDC_WAIT_MS: '3000' };

  test('claims a challenge, prints it, polls, and uses the issued JWT', async () => {
    auth.setBehaviour({ pendingPolls: 2 });
    const r = await run(fast, { githubContext: FORK_CONTEXT });
    await expectAuthenticatedBy(r, 'GitHub public-fork OIDC');
    const code = auth.challenges.at(-1) ?? '';
    expect(r.result.main.stdout).toContain(`Waiting for OIDC auth challenge ${code}\n`);
    const claim = r.authRequests.find((q) => q.path === '/claim');
    expect(claim?.body).toEqual({
      aud: 'https://depot.dev',
      eventName: 'pull_request',
      repo: 'depot-test/example',
      runID: '1234567890',
      attempt: '2',
    });
    expect(r.authRequests.filter((q) => q.path.startsWith('/exchange/')).map((q) => q.status)).toEqual([
      404, 404, 200,
    ]);
    expect(r.result.masks).toContain(auth.issued.at(-1));
  });

  test('gives up after the configured wait with a clear error', async () => {
    auth.setBehaviour({ pendingPolls: 'never' });
    const started = Date.now();
    const r = await run({ ...fast, DEPOT_PUBLIC_OIDC_WAIT_MS: '1000' }, { githubContext: FORK_CONTEXT });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.result.main.exitCode).toBe(1);
    expect(await r.engine.records()).toEqual([]);
    const code = auth.challenges.at(-1) ?? '';
    expect(r.result.main.stdout).toContain(`Waiting for OIDC auth challenge ${code}`);
    expect(errors(r.result)).toMatch(
      new RegExp(
        `OIDC auth challenge ${code} timed out after 1 s and \\d+ polls \\(last answer: HTTP 404\\)`,
      ),
    );
    expect(r.authRequests.filter((q) => q.path.startsWith('/exchange/')).length).toBeGreaterThanOrEqual(5);
  });

  test('an issuer that holds every poll open cannot stretch the wait (the wait plus one poll at most)', async () => {
    // Before, the flow counted polls: 60 polls that each hang 30 s took half an hour.
    auth.setBehaviour({ hangPolls: true });
    const started = Date.now();
    const r = await run({ ...fast, DEPOT_PUBLIC_OIDC_WAIT_MS: '1500' }, { githubContext: FORK_CONTEXT });
    // 1.5 s of waiting, the last poll's 1 s floor, and the process around it.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.result.main.exitCode).toBe(1);
    const code = auth.challenges.at(-1) ?? '';
    expect(errors(r.result)).toContain(`OIDC auth challenge ${code} timed out after 2 s`);
    expect(errors(r.result)).toContain('no answer within');
  });

  test('a pull request from a fork of a private repository does not use it', async () => {
    const event = { ...FORK_EVENT, repository: { full_name: 'depot-test/example', private: true } };
    const r = await run(fast, { githubContext: { ...FORK_CONTEXT, event } });
    expect(r.result.main.exitCode).toBe(1);
    expect(r.authRequests).toEqual([]);
    expect(errors(r.result)).toContain('No Depot credentials were found.');
  });
});

describe('precedence', () => {
  test('the token input beats DEPOT_TOKEN and OIDC; nothing is requested', async () => {
    const r = await run({ ...issuer.githubEnv, DEPOT_TOKEN: ENV_TOKEN }, { inputs: { token: TOKEN_INPUT } });
    await expectAuthenticatedBy(r, 'token input');
    expect(r.result.masks).toContain(TOKEN_INPUT);
    expect(r.issuerRequests).toEqual([]);
    expect(r.authRequests).toEqual([]);
  });

  test('DEPOT_TOKEN beats OIDC', async () => {
    const r = await run({ ...issuer.githubEnv, DEPOT_TOKEN: ENV_TOKEN });
    await expectAuthenticatedBy(r, 'DEPOT_TOKEN');
    expect(r.result.masks).toContain(ENV_TOKEN);
    expect(r.issuerRequests).toEqual([]);
    expect(r.authRequests).toEqual([]);
  });

  test('an expired JWT in DEPOT_TOKEN is not used: a warning, then OIDC', async () => {
    const expired = await issuer.sign({
      aud: 'https://depot.dev',
      sub: 'old',
      exp: Math.floor(Date.now() / 1000) - 600,
    });
    const r = await run({ ...issuer.githubEnv, DEPOT_TOKEN: expired });
    await expectAuthenticatedBy(r, 'GitHub OIDC');
    expect(warnings(r.result)).toMatch(/DEPOT_TOKEN is a JWT that expired at \S+ \(10 min ago\)/);
    expect(r.result.masks).toContain(expired);
  });

  test('nothing at all: one error listing every way to provide credentials', async () => {
    const r = await run({});
    expect(r.result.main.exitCode).toBe(1);
    expect(await r.engine.records()).toEqual([]);
    const message = errors(r.result);
    expect(message).toContain('No Depot credentials were found.');
    expect(message).toContain('id-token: write');
    expect(message).toContain('`token` input');
    expect(message).toContain('DEPOT_TOKEN');
    expect(r.result.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
  });
});
