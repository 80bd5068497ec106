import { buildPushMain, cleanupStep } from '@depot-actions/core';
import { GitHubAdapter } from './adapter';
import { githubContext } from './context';
import { POST_STATE, runPhase } from './run';

const SETUP_HINT =
  'Add `- uses: depot-actions/depot-actions/actions/setup@v1` before this step, or install the depot CLI on the runner.';

const adapter = new GitHubAdapter(process.env);
if (adapter.getState(POST_STATE)) {
  await runPhase(adapter, async () => {
    cleanupStep(adapter);
    return 0;
  });
} else {
  await runPhase(adapter, () => {
    adapter.saveState(POST_STATE, 'true');
    return buildPushMain({ adapter, ci: githubContext(process.env), providers: [], setupHint: SETUP_HINT });
  });
}
