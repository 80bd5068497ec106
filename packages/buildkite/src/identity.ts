import {
  parseJson,
  requestWithRetry,
  stringField,
  UserError,
  type CiIdentity,
  type HttpDeps,
} from '@depot-actions/core';

/**
 * Buildkite's OIDC identity: the agent API mints a JWT for the running job, which Depot accepts
 * as the token itself. This is the request `buildkite-agent oidc request-token --audience
 * https://depot.dev` makes, and what the depot CLI's own Buildkite provider does, without needing
 * the agent binary (often absent inside build containers; the token and job ID are enough).
 */

/** The agent API, unless the agent says otherwise in BUILDKITE_AGENT_ENDPOINT. */
export const DEFAULT_BUILDKITE_AGENT_ENDPOINT = 'https://agent.buildkite.com/v3';

type Env = Readonly<Record<string, string | undefined>>;
const value = (env: Env, name: string): string => (env[name] ?? '').trim();

/**
 * The job's identity from the agent API. Needs BUILDKITE_AGENT_ACCESS_TOKEN (the agent's session
 * token, itself a secret) and BUILDKITE_JOB_ID; BUILDKITE_AGENT_ENDPOINT is honoured.
 */
export function buildkiteIdentity(http?: HttpDeps): CiIdentity {
  return {
    source: 'Buildkite OIDC',
    depotToken: 'direct',
    available: (ci) =>
      value(ci.env, 'BUILDKITE_AGENT_ACCESS_TOKEN') !== '' && value(ci.env, 'BUILDKITE_JOB_ID') !== '',
    async idToken(audience, ci, io) {
      const accessToken = value(ci.env, 'BUILDKITE_AGENT_ACCESS_TOKEN');
      const jobId = value(ci.env, 'BUILDKITE_JOB_ID');
      io.mask(accessToken);
      const endpoint = (
        value(ci.env, 'BUILDKITE_AGENT_ENDPOINT') || DEFAULT_BUILDKITE_AGENT_ENDPOINT
      ).replace(/\/+$/, '');
      const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
      if (!url || !/^https?:$/.test(url.protocol)) {
        throw new UserError(
          `BUILDKITE_AGENT_ENDPOINT is not an http(s) URL: ${JSON.stringify(endpoint)}.`,
          `Leave it to the agent, which sets it (such as ${DEFAULT_BUILDKITE_AGENT_ENDPOINT}), or set DEPOT_TOKEN.`,
        );
      }
      const response = await requestWithRetry(
        {
          url: `${endpoint}/jobs/${encodeURIComponent(jobId)}/oidc/tokens`,
          method: 'POST',
          headers: { authorization: `Token ${accessToken}` },
          json: { audience },
          what: 'the Buildkite agent API (OIDC token request)',
          hint: `Check that ${url.origin} is reachable from this step (the agent sets BUILDKITE_AGENT_ENDPOINT).`,
        },
        http,
      );
      const token = stringField(parseJson(response.body), 'token');
      if (response.status === 200 && token) {
        io.mask(token);
        return token;
      }
      const reason = stringField(parseJson(response.body), 'message') ?? `HTTP ${response.status}`;
      throw new UserError(
        `The Buildkite agent refused to issue an OIDC token for job ${jobId}: ${reason}.`,
        'Run the step on an agent that supports OIDC tokens, make sure BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID reach this process, or set DEPOT_TOKEN.',
      );
    },
  };
}
