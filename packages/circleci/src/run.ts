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
  type CiAdapter,
  type CiContext,
  type Schema,
} from '@depot-actions/core';
import { CircleCiAdapter } from './adapter';
import { circleciContext, DEFAULT_OUTPUT_DIR } from './context';

type Env = Readonly<Record<string, string | undefined>>;

/** The orb's commands and the option schema each one reads. */
export const COMMANDS = { install: setupSchema, build: buildSchema, bake: bakeSchema } as const;
export type Command = keyof typeof COMMANDS;

export const isCommand = (value: string | undefined): value is Command =>
  value !== undefined && Object.hasOwn(COMMANDS, value);

export const SETUP_HINT =
  'Add the depot/install command before this step (or use the depot/build job), or install the depot CLI in the executor image.';

/**
 * `oidc: true` on CircleCI checks that the job's identity yields Depot credentials and stops with
 * the fix when it does not. It never exports the token: $BASH_ENV is a plain file every later
 * step sources, and the build/bake commands (and the depot CLI) read CIRCLE_OIDC_TOKEN_V2 themselves.
 */
export async function checkOidc(adapter: CiAdapter, ci: CiContext): Promise<void> {
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
    `Depot credentials: ${credentials.source} (not exported: later depot steps and the depot CLI find them by themselves)`,
  );
}

/** Runs one command against an adapter; a UserError becomes one error message with its hint. */
export async function runCommand(
  command: Command,
  adapter: CiAdapter & { overrideInput(name: string, value: string): void },
  ci: CiContext,
  setupHint: string,
): Promise<number> {
  try {
    if (command === 'install') {
      if (parseBoolean('oidc', adapter.input('oidc'))) await checkOidc(adapter, ci);
      adapter.overrideInput('oidc', 'false');
      return await setupMain({ adapter, ci });
    }
    const step = { adapter, ci, providers: providersFor(ci.provider), setupHint };
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
    // No post phase on CircleCI: the step's temp directory goes now, whatever happened.
    cleanupStep(adapter);
  }
}

/** The orb's entry point: `node index.js <install|build|bake>`, inputs from PARAM_* variables. */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const command = argv[0];
  if (!isCommand(command)) {
    process.stderr.write(`Usage: index.js install|build|bake (got ${JSON.stringify(command ?? '')})\n`);
    return 2;
  }
  const schema: Schema = COMMANDS[command];
  const adapter = new CircleCiAdapter({
    env,
    command,
    schema,
    outputDir: env.DEPOT_OUTPUT_DIR || DEFAULT_OUTPUT_DIR,
  });
  const code = await runCommand(command, adapter, circleciContext(env), SETUP_HINT);
  adapter.finish();
  return code;
}
