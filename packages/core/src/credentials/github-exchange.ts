import { UserError } from '../errors';
import { parseJson, requestWithRetry, stringField, type HttpDeps } from '../http/request';
import { DEPOT_AUDIENCE, describeClaims, readClaims } from './jwt';
import type { ProviderIo } from './resolve';

/**
 * GitHub Actions OIDC: the job's ID token for audience https://depot.dev, exchanged at Depot for a
 * short-lived Depot token (what depot/build-push-action does: POST
 * https://github.depot.dev/auth/oidc/github-actions {token} → {ok, token}). Unlike upstream, the
 * exchange is retried, and a refusal is an error that shows the claims Depot matched against,
 * instead of a log line followed by an unauthenticated build.
 */

/** Depot's exchange for GitHub ID tokens; DEPOT_OIDC_EXCHANGE_URL overrides it. */
export const DEFAULT_EXCHANGE_URL = 'https://github.depot.dev';

export interface GitHubExchangeOptions {
  /** The job's ID token for an audience (the GitHub adapter's idToken). */
  idToken(audience: string): Promise<string>;
  /** Base URL of the exchange; `/auth/oidc/github-actions` is appended. */
  exchangeUrl: string;
  http?: HttpDeps;
}

/** The claims a Depot GitHub trust relationship is matched on. */
const TRUST_CLAIMS = ['sub', 'repository', 'ref', 'aud'] as const;

/** Exchanges the job's GitHub ID token for a Depot token. */
export async function exchangeGitHubToken(options: GitHubExchangeOptions, io: ProviderIo): Promise<string> {
  const idToken = (await options.idToken(DEPOT_AUDIENCE)).trim();
  io.mask(idToken);
  const url = `${options.exchangeUrl.replace(/\/+$/, '')}/auth/oidc/github-actions`;
  const response = await requestWithRetry(
    {
      url,
      method: 'POST',
      json: { token: idToken },
      what: 'the Depot OIDC exchange',
      hint: `Check that ${new URL(url).origin} is reachable from this job (DEPOT_OIDC_EXCHANGE_URL overrides it), or pass a Depot token as the \`token\` input.`,
    },
    options.http,
  );
  const body = parseJson(response.body);
  if (response.status >= 200 && response.status < 300) {
    const token = stringField(body, 'token');
    if (token && (body as { ok?: unknown }).ok !== false) {
      io.mask(token);
      return token;
    }
    throw new UserError(
      `The Depot OIDC exchange answered HTTP ${response.status} without a token${serverSays(body, idToken)}.`,
      'This is unexpected; re-run the job, or pass a Depot token as the `token` input meanwhile.',
    );
  }
  const claims = describeClaims(await readClaims(idToken), TRUST_CLAIMS);
  throw new UserError(
    `Depot refused this job's GitHub OIDC token (HTTP ${response.status}${serverSays(body, idToken)}). Token claims: ${claims}.`,
    'Add a GitHub trust relationship for this repository (owner and repository as in the claims above) in the Depot project settings, or pass a Depot token as the `token` input.',
  );
}

/** The server's own explanation, if it gave one; never echoes the token back. */
function serverSays(body: unknown, secret: string): string {
  const text = stringField(body, 'error') ?? stringField(body, 'message');
  if (!text) return '';
  const flat = text.split(secret).join('***').replace(/\s+/g, ' ').trim();
  return `: ${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}`;
}
