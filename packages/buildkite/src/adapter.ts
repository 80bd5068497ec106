import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import {
  findOnPath,
  InputError,
  UserError,
  type AnnotationLevel,
  type CiAdapter,
  type Schema,
  Redactor,
} from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The agent's formatting of a name for an env var: upper case, anything else than A-Z0-9 as `_`. */
const envKey = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** The meta-data key of an output: `depot-` + the output name (`depot-build-id`, `depot-digest`, ...). */
export const metadataKey = (name: string): string => `depot-${name}`;

/**
 * The plugin's configuration: BUILDKITE_PLUGIN_CONFIGURATION (the whole block as JSON, set by
 * every agent since v3) or undefined where the agent did not set it.
 */
export function readConfiguration(env: Env): Record<string, Json> | undefined {
  const text = env.BUILDKITE_PLUGIN_CONFIGURATION;
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(
      'BUILDKITE_PLUGIN_CONFIGURATION is not valid JSON.',
      'Check the plugin block in pipeline.yml.',
    );
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(
      'The depot plugin configuration must be a map of options.',
      'See the plugin README for examples.',
    );
  }
  return parsed as Record<string, Json>;
}

/** A configuration value as input text: lists join with newlines, booleans are true/false. */
function configText(name: string, value: Json): string {
  if (value === null) return '';
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object')
          throw new InputError(name, JSON.stringify(item), 'a list of strings');
        return String(item ?? '');
      })
      .join('\n');
  }
  if (typeof value === 'object')
    throw new InputError(name, JSON.stringify(value), 'a string, boolean or list of strings');
  return String(value);
}

export interface BuildkiteAdapterOptions {
  env: Env;
  /** `install`, `build` or `bake`: names the annotation context. */
  command: string;
  schema: Schema;
}

/**
 * CiAdapter for Buildkite. Inputs come from the plugin configuration; outputs become build
 * meta-data (`depot-<output>`); the summary is an annotation; secrets go to the agent's redactor.
 * Environment changes (PATH for `install`) go to the file the hook names in DEPOT_PLUGIN_ENV_FILE,
 * which the hook applies with `export`: a child process cannot change the job's environment.
 */
export class BuildkiteAdapter implements CiAdapter {
  private readonly redactor = new Redactor();
  private readonly stdout = this.redactor.stream((t) => process.stdout.write(t));
  private readonly stderr = this.redactor.stream((t) => process.stderr.write(t));
  private readonly config: Record<string, Json> | undefined;
  private readonly summaries: string[] = [];
  private readonly messages: { level: AnnotationLevel; text: string }[] = [];
  private readonly state = new Map<string, string>();
  private readonly overrides = new Map<string, string>();
  private readonly agent: string | undefined;
  private agentWarned = false;

  constructor(private readonly options: BuildkiteAdapterOptions) {
    this.config = readConfiguration(options.env);
    this.agent = findOnPath('buildkite-agent', options.env.PATH);
  }

  private get env(): Env {
    return this.options.env;
  }

  /** Options of the configuration that this command does not have (the agent does not check the schema). */
  unknownOptions(): string[] {
    const known = (name: string): boolean =>
      name === 'command' ||
      (Object.hasOwn(this.options.schema, name) && !this.options.schema[name].githubOnly);
    return Object.keys(this.config ?? {}).filter((name) => !known(name));
  }

  overrideInput(name: string, value: string): void {
    this.overrides.set(name, value);
  }

  input(name: string): string {
    const override = this.overrides.get(name);
    if (override !== undefined) return override;
    const spec = this.options.schema[name];
    if (!spec || spec.githubOnly) return '';
    const raw = this.rawInput(name);
    if (name === 'token') return this.tokenInput(raw ?? '');
    return raw ?? spec.default ?? '';
  }

  /** From the JSON configuration, else the agent's BUILDKITE_PLUGIN_<NAME>_<OPTION>[_N] variables. */
  private rawInput(name: string): string | undefined {
    if (this.config && Object.hasOwn(this.config, name)) return configText(name, this.config[name]);
    const prefix = `BUILDKITE_PLUGIN_${envKey(this.env.BUILDKITE_PLUGIN_NAME || 'DEPOT')}_${envKey(name)}`;
    const scalar = this.env[prefix];
    if (scalar !== undefined) return scalar;
    const items: string[] = [];
    for (let i = 0; this.env[`${prefix}_${i}`] !== undefined; i++)
      items.push(this.env[`${prefix}_${i}`] ?? '');
    return items.length ? items.join('\n') : undefined;
  }

