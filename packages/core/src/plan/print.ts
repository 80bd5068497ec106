import type { Plan } from './types';

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

/** The plan as the lines a user reads in the log or in dry-run: secrets appear only as their names. */
export function describePlan(
  plan: Plan,
  credentialSource: string,
  outputs: Record<string, string>,
): string[] {
  const lines = [
    `command:     ${[plan.command, ...plan.args].map(displayArg).join(' ')}`,
    `working dir: ${displayArg(plan.cwd)}`,
    `credentials: ${credentialSource}`,
  ];
  const env = Object.keys(plan.env).map((k) =>
    plan.secretEnv.includes(k) ? `${k}=***` : `${k}=${displayArg(plan.env[k])}`,
  );
  if (env.length) lines.push(`environment: ${env.join(' ')}`);
  for (const file of plan.files) {
    const what = file.secret
      ? `${file.purpose}, ${Buffer.byteLength(file.content)} bytes, mode 0600`
      : file.purpose;
    lines.push(`file:        ${displayArg(file.path)} (${displayText(what)})`);
  }
  for (const [name, from] of Object.entries(outputs))
    lines.push(`output:      ${name} <- ${displayArg(from)}`);
  for (const warning of plan.warnings) lines.push(`warning:     ${displayText(warning)}`);
  return lines;
}
