import { appendFileSync } from 'node:fs';
import { type AnnotationLevel, type CiAdapter, type SourceLocation } from '@depot-actions/core';
import { appendKeyValue, EOL, issueCommand, writeOut, randomToken } from './commands';

type Env = Readonly<Record<string, string | undefined>>;

/** The input's environment variable as the runner names it: upper case, spaces to `_`, hyphens kept. */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * Whether the runner would read a line of this text as a workflow command: `::name::` at the
 * start of a line (after spaces), or the legacy `##[name]` anywhere in one. The runner splits
 * lines at \n, \r\n and a lone \r.
 */
export const looksLikeCommand = (text: string): boolean =>
  text.includes('##[') || text.split(/\r\n|\r|\n/).some((line) => line.trimStart().startsWith('::'));

/**
 * CiAdapter for GitHub Actions: file commands for outputs, state, env and summary; `::` commands
 * for the log. Text the step does not control (the engine's output, a value that looks like a
 * command) is printed between `::stop-commands::<random>` and `::<random>::`, so the runner reads
 * none of it as a command; the step's own commands are always issued after the resume token.
 */
export class GitHubAdapter implements CiAdapter {
  private readonly masked = new Set<string>();
  /** The token of the stopped region the log is in, if any. */
  private stopToken: string | undefined;
  /** Partial last lines of the engine's stdout and stderr, held until their line ends. */
  private readonly partial = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  constructor(private readonly env: Env) {}

  input(name: string): string {
    return this.env[inputVariable(name)] ?? '';
  }
  output(name: string, value: string): void {
    this.fileCommand('GITHUB_OUTPUT', 'set-output', name, value);
  }
  exportEnv(name: string, value: string): void {
    this.fileCommand('GITHUB_ENV', 'set-env', name, value);
  }
  addPath(dir: string): void {
    const file = this.env.GITHUB_PATH;
    if (file) appendFileSync(file, dir + EOL, 'utf8');
    else this.command('add-path', dir);
  }
  mask(secret: string): void {
    if (!secret || this.masked.has(secret)) return;
    this.masked.add(secret);
    this.command('add-mask', secret);
  }
  info(message: string): void {
    if (this.stopToken || !looksLikeCommand(message)) {
      writeOut(message + EOL);
      return;
    }
    this.stopCommands();
    writeOut(message + EOL);
    this.resumeCommands();
  }
  debug(message: string): void {
    this.command('debug', message);
  }
  annotate(level: AnnotationLevel, message: string, title?: string, at?: SourceLocation): void {
    this.command(level, message, { title, file: at?.file, line: at?.line?.toString() });
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.command('group', title);
    try {
      return await fn();
    } finally {
      this.command('endgroup', '');
    }
  }
  summary(markdown: string): void {
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (file) appendFileSync(file, markdown + EOL, 'utf8');
  }
  saveState(name: string, value: string): void {
    this.fileCommand('GITHUB_STATE', 'save-state', name, value);
  }
  getState(name: string): string {
    return this.env[`STATE_${name}`] ?? '';
  }
  /**
   * The engine's output goes to stdout, whichever stream it came on: the runner reads commands on
   * both, and only one pipe keeps the stop line ahead of every engine line. Whole lines only, so
   * a stdout and a stderr line never share one.
   */
  writeStdout(chunk: Buffer): void {
    this.engineOutput('stdout', chunk);
  }
  writeStderr(chunk: Buffer): void {
    this.engineOutput('stderr', chunk);
  }

  /**
   * Ends the stopped region, if the log is in one: flushes the engine's unfinished lines and
   * prints the resume token. Runs before every command the step issues and when a phase ends,
   * so later steps of the job never inherit stopped commands.
   */
  resumeCommands(): void {
    if (!this.stopToken) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length > 0) writeOut(Buffer.concat([this.partial[stream], Buffer.from(EOL)]));
      this.partial[stream] = Buffer.alloc(0);
    }
    writeOut(`::${this.stopToken}::${EOL}`);
    this.stopToken = undefined;
  }

  /**
   * The job's OIDC ID token for `audience`, from the runner's token service (what @actions/core's
   * getIDToken does, with our bounded retries). Masked before it is returned.
   */
  async idToken(audience: string): Promise<string> {
    // Loaded only when a step asks for one: the HTTP client stays out of a step given a token.
    const { requestIdToken } = await import('./id-token');
    return requestIdToken(this.env, audience, (secret) => this.mask(secret));
  }

  private fileCommand(variable: string, legacy: string, name: string, value: string): void {
    const file = this.env[variable];
    if (file) appendKeyValue(file, name, value);
    else this.command(legacy, value, { name });
  }

  /** Issues one of the step's own commands, outside any stopped region. */
  private command(name: string, message: string, props: Record<string, string | undefined> = {}): void {
    this.resumeCommands();
    issueCommand(name, message, props);
  }

  /** Starts a stopped region with a fresh token no earlier output could have known. */
  private stopCommands(): void {
    if (this.stopToken) return;
    this.stopToken = randomToken();
    writeOut(`::stop-commands::${this.stopToken}${EOL}`);
  }

  private engineOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.stopCommands();
    // Bytes, not text: a line end never falls inside a multi-byte UTF-8 character.
    const bytes = Buffer.concat([this.partial[stream], chunk]);
    const end = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d));
    this.partial[stream] = bytes.subarray(end + 1);
    if (end >= 0) writeOut(bytes.subarray(0, end + 1));
  }
}
