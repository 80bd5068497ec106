import type { Plan } from './types';

const SAFE = /^[\w@%+=:,./-]+$/;

/** Quotes an argument for display only: the engine is always spawned without a shell. */
export function displayArg(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The plan as the lines a user reads in the log or in dry-run: secrets appear only as their names. */
export function describePlan(
  plan: Plan,
  credentialSource: string,
  outputs: Record<string, string>,
): string[] {
  const lines = [
    `command:     ${[plan.command, ...plan.args].map(displayArg).join(' ')}`,
    `working dir: ${plan.cwd}`,
    `credentials: ${credentialSource}`,
  ];
  const env = Object.keys(plan.env).map((k) =>
    plan.secretEnv.includes(k) ? `${k}=***` : `${k}=${plan.env[k]}`,
  );
  if (env.length) lines.push(`environment: ${env.join(' ')}`);
  for (const file of plan.files) {
    const what = file.secret
      ? `${file.purpose}, ${Buffer.byteLength(file.content)} bytes, mode 0600`
      : file.purpose;
    lines.push(`file:        ${file.path} (${what})`);
  }
  for (const [name, from] of Object.entries(outputs)) lines.push(`output:      ${name} <- ${from}`);
  for (const warning of plan.warnings) lines.push(`warning:     ${warning}`);
  return lines;
}
