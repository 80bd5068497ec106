import { COMMANDS, commandFrom, runCiCommand, type Schema } from '@depot-actions/core';
import { CircleCiAdapter } from './adapter';
import { circleciContext, DEFAULT_OUTPUT_DIR } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Add the depot/install command before this step (or use the depot/build job), or install the depot CLI in the executor image.';

/** The orb's entry point: `node index.js <install|build|bake>`, inputs from PARAM_* variables. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = commandFrom(argv);
  if (!command) return 2;
  const schema: Schema = COMMANDS[command];
  const adapter = new CircleCiAdapter({
    env,
    command,
    schema,
    outputDir: env.DEPOT_OUTPUT_DIR || DEFAULT_OUTPUT_DIR,
  });
  const code = await runCiCommand(command, adapter, circleciContext(env), SETUP_HINT);
  adapter.finish();
  return code;
}
