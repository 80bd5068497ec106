import { messageOf, UserError, type CiAdapter } from '@depot-actions/core';
import { prepareFileCommands } from './commands';

/**
 * Runs one phase of an action and turns its outcome into the exit code. A UserError becomes one
 * error annotation with its hint; anything else is reported as an unexpected failure.
 */
export async function runPhase(adapter: CiAdapter, phase: () => Promise<number>): Promise<void> {
  try {
    await prepareFileCommands();
    process.exitCode = await phase();
  } catch (error) {
    if (error instanceof UserError) {
      adapter.annotate('error', error.hint ? `${error.message}\nHint: ${error.hint}` : error.message);
    } else {
      adapter.annotate('error', `Unexpected failure: ${messageOf(error)}`);
      if (error instanceof Error && error.stack) adapter.debug(error.stack);
    }
    process.exitCode = 1;
  }
}

/** Main and post run the same bundle (as in docker's actions); main leaves this state for post to see. */
export const POST_STATE = 'isPost';
