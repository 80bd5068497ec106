import { circleciIdentity, COMMANDS, isCommand, runCiCommand, usage } from '@depot-actions/ci-entry';
import { identityProvider } from '@depot-actions/core';
import { CircleCiAdapter } from './adapter';
import { circleciContext, DEFAULT_OUTPUT_DIR } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Add the depot/install command before this step (or use the depot/build job), or install the depot CLI in the executor image.';

/** The orb's entry point: `node index.js <install|build|bake>`, inputs from PARAM_* variables. */
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
  });
  adapter.finish();
  return code;
}
