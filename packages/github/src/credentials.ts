import {
  githubOidcProvider,
  githubPublicForkProvider,
  type CiAdapter,
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
 * The identity providers of a GitHub Actions job, in order: the OIDC exchange when the job may
 * request an ID token, then the public-fork flow on fork pull requests. Other CIs' providers are
 * left out on purpose: their variables in a GitHub job would be someone's leftovers.
 */
export function githubProviders(
  env: Env,
  adapter: Pick<CiAdapter, 'info' | 'idToken'>,
  event: () => GitHubEvent = () => readEvent(env),
): CredentialProvider[] {
  const idToken = adapter.idToken?.bind(adapter);
  return [
    ...(idToken ? [githubOidcProvider({ idToken })] : []),
    githubPublicForkProvider({
      isPublicForkPullRequest: () => isPublicForkPullRequest(env, event()),
      info: (message) => adapter.info(message),
    }),
  ];
}
