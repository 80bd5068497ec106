import {
  InputError,
  Redactor,
  type AnnotationLevel,
  type CiAdapter,
  type RawInput,
} from '@depot-actions/core';
import { shellQuote } from './shell';

type Env = Readonly<Record<string, string | undefined>>;

/** A POSIX environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How a CI's log shows an error line and a section heading. */
export interface LogStyle {
  /** Printed on the line before an error (Buildkite's `^^^ +++` opens the section it is in). */
  errorPrefix: string;
  heading(title: string): string;
}

/**
 * What the adapters of CIs without a masking API share (CircleCI, Buildkite, GitLab): every line
 * this process writes is scrubbed of known secrets; annotations are kept for the step's summary;
 * state lives in memory (no post phase); the `token` input names a variable, never holds a token.
 */
export abstract class ScrubbingAdapter implements CiAdapter {
  protected readonly redactor = new Redactor();
  private readonly stdout = this.redactor.stream((t) => process.stdout.write(t));
  private readonly stderr = this.redactor.stream((t) => process.stderr.write(t));
  protected readonly summaries: string[] = [];
  protected readonly messages: { level: AnnotationLevel; text: string }[] = [];
  private readonly state = new Map<string, string>();

  constructor(
    protected readonly env: Env,
    private readonly style: LogStyle,
    /** Variables that switch debug lines on (`1` or `true`), first set wins. */
    private readonly debugVariables: readonly string[] = ['DEPOT_STEP_DEBUG'],
  ) {}

  abstract input(name: string): RawInput;
  abstract output(name: string, value: string): void;
  abstract exportEnv(name: string, value: string): void;
  abstract addPath(dir: string): void;

  mask(secret: string): void {
    if (secret.trim() !== '' && !this.redactor.add(secret)) {
      this.annotate(
        'warning',
        `A secret value of ${secret.length} character(s) is too short to hide in the log (${Redactor.MIN_LENGTH} or more are hidden).`,
      );
    }
  }
  info(message: string): void {
    this.endEngineLines();
    process.stdout.write(this.redactor.scrub(message) + '\n');
  }
  debug(message: string): void {
    const flag = this.debugVariables.map((name) => this.env[name]).find((v) => v !== undefined);
    if (/^(1|true)$/i.test(flag ?? '')) this.info(`[debug] ${message}`);
  }
  annotate(level: AnnotationLevel, message: string, title?: string): void {
    const text = this.redactor.scrub(title ? `${title}: ${message}` : message);
    this.messages.push({ level, text });
    const label = level === 'error' ? 'Error' : level === 'warning' ? 'Warning' : 'Notice';
    this.endEngineLines();
    process.stderr.write(`${level === 'error' ? this.style.errorPrefix : ''}${label}: ${text}\n`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(this.style.heading(title));
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

  /** Ends the engine's unfinished last line, so what the step prints next starts a line of its own. */
  private endEngineLines(): void {
    this.stdout.endLine();
    this.stderr.endLine();
  }

  /** Writes out what the scrubbing streams still hold (a last line without a newline). */
  protected flush(): void {
    this.stdout.flush();
    this.stderr.flush();
  }

  /** Error messages the summary does not already carry, for the step's final report. */
  protected unreportedErrors(): string[] {
    return this.messages
      .filter((m) => m.level === 'error' && !this.summaries.some((s) => s.includes(m.text)))
      .map((m) => m.text);
  }

  /** Refuses to export what is not a variable name. */
  protected checkExportName(name: string): void {
    if (!ENV_NAME.test(name)) throw new Error(`cannot export ${JSON.stringify(name)}: not a variable name`);
  }

  /**
   * An `export` line for a file that later shell code sources (CircleCI's $BASH_ENV, the GitLab
   * component's env file), which may be printed (`set -x`) or outlive the step: the value quoted
   * inert. Whatever is masked is a secret and is refused: these CIs hand every step the job's
   * identity themselves, so nothing secret ever needs exporting.
   */
  protected exportLine(name: string, value: string): string {
    this.checkExportName(name);
    if (this.redactor.has(value)) throw new Error(`refusing to export ${name}: its value is a secret`);
    return `export ${name}=${shellQuote(value)}`;
  }

  /**
   * The `token` input: the *name* of the variable holding a token (default DEPOT_TOKEN), never a
   * token, which does not belong in pipeline configuration. DEPOT_TOKEN itself is left to the
   * core's chain so the log says "DEPOT_TOKEN" and an expired JWT there falls back to OIDC.
   */
  protected tokenFromVariable(raw: string): string {
    const name = raw.trim();
    if (name === '' || name === 'DEPOT_TOKEN') return '';
    if (!ENV_NAME.test(name)) throw new InputError('token', name, 'the name of an environment variable');
    const value = this.env[name] ?? '';
    if (value === '')
      this.annotate('warning', `token names ${name}, which is not set; trying DEPOT_TOKEN and OIDC.`);
    return value;
  }
}
