import type { CiContext } from '../ci';
import { expiresAt, looksLikeJwt, readClaims } from './jwt';
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
async function expiredJwtWarning(token: string, now: number): Promise<string | undefined> {
  if (!looksLikeJwt(token)) return undefined;
  const expiry = expiresAt(await readClaims(token));
  if (!expiry || expiry.getTime() > now) return undefined;
  const minutes = Math.max(1, Math.round((now - expiry.getTime()) / 60_000));
  return `DEPOT_TOKEN is a JWT that expired at ${expiry.toISOString()} (${minutes} min ago); ignoring it and trying this CI's identity instead.`;
}

/**
 * Finds Depot credentials in order: the `token` input, then DEPOT_TOKEN (unless it is an expired
 * JWT), then the first identity provider that applies to this CI, then none. The result names the
 * source, never the secret.
 */
export async function resolveCredentials(options: ResolveOptions): Promise<Credentials> {
  const { tokenInput, ci, mask, warn } = options;
  const input = tokenInput.trim();
  if (input) {
    mask(input);
    return { source: 'token input', token: input };
  }
  const fromEnv = (ci.env.DEPOT_TOKEN ?? '').trim();
  if (fromEnv) {
    mask(fromEnv);
    const expired = await expiredJwtWarning(fromEnv, (options.now ?? Date.now)());
    if (!expired) return { source: 'DEPOT_TOKEN', token: fromEnv };
    warn(expired);
  }
  for (const provider of options.providers) {
    if (!provider.applies(ci)) continue;
    const token = (await provider.fetch(ci, { mask, warn })).trim();
    mask(token);
    return { source: provider.source, token };
  }
  return { source: 'none' };
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
