import type { Invocation } from './invocation';
import type { CommandLine } from './types';

const SAFE = /^[\w@%+=:,./-]+$/;

// Control characters, line ends first: printed raw, a value's newline would start a log line the
// CI can read as a command (`::warning::` on GitHub Actions).
const isControl = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" };
const escapeChar = (c: string): string => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
/** Escapes control characters, and the characters in `also`. */
const escapeSome = (text: string, also: string): string =>
  [...text].map((c) => (isControl(c) || also.includes(c) ? escapeChar(c) : c)).join('');

/**
 * Quotes an argument for display only (the engine is always spawned without a shell), on one
 * line: a value with control characters is shown in bash's $'...' form, newlines as \n.
 */
export function displayArg(arg: string): string {
  if (SAFE.test(arg)) return arg;
  if (![...arg].some(isControl)) return `'${arg.replace(/'/g, `'\\''`)}'`;
  return `$'${escapeSome(arg, "\\'")}'`;
}

/** Free text (a warning that quotes a value) on one line: control characters as \n, \xNN. */
export const displayText = (text: string): string => escapeSome(text, '');

/** A command line as one line a user can read (and, with its quoting, paste into a shell). */
export const displayCommand = (line: CommandLine): string =>
  [line.command, ...line.args].map(displayArg).join(' ');

/** `NAME=value` pairs of a command line's own variables, secret ones as `NAME=***`. */
export const displayEnv = (line: CommandLine): string =>
  Object.keys(line.env)
    .map((k) => (line.secretEnv.includes(k) ? `${k}=***` : `${k}=${displayArg(line.env[k])}`))
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
      lines.push(`${entry.label.padEnd(12)} (${displayText(entry.note)})`);
      continue;
    }
    const { label, line } = entry;
    lines.push(`${label.padEnd(12)} ${displayCommand(line)}`);
    const env = displayEnv(line);
    if (env) lines.push(`${'environment:'.padEnd(12)} ${env}`);
  }
  lines.push(`working dir: ${displayArg(invocation.cwd)}`, `credentials: ${credentialSource}`);
  for (const file of invocation.files) {
    const what = file.secret
      ? `${file.purpose}, ${Buffer.byteLength(file.content)} bytes, mode 0600`
      : file.purpose;
    lines.push(`file:        ${displayArg(file.path)} (${displayText(what)})`);
  }
  for (const [name, from] of Object.entries(outputs))
    lines.push(`output:      ${name} <- ${displayArg(from)}`);
  for (const warning of invocation.warnings) lines.push(`warning:     ${displayText(warning)}`);
  return lines;
}
