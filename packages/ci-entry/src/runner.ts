import {
  bakeMain,
  buildPushMain,
  cleanupStep,
  pullMain,
  reportStepError,
  setupMain,
  type CiAdapter,
  type CiContext,
  type CredentialProvider,
  type StepContext,
} from '@depot-actions/core';
import type { Command } from './commands';
import { pullContext, type EarlierBuild } from './earlier-build';

/** What a front-end hands the runner: the same context the GitHub entry points build. */
export interface CiEntry {
  adapter: CiAdapter;
  ci: CiContext;
  /** The job's identity, as credential providers (see identity.ts). */
  providers: readonly CredentialProvider[];
  /** How to get the depot CLI onto this CI, for the "depot not found" error. */
  setupHint: string;
  /** Checks before the step runs (unknown options, ...); a throw is reported like a step failure. */
  preflight?: () => void;
  /** pull: where an earlier build step of the job left its build-id, if anywhere. */
  earlierBuild: EarlierBuild;
}

/**
 * Runs one command to its exit code. These CIs have no post phase, so the step's temp directory is
 * removed here whatever happened (and by the CI's own cleanup hook or step after a cancel).
 */
export async function runCiCommand(command: Command, entry: CiEntry): Promise<number> {
  const { adapter, ci, providers, setupHint } = entry;
  const step: StepContext = { adapter, ci, providers, setupHint };
  try {
    entry.preflight?.();
    // Setup takes the identity from the same context as GitHub's setup entry ({ adapter, ci, providers }).
    if (command === 'install') return await setupMain({ adapter, ci, providers });
    if (command === 'pull')
      return await pullMain({ ...step, ci: pullContext(adapter, ci, entry.earlierBuild) });
    return await (command === 'build' ? buildPushMain(step) : bakeMain(step));
  } catch (error) {
    reportStepError(adapter, error);
    return 1;
  } finally {
    cleanupStep(adapter);
  }
}
