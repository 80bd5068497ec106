/**
 * An error meant for the person running the step: one line that says what is wrong,
 * plus a hint for the fix. Front-ends decide how to show it (annotation, log line, exit code).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A bad input value: names the input, the value and what is accepted. A secret input's value is
 * never repeated: the message says how long it was instead.
 */
export class InputError extends UserError {
  constructor(
    readonly input: string,
    value: string,
    accepted: string,
    secret = false,
  ) {
    const shown = secret ? `(hidden, ${value.length} characters)` : quoteOneLine(value);
    super(`Invalid value for input "${input}": ${shown}. Expected ${accepted}.`);
    this.name = 'InputError';
  }
}

/** Quotes a value on one line (JSON escapes newlines), cut short if it is long. */
export function quoteOneLine(value: string, max = 120): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Message of anything thrown, for places that must report a failure without knowing its type. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
