import {
  githubPublicForkProvider,
  identityProvider,
  type CiAdapter,
  type CiIdentity,
  type CredentialProvider,
} from '@depot-actions/core';
import { readEvent, type GitHubEvent } from './context';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A pull request from a fork of a public repository, the one case with neither secrets nor an ID
 * token, so Depot's public-fork flow is the only way in (the test depot/build-push-action uses).
 */
export function isPublicForkPullRequest(env: Env, event: GitHubEvent): boolean {
  const base = event.repository?.full_name;
  const head = event.pull_request?.head?.repo?.full_name;
  return (
    env.GITHUB_EVENT_NAME === 'pull_request' &&
    event.repository?.private === false &&
    event.pull_request !== undefined &&
    base !== undefined &&
    head !== base
  );
}

/**
 * GitHub's OIDC identity: an ID token from the runner's token service (the adapter's idToken),
 * when the job may request one (`permissions: id-token: write` makes the runner set
 * ACTIONS_ID_TOKEN_REQUEST_URL), exchanged at Depot for a Depot token (DEPOT_OIDC_EXCHANGE_URL
 * overrides Depot's URL).
 */
export function githubIdentity(adapter: { idToken(audience: string): Promise<string> }): CiIdentity {
  return {
    source: 'GitHub OIDC',
    depotToken: 'github-exchange',
    available: (ci) => (ci.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '').trim() !== '',
    idToken: (audience) => adapter.idToken(audience),
  };
}

/**
 * The identity providers of a GitHub Actions job, in order: the OIDC exchange when the job may
 * request an ID token, then the public-fork flow on fork pull requests. Other CIs' identities are
 * left out on purpose: their variables in a GitHub job would be someone's leftovers.
 */
export function githubProviders(
  env: Env,
  adapter: Pick<CiAdapter, 'info'> & { idToken(audience: string): Promise<string> },
  event: () => GitHubEvent = () => readEvent(env),
): CredentialProvider[] {
  return [
    identityProvider(githubIdentity(adapter)),
    githubPublicForkProvider({
      isPublicForkPullRequest: () => isPublicForkPullRequest(env, event()),
      info: (message) => adapter.info(message),
    }),
  ];
}
