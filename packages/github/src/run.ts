import { cleanupStep, reportStepError, type StepContext } from '@depot-actions/core';
import { GitHubAdapter } from './adapter';
import { prepareFileCommands } from './commands';
import { githubContext } from './context';
import { githubProviders } from './credentials';

/**
 * Runs one phase of an action and turns its outcome into the exit code. A UserError becomes one
 * error annotation with its hint; anything else is reported as an unexpected failure.
 */
export async function runPhase(adapter: GitHubAdapter, phase: () => Promise<number>): Promise<void> {
  try {
    await prepareFileCommands();
    process.exitCode = await phase();
  } catch (error) {
    reportStepError(adapter, error);
    process.exitCode = 1;
  } finally {
    adapter.resumeCommands();
  }
}

/** Main and post run the same bundle (as in docker's actions); main leaves this state for post to see. */
export const POST_STATE = 'isPost';

export const SETUP_HINT =
  'Add `- uses: depot-actions/depot-actions/actions/setup@v1` before this step, or install the depot CLI on the runner.';

/**
 * The entry point of an action that runs the engine (build-push, bake): main runs the step,
 * post removes its temp files, even after a failure or cancel.
 */
export async function runEngineAction(main: (step: StepContext) => Promise<number>): Promise<void> {
  const adapter = new GitHubAdapter(process.env);
  if (adapter.getState(POST_STATE)) {
    await runPhase(adapter, async () => {
      cleanupStep(adapter);
      return 0;
    });
    return;
  }
  await runPhase(adapter, () => {
    adapter.saveState(POST_STATE, 'true');
    return main({
      adapter,
      ci: githubContext(process.env),
      providers: githubProviders(process.env, adapter),
      setupHint: SETUP_HINT,
    });
  });
}
