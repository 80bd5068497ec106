import {
  COMMANDS,
  commandFrom,
  messageOf,
  optionNames,
  runCiCommand,
  UserError,
  type Command,
  type Schema,
} from '@depot-actions/core';
import { BuildkiteAdapter } from './adapter';
import { buildkiteContext } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'Install the depot CLI on the agent (or in the image the step runs in), or add `command: install` in a plugin block of this step.';

/** The agent does not enforce plugin.yml, so options the command does not have are refused here. */
function refuseUnknownOptions(command: Command, adapter: BuildkiteAdapter): void {
  const unknown = adapter.unknownOptions();
  if (unknown.length) {
    throw new UserError(
      `The depot plugin's ${command} command has no option ${unknown.map((n) => JSON.stringify(n)).join(', ')}.`,
      `Options of ${command}: command, ${optionNames(COMMANDS[command]).join(', ')}.`,
    );
  }
}

/** The plugin's entry point: `node dist/index.js <install|build|bake>`, run by the hooks. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = commandFrom(argv);
  if (!command) return 2;
  const schema: Schema = COMMANDS[command];
  let adapter: BuildkiteAdapter;
  try {
    adapter = new BuildkiteAdapter({ env, command, schema });
  } catch (error) {
    process.stderr.write(`^^^ +++\nError: ${messageOf(error)}\n`);
    return 1;
  }
  const code = await runCiCommand(command, adapter, buildkiteContext(env), SETUP_HINT, () =>
    refuseUnknownOptions(command, adapter),
  );
  adapter.finish(code);
  return code;
}
