// The job's OIDC ID token, from the runner's token service: what @actions/core's getIDToken does,
// with this project's bounded retries. A module of its own so that only a step that asks for a
// token loads the HTTP client.
import { parseJson, requestWithRetry, stringField, UserError } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/** Requests an ID token for `audience`; the request token and the answer are masked first. */
export async function requestIdToken(
  env: Env,
  audience: string,
  mask: (secret: string) => void,
): Promise<string> {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new UserError(
      'This job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL or _TOKEN is not set).',
      'Add `permissions:` with `id-token: write` (and `contents: read`) to the job.',
    );
  }
  mask(requestToken);
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  const response = await requestWithRetry({
    url: url.toString(),
    method: 'GET',
    headers: { authorization: `bearer ${requestToken}` },
    what: "GitHub's OIDC token service",
  });
  const value = stringField(parseJson(response.body), 'value');
  if (response.status !== 200 || !value) {
    throw new UserError(
      `GitHub did not issue an OIDC token for audience ${audience} (HTTP ${response.status}).`,
      'Check that the job has `permissions: id-token: write`, then re-run it.',
    );
  }
  mask(value);
  return value;
}
