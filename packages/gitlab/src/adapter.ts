import { appendFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cautionBlocks, outputVariable, ScrubbingAdapter, writeStepReport } from '@depot-actions/ci-entry';
import type { Schema } from '@depot-actions/core';
import { sectionEnd, sectionName, sectionStart } from './sections';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The job variable the component sets for an input: `DEPOT_INPUT_` + the name upper-cased
 * (`build-args` → `DEPOT_INPUT_BUILD_ARGS`). The template puts `$[[ inputs.x ]]` only there, in
 * `variables:`, never into the script's text, so no value can become shell code.
 */
export const inputVariable = (name: string): string =>
  `DEPOT_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * GitLab refuses a dotenv report over 5 KB (and reads one line per variable), so outputs that do
 * not fit are left to the JSON artifact.
 * https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsdotenv
 */
export const DOTENV_BUDGET = 5 * 1024;

export interface GitLabAdapterOptions {
  env: Env;
  /** `install`, `build` or `bake`: names the report files. */
  command: string;
  /** The inputs this command accepts; anything else reads as empty. */
  schema: Schema;
  /** Where the dotenv report, outputs JSON and summary go (artifacts of the job). */
  outputDir: string;
}

/** A dotenv line's value: one line; JSON (the metadata output) is made compact to fit on it. */
function dotenvValue(value: string): string | undefined {
  let line = value;
  if (/[\r\n]/.test(line)) {
    try {
      line = JSON.stringify(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  // GitLab trims values, so one with outer spaces would arrive changed: leave it to the JSON file.
  return line.trim() === line ? line : undefined;
}

/**
 * CiAdapter for GitLab CI. Inputs are DEPOT_INPUT_* job variables the component sets; outputs go
 * to a dotenv report (DEPOT_OUTPUT_* variables for later jobs) and a JSON file; the summary is a
 * Markdown artifact the merge request links to. GitLab masks only masked CI/CD variables, so every
 * line this process writes is scrubbed of known secrets; groups are collapsible log sections.
 */
export class GitLabAdapter extends ScrubbingAdapter {
  private readonly outputs: Record<string, string> = {};
  private sections = 0;

  constructor(private readonly options: GitLabAdapterOptions) {
    super(options.env, { errorPrefix: '', heading: (title) => title }, [
      'DEPOT_STEP_DEBUG',
      'CI_DEBUG_TRACE',
    ]);
  }

  input(name: string): string {
    const spec = this.options.schema[name];
    if (!spec || spec.githubOnly) return '';
    const raw = this.env[inputVariable(name)];
    if (name === 'token') return this.tokenFromVariable(raw ?? '');
    return raw ?? spec.default ?? '';
  }

  output(name: string, value: string): void {
    this.outputs[name] = this.redactor.scrub(value);
  }

  override async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    const name = sectionName(++this.sections, title);
    this.info(sectionStart(name, title));
    try {
      return await fn();
    } finally {
      this.flush();
      process.stdout.write(sectionEnd(name) + '\n');
    }
  }

  /**
   * Changes to the job's environment (install: PATH) go to DEPOT_ENV_FILE, a file in the step's
   * private directory that the component's script sources and then removes. A secret is never
   * exported: the job already has its identity (DEPOT_OIDC_TOKEN), which the depot CLI reads.
   */
  exportEnv(name: string, value: string): void {
    this.appendEnvFile(this.exportLine(name, value));
  }
  addPath(dir: string): void {
    this.exportEnv('PATH', [dir, this.env.PATH ?? ''].join(delimiter));
  }

  /**
   * Publishes what the step produced, once, at the end, also after a failure: the dotenv report
   * `depot-<command>.env`, `depot-<command>-outputs.json` and `depot-<command>-summary.md`.
   */
  finish(): void {
    this.flush();
    const { command, outputDir } = this.options;
    const lines: string[] = [];
    const left: string[] = [];
    let size = 0;
    for (const [name, value] of Object.entries(this.outputs)) {
      const line = `${outputVariable(name)}=${dotenvValue(value) ?? ''}`;
      if (dotenvValue(value) === undefined || size + line.length + 1 > DOTENV_BUDGET) {
        left.push(name);
        continue;
      }
      lines.push(line);
      size += line.length + 1;
    }
    const failed = writeStepReport({
      dir: outputDir,
      command,
      outputs: this.outputs,
      summary: [...this.summaries, ...cautionBlocks(this.unreportedErrors())],
      extra: { [`depot-${command}.env`]: lines.map((l) => l + '\n').join('') },
    });
    if (failed) return void process.stderr.write(`Warning: ${failed}\n`);
    if (left.length)
      process.stderr.write(
        `Warning: ${left.join(', ')} did not fit GitLab's dotenv report (one line, 5 KB in all); read ${join(outputDir, `depot-${command}-outputs.json`)} instead.\n`,
      );
    if (lines.length)
      this.info(
        `Outputs: ${lines.map((l) => l.slice(0, l.indexOf('='))).join(', ')} for later jobs (dotenv report), and ${join(outputDir, `depot-${command}-outputs.json`)}`,
      );
  }

  private appendEnvFile(line: string): void {
    const file = this.env.DEPOT_ENV_FILE;
    if (!file) {
      process.stderr.write(
        'Warning: DEPOT_ENV_FILE is not set; the rest of the job will not see this step’s exports.\n',
      );
      return;
    }
    appendFileSync(file, line + '\n', { encoding: 'utf8', mode: 0o600 });
  }
}