  /** `token` names the variable holding the token (a token never belongs in pipeline.yml). */
  private tokenInput(name: string): string {
    const variable = name.trim();
    if (variable === '' || variable === 'DEPOT_TOKEN') return '';
    if (!ENV_NAME.test(variable))
      throw new InputError('token', variable, 'the name of an environment variable');
    const value = this.env[variable] ?? '';
    if (value === '')
      this.annotate('warning', `token names ${variable}, which is not set; trying DEPOT_TOKEN and OIDC.`);
    return value;
  }

  output(name: string, value: string): void {
    // Spawned without a shell, value on stdin: nothing in it is ever interpreted.
    this.agentCall(['meta-data', 'set', metadataKey(name)], this.redactor.scrub(value));
  }
  exportEnv(name: string, value: string): void {
    if (!ENV_NAME.test(name)) throw new Error(`cannot export ${JSON.stringify(name)}: not a variable name`);
    if (this.redactor.has(value)) throw new Error(`refusing to export ${name}: its value is a secret`);
    if (/[\r\n]/.test(value)) throw new Error(`cannot export ${name}: multi-line values are not supported`);
    const file = this.env.DEPOT_PLUGIN_ENV_FILE;
    if (!file)
      throw new Error(
        `cannot export ${name}: DEPOT_PLUGIN_ENV_FILE is not set (run through the plugin hooks)`,
      );
    appendFileSync(file, `${name}=${value}\n`, 'utf8');
  }
  addPath(dir: string): void {
    this.exportEnv('PATH', [dir, this.env.PATH ?? ''].join(delimiter));
  }
  mask(secret: string): void {
    if (secret.length < 4 || this.redactor.has(secret)) return;
    this.redactor.add(secret);
    // `redactor add` reads the secret from stdin (agent v3.67+); older agents only lack the log redaction.
    this.agentCall(['redactor', 'add'], secret, true);
  }
  info(message: string): void {
    process.stdout.write(this.redactor.scrub(message) + '\n');
  }
  debug(message: string): void {
    if (/^(1|true)$/i.test(this.env.DEPOT_STEP_DEBUG ?? this.env.BUILDKITE_AGENT_DEBUG ?? ''))
      this.info(`[debug] ${message}`);
  }
  annotate(level: AnnotationLevel, message: string, title?: string): void {
    const text = this.redactor.scrub(title ? `${title}: ${message}` : message);
    this.messages.push({ level, text });
    const label = level === 'error' ? 'Error' : level === 'warning' ? 'Warning' : 'Notice';
    // `^^^ +++` opens the log section the error happened in.
    process.stderr.write(`${level === 'error' ? '^^^ +++\n' : ''}${label}: ${text}\n`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(`--- ${title}`);
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
   * One annotation per step, at the end: the summary plus any error, style `success` or `error`
   * by the exit code, context `depot-<command>-<step key or job id>` so reruns replace it and
   * parallel steps do not. A successful install is not annotated (the log says it).
   */
  finish(exitCode: number): void {
    this.stdout.flush();
    this.stderr.flush();
    const errors = this.messages.filter(
      (m) => m.level === 'error' && !this.summaries.some((s) => s.includes(m.text)),
    );
    const body = [...this.summaries, ...errors.map((m) => `**Error**\n\n\`\`\`text\n${m.text}\n\`\`\`\n`)];
    if (!body.length || (exitCode === 0 && this.options.command === 'install')) return;
    const id = this.env.BUILDKITE_STEP_KEY || this.env.BUILDKITE_JOB_ID;
    const context = `depot-${this.options.command}${id ? `-${id}` : ''}`;
    const style = exitCode === 0 ? 'success' : 'error';
    this.agentCall(['annotate', '--style', style, '--context', context], body.join('\n'));
  }

  /** Runs buildkite-agent without a shell; a failure is a warning, never the step's failure. */
  private agentCall(args: string[], stdin: string, quiet = false): void {
    if (!this.agent) {
      if (!this.agentWarned && !quiet) {
        this.agentWarned = true;
        process.stderr.write(
          'Warning: buildkite-agent is not on PATH; meta-data and annotations are skipped.\n',
        );
      }
      return;
    }
    const result = spawnSync(this.agent, args, {
      input: stdin,
      env: this.env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    if (result.status !== 0 && !quiet) {
      const why =
        result.error?.message ??
        result.stderr?.toString().trim().split('\n').at(-1) ??
        `exit ${result.status}`;
      process.stderr.write(
        `Warning: buildkite-agent ${args.slice(0, 2).join(' ')} failed: ${this.redactor.scrub(why)}\n`,
      );
    }
  }
}
