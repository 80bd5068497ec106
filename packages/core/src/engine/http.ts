// HTTP for installing the CLI: Node's fetch with bounded retries, and downloads streamed to a file
// while they are hashed. Only the download path loads this module (see install.ts).
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Digests, SriAlgorithm } from './verify';

/** A request that failed; `status` is undefined when no HTTP answer arrived (DNS, refused, reset, timeout). */
export class HttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`GET ${redactUrl(url)}: ${detail}`);
    this.name = 'HttpError';
  }
}

/** Whether a failure means the host could not serve us (as opposed to "no such file"). */
export function isUnreachable(error: unknown): boolean {
  return error instanceof HttpError && (error.status === undefined || retryableStatus(error.status));
}

const retryableStatus = (status: number): boolean => status >= 500 || status === 429 || status === 408;

export interface HttpOptions {
  /** Attempts per request, including the first. */
  attempts: number;
  /** Delay before the first retry; doubles per retry, capped at 10 s. */
  retryDelayMs: number;
  /** Per-attempt time limit. */
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Told about each retry. */
  onRetry?: (message: string) => void;
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

/** fetch() refuses URLs with credentials: move user:password of a mirror URL into a Basic header. */
function prepare(url: string, headers: Record<string, string> = {}): [string, Record<string, string>] {
  const u = new URL(url);
  if (!u.username && !u.password) return [url, headers];
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  u.username = '';
  u.password = '';
  return [u.href, { ...headers, authorization: `Basic ${basic.toString('base64')}` }];
}

/** Runs one attempt function with retries on unreachable hosts and 5xx/429/408 answers. */
async function withRetries<T>(url: string, options: HttpOptions, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const wrapped = error instanceof HttpError ? error : new HttpError(url, undefined, describe(error));
      if (n >= options.attempts || !isUnreachable(wrapped)) throw wrapped;
      const delay = Math.min(options.retryDelayMs * 2 ** (n - 1), 10_000);
      options.onRetry?.(
        `${wrapped.message}; retrying in ${delay} ms (attempt ${n + 1} of ${options.attempts})`,
      );
      await sleep(delay);
    }
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}
// Duck-typed: fetch's errors may come from another realm (jest's VM), where instanceof Error fails.
const errorLike = (value: unknown): ErrorLike | undefined =>
  typeof value === 'object' && value !== null && 'message' in value ? (value as ErrorLike) : undefined;

/** A network error's most useful text: undici puts the reason (ECONNREFUSED, ...) in `cause`. */
function describe(error: unknown): string {
  const e = errorLike(error);
  if (!e) return String(error);
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = errorLike(e.cause);
  if (!cause) return String(e.message);
  return `${String(e.message)} (${String(cause.code ?? cause.message)})`;
}

async function request(url: string, options: HttpOptions): Promise<Response> {
  const [href, headers] = prepare(url, options.headers);
  const response = await fetch(href, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new HttpError(url, response.status, `HTTP ${response.status} ${response.statusText}`.trim());
  }
  return response;
}

/** GETs text; a 404 is `undefined` (the file is not published), other failures throw HttpError. */
export async function fetchText(url: string, options: HttpOptions): Promise<string | undefined> {
  try {
    return await withRetries(url, options, async () => (await request(url, options)).text());
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  }
}

/** GETs and parses JSON; any failure (404 included) throws. */
export async function fetchJson(url: string, options: HttpOptions): Promise<unknown> {
  const text = await withRetries(url, options, async () => (await request(url, options)).text());
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(url, 200, `the answer is not JSON: ${text.slice(0, 80)}`);
  }
}

/**
 * Downloads a URL to `dest` (created or truncated per attempt), hashing it on the way, and returns
 * the digests asked for. A body cut off mid-way counts as unreachable and is retried.
 */
export async function downloadFile(
  url: string,
  dest: string,
  algorithms: readonly SriAlgorithm[],
  options: HttpOptions,
): Promise<{ digests: Digests; bytes: number }> {
  return withRetries(url, options, async () => {
    const response = await request(url, options);
    const hashes = new Map<SriAlgorithm, Hash>(algorithms.map((a) => [a, createHash(a)]));
    const file = await open(dest, 'w', 0o600);
    let bytes = 0;
    try {
      if (!response.body) throw new HttpError(url, response.status, 'empty answer');
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        for (const hash of hashes.values()) hash.update(chunk);
        await file.write(chunk);
        bytes += chunk.byteLength;
      }
    } catch (error) {
      throw error instanceof HttpError
        ? error
        : new HttpError(url, undefined, `download interrupted: ${describe(error)}`);
    } finally {
      await file.close();
    }
    const digests: Digests = {};
    for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest('hex');
    return { digests, bytes };
  });
}
