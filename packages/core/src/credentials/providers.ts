import type { CiContext } from '../ci';
import type { HttpDeps } from './http';
import type { CredentialProvider } from './resolve';

/**
 * The identity providers of each CI, as cheap objects: `applies` only looks at the environment,
 * and `fetch` loads the provider's module on first use (eager mode keeps it inside the single
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

export interface GitHubOidcProviderOptions {
  /** The job's ID token for an audience (GitHubAdapter.idToken). */
  idToken(audience: string): Promise<string>;
  http?: HttpDeps;
}

/**
 * GitHub OIDC exchange, when the job may request an ID token (`permissions: id-token: write`
 * makes the runner set ACTIONS_ID_TOKEN_REQUEST_URL). DEPOT_OIDC_EXCHANGE_URL overrides Depot's URL.
 */
export function githubOidcProvider(options: GitHubOidcProviderOptions): CredentialProvider {
  return {
    source: 'GitHub OIDC',
    applies: (ci) => value(ci.env, 'ACTIONS_ID_TOKEN_REQUEST_URL') !== '',
    async fetch(ci, io) {
      const { DEFAULT_EXCHANGE_URL, exchangeGitHubToken } = await import(
        /* webpackMode: "eager" */ './github-exchange'
      );
      const exchangeUrl = value(ci.env, 'DEPOT_OIDC_EXCHANGE_URL') || DEFAULT_EXCHANGE_URL;
      return exchangeGitHubToken({ idToken: options.idToken, exchangeUrl, http: options.http }, io);
    },
  };
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
      const { DEFAULT_PUBLIC_OIDC_URL, publicForkToken } = await import(
        /* webpackMode: "eager" */ './github-public'
      );
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

/**
 * CircleCI: the job's CIRCLE_OIDC_TOKEN_V2 is the Depot token itself, as in the depot CLI (which
 * reads only V2; its audience is the organization ID, matched by the trust relationship).
 */
export function circleciProviders(): CredentialProvider[] {
  return [envTokenProvider('CircleCI OIDC', 'CIRCLE_OIDC_TOKEN_V2')];
}

/**
 * GitLab: the ID token the job declares as `id_tokens: DEPOT_OIDC_TOKEN: aud: https://depot.dev`
 * is the Depot token itself, read only inside GitLab CI (GITLAB_CI), as the depot CLI does.
 */
export function gitlabProviders(): CredentialProvider[] {
  return [envTokenProvider('GitLab OIDC', 'DEPOT_OIDC_TOKEN', 'GITLAB_CI')];
}

/**
 * Buildkite: an OIDC token for this job from the agent API, used as the Depot token. Needs
 * BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID; BUILDKITE_AGENT_ENDPOINT is honoured.
 */
export function buildkiteProviders(http?: HttpDeps): CredentialProvider[] {
  return [
    {
      source: 'Buildkite OIDC',
      applies: (ci) =>
        value(ci.env, 'BUILDKITE_AGENT_ACCESS_TOKEN') !== '' && value(ci.env, 'BUILDKITE_JOB_ID') !== '',
      async fetch(ci, io) {
        const { DEFAULT_BUILDKITE_AGENT_ENDPOINT, buildkiteToken } = await import(
          /* webpackMode: "eager" */ './buildkite'
        );
        return buildkiteToken(
          {
            endpoint: value(ci.env, 'BUILDKITE_AGENT_ENDPOINT') || DEFAULT_BUILDKITE_AGENT_ENDPOINT,
            accessToken: value(ci.env, 'BUILDKITE_AGENT_ACCESS_TOKEN'),
            jobId: value(ci.env, 'BUILDKITE_JOB_ID'),
            http,
          },
          io,
        );
      },
    },
  ];
}

/** The providers for a CI that has no adapter-specific needs (everything but GitHub). */
export function providersFor(provider: CiContext['provider'], http?: HttpDeps): CredentialProvider[] {
  switch (provider) {
    case 'circleci':
      return circleciProviders();
    case 'buildkite':
      return buildkiteProviders(http);
    case 'gitlab':
      return gitlabProviders();
    default:
      return [];
  }
}

/** A token the CI already put in the environment; `onlyIf` names a variable that must be set too. */
function envTokenProvider(
  source: CredentialProvider['source'],
  name: string,
  onlyIf?: string,
): CredentialProvider {
  return {
    source,
    applies: (ci) => value(ci.env, name) !== '' && (!onlyIf || value(ci.env, onlyIf) !== ''),
    fetch: async (ci, io) => {
      const token = value(ci.env, name);
      io.mask(token);
      return token;
    },
  };
}
