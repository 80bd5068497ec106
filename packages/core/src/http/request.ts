// requestWithRetry: every metadata and credential request of the core (release lookups, packuments,
// checksums, the GitHub ID token, Depot's exchanges, the Buildkite agent API) goes through here, so
// they share one retry policy and the runner's proxy.
import { UserError } from '../errors';
import { AttemptError, openAttempt, readBody, socketIdleMs } from './attempt';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  realClock,
  redactUrl,
  retryAfterMs,
  type HttpClock,
  type RetryPolicy,
} from './policy';
import {
  httpClientTransport,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport';

/** Seams and settings a caller may pass: a fake clock, a tighter policy, a test transport. */
export interface HttpDeps {
  clock?: HttpClock;
  policy?: Partial<RetryPolicy>;
  /** Defaults to @actions/http-client, loaded on the first request. */
  transport?: Transport;
  /** Told before each wait for another attempt (for the step's log). */
  onRetry?: (message: string) => void;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON with a matching content type. */
  json?: unknown;
  /** What this request is, in the user's words, for error messages ("the Depot OIDC exchange"). */
  what: string;
  /** Hint of the error thrown when every attempt failed (e.g. which variable overrides the URL). */
  hint?: string;
  /** A proxy from configuration other than the environment (npm's). */
  proxy?: string;
  /** Largest answer accepted; default 32 MB (a packument with every version is a few MB). */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
  headers: Readonly<Record<string, string | undefined>>;
}

/** Every attempt failed on the network or with 408/429/5xx: the host could not serve the request. */
export class HttpFailure extends UserError {
  constructor(
    message: string,
    hint: string,
    /** The last HTTP status, when the last attempt got one. */
    readonly status: number | undefined,
    /** False when retrying could not help (an answer past the size ceiling). */
    readonly unreachable: boolean,
  ) {
    super(message, hint);
    this.name = 'HttpFailure';
  }
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** What one attempt came to: a result, or a reason to try again (with the server's Retry-After). */
export type Outcome<T> = { done: T } | { retry: string; status?: number; waitMs?: number };

/** The policy with the caller's overrides, resolved once per request. */
export function policyOf(deps: HttpDeps): RetryPolicy {
  return { ...DEFAULT_RETRY, ...deps.policy };
}

/**
 * Sends one attempt of a request through the transport (the HTTP client, loaded on first use),
 * with the socket's idle limit taken from the policy's stall limit.
 */
export async function sendAttempt(
  request: Omit<TransportRequest, 'idleTimeoutMs'>,
  deps: HttpDeps,
  timeoutMs: number,
): Promise<TransportResponse> {
  const transport = deps.transport ?? (await httpClientTransport());
  const idleTimeoutMs = socketIdleMs(policyOf(deps).stallMs, timeoutMs);
  return openAttempt(transport, { ...request, idleTimeoutMs }, timeoutMs);
}

/** The outcome that retries an answer with a retryable status, waiting as its Retry-After asks. */
export const retryStatus = (
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
): Outcome<never> => ({ retry: `HTTP ${status}`, status, waitMs: retryAfterMs(headers['retry-after']) });

/**
 * Runs `attempt` under the policy: retries what `attempt` reports as retryable, waiting with backoff
 * (or Retry-After) inside the time budget; an attempt is given the budget's remaining time at most.
 */
export async function withRetries<T>(
  what: string,
  url: string,
  hint: string | undefined,
  deps: HttpDeps,
  attempt: (timeoutMs: number) => Promise<Outcome<T>>,
): Promise<T> {
  const clock = deps.clock ?? realClock;
  const policy = policyOf(deps);
  const started = clock.now();
  const deadline = started + policy.totalMs;
  let last = '';
  let status: number | undefined;
  let n = 0;
  while (n < policy.attempts) {
    n++;
    let waitMs = 0;
    try {
      const timeout = Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - clock.now()));
      const outcome = await attempt(timeout);
      if ('retry' in outcome) {
        last = outcome.retry;
        status = outcome.status;
        waitMs = outcome.waitMs ?? 0;
      } else return outcome.done;
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      last = error.message;
      status = undefined;
      if (!error.retryable) throw failure(what, url, hint, n, clock.now() - started, last, undefined, false);
    }
    if (n >= policy.attempts) break;
    const wait = Math.max(backoffDelay(n + 1, policy, clock.random), waitMs);
    if (clock.now() + wait >= deadline) break;
    deps.onRetry?.(
      `${capitalize(what)}: ${last}; retrying in ${wait} ms (attempt ${n + 1} of ${policy.attempts})`,
    );
    await clock.sleep(wait);
  }
  throw failure(what, url, hint, n, clock.now() - started, last, status, true);
}

function failure(
  what: string,
  url: string,
  hint: string | undefined,
  attempts: number,
  elapsedMs: number,
  last: string,
  status: number | undefined,
  unreachable: boolean,
): HttpFailure {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'} in ${(elapsedMs / 1000).toFixed(1)} s`;
  return new HttpFailure(
    `${capitalize(what)} failed after ${tries} (last: ${last}).`,
    hint ??
      `Check that ${new URL(url).origin} is reachable from this job (directly or through HTTPS_PROXY), then re-run it.`,
    status,
    unreachable,
  );
}

/** User and password of a URL moved into a Basic authorization header (they never go in a message). */
export function withoutUrlCredentials(
  url: string,
  headers: Record<string, string> = {},
): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  return {
    url: redactUrl(url),
    headers: { ...headers, authorization: `Basic ${basic.toString('base64')}` },
  };
}

/**
 * Sends a request, retrying network errors, stalls, 408, 429 and 5xx within the policy. Returns the
 * first answer that is not retryable (2xx, 3xx, 4xx other than 408/429): the caller decides what a
 * 4xx means. Throws an HttpFailure when every attempt failed or the time budget ran out.
 */
export async function requestWithRetry(request: HttpRequest, deps: HttpDeps = {}): Promise<HttpResponse> {
  const policy = policyOf(deps);
  const target = withoutUrlCredentials(request.url, {
    ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
    accept: 'application/json',
    ...request.headers,
  });
  const sent: Omit<TransportRequest, 'idleTimeoutMs'> = {
    method: request.method,
    url: target.url,
    headers: target.headers,
    ...(request.json !== undefined ? { body: JSON.stringify(request.json) } : {}),
    ...(request.proxy ? { proxy: request.proxy } : {}),
  };
  return withRetries<HttpResponse>(request.what, target.url, request.hint, deps, async (timeoutMs) => {
    const response = await sendAttempt(sent, deps, timeoutMs);
    const chunks: Buffer[] = [];
    await readBody(
      response,
      { maxBytes: request.maxBytes ?? DEFAULT_MAX_BYTES, stallMs: policy.stallMs, timeoutMs },
      (chunk) => {
        chunks.push(chunk);
      },
    );
    const answer = {
      status: response.status,
      body: Buffer.concat(chunks).toString('utf8'),
      headers: response.headers,
    };
    return isRetryableStatus(answer.status) ? retryStatus(answer.status, answer.headers) : { done: answer };
  });
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Parses a JSON body, or undefined when it is not JSON (an HTML error page from a proxy, say). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A string field of a parsed JSON object, or undefined. */
export function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' ? field : undefined;
}
