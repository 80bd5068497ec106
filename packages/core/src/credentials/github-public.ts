import { UserError } from '../errors';
import { realClock } from '../http/policy';
import { parseJson, requestWithRetry, stringField, type HttpDeps } from '../http/request';
import { DEPOT_AUDIENCE } from './jwt';
import type { ProviderIo } from './resolve';

/**
 * Depot's public-fork OIDC flow (depot/actions-public-oidc): pull requests from forks of public
 * repositories get no GitHub ID token, so the job claims a challenge code, prints it to its own
 * log, and Depot's issuer finds that line in the public job log before it signs a JWT for the
 * run. That JWT is used as the Depot token as is. The wait is bounded by time, not by a count of
 * polls (an issuer that holds each poll open must not stretch it): the challenge line every
 * interval, no poll started after `waitMs`, none allowed to outlast it, then an error.
 */

/** Depot's public-fork issuer; DEPOT_PUBLIC_OIDC_URL overrides it. */
export const DEFAULT_PUBLIC_OIDC_URL = 'https://actions-public-oidc.depot.dev';

export interface PublicForkOptions {
  issuerUrl: string;
  /** The run being vouched for: event name (pull_request), base repository, run ID and attempt. */
  eventName: string;
  repository: string;
  runId: string;
  runAttempt: string;
  /** Prints a line in the job log; the issuer must be able to read the challenge there. */
  info(message: string): void;
  /** Between polls, and between repeats of the challenge line. Default 1000. */
  pollIntervalMs?: number;
  /** How long to wait for the issuer in all. Default 60 000 (the upstream client's 60 × 1 s). */
  waitMs?: number;
  http?: HttpDeps;
}

/** Polls can take long: the issuer looks the run up on GitHub (with its own retries) before answering. */
const POLL_TIMEOUT_MS = 30_000;
/** The last poll still gets this long, so a wait that is nearly over does not end on a cut-off request. */
const LAST_POLL_MS = 1_000;

/** Claims a challenge, shows it, and polls until the issuer hands out the JWT. */
export async function publicForkToken(options: PublicForkOptions, io: ProviderIo): Promise<string> {
  const issuer = options.issuerUrl.replace(/\/+$/, '');
  const hint = `Check that ${new URL(issuer).origin} is reachable from this job (DEPOT_PUBLIC_OIDC_URL overrides it).`;
  const claim = await requestWithRetry(
    {
      url: `${issuer}/claim`,
      method: 'POST',
      json: {
        aud: DEPOT_AUDIENCE,
        eventName: options.eventName,
        repo: options.repository,
        runID: options.runId,
        attempt: options.runAttempt,
      },
      what: 'the public-fork OIDC claim',
      hint,
    },
    options.http,
  );
  const body = parseJson(claim.body);
  const code = stringField(body, 'challengeCode');
  const exchange = stringField(body, 'exchangeURL');
  if (claim.status >= 300 || !code || !exchange) {
    const reason = stringField(body, 'error') ?? `HTTP ${claim.status}`;
    throw new UserError(
      `The public-fork OIDC issuer refused the claim for ${options.repository}: ${reason}.`,
      hint,
    );
  }
  const exchangeUrl = new URL(exchange, `${issuer}/`).toString();
  const interval = options.pollIntervalMs ?? 1000;
  const waitMs = options.waitMs ?? 60_000;
  const clock = options.http?.clock ?? realClock;
  const deadline = clock.now() + waitMs;

  const announce = (): void => options.info(`Waiting for OIDC auth challenge ${code}`);
  announce();
  // Repeated on a timer, not per poll: one poll can take many seconds while the issuer searches.
  const timer = setInterval(announce, interval);
  timer.unref();
  let last = '';
  let polls = 0;
  try {
    while (polls === 0 || clock.now() < deadline) {
      polls++;
      const pollMs = Math.max(LAST_POLL_MS, Math.min(POLL_TIMEOUT_MS, deadline - clock.now()));
      try {
        const response = await requestWithRetry(
          { url: exchangeUrl, method: 'POST', what: 'the public-fork OIDC exchange' },
          {
            ...options.http,
            policy: { attempts: 1, totalMs: pollMs, attemptTimeoutMs: pollMs, stallMs: pollMs },
          },
        );
        const token = response.body.trim();
        if (response.status === 200 && token) {
          io.mask(token);
          return token;
        }
        last = `HTTP ${response.status}`;
      } catch (error) {
        // The protocol: anything but 200 means "not yet"; a network blip is one more "not yet".
        last = error instanceof Error ? error.message : String(error);
      }
      const left = deadline - clock.now();
      if (left > 0) await clock.sleep(Math.min(interval, left));
    }
  } finally {
    clearInterval(timer);
  }
  throw new UserError(
    `OIDC auth challenge ${code} timed out after ${Math.round(waitMs / 1000)} s and ${polls} poll${polls === 1 ? '' : 's'} (last answer: ${last}).`,
    'Depot could not confirm the challenge line in this public job log. Re-run the job; if it keeps failing, run the build from a workflow that has secrets (a Depot token) instead of from the fork.',
  );
}
