import { COMMANDS, isCommand, runCiCommand, usage } from '@depot-actions/ci-entry';
import { identityProvider, messageOf, UserError } from '@depot-actions/core';
import { BuildkiteAdapter } from './adapter';
import { buildkiteContext } from './context';
import { buildkiteIdentity } from './identity';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Add the depot-install plugin to this step (depot-actions/depot-install), or install the depot CLI on the agent or in the image the step runs in.';

/** The plugin whose hooks run a command: install has its own plugin, so it needs no command hook. */
export const pluginFor = (command: string): string => (command === 'install' ? 'depot-install' : 'depot');

/** The plugins' entry point: `node dist/index.js <install|build|bake>`, run by their hooks. */
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
  });
  adapter.finish(code);
  return code;
}
