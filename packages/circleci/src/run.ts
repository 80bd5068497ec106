import {
  circleciIdentity,
  COMMANDS,
  isCommand,
  outputVariable,
  runCiCommand,
  usage,
  type EarlierBuild,
} from '@depot-actions/ci-entry';
import { identityProvider } from '@depot-actions/core';
import { CircleCiAdapter } from './adapter';
import { circleciContext, DEFAULT_OUTPUT_DIR } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Add the depot/install command before this step (or use the depot/build job), or install the depot CLI in the executor image.';

/**
 * pull without build_id: the build/bake command exports its build-id to $BASH_ENV, which CircleCI
 * sources in every later step of the same job (and only there), so it is this job's last build.
 */
export const EARLIER_BUILD: EarlierBuild = {
  variable: outputVariable('build-id'),
  missing: `No build to pull: the build_id parameter is empty, and no earlier depot/build or depot/bake step of this job exported ${outputVariable('build-id')}.`,
  hint: 'Run depot/pull after depot/build (save: true) or depot/bake in the same job, or set build_id to a build ID, a saved tag (with project), or <project>:<tag>.',
};

/** The orb's entry point: `node index.js <install|build|bake|pull>`, inputs from PARAM_* variables. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = argv[0];
  if (!isCommand(command)) {
    process.stderr.write(usage(command) + '\n');
    return 2;
  }
  const adapter = new CircleCiAdapter({
    env,
    command,
    schema: COMMANDS[command],
    outputDir: env.DEPOT_OUTPUT_DIR || DEFAULT_OUTPUT_DIR,
  });
  const ci = circleciContext(env);
  const code = await runCiCommand(command, {
    adapter,
    ci,
    providers: [identityProvider(circleciIdentity())],
    setupHint: SETUP_HINT,
    earlierBuild: EARLIER_BUILD,
  });
  adapter.finish();
  return code;
}
