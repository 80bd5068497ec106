import { appendFileSync } from 'node:fs';
import {
  parseJson,
  requestWithRetry,
  stringField,
  UserError,
  type AnnotationLevel,
  type CiAdapter,
  type SourceLocation,
} from '@depot-actions/core';
import { appendKeyValue, EOL, issueCommand } from './commands';

type Env = Readonly<Record<string, string | undefined>>;

/** The input's environment variable as the runner names it: upper case, spaces to `_`, hyphens kept. */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/** CiAdapter for GitHub Actions: file commands for outputs, state, env and summary; `::` commands for the log. */
export class GitHubAdapter implements CiAdapter {
  private readonly masked = new Set<string>();
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
    else issueCommand('add-path', dir);
  }
  mask(secret: string): void {
    if (!secret || this.masked.has(secret)) return;
    this.masked.add(secret);
    issueCommand('add-mask', secret);
  }
  info(message: string): void {
    process.stdout.write(message + EOL);
  }
  debug(message: string): void {
    issueCommand('debug', message);
  }
  annotate(level: AnnotationLevel, message: string, title?: string, at?: SourceLocation): void {
    issueCommand(level, message, { title, file: at?.file, line: at?.line?.toString() });
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    issueCommand('group', title);
    try {
      return await fn();
    } finally {
      issueCommand('endgroup', '');
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
  writeStdout(chunk: Buffer): void {
    process.stdout.write(chunk);
  }
  writeStderr(chunk: Buffer): void {
    process.stderr.write(chunk);
  }

  /**
   * The job's OIDC ID token for `audience`, from the runner's token service (what @actions/core's
   * getIDToken does, with our bounded retries). Masked before it is returned.
   */
  async idToken(audience: string): Promise<string> {
    const requestUrl = this.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const requestToken = this.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestUrl || !requestToken) {
      throw new UserError(
        'This job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL or _TOKEN is not set).',
        'Add `permissions:` with `id-token: write` (and `contents: read`) to the job.',
      );
    }
    this.mask(requestToken);
    const url = new URL(requestUrl);
    url.searchParams.set('audience', audience);
    const response = await requestWithRetry({
      url: url.toString(),
      method: 'GET',
      headers: { authorization: `bearer ${requestToken}` },
      what: "GitHub's OIDC token service",
    });
    const value = stringField(parseJson(response.body), 'value');
    if (response.status !== 200 || !value) {
      throw new UserError(
        `GitHub did not issue an OIDC token for audience ${audience} (HTTP ${response.status}).`,
        'Check that the job has `permissions: id-token: write`, then re-run it.',
      );
    }
    this.mask(value);
    return value;
  }

  private fileCommand(variable: string, legacy: string, name: string, value: string): void {
    const file = this.env[variable];
    if (file) appendKeyValue(file, name, value);
    else issueCommand(legacy, value, { name });
  }
}
