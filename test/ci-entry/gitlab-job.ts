/**
 * Runs a depot component template as a GitLab pipeline and runner would, from the template file:
 * the `include: inputs:` are checked against `spec: inputs` (unknown inputs, types, options,
 * regex) and interpolated (`$[[ inputs.x ]]`: a whole value keeps its type, inside text it is
 * text), the job's variables are expanded (`$NAME`, `${NAME}`, `$$` for a `$`; nothing else, so
 * `$(...)` stays text) over GitLab's predefined variables, every `id_tokens` entry becomes a JWT
 * for its audience, before_script and script run in one shell, and after_script in a new one,
 * whatever the script's outcome (GitLab runs it for failed and cancelled jobs too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../harness/runner';
import { runProcess, type ProcessResult } from './helpers';

type Map = Record<string, unknown>;
export type InputValue = string | number | boolean | string[];

export const COMPONENT_DIR = join(REPO_ROOT, 'packages', 'gitlab-component');

/** A template's two documents: the `spec:` header and the jobs. */
export function readTemplate(command: string): { spec: Map; jobs: Map } {
  const docs = parseAllDocuments(readFileSync(join(COMPONENT_DIR, 'templates', `${command}.yml`), 'utf8'));
  if (!Array.isArray(docs) || docs.length !== 2) throw new Error(`${command}.yml: expected 2 YAML documents`);
  const [spec, jobs] = docs.map((d) => {
    if (d.errors.length) throw new Error(`${command}.yml: ${d.errors[0].message}`);
    return d.toJS({ maxAliasCount: -1 }) as Map;
  });
  return { spec, jobs };
}

const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v);

/** The inputs GitLab would resolve for an include, or the error it would give the pipeline. */
export function resolveInputs(spec: Map, given: Record<string, InputValue>): Record<string, InputValue> {
  const declared = ((spec.spec as Map).inputs ?? {}) as Record<string, Map>;
  const unknown = Object.keys(given).filter((k) => !Object.hasOwn(declared, k));
  if (unknown.length) throw new Error(`unknown input arguments: ${unknown.join(', ')}`);
  const resolved: Record<string, InputValue> = {};
  for (const [name, decl] of Object.entries(declared)) {
    const value = (Object.hasOwn(given, name) ? given[name] : decl.default) as InputValue | undefined;
    if (value === undefined) throw new Error(`\`${name}\` input: required value has not been provided`);
    const type = (decl.type as string) ?? 'string';
    if (typeOf(value) !== type) throw new Error(`\`${name}\` input: provided value is not a ${type}`);
    if (Array.isArray(decl.options) && !decl.options.includes(value))
      throw new Error(
        `\`${name}\` input: \`${String(value)}\` cannot be used because it is not in the list of allowed options`,
      );
    if (typeof decl.regex === 'string' && !new RegExp(decl.regex).test(String(value)))
      throw new Error(`\`${name}\` input: provided value does not match required RegEx pattern`);
    resolved[name] = value;
  }
  return resolved;
}

const BLOCK = /\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]/g;

/** Interpolates `$[[ inputs.x ]]` in keys and values, as GitLab does after reading the YAML. */
export function interpolate(value: unknown, inputs: Record<string, InputValue>): unknown {
  const lookup = (name: string): InputValue => {
    if (!Object.hasOwn(inputs, name)) throw new Error(`unknown interpolation key: \`${name}\``);
    return inputs[name];
  };
  if (typeof value === 'string') {
    const whole = /^\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]$/.exec(value);
    if (whole) return lookup(whole[1]);
    return value.replace(BLOCK, (_, name: string) => String(lookup(name)));
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, inputs));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [interpolate(k, inputs) as string, interpolate(v, inputs)]),
    );
  return value;
}

/** GitLab's variable expansion in a variable's value: `$NAME`, `${NAME}`, `$$`; unknown names are empty. */
export function expand(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, a?: string, b?: string) => (m === '$$' ? '$' : (env[(a ?? b) as string] ?? '')),
  );
}

export interface GitLabJob {
  name: string;
  job: Map;
  inputs: Record<string, InputValue>;
}

/** The one job a template defines, with the include's inputs applied. */
export function includeComponent(command: string, given: Record<string, InputValue> = {}): GitLabJob {
  const { spec, jobs } = readTemplate(command);
  const inputs = resolveInputs(spec, given);
  const resolved = interpolate(jobs, inputs) as Map;
  const [name, job] = Object.entries(resolved)[0];
  return { name, job: job as Map, inputs };
}

/** GitLab's predefined variables for a job of project acme/app on gitlab.example. */
export function predefinedVariables(projectDir: string, jobId = '4242'): Record<string, string> {
  return {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_URL: 'https://gitlab.example',
    CI_SERVER_FQDN: 'gitlab.example',
    CI_PROJECT_PATH: 'acme/app',
    CI_PROJECT_DIR: projectDir,
    CI_PROJECT_VISIBILITY: 'private',
    CI_COMMIT_SHA: 'abc123def4567890abc123def4567890abc123de',
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_PIPELINE_URL: 'https://gitlab.example/acme/app/-/pipelines/77',
    CI_JOB_ID: jobId,
    CI_JOB_URL: `https://gitlab.example/acme/app/-/jobs/${jobId}`,
  };
}

/** The job's environment: predefined variables, project variables, ID tokens, then the job's variables, expanded. */
export function jobEnvironment(
  job: Map,
  base: Record<string, string | undefined>,
  idToken: (aud: string | string[]) => string,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const [name, spec] of Object.entries(
    (job.id_tokens ?? {}) as Record<string, { aud: string | string[] }>,
  ))
    env[name] = idToken(spec.aud);
  for (const [name, value] of Object.entries((job.variables ?? {}) as Map)) {
    // Project CI/CD variables outrank the job's YAML variables.
    if (Object.hasOwn(base, name) && base[name] !== undefined) continue;
    env[name] = expand(String(value), env);
  }
  return env;
}

export interface JobRun {
  script: ProcessResult;
  afterScript?: ProcessResult;
}

/** Runs before_script + script in one shell, then after_script in a new one, as the runner does. */
export async function runJob(
  job: Map,
  env: Record<string, string | undefined>,
  cwd: string,
  options: { shell?: string[]; onStart?: (pid: number) => void; afterScript?: boolean } = {},
): Promise<JobRun> {
  const [shell, ...shellArgs] = options.shell ?? ['sh'];
  const lines = [...((job.before_script ?? []) as string[]), ...((job.script ?? []) as string[])];
  // The runner stops at the first failing command (its generated script runs with errexit).
  const script = await runProcess(
    shell,
    [...shellArgs, '-e', '-c', lines.join('\n')],
    env,
    cwd,
    options.onStart,
  );
  if (options.afterScript === false) return { script };
  const after = (job.after_script ?? []) as string[];
  const afterScript = after.length
    ? await runProcess(shell, [...shellArgs, '-c', after.join('\n')], env, cwd)
    : undefined;
  return { script, afterScript };
}
