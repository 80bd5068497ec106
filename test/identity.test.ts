// The CI identities each front-end implements (CiIdentity: CircleCI's and GitLab's variables,
// Buildkite's agent request), through identityProvider and resolveCredentials, over real HTTP
// against the local OIDC issuer (test/doubles/oidc-issuer.ts). Each token is checked to be a JWT
// the issuer really signed for https://depot.dev, as Depot would check it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { buildkiteIdentity } from '@depot-actions/buildkite';
import { circleciIdentity, gitlabIdentity } from '@depot-actions/ci-entry';
import {
  identityProvider,
  resolveCredentials,
  UserError,
  type CiContext,
  type CredentialProvider,
  type HttpDeps,
} from '@depot-actions/core';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';

/** The identity a front-end provides for its CI, as a credential provider. */
function providersFor(provider: CiContext['provider'], http?: HttpDeps): CredentialProvider[] {
  const identities = {
    circleci: circleciIdentity(),
    gitlab: gitlabIdentity(),
    buildkite: buildkiteIdentity(http),
  };
  const identity = identities[provider as keyof typeof identities];
  return identity ? [identityProvider(identity, http)] : [];
}

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

const ci = (provider: CiContext['provider'], env: Record<string, string>): CiContext => ({
  provider,
  workspace: '/work',
  tempDir: '/tmp',
  env,
});

async function resolve(context: CiContext) {
  const masks: string[] = [];
  const credentials = await resolveCredentials({
    tokenInput: '',
    ci: context,
    providers: providersFor(context.provider),
    mask: (s) => masks.push(s),
    warn: (m) => {
      throw new Error(`unexpected warning: ${m}`);
    },
  });
  return { credentials, masks };
}

async function expectDepotJwt(token: string | undefined): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token ?? '', createRemoteJWKSet(new URL(issuer.jwksUrl)), {
    issuer: issuer.url,
    audience: 'https://depot.dev',
  });
  return payload as Record<string, unknown>;
}

describe('CircleCI', () => {
  test('CIRCLE_OIDC_TOKEN_V2 is the token', async () => {
    const token = await issuer.sign({ aud: 'https://depot.dev', sub: 'org/o1/project/p1/user/u1' });
    const r = await resolve(ci('circleci', { CIRCLE_OIDC_TOKEN_V2: token, CIRCLE_OIDC_TOKEN: 'v1-token' }));
    expect(r.credentials).toEqual({ source: 'CircleCI OIDC', token });
    expect(r.masks).toContain(token);
    expect((await expectDepotJwt(r.credentials.token)).sub).toBe('org/o1/project/p1/user/u1');
  });

  test('the V1 token alone is not used, as in the depot CLI', async () => {
    expect((await resolve(ci('circleci', { CIRCLE_OIDC_TOKEN: 'v1-token' }))).credentials.source).toBe(
      'none',
    );
  });
});

describe('GitLab', () => {
  test('DEPOT_OIDC_TOKEN declared under id_tokens is the token', async () => {
    const token = await issuer.sign({
      aud: 'https://depot.dev',
      sub: 'project_path:acme/app:ref_type:branch:ref:main',
    });
    const r = await resolve(ci('gitlab', { GITLAB_CI: 'true', DEPOT_OIDC_TOKEN: token }));
    expect(r.credentials).toEqual({ source: 'GitLab OIDC', token });
    await expectDepotJwt(r.credentials.token);
  });

  test('DEPOT_OIDC_TOKEN outside GitLab CI is ignored', async () => {
    const r = await resolveCredentials({
      tokenInput: '',
      ci: ci('gitlab', { DEPOT_OIDC_TOKEN: 'x' }),
      providers: providersFor('gitlab'),
      mask: () => undefined,
      warn: () => undefined,
    });
    expect(r.source).toBe('none');
  });
});

describe('Buildkite', () => {
  test('requests a token for https://depot.dev from the agent API and uses it', async () => {
    const before = issuer.requests.length;
    const r = await resolve(ci('buildkite', { ...issuer.buildkiteEnv }));
    expect(r.credentials.source).toBe('Buildkite OIDC');
    expect(r.credentials.token).toBe(issuer.issued.at(-1));
    expect(r.masks).toEqual(
      expect.arrayContaining([issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN, r.credentials.token]),
    );
    const claims = await expectDepotJwt(r.credentials.token);
    expect(claims).toMatchObject({ organization_slug: 'acme', pipeline_slug: 'widgets' });
    const [request] = issuer.requests.slice(before);
    expect(request).toEqual({
      method: 'POST',
      path: `/buildkite/v3/jobs/${issuer.buildkiteEnv.BUILDKITE_JOB_ID}/oidc/tokens`,
      authorization: `Token ${issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN}`,
      body: { audience: 'https://depot.dev' },
    });
  });

  test('a refused agent token is an error that says what to check, without the token', async () => {
    const env = { ...issuer.buildkiteEnv, BUILDKITE_AGENT_ACCESS_TOKEN: 'wrong-agent-token' };
    const error = await resolve(ci('buildkite', env)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      `The Buildkite agent refused to issue an OIDC token for job ${env.BUILDKITE_JOB_ID}: Unauthorized.`,
    );
    expect(`${(error as UserError).message} ${(error as UserError).hint}`).not.toContain('wrong-agent-token');
  });

  test('without the agent token the provider does not apply', async () => {
    const { BUILDKITE_JOB_ID } = issuer.buildkiteEnv;
    expect((await resolve(ci('buildkite', { BUILDKITE_JOB_ID }))).credentials.source).toBe('none');
  });

  test('an unreachable endpoint fails after bounded retries with the variable to check', async () => {
    const env = { ...issuer.buildkiteEnv, BUILDKITE_AGENT_ENDPOINT: 'http://127.0.0.1:9/v3' };
    const providers = providersFor('buildkite', {
      clock: { now: Date.now, sleep: async () => undefined, random: () => 0 },
    });
    const error = await resolveCredentials({
      tokenInput: '',
      ci: ci('buildkite', env),
      providers,
      mask: () => undefined,
      warn: () => undefined,
    }).catch((e: unknown) => e);
    expect((error as UserError).message).toMatch(
      /^The Buildkite agent API \(OIDC token request\) failed after 4 attempts/,
    );
    expect((error as UserError).hint).toContain('BUILDKITE_AGENT_ENDPOINT');
  });
});
