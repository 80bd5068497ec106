import type { CiContext } from '../ci';
import { expiresAt, looksLikeJwt, readClaims } from './jwt';
import { cliLoginSecrets } from './cli-login';
import type { CredentialSource, Credentials } from './types';

/** What a provider may do besides the network: hide secrets and warn. */
export interface ProviderIo {
  /** Hides a secret from every later log line; call it the moment each token exists, intermediate ones too. */
  mask(secret: string): void;
  warn(message: string): void;
}

/**
 * One way of getting a token from the CI's identity (GitHub OIDC, CircleCI, ...). `applies` is a
 * cheap check on the environment; `fetch` does the network work and returns a token or throws a
 * UserError that says what to fix. Implementations load their code lazily in `fetch`, so a step
 * that already has a token never pays for them.
 */
export interface CredentialProvider {
  source: CredentialSource;
  applies(ci: CiContext): boolean;
  fetch(ci: CiContext, io: ProviderIo): Promise<string>;
}

export interface ResolveOptions {
  /** The step's `token` input. */
  tokenInput: string;
  ci: CiContext;
  providers: readonly CredentialProvider[];
  /** Called with every token the moment it exists, before anything can print it. */
  mask(secret: string): void;
  warn(message: string): void;
  /** Current time, for the expiry check of DEPOT_TOKEN; tests pin it. */
  now?: () => number;
}

/**
 * An expired JWT in DEPOT_TOKEN (typically one exported by an earlier OIDC step that outlived
 * it) would only fail later inside the CLI with "unauthenticated"; say so now and try the CI's
 * identity instead.
 */
export async function expiredJwtWarning(token: string, now: number): Promise<string | undefined> {
  if (!looksLikeJwt(token)) return undefined;
  const expiry = expiresAt(await readClaims(token));
  if (!expiry || expiry.getTime() > now) return undefined;
  const minutes = Math.max(1, Math.round((now - expiry.getTime()) / 60_000));
  return `DEPOT_TOKEN is a JWT that expired at ${expiry.toISOString()} (${minutes} min ago); ignoring it and trying this CI's identity instead.`;
}

/**
 * Where the credentials will come from, found without waiting on the network: either settled
 * (a token at hand, the depot CLI's own login, or none), or a provider whose `fetch` does the
 * network work, which the step runs alongside the CLI install.
 */
export type CredentialLookup =
  { credentials: Credentials } | { provider: CredentialProvider; fetch(): Promise<Credentials> };

/**
 * Finds Depot credentials in the depot CLI's own order: the `token` input, DEPOT_TOKEN (unless
 * it is an expired JWT), the CLI's login (`depot login` config, DEPOT_API_TOKEN), the first
 * identity provider that applies to this CI, the CLI's DEPOT_JIT_TOKEN and DEPOT_CACHE_TOKEN,
 * then none. The CLI's own sources are left to the CLI: their values are masked, never passed.
 */
export async function lookupCredentials(options: ResolveOptions): Promise<CredentialLookup> {
  const { tokenInput, ci, mask, warn } = options;
  const input = tokenInput.trim();
  if (input) {
    mask(input);
    return { credentials: { source: 'token input', token: input } };
  }
  const fromEnv = (ci.env.DEPOT_TOKEN ?? '').trim();
  if (fromEnv) {
    mask(fromEnv);
    const expired = await expiredJwtWarning(fromEnv, (options.now ?? Date.now)());
    if (!expired) return { credentials: { source: 'DEPOT_TOKEN', token: fromEnv } };
    warn(expired);
  }
  const cliLogin = (beforeIdentity: boolean): CredentialLookup | undefined => {
    const secrets = cliLoginSecrets(ci.env, beforeIdentity);
    for (const secret of secrets) mask(secret);
    return secrets.length ? { credentials: { source: 'depot CLI login' } } : undefined;
  };
  const login = cliLogin(true);
  if (login) return login;
  const provider = options.providers.find((p) => p.applies(ci));
  if (provider) {
    return {
      provider,
      fetch: async () => {
        const token = (await provider.fetch(ci, { mask, warn })).trim();
        mask(token);
        return { source: provider.source, token };
      },
    };
  }
  return cliLogin(false) ?? { credentials: { source: 'none' } };
}

/** The whole credential chain, waiting for a provider's network exchange when one applies. */
export async function resolveCredentials(options: ResolveOptions): Promise<Credentials> {
  const lookup = await lookupCredentials(options);
  return 'credentials' in lookup ? lookup.credentials : lookup.fetch();
}

/** How to provide credentials on each CI, for the "no credentials" error: every way, most preferred first. */
export function credentialHelp(provider: CiContext['provider']): string {
  const ways: Record<CiContext['provider'], string[]> = {
    github: [
      'This job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Either:',
      '  1. let the job request one, and add a GitHub trust relationship for this repository (owner/repo) in the Depot project settings:',
      '       jobs:',
      '         <job>:',
      '           permissions:',
      '             id-token: write',
      '             contents: read',
      '  2. or pass a Depot project token as the `token` input or the DEPOT_TOKEN environment variable, from a secret.',
      'Pull requests from forks get no OIDC token; for a public repository the public-fork flow runs by itself.',
    ],
    circleci: [
      'Either:',
      '  1. add a CircleCI trust relationship (organization ID and project ID) in the Depot project settings; the job then has CIRCLE_OIDC_TOKEN_V2',
      '     (builds of forked pull requests get it only with "Pass secrets to builds from forked pull requests");',
      '  2. or set DEPOT_TOKEN to a Depot project token, in a context or the project settings.',
    ],
    buildkite: [
      'Either:',
      '  1. add a Buildkite trust relationship (organization slug and pipeline slug) in the Depot project settings; the step then requests an OIDC token',
      '     from the agent (BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID must reach this process);',
      '  2. or set DEPOT_TOKEN to a Depot project token, e.g. from an agent environment hook or your secrets manager.',
    ],
    gitlab: [
      'Either:',
      '  1. add a GitLab trust relationship in the Depot project settings and expose an ID token to the job:',
      '       id_tokens:',
      '         DEPOT_OIDC_TOKEN:',
      '           aud: https://depot.dev',
      '  2. or set DEPOT_TOKEN to a Depot project token in a masked CI/CD variable.',
    ],
    local: [
      'Set DEPOT_TOKEN to a Depot project or user token (`depot login`, then `depot login token`), or use a local engine.',
    ],
  };
  return ways[provider].join('\n');
}
