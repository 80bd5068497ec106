import { appendFileSync } from 'node:fs';
import {
  cautionBlocks,
  outputVariable,
  ScrubbingAdapter,
  shellQuote,
  writeStepReport,
} from '@depot-actions/ci-entry';
import { messageOf, type Schema } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The orb parameter of an input: snake_case (`build-args` → `build_args`), as CircleCI's orb
 * review requires of every parameter name. `context` becomes `build_context`: in a workflow,
 * `context:` on a job names the CircleCI contexts it gets, so the orb's build job could never
 * receive a parameter of that name.
 */
export const orbParameter = (name: string): string =>
  name === 'context' ? 'build_context' : name.replace(/[^A-Za-z0-9]/g, '_');

/**
 * The environment variable the orb sets for an input: `PARAM_` + the parameter upper-cased
 * (`build-args` → `PARAM_BUILD_ARGS`), the Orb-Template convention. No two inputs of one schema
 * map to the same variable (checked by the orb generator).
 */
export const paramVariable = (name: string): string => `PARAM_${orbParameter(name).toUpperCase()}`;

// Outputs are DEPOT_OUTPUT_* variables, never DEPOT_BUILD_ID and the like, which the CLI reads.
export { outputVariable, shellQuote } from '@depot-actions/ci-entry';

export interface CircleCiAdapterOptions {
  env: Env;
  /** `install`, `build` or `bake`: names the output and summary files. */
  command: string;
  /** The inputs this command accepts; anything else reads as empty. */
  schema: Schema;
  /** Where outputs JSON and the summary go (DEPOT_OUTPUT_DIR, default /tmp/depot). */
  outputDir: string;
}

/**
 * CiAdapter for CircleCI. Inputs are PARAM_* variables the orb sets from its parameters; outputs
 * are exported to later steps through $BASH_ENV and written as JSON; the summary is a Markdown file
 * for `store_artifacts`. CircleCI has no masking API and no log groups, so secrets are scrubbed
 * from everything this process writes, and groups are plain headings.
 */
/**
 * CiAdapter for CircleCI. Inputs are PARAM_* variables the orb sets from its parameters; outputs
 * are exported to later steps through $BASH_ENV and written as JSON; the summary is a Markdown file
 * for `store_artifacts`. CircleCI has no masking API and no log groups, so secrets are scrubbed
 * from everything this process writes, and groups are plain headings.
 */
export class CircleCiAdapter extends ScrubbingAdapter {
  private readonly outputs: Record<string, string> = {};

  constructor(private readonly options: CircleCiAdapterOptions) {
    super(options.env, { errorPrefix: '', heading: (title) => `\n==> ${title}` });
  }

  input(name: string): string {
    const spec = this.options.schema[name];
    if (!spec || spec.githubOnly) return '';
    if (name === 'token') return this.tokenFromVariable(this.env[paramVariable('token')] ?? '');
    const raw = this.env[paramVariable(name)];
    if (raw === undefined) return spec.default ?? '';
    // A boolean parameter placed in `environment:` reaches the step as 1/0 on some CircleCI versions.
    if (spec.kind === 'boolean' && (raw === '1' || raw === '0')) return raw === '1' ? 'true' : 'false';
    return raw;
  }

  output(name: string, value: string): void {
    this.outputs[name] = this.redactor.scrub(value);
  }

  exportEnv(name: string, value: string): void {
    this.appendBashEnv(this.exportLine(name, value));
  }
  addPath(dir: string): void {
    this.appendBashEnv(`export PATH=${shellQuote(dir)}:"$PATH"`);
  }

  /**
   * Publishes what the step produced, once, at the end: `export DEPOT_OUTPUT_*=...` lines in
   * $BASH_ENV, `depot-<command>-outputs.json` and `depot-<command>-summary.md` in the output
   * directory (summary also on failure, with the error). The directory may be a fixed /tmp path,
   * so it must be this user's and private, and no file is written through a symlink.
   */
  finish(): void {
    this.flush();
    const { command, outputDir } = this.options;
    const names = Object.keys(this.outputs);
    for (const name of names)
      this.appendBashEnv(`export ${outputVariable(name)}=${shellQuote(this.outputs[name])}`);
    const summary = [...this.summaries, ...cautionBlocks(this.unreportedErrors())];
    if (!names.length && !summary.length) return;
    const failed = writeStepReport({ dir: outputDir, command, outputs: this.outputs, summary });
    if (failed) {
      process.stderr.write(`Warning: ${failed}\n`);
      return;
    }
    if (names.length) {
      this.info(
        `Outputs: ${names.map(outputVariable).join(', ')} (for later steps) and ${outputDir}/depot-${command}-outputs.json`,
      );
    }
  }

  private appendBashEnv(line: string): void {
    const file = this.env.BASH_ENV;
    if (!file) {
      process.stderr.write('Warning: BASH_ENV is not set; later steps will not see this step’s exports.\n');
      return;
    }
    try {
      appendFileSync(file, line + '\n', 'utf8');
    } catch (error) {
      // The step's work is done; the summary and outputs file are still written.
      process.stderr.write(
        `Warning: cannot write to BASH_ENV (${file}): ${messageOf(error)}; later steps will not see this step’s exports.\n`,
      );
    }
  }
}
