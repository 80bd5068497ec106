/** A file the step writes before running the engine and removes in cleanup. */
export interface PlannedFile {
  path: string;
  /** Why the file exists, for the printed plan ("secret NPM_TOKEN"). */
  purpose: string;
  /** Contents; never printed when `secret` is set. */
  content: string;
  secret: boolean;
}

/** One process to start, as an engine rendered it: spawned without a shell. */
export interface CommandLine {
  command: string;
  args: string[];
  cwd: string;
  /** Variables added to the process's environment. */
  env: Record<string, string>;
  /** Names in `env` whose values are secret (shown as *** when printed). */
  secretEnv: string[];
}
