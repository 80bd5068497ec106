import type { Invocation } from './invocation';
import type { CommandLine } from './types';

const SAFE = /^[\w@%+=:,./-]+$/;

/** Quotes an argument for display only: the engine is always spawned without a shell. */
export function displayArg(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line as one line a user can read (and, with its quoting, paste into a shell). */
export const displayCommand = (line: CommandLine): string =>
  [line.command, ...line.args].map(displayArg).join(' ');

/** `NAME=value` pairs of a command line's own variables, secret ones as `NAME=***`. */
export const displayEnv = (line: CommandLine): string =>
  Object.keys(line.env)
    .map((k) => (line.secretEnv.includes(k) ? `${k}=***` : `${k}=${line.env[k]}`))
    .join(' ');

/** A command line of the printed plan, under its label (`command:`, `fallback:`), or a remark. */
export type PlanLine = { label: string; line: CommandLine } | { label: string; note: string };

/**
 * The invocation as the lines a user reads in the log or in a dry run: each engine's command line
 * (`engine` names the chosen one, then any fallback), the files and the outputs. Secrets appear
 * only as their names and sizes.
 */
export function describeInvocation(
  invocation: Invocation,
  engines: readonly PlanLine[],
  credentialSource: string,
  outputs: Record<string, string>,
): string[] {
  const lines: string[] = [];
  for (const entry of engines) {
    if ('note' in entry) {
      lines.push(`${entry.label.padEnd(12)} (${entry.note})`);
      continue;
    }
    const { label, line } = entry;
    lines.push(`${label.padEnd(12)} ${displayCommand(line)}`);
    const env = displayEnv(line);
    if (env) lines.push(`${'environment:'.padEnd(12)} ${env}`);
  }
  lines.push(`working dir: ${invocation.cwd}`, `credentials: ${credentialSource}`);
  for (const file of invocation.files) {
    const what = file.secret
      ? `${file.purpose}, ${Buffer.byteLength(file.content)} bytes, mode 0600`
      : file.purpose;
    lines.push(`file:        ${file.path} (${what})`);
  }
  for (const [name, from] of Object.entries(outputs)) lines.push(`output:      ${name} <- ${from}`);
  for (const warning of invocation.warnings) lines.push(`warning:     ${warning}`);
  return lines;
}
