import {
  bakeMain,
  bakeSchema,
  buildPushMain,
  buildSchema,
  cleanupStep,
  credentialHelp,
  maskSecret,
  messageOf,
  parseBoolean,
  providersFor,
  resolveCredentials,
  setupMain,
  setupSchema,
  UserError,
  type CiContext,
  type Schema,
} from '@depot-actions/core';
import { BuildkiteAdapter } from './adapter';
import { buildkiteContext } from './context';

type Env = Readonly<Record<string, string | undefined>>;

/** The plugin's commands (its `command` option) and the option schema each one reads. */
export const COMMANDS = { install: setupSchema, build: buildSchema, bake: bakeSchema } as const;
export type Command = keyof typeof COMMANDS;

export const isCommand = (value: string | undefined): value is Command =>
  value !== undefined && Object.hasOwn(COMMANDS, value);

export const SETUP_HINT =
  'Install the depot CLI on the agent (or in the image the step runs in), or add `command: install` in a plugin block of this step.';

/**
 * `oidc: true` checks that the job's identity yields Depot credentials and stops with the fix when
 * it does not. The token is never exported: the build/bake commands and the depot CLI ask the
 * agent for one themselves, and an exported token would outlive its job-scoped lifetime.
 */
async function checkOidc(adapter: BuildkiteAdapter, ci: CiContext): Promise<void> {
  const credentials = await resolveCredentials({
    tokenInput: '',
    ci,
    providers: providersFor(ci.provider),
    mask: (s) => maskSecret(adapter, s),
    warn: (m) => adapter.annotate('warning', m),
  });
  if (credentials.source === 'none')
    throw new UserError('No Depot credentials were found.', credentialHelp(ci.provider));
  adapter.info(
    `Depot credentials: ${credentials.source} (not exported: later depot steps find them by themselves)`,
  );
}

/** The options a command accepts in pipeline.yml (GitHub-only inputs are left out). */
export const optionNames = (schema: Schema): string[] =>
  Object.entries(schema)
    .filter(([, spec]) => !spec.githubOnly)
    .map(([name]) => name);

async function runCommand(command: Command, adapter: BuildkiteAdapter, ci: CiContext): Promise<number> {
  try {
    const unknown = adapter.unknownOptions();
    if (unknown.length) {
      throw new UserError(
        `The depot plugin's ${command} command has no option ${unknown.map((n) => JSON.stringify(n)).join(', ')}.`,
        `Options of ${command}: command, ${optionNames(COMMANDS[command]).join(', ')}.`,
      );
    }
    if (command === 'install') {
      if (parseBoolean('oidc', adapter.input('oidc'))) await checkOidc(adapter, ci);
      adapter.overrideInput('oidc', 'false');
      return await setupMain({ adapter, ci });
    }
    const step = { adapter, ci, providers: providersFor(ci.provider), setupHint: SETUP_HINT };
    return await (command === 'build' ? buildPushMain(step) : bakeMain(step));
  } catch (error) {
    if (error instanceof UserError) {
      adapter.annotate('error', error.hint ? `${error.message}\nHint: ${error.hint}` : error.message);
    } else {
      adapter.annotate('error', `Unexpected failure: ${messageOf(error)}`);
      if (error instanceof Error && error.stack) adapter.debug(error.stack);
    }
    return 1;
  } finally {
    // No post phase for a plugin's command: the step's temp directory goes now, whatever happened.
    cleanupStep(adapter);
  }
}

/** The plugin's entry point: `node dist/index.js <install|build|bake>`, run by the hooks. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = argv[0];
  if (!isCommand(command)) {
    process.stderr.write(`Usage: index.js install|build|bake (got ${JSON.stringify(command ?? '')})\n`);
    return 2;
  }
  const schema: Schema = COMMANDS[command];
  let adapter: BuildkiteAdapter;
  try {
    adapter = new BuildkiteAdapter({ env, command, schema });
  } catch (error) {
    process.stderr.write(`^^^ +++\nError: ${messageOf(error)}\n`);
    return 1;
  }
  const code = await runCommand(command, adapter, buildkiteContext(env));
  adapter.finish(code);
  return code;
}
