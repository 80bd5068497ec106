// The install path's requests, on the core's one HTTP layer: metadata (release lookups, checksums,
// packuments) with a short budget, archives with a long one, and one way to tell "the host could not
// serve us" (try the next source) from "the file is not there" (a fact about the version or mirror).
import { UserError } from '../errors';
import { redactUrl, type RetryPolicy } from '../http/policy';
import { HttpFailure, parseJson, requestWithRetry, type HttpDeps } from '../http/request';

/** An answer that is not what the install needs: a 404, a 403, a body that is not JSON. */
export class HttpError extends UserError {
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`GET ${redactUrl(url)}: ${detail}`);
    this.name = 'HttpError';
  }
}

/** Whether a failure means the host could not serve us (as opposed to "no such file"). */
export const isUnreachable = (error: unknown): boolean => error instanceof HttpFailure && error.unreachable;

/** Retry settings of the install path; the first retry delay and the stall limit can be tuned by env. */
export function installPolicies(env: Readonly<Record<string, string | undefined>>): {
  metadata: Partial<RetryPolicy>;
  archive: Partial<RetryPolicy>;
} {
  const number = (name: string, fallback: number): number => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const baseDelayMs = number('DEPOT_INSTALL_RETRY_DELAY_MS', 1_000);
  const stallMs = number('DEPOT_INSTALL_STALL_TIMEOUT_MS', 30_000);
  return {
    metadata: { attempts: 4, baseDelayMs, stallMs, attemptTimeoutMs: 30_000, totalMs: 90_000 },
    archive: { attempts: 4, baseDelayMs, stallMs, attemptTimeoutMs: 10 * 60_000, totalMs: 15 * 60_000 },
  };
}

/** How one install request is sent. */
export interface InstallHttp {
  deps: HttpDeps;
  what: string;
  headers?: Record<string, string>;
  proxy?: string;
}

/** GETs text; a 404 is `undefined` (the file is not published), other error statuses throw HttpError. */
export async function fetchText(url: string, http: InstallHttp): Promise<string | undefined> {
  const response = await requestWithRetry(
    {
      url,
      method: 'GET',
      what: http.what,
      ...(http.headers ? { headers: http.headers } : {}),
      ...(http.proxy ? { proxy: http.proxy } : {}),
    },
    http.deps,
  );
  if (response.status === 404) return undefined;
  if (response.status < 200 || response.status > 299)
    throw new HttpError(url, response.status, `HTTP ${response.status}`);
  return response.body;
}

/** GETs and parses JSON; any error status (404 included) or a body that is not JSON throws HttpError. */
export async function fetchJson(url: string, http: InstallHttp): Promise<unknown> {
  const text = await fetchText(url, http);
  if (text === undefined) throw new HttpError(url, 404, 'HTTP 404');
  const value = parseJson(text);
  if (value === undefined)
    throw new HttpError(url, 200, `the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  return value;
}
