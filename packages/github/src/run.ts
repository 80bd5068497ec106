import { cleanupStep, LAST_BUILD_ID_ENV, reportStepError, type StepContext } from '@depot-actions/core';
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
 * The GitHub adapter, also exporting a step's `build-id` output as DEPOT_ACTIONS_BUILD_ID, which
 * a later pull step of the job uses when its build-id input is empty. (Not DEPOT_BUILD_ID: the
 * depot CLI reads that one to join an existing build, so a later build would reuse this one.)
 */
class BuildIdExporter extends GitHubAdapter {
  override output(name: string, value: string): void {
    super.output(name, value);
    if (name === 'build-id' && value) this.exportEnv(LAST_BUILD_ID_ENV, value);
  }
}

/**
 * The entry point of an action that runs the engine (build-push, bake): main runs the step,
 * post removes its temp files, even after a failure or cancel.
 */
export async function runEngineAction(main: (step: StepContext) => Promise<number>): Promise<void> {
  const adapter = new BuildIdExporter(process.env);
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
