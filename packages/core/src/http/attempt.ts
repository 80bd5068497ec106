// One attempt of a request under the policy's time limits: the answer must start within the
// attempt's time, and its body may not go silent for longer than the stall limit nor grow past a
// size ceiling. Shared by requestWithRetry (small answers) and downloadWithRetry (files).
import type { Transport, TransportRequest, TransportResponse } from './transport';

/** Why an attempt ended without a usable answer, in words for the log. */
export class AttemptError extends Error {
  constructor(
    message: string,
    /** Worth another attempt (network trouble) or not (a ceiling was crossed). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

/**
 * The socket's own idle limit: the stall limit plus a second, so that while a body arrives the
 * stall timer (with its clearer message) fires first; before the headers it is what notices a
 * silent server.
 */
export const socketIdleMs = (stallMs: number, timeoutMs: number): number =>
  Math.min(stallMs + 1000, timeoutMs);

/** Sends the request; rejects with an AttemptError when no answer starts within `timeoutMs`. */
export async function openAttempt(
  transport: Transport,
  request: TransportRequest,
  timeoutMs: number,
): Promise<TransportResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AttemptError(`no answer within ${seconds(timeoutMs)}`, true)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([transport(request), timedOut]);
  } catch (error) {
    throw error instanceof AttemptError ? error : new AttemptError(describeNetworkError(error), true);
  } finally {
    clearTimeout(timer);
  }
}

/** Limits on reading one body. */
export interface BodyLimits {
  /** Bytes beyond which the transfer is cut off (not retried: the server sends too much). */
  maxBytes: number;
  /** No byte for this long fails the attempt (retried). */
  stallMs: number;
  /** The attempt's remaining time. */
  timeoutMs: number;
}

/** Reads a body chunk by chunk within the limits; returns the byte count. */
export async function readBody(
  response: TransportResponse,
  limits: BodyLimits,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<number> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    response.cancel(new Error('too large'));
    throw tooLarge(limits.maxBytes, `the server announced ${declared} bytes`);
  }
  let failure: AttemptError | undefined;
  let interrupt: (error: AttemptError) => void = () => {};
  // Settles only when a limit is hit: raced against each read, so a limit ends the attempt even
  // when the stream itself does not notice the cancel.
  const interrupted = new Promise<never>((_, reject) => {
    interrupt = reject;
  });
  interrupted.catch(() => {});
  const stop = (error: AttemptError): void => {
    failure ??= error;
    response.cancel(error);
    interrupt(error);
  };
  let stall: NodeJS.Timeout | undefined;
  const armStall = (): void => {
    clearTimeout(stall);
    stall = setTimeout(
      () => stop(new AttemptError(`no data for ${seconds(limits.stallMs)}`, true)),
      limits.stallMs,
    );
  };
  const overall = setTimeout(
    () => stop(new AttemptError(`not complete within ${seconds(limits.timeoutMs)}`, true)),
    limits.timeoutMs,
  );
  let bytes = 0;
  const chunks = response.body[Symbol.asyncIterator]();
  armStall();
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), interrupted]);
      if (next.done) break;
      const chunk = next.value;
      armStall();
      bytes += chunk.length;
      if (bytes > limits.maxBytes) {
        stop(tooLarge(limits.maxBytes, 'the transfer went past it'));
        break;
      }
      await onChunk(chunk);
    }
  } catch (error) {
    if (error instanceof AttemptError) throw error;
    throw failure ?? new AttemptError(`the transfer broke off: ${describeNetworkError(error)}`, true);
  } finally {
    clearTimeout(stall);
    clearTimeout(overall);
  }
  if (failure) throw failure;
  return bytes;
}

const tooLarge = (limit: number, detail: string): AttemptError =>
  new AttemptError(`larger than the ${megabytes(limit)} limit (${detail})`, false);

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
const megabytes = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

/**
 * A network error's useful part: Node puts the reason (ECONNREFUSED, ENOTFOUND, ...) in `code`, the
 * proxy tunnel in the message. Read by shape: errors can come from another realm (jest's VM).
 */
export function describeNetworkError(error: unknown): string {
  const field = (value: unknown, name: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  const message = String(field(error, 'message') ?? error);
  const code = field(error, 'code') ?? field(field(error, 'cause'), 'code');
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
