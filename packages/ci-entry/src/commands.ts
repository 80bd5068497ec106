import { bakeSchema, buildSchema, pullSchema, setupSchema, type Schema } from '@depot-actions/core';

/** The commands of the orb, the plugins and other non-GitHub front-ends, and the schema each one reads. */
export const COMMANDS = {
  install: setupSchema,
  build: buildSchema,
  bake: bakeSchema,
  pull: pullSchema,
} as const;
export type Command = keyof typeof COMMANDS;

export const isCommand = (value: string | undefined): value is Command =>
  value !== undefined && Object.hasOwn(COMMANDS, value);

/** The usage line of an entry point started without a valid command. */
export const usage = (got: string | undefined): string =>
  `Usage: index.js install|build|bake|pull (got ${JSON.stringify(got ?? '')})`;

/** The options a command accepts outside GitHub (GitHub-only inputs are left out). */
export const optionNames = (schema: Schema): string[] =>
  Object.entries(schema)
    .filter(([, spec]) => !spec.githubOnly)
    .map(([name]) => name);
