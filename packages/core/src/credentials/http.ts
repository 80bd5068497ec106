import { UserError } from '../errors';

/**
 * HTTP for the credential providers: global `fetch` with bounded retries. Identity endpoints
 * (GitHub's token service, Depot's exchange, the Buildkite agent API) fail transiently often
 * enough that one blip should not fail a build, but a step must never hang on them either, so
 * every request has a fixed attempt count and a total time budget.
 */

/** Time, waiting and randomness, injectable so tests run the backoff with a fake clock. */
export interface HttpClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

/** How hard to try. Delays grow as baseDelayMs × 2^(n-1), half fixed and half random (jitter). */
export interface RetryPolicy {
  attempts: number;
  /** No attempt starts, and no wait runs, past this much time after the first attempt. */
  totalMs: number;
  baseDelayMs: number;
  /** Upper bound of one attempt; further bounded by what is left of totalMs. */
  attemptTimeoutMs: number;
}

/** At most 4 attempts and 20 s in all; waits of up to 1 s, 2 s, 4 s (at least half of each). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  totalMs: 20_000,
  baseDelayMs: 1_000,
  attemptTimeoutMs: 10_000,
};

export interface HttpDeps {
  clock?: HttpClock;
  policy?: Partial<RetryPolicy>;
  /** Defaults to the global fetch, looked up only when a request is made (loading it costs start-up time). */
  fetch?: typeof fetch;
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
}

export interface HttpResponse {
  status: number;
  body: string;
  headers: Headers;
}

export const realClock: HttpClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Network errors, timeouts, 429 and 5xx may succeed on another try; other statuses will not. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/** Wait before attempt `next` (2, 3, ...): exponential, with "equal jitter" so clients spread out. */
export function backoffDelay(next: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = policy.baseDelayMs * 2 ** (next - 2);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Retry-After in seconds, as 429 and 503 may send it; dates and junk are ignored. */
function retryAfterMs(headers: Headers | undefined): number {
  const value = headers?.get('retry-after');
  return value && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : 0;
}

/**
 * Sends a request, retrying network errors, 429 and 5xx within the policy. Returns the first
 * response that is not retryable (2xx, 3xx, 4xx other than 429): the caller decides what a 4xx
 * means. Throws a UserError when every attempt failed or the time budget ran out.
 */
export async function requestWithRetry(request: HttpRequest, deps: HttpDeps = {}): Promise<HttpResponse> {
  const clock = deps.clock ?? realClock;
  const policy = { ...DEFAULT_RETRY, ...deps.policy };
  const doFetch = deps.fetch ?? globalThis.fetch;
  const started = clock.now();
  const deadline = started + policy.totalMs;
  let lastFailure = '';
  let attempt = 0;
  while (attempt < policy.attempts) {
    attempt++;
    let response: HttpResponse | undefined;
    try {
      const timeout = Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - clock.now()));
      const res = await doFetch(request.url, {
        method: request.method,
        headers: {
          ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
          accept: 'application/json',
          ...request.headers,
        },
        body: request.json !== undefined ? JSON.stringify(request.json) : undefined,
        signal: AbortSignal.timeout(timeout),
      });
      response = { status: res.status, body: await res.text(), headers: res.headers };
      if (!isRetryableStatus(res.status)) return response;
      lastFailure = `HTTP ${res.status}`;
    } catch (error) {
      lastFailure = describeNetworkError(error);
    }
    if (attempt >= policy.attempts) break;
    const wait = Math.max(backoffDelay(attempt + 1, policy, clock.random), retryAfterMs(response?.headers));
    if (clock.now() + wait >= deadline) break;
    await clock.sleep(wait);
  }
  const elapsed = ((clock.now() - started) / 1000).toFixed(1);
  throw new UserError(
    `${capitalize(request.what)} failed after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${elapsed} s (last: ${lastFailure}).`,
    request.hint ?? `Check that ${new URL(request.url).origin} is reachable from this job, then re-run it.`,
  );
}

/**
 * fetch wraps the interesting part (ECONNREFUSED, ENOTFOUND, ...) in `cause`. Checked by shape, not
 * instanceof: these errors can come from another realm (DOMException, undici's own TypeError).
 */
function describeNetworkError(error: unknown): string {
  const field = (value: unknown, name: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  const name = field(error, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  const message = String(field(error, 'message') ?? error);
  const cause = field(error, 'cause');
  const detail = field(cause, 'code') ?? field(cause, 'message');
  return detail ? `${message} (${String(detail)})` : message;
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
