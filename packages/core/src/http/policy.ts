// The one retry policy of every request this project makes (installs and credentials alike): a few
// attempts with exponential backoff and jitter, Retry-After honoured, an overall time budget, and a
// stall limit (no bytes for that long means the attempt failed). Pure: no network code here, so the
// credential and install modules can describe requests without loading the HTTP client.

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
  /** An attempt that receives no byte for this long (before or after the headers) has failed. */
  stallMs: number;
}

/** At most 4 attempts and 20 s in all; waits of up to 1 s, 2 s, 4 s (at least half of each). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  totalMs: 20_000,
  baseDelayMs: 1_000,
  attemptTimeoutMs: 10_000,
  stallMs: 30_000,
};

export const realClock: HttpClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Network errors, timeouts, 408, 429 and 5xx may succeed on another try; other statuses will not. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

/** Wait before attempt `next` (2, 3, ...): exponential, with "equal jitter" so clients spread out. */
export function backoffDelay(next: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = policy.baseDelayMs * 2 ** (next - 2);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Retry-After in seconds, as 429 and 503 may send it; dates and junk count as no wait. */
export function retryAfterMs(value: string | undefined): number {
  return value && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : 0;
}

/** URL without user:password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}
