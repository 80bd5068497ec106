import type { CiAdapter } from './adapter';
import type { CiContext } from './ci';
import { providersFor } from './credentials/providers';
import { messageOf, UserError } from './errors';
import { bakeSchema } from './options/bake';
import { buildSchema } from './options/build';
import type { Schema } from './options/schema';
import { setupSchema } from './options/setup';
import { bakeMain } from './steps/bake';
import { buildPushMain } from './steps/build-push';
import { cleanupStep } from './steps/engine-step';
import { setupMain } from './steps/setup';

// What the CircleCI orb and the Buildkite plugin share: one command per step (install, build,
// bake) over the same schemas and steps as the GitHub actions, and no post phase.

/** The commands of the orb and the plugin, and the option schema each one reads. */
export const COMMANDS = { install: setupSchema, build: buildSchema, bake: bakeSchema } as const;
export type Command = keyof typeof COMMANDS;

export const isCommand = (value: string | undefined): value is Command =>
  value !== undefined && Object.hasOwn(COMMANDS, value);

/** The command an orb/plugin entry was started with (`node index.js <command>`); usage on stderr if none. */
export function commandFrom(argv: readonly string[]): Command | undefined {
  const command = argv[0];
  if (isCommand(command)) return command;
  process.stderr.write(`Usage: index.js install|build|bake (got ${JSON.stringify(command ?? '')})\n`);
  return undefined;
}

/** The options a command accepts outside GitHub (GitHub-only inputs are left out). */
export const optionNames = (schema: Schema): string[] =>
  Object.entries(schema)
    .filter(([, spec]) => !spec.githubOnly)
    .map(([name]) => name);

/** Reports a step's failure: a UserError as one error with its hint, anything else as unexpected. */
export function reportStepError(adapter: CiAdapter, error: unknown): void {
  if (error instanceof UserError) {
    adapter.annotate('error', error.hint ? `${error.message}\nHint: ${error.hint}` : error.message);
  } else {
    adapter.annotate('error', `Unexpected failure: ${messageOf(error)}`);
    if (error instanceof Error && error.stack) adapter.debug(error.stack);
  }
}

/** An adapter whose inputs a command can override (install turns oidc off after checking it). */
export type CommandAdapter = CiAdapter & { overrideInput(name: string, value: string): void };

/**
 * Runs one orb/plugin command to its exit code. These CIs have no post phase, so the step's temp
 * directory is removed here, whatever happened.
 */
export async function runCiCommand(
  command: Command,
  adapter: CommandAdapter,
  ci: CiContext,
  setupHint: string,
  preflight?: () => void,
): Promise<number> {
  try {
    preflight?.();
    if (command === 'install') {
      return await setupMain({ adapter, ci, providers: providersFor(ci.provider) });
    }
    const step = { adapter, ci, providers: providersFor(ci.provider), setupHint };
    return await (command === 'build' ? buildPushMain(step) : bakeMain(step));
  } catch (error) {
    reportStepError(adapter, error);
    return 1;
  } finally {
    cleanupStep(adapter);
  }
}
