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

/** A bad input value: names the input, the value and what is accepted. */
export class InputError extends UserError {
  constructor(
    readonly input: string,
    value: string,
    accepted: string,
  ) {
    super(`Invalid value for input "${input}": ${JSON.stringify(oneLine(value))}. Expected ${accepted}.`);
    this.name = 'InputError';
  }
}

/** Keeps error messages to one line even when the offending value spans several. */
export function oneLine(value: string, max = 120): string {
  const flat = value.replace(/\r?\n/g, '\\n');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Message of anything thrown, for places that must report a failure without knowing its type. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
