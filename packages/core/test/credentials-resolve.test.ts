// resolveCredentials: the order of sources, masking, the expired-DEPOT_TOKEN check, and the
// "no credentials" help for each CI. Providers here are fakes; real ones are tested over HTTP
// in credentials-providers.test.ts.
import { describe, expect, test } from '@jest/globals';
import {
  credentialHelp,
  resolveCredentials,
  type CiContext,
  type CredentialProvider,
  type ResolveOptions,
} from '@depot-actions/core';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

/** An unsigned JWT with these claims: the expiry check only decodes. */
const jwt = (claims: Record<string, unknown>): string =>
  [
    Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
    Buffer.from(JSON.stringify(claims)).toString('base64url'),
    'c2lnbmF0dXJl',
  ].join('.');

const ci = (provider: CiContext['provider'], env: Record<string, string> = {}): CiContext => ({
  provider,
  workspace: '/work',
  tempDir: '/tmp',
  env,
});

function fakeProvider(source: CredentialProvider['source'], applies: boolean, token = `${source}-token`) {
  const calls: string[] = [];
  const provider: CredentialProvider = {
    source,
    applies: () => applies,
    fetch: async (_ci, io) => {
      calls.push(source);
      io.mask(`${source}-intermediate`);
      return token;
    },
  };
  return { provider, calls };
}

async function resolve(overrides: Partial<ResolveOptions>) {
  const masks: string[] = [];
  const warnings: string[] = [];
  const credentials = await resolveCredentials({
    tokenInput: '',
    ci: ci('github'),
    providers: [],
    mask: (s) => masks.push(s),
    warn: (m) => warnings.push(m),
    now: () => NOW,
    ...overrides,
  });
  return { credentials, masks, warnings };
}

describe('resolveCredentials', () => {
  test('the token input wins over DEPOT_TOKEN and providers, which are not called', async () => {
    const oidc = fakeProvider('GitHub OIDC', true);
    const r = await resolve({
      tokenInput: '  input-token \n',
      ci: ci('github', { DEPOT_TOKEN: 'env-token' }),
      providers: [oidc.provider],
    });
    expect(r.credentials).toEqual({ source: 'token input', token: 'input-token' });
    expect(r.masks).toEqual(['input-token']);
    expect(oidc.calls).toEqual([]);
  });

  test('DEPOT_TOKEN wins over providers', async () => {
    const oidc = fakeProvider('GitHub OIDC', true);
    const r = await resolve({ ci: ci('github', { DEPOT_TOKEN: 'env-token' }), providers: [oidc.provider] });
    expect(r.credentials).toEqual({ source: 'DEPOT_TOKEN', token: 'env-token' });
    expect(oidc.calls).toEqual([]);
  });

  test('a DEPOT_TOKEN JWT that has not expired is used', async () => {
    const token = jwt({ sub: 'x', exp: NOW / 1000 + 60 });
    const r = await resolve({ ci: ci('github', { DEPOT_TOKEN: token }) });
    expect(r.credentials).toEqual({ source: 'DEPOT_TOKEN', token });
    expect(r.warnings).toEqual([]);
  });

  test('an expired DEPOT_TOKEN JWT is masked, warned about, and skipped for the next source', async () => {
    const token = jwt({ sub: 'x', exp: NOW / 1000 - 3600 });
    const oidc = fakeProvider('GitHub OIDC', true);
    const r = await resolve({ ci: ci('github', { DEPOT_TOKEN: token }), providers: [oidc.provider] });
    expect(r.credentials).toEqual({ source: 'GitHub OIDC', token: 'GitHub OIDC-token' });
    expect(r.warnings).toEqual([
      "DEPOT_TOKEN is a JWT that expired at 2026-01-01T11:00:00.000Z (60 min ago); ignoring it and trying this CI's identity instead.",
    ]);
    expect(r.masks[0]).toBe(token);
    expect(r.warnings.join('')).not.toContain(token);
  });

  test('an expired DEPOT_TOKEN with no provider left ends in none', async () => {
    const r = await resolve({ ci: ci('circleci', { DEPOT_TOKEN: jwt({ exp: 1 }) }) });
    expect(r.credentials).toEqual({ source: 'none' });
    expect(r.warnings).toHaveLength(1);
  });

  test.each([
    ['an opaque project token', 'depot_project_abc123'],
    ['a JWT without exp', jwt({ sub: 'x' })],
    ['something that only looks like a JWT', 'eyJnot.a-real.jwt'],
  ])('%s in DEPOT_TOKEN is used as is', async (_name, token) => {
    const r = await resolve({ ci: ci('github', { DEPOT_TOKEN: token }) });
    expect(r.credentials).toEqual({ source: 'DEPOT_TOKEN', token });
    expect(r.warnings).toEqual([]);
  });

  test('the first provider that applies is used; intermediate and final tokens are masked', async () => {
    const skipped = fakeProvider('GitHub OIDC', false);
    const used = fakeProvider('GitHub public-fork OIDC', true);
    const later = fakeProvider('CircleCI OIDC', true);
    const r = await resolve({ providers: [skipped.provider, used.provider, later.provider] });
    expect(r.credentials.source).toBe('GitHub public-fork OIDC');
    expect(r.masks).toEqual(['GitHub public-fork OIDC-intermediate', 'GitHub public-fork OIDC-token']);
    expect([...skipped.calls, ...later.calls]).toEqual([]);
  });

  test('a provider error is not swallowed', async () => {
    const failing: CredentialProvider = {
      source: 'GitHub OIDC',
      applies: () => true,
      fetch: async () => {
        throw new Error('refused');
      },
    };
    await expect(resolve({ providers: [failing] })).rejects.toThrow('refused');
  });

  test('nothing anywhere is none', async () => {
    expect((await resolve({})).credentials).toEqual({ source: 'none' });
  });
});

describe('credentialHelp', () => {
  test.each<[CiContext['provider'], string[]]>([
    [
      'github',
      ['id-token: write', 'permissions:', 'trust relationship', '`token` input', 'DEPOT_TOKEN', 'fork'],
    ],
    ['circleci', ['CIRCLE_OIDC_TOKEN_V2', 'organization ID and project ID', 'DEPOT_TOKEN']],
    ['buildkite', ['organization slug and pipeline slug', 'BUILDKITE_AGENT_ACCESS_TOKEN', 'DEPOT_TOKEN']],
    ['gitlab', ['id_tokens:', 'DEPOT_OIDC_TOKEN:', 'aud: https://depot.dev', 'DEPOT_TOKEN']],
    ['local', ['DEPOT_TOKEN', 'depot login']],
  ])('%s lists every way', (provider, phrases) => {
    const help = credentialHelp(provider);
    for (const phrase of phrases) expect(help).toContain(phrase);
  });
});
