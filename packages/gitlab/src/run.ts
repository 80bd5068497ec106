import { join } from 'node:path';
import {
  COMMANDS,
  gitlabIdentity,
  isCommand,
  outputVariable,
  runCiCommand,
  usage,
  type EarlierBuild,
} from '@depot-actions/ci-entry';
import { identityProvider } from '@depot-actions/core';
import { GitLabAdapter } from './adapter';
import { gitlabContext, OUTPUT_DIR_NAME } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'The build and bake components install the CLI themselves; check that the job can reach the CLI download (or a proxy through HTTPS_PROXY), or put the depot CLI in the job image.';

/**
 * pull without build-id: the build and bake jobs put their build-id in a dotenv report, which GitLab
 * hands to the jobs of later stages (or to the jobs that `needs:` them) as DEPOT_OUTPUT_BUILD_ID.
 */
export const EARLIER_BUILD: EarlierBuild = {
  variable: outputVariable('build-id'),
  missing: `No build to pull: the build-id input is empty, and no earlier depot build or bake job passed ${outputVariable('build-id')} to this one.`,
  hint: 'Run this job after the build (save: true) or bake job: in a later stage, or with needs: [<that job>]; or set build-id to a build ID, a saved tag (with project), or <project>:<tag>.',
};

/** The component's entry point: `node index.mjs <install|build|bake|pull>`, inputs from DEPOT_INPUT_* variables. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = argv[0];
  if (!isCommand(command)) {
    process.stderr.write(usage(command) + '\n');
    return 2;
  }
  const ci = gitlabContext(env);
  const adapter = new GitLabAdapter({
    env,
    command,
    schema: COMMANDS[command],
    outputDir: env.DEPOT_OUTPUT_DIR || join(ci.workspace, OUTPUT_DIR_NAME),
  });
  const code = await runCiCommand(command, {
    adapter,
    ci,
    providers: [identityProvider(gitlabIdentity())],
    setupHint: SETUP_HINT,
    earlierBuild: EARLIER_BUILD,
  });
  adapter.finish();
  return code;
}
