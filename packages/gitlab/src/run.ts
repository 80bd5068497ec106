import { join } from 'node:path';
import { COMMANDS, gitlabIdentity, isCommand, runCiCommand, usage } from '@depot-actions/ci-entry';
import { identityProvider } from '@depot-actions/core';
import { GitLabAdapter } from './adapter';
import { gitlabContext, OUTPUT_DIR_NAME } from './context';

type Env = Readonly<Record<string, string | undefined>>;

export const SETUP_HINT =
  'The build and bake components install the CLI themselves; check that the job can reach the CLI download (or a proxy through HTTPS_PROXY), or put the depot CLI in the job image.';

/** The component's entry point: `node index.mjs <install|build|bake>`, inputs from DEPOT_INPUT_* variables. */
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
  });
  adapter.finish();
  return code;
}
