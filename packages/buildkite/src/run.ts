import { COMMANDS, isCommand, runCiCommand, usage, type EarlierBuild } from '@depot-actions/ci-entry';
import { identityProvider, messageOf, UserError } from '@depot-actions/core';
import { BuildkiteAdapter } from './adapter';
import { buildkiteContext } from './context';
import { buildkiteIdentity } from './identity';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Add the depot-install plugin to this step (depot-actions/depot-install), or install the depot CLI on the agent or in the image the step runs in.';

/** The plugin whose hooks run a command: install has its own plugin, so it needs no command hook. */
export const pluginFor = (command: string): string => (command === 'install' ? 'depot-install' : 'depot');

/**
 * pull needs its build-id on Buildkite: build meta-data (depot-build-id) is shared by every step of
 * the build, so with parallel or matrix build steps "the earlier build" is whichever finished last.
 * A saved tag names one build without that race, and pipeline.yml can spell it at upload time.
 */
export const EARLIER_BUILD: EarlierBuild = {
  missing: "No build to pull: the depot plugin's pull command needs the build-id option.",
  hint: 'Set build-id to a build ID; or build with save: true and save-tag: ci-${BUILDKITE_BUILD_NUMBER}, then pull with project and build-id: ci-${BUILDKITE_BUILD_NUMBER} (pipeline.yml fills the number in at upload).',
};

/** The plugins' entry point: `node dist/index.js <install|build|bake|pull>`, run by their hooks. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = argv[0];
  if (!isCommand(command)) {
    process.stderr.write(usage(command) + '\n');
    return 2;
  }
  let adapter: BuildkiteAdapter;
  try {
    adapter = new BuildkiteAdapter({ env, command, schema: COMMANDS[command], plugin: pluginFor(command) });
  } catch (error) {
    // Before an adapter exists there is no annotation to carry it: one line in the log.
    const hint = error instanceof UserError && error.hint ? ` ${error.hint}` : '';
    process.stderr.write(`^^^ +++\nError: ${messageOf(error)}${hint}\n`);
    return 1;
  }
  const code = await runCiCommand(command, {
    adapter,
    ci: buildkiteContext(env),
    providers: [identityProvider(buildkiteIdentity())],
    setupHint: SETUP_HINT,
    preflight: () => adapter.checkConfiguration(),
    earlierBuild: EARLIER_BUILD,
  });
  adapter.finish(code);
  return code;
}
