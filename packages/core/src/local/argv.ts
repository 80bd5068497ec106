/** Flags of depot build/bake (and buildx) that take no value. */
const SWITCHES = new Set(['--load', '--push', '--pull', '--no-cache', '--lint', '--save']);

/** One flag with its value, or a positional argument (flag undefined). */
export interface Arg {
  flag?: string;
  value?: string;
}

/** Splits an argv (after the subcommand) into flags with their values and positionals. */
export function parseArgs(args: readonly string[]): Arg[] {
  const out: Arg[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) out.push({ value: arg });
    else if (SWITCHES.has(arg)) out.push({ flag: arg });
    else out.push({ flag: arg, value: args[++i] });
  }
  return out;
}

/** Joins parsed arguments back into an argv. */
export const joinArgs = (args: readonly Arg[]): string[] =>
  args.flatMap((a) => (a.flag ? (a.value === undefined ? [a.flag] : [a.flag, a.value]) : [a.value ?? '']));

/** Depot-only flags, named by the input that sets them: never handed to another engine. */
export const DEPOT_ONLY: Readonly<Record<string, string>> = {
  '--project': 'project',
  '--build-platform': 'build-platform',
  '--lint': 'lint',
  '--lint-fail-on': 'lint-fail-on',
  '--save': 'save',
  '--save-tag': 'save-tag/save-tags',
  '--sbom-dir': 'sbom-dir',
};
