import type { CiContext } from '../ci';
import type { HttpDeps } from '../http/request';
import type { CredentialProvider } from './resolve';

/**
 * GitHub's public-fork flow, the one credential provider that is not a job's own OIDC identity
 * (those are CiIdentity implementations of each front-end, see identity.ts). `applies` only looks
 * at the environment; `fetch` loads its module on first use (eager mode keeps it inside the single
 * bundle file without running it at start-up). Base URLs come from documented variables so tests
 * and self-hosted setups can point them elsewhere.
 */

type Env = CiContext['env'];

const value = (env: Env, name: string): string => (env[name] ?? '').trim();

/** A positive integer from the environment, or the default. */
function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = value(env, name);
  return /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : fallback;
}

export interface PublicForkProviderOptions {
  /**
   * Whether this run is a pull_request from a fork of a public repository. A function: it reads the
   * event payload, which only a step without a token needs to pay for.
   */
  isPublicForkPullRequest(): boolean;
  info(message: string): void;
  http?: HttpDeps;
}

/**
 * Depot's public-fork flow, only for pull requests from forks of public repositories, which get no
 * ID token. DEPOT_PUBLIC_OIDC_URL overrides the issuer; DEPOT_PUBLIC_OIDC_POLL_INTERVAL_MS and
 * DEPOT_PUBLIC_OIDC_WAIT_MS tune the wait (a poll a second for 60 s by default).
 */
export function githubPublicForkProvider(options: PublicForkProviderOptions): CredentialProvider {
  return {
    source: 'GitHub public-fork OIDC',
    applies: () => options.isPublicForkPullRequest(),
    async fetch(ci, io) {
      const { DEFAULT_PUBLIC_OIDC_URL, publicForkToken } = await import('./github-public');
      return publicForkToken(
        {
          issuerUrl: value(ci.env, 'DEPOT_PUBLIC_OIDC_URL') || DEFAULT_PUBLIC_OIDC_URL,
          eventName: value(ci.env, 'GITHUB_EVENT_NAME'),
          repository: value(ci.env, 'GITHUB_REPOSITORY'),
          runId: value(ci.env, 'GITHUB_RUN_ID'),
          runAttempt: value(ci.env, 'GITHUB_RUN_ATTEMPT') || '1',
          info: options.info,
          pollIntervalMs: positiveInt(ci.env, 'DEPOT_PUBLIC_OIDC_POLL_INTERVAL_MS', 1000),
          waitMs: positiveInt(ci.env, 'DEPOT_PUBLIC_OIDC_WAIT_MS', 60_000),
          http: options.http,
        },
        io,
      );
    },
  };
}
