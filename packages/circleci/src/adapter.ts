import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type AnnotationLevel, type CiAdapter, type Schema, Redactor } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The environment variable the orb sets for an input: `PARAM_` + the name upper-cased with `-`
 * as `_` (`build-args` → `PARAM_BUILD_ARGS`), the Orb-Template convention. No two inputs of one
 * schema map to the same variable (checked by the orb generator).
 */
export const paramVariable = (name: string): string =>
  `PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * The variable an output is exported as in $BASH_ENV: `DEPOT_OUTPUT_` + the name (`build-id` →
 * `DEPOT_OUTPUT_BUILD_ID`). Not `DEPOT_BUILD_ID`: the depot CLI reads DEPOT_BUILD_ID (attach to an
 * existing build) and DEPOT_PROJECT_ID, so exporting outputs under those names would make the next
 * `depot build` in the job reuse the finished build.
 */
export const outputVariable = (name: string): string =>
  `DEPOT_OUTPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** POSIX single quoting: the value is inert text to any shell that sources it, newlines included. */
export const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
export class CircleCiAdapter implements CiAdapter {
  private readonly redactor = new Redactor();
  private readonly stdout = this.redactor.stream((t) => process.stdout.write(t));
  private readonly stderr = this.redactor.stream((t) => process.stderr.write(t));
  private readonly outputs: Record<string, string> = {};
  private readonly summaries: string[] = [];
  private readonly messages: { level: AnnotationLevel; text: string }[] = [];
  private readonly state = new Map<string, string>();
  private readonly overrides = new Map<string, string>();

  constructor(private readonly options: CircleCiAdapterOptions) {}

  private get env(): Env {
    return this.options.env;
  }

  /** Makes `input(name)` answer `value` whatever the orb passed (the install command's `oidc`). */
  overrideInput(name: string, value: string): void {
    this.overrides.set(name, value);
  }

  input(name: string): string {
    const override = this.overrides.get(name);
    if (override !== undefined) return override;
    const spec = this.options.schema[name];
    if (!spec || spec.githubOnly) return '';
    if (name === 'token') return this.tokenInput();
    const raw = this.env[paramVariable(name)];
    if (raw === undefined) return spec.default ?? '';
    // A boolean parameter placed in `environment:` reaches the step as 1/0 on some CircleCI versions.
    if (spec.kind === 'boolean' && (raw === '1' || raw === '0')) return raw === '1' ? 'true' : 'false';
    return raw;
  }

  /**
   * `token` is an `env_var_name` parameter: PARAM_TOKEN holds the *name* of the variable with the
   * token (default DEPOT_TOKEN), never the token. DEPOT_TOKEN itself is left to the core's chain so
   * the log says "DEPOT_TOKEN" and an expired JWT there falls back to OIDC.
   */
  private tokenInput(): string {
    const name = (this.env[paramVariable('token')] ?? '').trim();
    if (name === '' || name === 'DEPOT_TOKEN') return '';
    if (!ENV_NAME.test(name)) throw new InputError('token', name, 'the name of an environment variable');
    const value = this.env[name] ?? '';
    if (value === '')
      this.annotate('warning', `token names ${name}, which is not set; trying DEPOT_TOKEN and OIDC.`);
    return value;
  }

  output(name: string, value: string): void {
    this.outputs[name] = this.redactor.scrub(value);
  }
  exportEnv(name: string, value: string): void {
    if (!ENV_NAME.test(name)) throw new Error(`cannot export ${JSON.stringify(name)}: not a variable name`);
    // Whatever is masked is a secret: $BASH_ENV is a file every later step sources and prints on `set -x`.
    if (this.redactor.has(value)) throw new Error(`refusing to export ${name}: its value is a secret`);
    this.appendBashEnv(`export ${name}=${shellQuote(value)}`);
  }
  addPath(dir: string): void {
    this.appendBashEnv(`export PATH=${shellQuote(dir)}:"$PATH"`);
  }
  mask(secret: string): void {
    this.redactor.add(secret);
  }
  info(message: string): void {
    process.stdout.write(this.redactor.scrub(message) + '\n');
  }
  debug(message: string): void {
    if (/^(1|true)$/i.test(this.env.DEPOT_STEP_DEBUG ?? '')) this.info(`[debug] ${message}`);
  }
  annotate(level: AnnotationLevel, message: string, title?: string): void {
    const text = this.redactor.scrub(title ? `${title}: ${message}` : message);
    this.messages.push({ level, text });
    const label = level === 'error' ? 'Error' : level === 'warning' ? 'Warning' : 'Notice';
    process.stderr.write(`${label}: ${text}\n`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(`\n==> ${title}`);
    return fn();
  }
  summary(markdown: string): void {
    this.summaries.push(this.redactor.scrub(markdown));
  }
  saveState(name: string, value: string): void {
    this.state.set(name, value);
  }
  getState(name: string): string {
    return this.state.get(name) ?? '';
  }
  writeStdout(chunk: Buffer): void {
    this.stdout.write(chunk);
  }
  writeStderr(chunk: Buffer): void {
    this.stderr.write(chunk);
  }

  /**
   * Publishes what the step produced, once, at the end: `export DEPOT_OUTPUT_*=...` lines in
   * $BASH_ENV, `depot-<command>-outputs.json` and `depot-<command>-summary.md` in the output
   * directory (summary also on failure, with the error).
   */
  finish(): void {
    this.stdout.flush();
    this.stderr.flush();
    const { command, outputDir } = this.options;
    const names = Object.keys(this.outputs);
    for (const name of names)
      this.appendBashEnv(`export ${outputVariable(name)}=${shellQuote(this.outputs[name])}`);
    const problems = this.messages.filter(
      (m) => m.level === 'error' && !this.summaries.some((s) => s.includes(m.text)),
    );
    const summary = [
      ...this.summaries,
      ...problems.map((m) => `> [!CAUTION]\n> ${m.text.replace(/\n/g, '\n> ')}\n`),
    ];
    if (!names.length && !summary.length) return;
    try {
      mkdirSync(outputDir, { recursive: true });
      if (names.length) {
        writeFileSync(
          join(outputDir, `depot-${command}-outputs.json`),
          JSON.stringify(this.outputs, null, 2) + '\n',
        );
      }
      if (summary.length) writeFileSync(join(outputDir, `depot-${command}-summary.md`), summary.join('\n'));
    } catch (error) {
      process.stderr.write(`Warning: could not write to ${outputDir}: ${(error as Error).message}\n`);
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
    appendFileSync(file, line + '\n', 'utf8');
  }
}
