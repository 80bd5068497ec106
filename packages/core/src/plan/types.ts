/** A file the step writes before running the engine and removes in cleanup. */
export interface PlannedFile {
  path: string;
  /** Why the file exists, for the printed plan ("secret NPM_TOKEN"). */
  purpose: string;
  /** Contents; never printed when `secret` is set. */
  content: string;
  secret: boolean;
}

/** Files the engine writes that the report stage reads back. */
export interface ExpectedOutputs {
  metadataFile: string;
  /** Absent when the build exports to a local directory or tarball (no image, so no ID). */
  iidFile?: string;
}

/**
 * Everything needed to run one engine invocation, computed without side effects so it can be
 * printed (dry-run), tested as a table, and executed.
 */
export interface Plan {
  /** Executable to spawn (no shell). */
  command: string;
  args: string[];
  cwd: string;
  /** Variables added to the engine's environment. */
  env: Record<string, string>;
  /** Names in `env` whose values are secret (shown as *** when printed). */
  secretEnv: string[];
  files: PlannedFile[];
  outputs: ExpectedOutputs;
  /** Directory holding this step's files; removed by cleanup. */
  tempDir: string;
  /** Things the user should know before the build starts (removed gha cache entries, ignored inputs). */
  warnings: string[];
}
