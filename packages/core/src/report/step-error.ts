import type { CiAdapter } from '../adapter';
import { messageOf, UserError } from '../errors';

/** Reports a step's failure: a UserError as one error with its hint, anything else as unexpected. */
export function reportStepError(adapter: CiAdapter, error: unknown): void {
  if (error instanceof UserError) {
    adapter.annotate('error', error.hint ? `${error.message}\nHint: ${error.hint}` : error.message);
  } else {
    adapter.annotate('error', `Unexpected failure: ${messageOf(error)}`);
    if (error instanceof Error && error.stack) adapter.debug(error.stack);
  }
}
