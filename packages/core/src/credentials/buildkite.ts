import { UserError } from '../errors';
import { parseJson, requestWithRetry, stringField, type HttpDeps } from './http';
import { DEPOT_AUDIENCE } from './jwt';
import type { ProviderIo } from './resolve';

/**
 * Buildkite OIDC: the agent API mints a JWT for the running job, which Depot accepts as the token
 * itself. This is the request `buildkite-agent oidc request-token --audience https://depot.dev`
 * makes, and what the depot CLI's own Buildkite provider does, without needing the agent binary
 * (it is often absent inside build containers; the token and job ID are enough).
 */

/** The agent API, unless the agent says otherwise in BUILDKITE_AGENT_ENDPOINT. */
export const DEFAULT_BUILDKITE_AGENT_ENDPOINT = 'https://agent.buildkite.com/v3';

export interface BuildkiteOptions {
  /** BUILDKITE_AGENT_ENDPOINT. */
  endpoint: string;
  /** BUILDKITE_AGENT_ACCESS_TOKEN: the agent's session token, itself a secret. */
  accessToken: string;
  /** BUILDKITE_JOB_ID. */
  jobId: string;
  http?: HttpDeps;
}

/** Requests an OIDC token for audience https://depot.dev for this job. */
export async function buildkiteToken(options: BuildkiteOptions, io: ProviderIo): Promise<string> {
  io.mask(options.accessToken);
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const response = await requestWithRetry(
    {
      url: `${endpoint}/jobs/${encodeURIComponent(options.jobId)}/oidc/tokens`,
      method: 'POST',
      headers: { authorization: `Token ${options.accessToken}` },
      json: { audience: DEPOT_AUDIENCE },
      what: 'the Buildkite agent API (OIDC token request)',
      hint: `Check that ${new URL(endpoint).origin} is reachable from this step (the agent sets BUILDKITE_AGENT_ENDPOINT).`,
    },
    options.http,
  );
  const token = stringField(parseJson(response.body), 'token');
  if (response.status === 200 && token) {
    io.mask(token);
    return token;
  }
  const reason = stringField(parseJson(response.body), 'message') ?? `HTTP ${response.status}`;
  throw new UserError(
    `The Buildkite agent refused to issue an OIDC token for job ${options.jobId}: ${reason}.`,
    'Run the step on an agent that supports OIDC tokens, make sure BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID reach this process, or set DEPOT_TOKEN.',
  );
}
