import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { ScrubbingAdapter } from '@depot-actions/ci-entry';
import { findOnPath, Redactor, UserError, type RawInput, type Schema } from '@depot-actions/core';
import { optionValue, readConfiguration, type Json } from './config';

type Env = Readonly<Record<string, string | undefined>>;

/** The meta-data key of an output: `depot-` + the output name (`depot-build-id`, `depot-digest`, ...). */
export const metadataKey = (name: string): string => `depot-${name}`;

/** Buildkite refuses an annotation context longer than this. */
export const MAX_CONTEXT_LENGTH = 100;

/**
 * The annotation context of one job: `depot-<command>-<step key>-<job ID>`. The job ID makes it
 * unique per job (the jobs of one parallel or matrix step share their step key, and one context
 * holds one annotation, the last writer's); the step key is cut short so the whole stays within
 * Buildkite's 100 characters and the job ID always survives.
 */
export function annotationContext(command: string, env: Env): string {
  const head = `depot-${command}`;
  const job = env.BUILDKITE_JOB_ID ?? '';
  const room = MAX_CONTEXT_LENGTH - head.length - (job ? job.length + 1 : 0) - 1;
  const key = (env.BUILDKITE_STEP_KEY ?? '').slice(0, Math.max(0, room));
  return [head, key, job].filter(Boolean).join('-').slice(0, MAX_CONTEXT_LENGTH);
}

export interface BuildkiteAdapterOptions {
  env: Env;
  /** `install`, `build` or `bake`: names the annotation context. */
  command: string;
  schema: Schema;
  /** The plugin's name as the agent derives it (`depot`, `depot-install`). */
  plugin: string;
}

/**
 * CiAdapter for Buildkite. Inputs come from the plugin configuration, list items one by one;
 * outputs become build meta-data (`depot-<output>`); the summary is an annotation; secrets go to
 * the agent's redactor. Environment changes (PATH for install) go to the file the hook names in
 * DEPOT_PLUGIN_ENV_FILE, which the hook applies with `export`: a child process cannot change the
 * job's environment.
 */
export class BuildkiteAdapter extends ScrubbingAdapter {
  private readonly config: Map<string, Json>;
  private readonly agent: string | undefined;
  private agentWarned = false;

  constructor(private readonly options: BuildkiteAdapterOptions) {
    super(options.env, { errorPrefix: '^^^ +++\n', heading: (title) => `--- ${title}` }, [
      'DEPOT_STEP_DEBUG',
      'BUILDKITE_AGENT_DEBUG',
    ]);
    this.agent = findOnPath('buildkite-agent', options.env.PATH);
    this.config = readConfiguration(options.env, options.plugin, options.schema);
  }

  /**
   * Refuses what plugin.yml refuses: options this command does not have (the agent checks the
   * schema only with --plugin-validation) and values of the wrong type.
   */
  checkConfiguration(): void {
    const { schema, plugin, command } = this.options;
    const known = (name: string): boolean =>
      (name === 'command' && plugin === 'depot') || (Object.hasOwn(schema, name) && !schema[name].githubOnly);
    const unknown = [...this.config.keys()].filter((name) => !known(name));
    if (unknown.length) {
      const names = Object.keys(schema).filter((n) => !schema[n].githubOnly);
      throw new UserError(
        `The ${plugin} plugin's ${command} command has no option ${unknown.map((n) => JSON.stringify(n)).join(', ')}.`,
        `Options of ${command}: ${plugin === 'depot' ? 'command, ' : ''}${names.join(', ')}.`,
      );
    }
    for (const [name, value] of this.config) if (name !== 'command') optionValue(name, schema[name], value);
  }

  input(name: string): RawInput {
    const spec = this.options.schema[name];
    if (!spec || spec.githubOnly) return '';
    const value = this.config.get(name);
    const raw = value === undefined ? (spec.default ?? '') : optionValue(name, spec, value);
    if (name === 'token') return this.tokenFromVariable(typeof raw === 'string' ? raw : '');
    return raw;
  }

  output(name: string, value: string): void {
    // Spawned without a shell, value on stdin: nothing in it is ever interpreted.
    this.agentCall(['meta-data', 'set', metadataKey(name)], this.redactor.scrub(value));
  }
  exportEnv(name: string, value: string): void {
    this.checkExportName(name);
    // The job's environment outlives this step and shows in `env` dumps: no secret goes there.
    if (this.redactor.has(value)) throw new Error(`refusing to export ${name}: its value is a secret`);
    if (/[\r\n]/.test(value)) throw new Error(`cannot export ${name}: multi-line values are not supported`);
    const file = this.env.DEPOT_PLUGIN_ENV_FILE;
    if (!file)
      throw new Error(
        `cannot export ${name}: DEPOT_PLUGIN_ENV_FILE is not set (run through the plugin hooks)`,
      );
    appendFileSync(file, `${name}=${value}\n`, { encoding: 'utf8', mode: 0o600 });
  }
  addPath(dir: string): void {
    this.exportEnv('PATH', [dir, this.env.PATH ?? ''].join(delimiter));
  }
  private readonly toldAgent = new Set<string>();

  override mask(secret: string): void {
    // Our own scrubbing (and its warning for a secret too short to hide) first, always: a secret
    // that merely contains one already known is a secret of its own.
    super.mask(secret);
    if (secret.length < Redactor.MIN_LENGTH || this.toldAgent.has(secret)) return;
    this.toldAgent.add(secret);
    // The secret goes on stdin, raw: `--format none` stops the agent parsing it as JSON or env lines
    // (BUILDKITE_AGENT_REDACT_ADD_FORMAT could say otherwise). Older agents only lack the redaction.
    this.agentCall(['redactor', 'add', '--format', 'none'], secret, true);
  }

  /**
   * One annotation per job, at the end: the summary plus any error, style `success` or `error` by
   * the exit code, in this job's own context. A successful install is not annotated (the log says it).
   */
  finish(exitCode: number): void {
    this.flush();
    const errors = this.unreportedErrors().map((text) => `**Error**\n\n\`\`\`text\n${text}\n\`\`\`\n`);
    const body = [...this.summaries, ...errors];
    if (!body.length || (exitCode === 0 && this.options.command === 'install')) return;
    const context = annotationContext(this.options.command, this.env);
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
