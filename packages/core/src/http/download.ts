// downloadWithRetry: a file streamed to disk under the shared retry policy, with a size ceiling and
// the stall limit, and every chunk shown to an observer (hashing, unpacked-size checks) while it
// arrives, so nothing has to read the file again after the last byte.
import { open } from 'node:fs/promises';
import { AttemptError, readBody } from './attempt';
import { isRetryableStatus } from './policy';
import {
  policyOf,
  retryStatus,
  sendAttempt,
  withoutUrlCredentials,
  withRetries,
  type HttpDeps,
} from './request';

/** Sees each chunk of one attempt; a fresh one is made per attempt. */
export interface DownloadObserver {
  /** A promise holds the download back until it settles (the observer's own output is behind). */
  update(chunk: Buffer): void | Promise<void>;
  /** The attempt failed: stop whatever the observer was writing (a new attempt gets a new one). */
  discard?(): void;
}

export interface DownloadRequest<O extends DownloadObserver> {
  url: string;
  /** Created (0600) or truncated per attempt. */
  dest: string;
  /** What this is, for messages ("the depot CLI archive"). */
  what: string;
  hint?: string;
  headers?: Record<string, string>;
  proxy?: string;
  /** Bytes past which the download is cut off and not retried. */
  maxBytes: number;
  observe(): O;
}

/** A 4xx answer (other than 408/429) to a download: the file is not there for us. */
export class DownloadRefused extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${url}: HTTP ${status}`);
    this.name = 'DownloadRefused';
  }
}

/**
 * Downloads `url` to `dest`, retrying network errors, stalls and 408/429/5xx within the policy.
 * Returns the byte count and the observer of the attempt that completed. Throws DownloadRefused for
 * other error statuses and HttpFailure when retries are exhausted or the ceiling is crossed.
 */
export async function downloadWithRetry<O extends DownloadObserver>(
  request: DownloadRequest<O>,
  deps: HttpDeps = {},
): Promise<{ bytes: number; observer: O }> {
  const policy = policyOf(deps);
  const target = withoutUrlCredentials(request.url, request.headers);
  return withRetries<{ bytes: number; observer: O }>(
    request.what,
    target.url,
    request.hint,
    deps,
    async (timeoutMs) => {
      const response = await sendAttempt(
        {
          method: 'GET',
          url: target.url,
          headers: target.headers,
          ...(request.proxy ? { proxy: request.proxy } : {}),
        },
        deps,
        timeoutMs,
      );
      if (response.status < 200 || response.status > 299) {
        response.cancel(new Error('unwanted'));
        if (!isRetryableStatus(response.status)) throw new DownloadRefused(target.url, response.status);
        return retryStatus(response.status, response.headers);
      }
      const observer = request.observe();
      const file = await open(request.dest, 'w', 0o600);
      try {
        const bytes = await readBody(
          response,
          { maxBytes: request.maxBytes, stallMs: policy.stallMs, timeoutMs },
          async (chunk) => {
            await observer.update(chunk);
            await file.write(chunk);
          },
        );
        return { done: { bytes, observer } };
      } catch (error) {
        observer.discard?.();
        if (error instanceof AttemptError) throw error;
        throw new AttemptError(`writing ${request.dest} failed: ${String(error)}`, false);
      } finally {
        await file.close();
      }
    },
  );
}
