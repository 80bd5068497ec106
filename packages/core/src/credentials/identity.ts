import type { CiContext } from '../ci';
import type { HttpDeps } from '../http/request';
import { DEPOT_AUDIENCE } from './jwt';
import type { CredentialProvider, ProviderIo } from './resolve';
import type { CredentialSource } from './types';

/**
 * A CI job's OIDC identity, the one interface every front-end implements for its CI: GitHub asks
 * the runner's token service for an ID token, Buildkite asks the agent API, CircleCI and GitLab
 * put the token in a variable. The core turns it into credentials (identityProvider).
 */
export interface CiIdentity {
  /** Names the identity in logs and summaries ("Buildkite OIDC"), never the token. */
  readonly source: CredentialSource;
  /** Whether this job has the identity; looks at the environment only, no network. */
  available(ci: CiContext): boolean;
  /** The job's OIDC token for `audience`; each secret it handles goes through `io.mask` first. */
  idToken(audience: string, ci: CiContext, io: ProviderIo): Promise<string>;
  /**
   * How the token becomes a Depot token: `direct`, Depot accepts the job's token itself (CircleCI,
   * Buildkite, GitLab, as the depot CLI does); `github-exchange`, Depot's GitHub OIDC exchange
   * swaps it for one (as depot/build-push-action does).
   */
  readonly depotToken: 'direct' | 'github-exchange';
}

/** The credential provider of an identity: its token for https://depot.dev, exchanged where needed. */
export function identityProvider(identity: CiIdentity, http?: HttpDeps): CredentialProvider {
  return {
    source: identity.source,
    applies: (ci) => identity.available(ci),
    async fetch(ci, io) {
      if (identity.depotToken === 'direct') {
        const token = (await identity.idToken(DEPOT_AUDIENCE, ci, io)).trim();
        io.mask(token);
        return token;
      }
      // Eager mode keeps the exchange inside the single bundle file without running it at start-up.
      const { DEFAULT_EXCHANGE_URL, exchangeGitHubToken } = await import('./github-exchange');
      const exchangeUrl = (ci.env.DEPOT_OIDC_EXCHANGE_URL ?? '').trim() || DEFAULT_EXCHANGE_URL;
      return exchangeGitHubToken(
        { idToken: (audience) => identity.idToken(audience, ci, io), exchangeUrl, http },
        io,
      );
    },
  };
}
