// The GitLab CI/CD component (packages/gitlab-component), checked without running it: each template
// is two documents that pass a strict schema of GitLab's CI configuration (test/ci-entry/gitlab-schema.ts);
// its inputs are exactly the option schemas' (names, types, defaults, options); inputs are
// interpolated only into variables and the job's own fields, never into script text; the committed
// templates are what the generator makes; the scripts pass shellcheck as POSIX sh.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { outputVariable } from '@depot-actions/ci-entry';
import { inputVariable } from '@depot-actions/gitlab';
import { parse } from 'yaml';
import {
  bakeOutputs,
  bakeSchema,
  buildOutputs,
  buildSchema,
  pullOutputs,
  pullSchema,
  setupOutputs,
  setupSchema,
  type InputSpec,
  type Schema,
} from '@depot-actions/core';
import { componentTemplate, DEPOT_AUDIENCE, reportPaths } from '../scripts/generate-gitlab';
import { CI_COMMANDS } from '../scripts/ci-schemas';
import { gitlabJobsSchema, gitlabSpecSchema } from './ci-entry/gitlab-schema';
import { COMPONENT_DIR, includeComponent, readTemplate, type InputValue } from './ci-entry/gitlab-job';
import { runTool, shellTest } from './ci-entry/shell-tools';
import { REPO_ROOT } from './harness/runner';

type Map = Record<string, unknown>;
const COMMANDS: [string, Schema][] = [
  ['install', setupSchema],
  ['build', buildSchema],
  ['bake', bakeSchema],
  ['pull', pullSchema],
];
/** The commands whose job runs the user's script after the step (the step is its before_script). */
const OWN_SCRIPT = ['install', 'pull'];
const JOB_INPUTS = ['job-name', 'stage', 'image'];
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateSpec = ajv.compile(gitlabSpecSchema);
const validateJobs = ajv.compile(gitlabJobsSchema);

/** Every string in a value, keys included, with where it is. */
function strings(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([`${path}{key}`, k]);
      strings(v, `${path}.${k}`, out);
    }
  return out;
}

/** What GitLab's input should be for one option, written from the option spec independently of the generator. */
function expectedType(name: string, spec: InputSpec): string {
  if (name === 'token') return 'string';
  if (spec.kind === 'boolean') return 'boolean';
  if (spec.kind === 'text' && spec.integer) return 'number';
  return 'string';
}

describe.each(COMMANDS)('templates/%s.yml', (command, schema) => {
  const { spec, jobs } = readTemplate(command);
  const inputs = (spec.spec as Map).inputs as Record<string, Map>;
  const [[jobKey, job]] = Object.entries(jobs) as [string, Map][];

  test('passes the strict schema of GitLab CI configuration', () => {
    expect(validateSpec(spec) ? [] : validateSpec.errors).toEqual([]);
    expect(validateJobs(jobs) ? [] : validateJobs.errors).toEqual([]);
    expect(Object.keys(jobs)).toHaveLength(1);
  });

  test('is what the generator makes from the schemas and the committed bundle', () => {
    const text = readFileSync(join(COMPONENT_DIR, 'templates', `${command}.yml`), 'utf8');
    const entry = (job.variables as Map).DEPOT_COMPONENT_ENTRY as string;
    const cmd = CI_COMMANDS.find((c) => c.name === command);
    if (!cmd) throw new Error(command);
    expect(componentTemplate(REPO_ROOT, cmd, entry)).toBe(text);
    // The carried bundle is the committed dist/gitlab/: index.js, its lazy chunks, package.json.
    const carried = JSON.parse(brotliDecompressSync(Buffer.from(entry, 'base64')).toString()) as Record<
      string,
      string
    >;
    const dist = join(REPO_ROOT, 'dist', 'gitlab');
    expect(Object.keys(carried).sort()).toEqual(readdirSync(dist).sort());
    for (const [name, text] of Object.entries(carried))
      expect(text).toBe(readFileSync(join(dist, name), 'utf8'));
  });

  test('declares every option of the schema with the same type, default and fixed values', () => {
    const options = Object.entries(schema).filter(([, s]) => !s.githubOnly);
    expect(Object.keys(inputs).filter((n) => !JOB_INPUTS.includes(n) && n !== 'script')).toEqual(
      options.map(([n]) => n),
    );
    for (const [name, s] of options) {
      const input = inputs[name];
      expect([name, input.type]).toEqual([name, expectedType(name, s)]);
      const def = name === 'token' ? 'DEPOT_TOKEN' : (s.default ?? '');
      expect([name, String(input.default)]).toEqual([name, def]);
      if (s.kind === 'text' && s.values)
        expect([name, (input.options as string[]).filter(Boolean)]).toEqual([name, [...s.values]]);
      else expect([name, input.options]).toEqual([name, undefined]);
      // GitLab makes an input without a default mandatory; default must be one of the options.
      if (input.options) expect(input.options).toContain(input.default);
      expect(String(input.description).length).toBeGreaterThan(10);
    }
    if (schema.token && !schema.token.githubOnly) expect(inputs.token.regex).toBe('^[A-Za-z_][A-Za-z0-9_]*$');
    const gitHubOnly = Object.entries(schema)
      .filter(([, s]) => s.githubOnly)
      .map(([n]) => n);
    for (const name of gitHubOnly) expect(Object.hasOwn(inputs, name)).toBe(false);
  });

  test('maps each input to one DEPOT_INPUT_* variable; no input reaches script text', () => {
    const variables = job.variables as Record<string, unknown>;
    for (const name of Object.keys(inputs).filter((n) => !JOB_INPUTS.includes(n) && n !== 'script'))
      expect([name, variables[inputVariable(name)]]).toEqual([name, `$[[ inputs.${name} ]]`]);
    const used = strings(jobs, '').filter(([, s]) => s.includes('$[['));
    const allowed = new Set([
      '{key}',
      `.${jobKey}.stage`,
      `.${jobKey}.image`,
      `.${jobKey}.script`,
      ...Object.keys(variables).map((v) => `.${jobKey}.variables.${v}`),
    ]);
    for (const [path, text] of used) {
      expect([path, allowed.has(path)]).toEqual([path, true]);
      // Whole values only: nothing of an input is ever glued into other text.
      expect(text).toMatch(/^\$\[\[ inputs\.[A-Za-z0-9_-]+ \]\]$/);
      const name = /inputs\.([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';
      expect([text, Object.hasOwn(inputs, name)]).toEqual([text, true]);
    }
    if (OWN_SCRIPT.includes(command)) expect(job.script).toBe('$[[ inputs.script ]]');
    // Every declared input is used somewhere.
    const referenced = new Set(used.map(([, t]) => /inputs\.([A-Za-z0-9_-]+)/.exec(t)?.[1]));
    expect(Object.keys(inputs).filter((n) => !referenced.has(n))).toEqual([]);
  });

  test('asks for a Depot ID token, keeps the report artifacts, cleans up in after_script', () => {
    expect(job.id_tokens).toEqual({ DEPOT_OIDC_TOKEN: { aud: DEPOT_AUDIENCE } });
    expect((job.variables as Map).DEPOT_COMPONENT_COMMAND).toBe(command);
    const paths = reportPaths(command);
    expect(job.artifacts).toEqual({
      when: 'always',
      expose_as: `depot ${command} summary`,
      paths: [paths.summary, paths.outputs],
      reports: { dotenv: paths.dotenv },
    });
    const run = readFileSync(join(COMPONENT_DIR, 'scripts', 'run.sh'), 'utf8');
    const cleanup = readFileSync(join(COMPONENT_DIR, 'scripts', 'cleanup.sh'), 'utf8');
    expect(OWN_SCRIPT.includes(command) ? job.before_script : job.script).toEqual([run]);
    expect(job.after_script).toEqual([cleanup]);
    expect(run).not.toContain('$[[');
    expect(JSON.stringify(jobs)).not.toMatch(/(^|\\n)::/);
  });

  test('an include with defaults only resolves; GitLab-level type errors are refused', () => {
    const { name, job: resolved } = includeComponent(command);
    expect(name).toBe(`depot-${command}`);
    // pull reads the build job's dotenv report, which only jobs of later stages get by default.
    expect(resolved.stage).toBe(command === 'pull' ? 'test' : 'build');
    expect(resolved.image).toBe('node:22-alpine');
    const boolName = Object.keys(inputs).find((n) => inputs[n].type === 'boolean');
    if (boolName) expect(() => includeComponent(command, { [boolName]: 'yes' })).toThrow('is not a boolean');
    expect(() => includeComponent(command, { 'no-such-input': 'x' })).toThrow('unknown input arguments');
    if (schema.token && !schema.token.githubOnly)
      expect(() => includeComponent(command, { token: 'X; touch MARKER' })).toThrow('RegEx');
  });
});

describe('component README and scripts', () => {
  test('the README has each template’s inputs table and the component include line', () => {
    const readme = readFileSync(join(COMPONENT_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('component: $CI_SERVER_FQDN/<group>/<project>/build@1.0.0');
    for (const [command, schema] of COMMANDS) {
      const block = readme.split(`<!-- generated:${command}-inputs -->`)[1].split('<!-- /generated')[0];
      for (const name of Object.keys(schema).filter((n) => !schema[n].githubOnly))
        expect([command, block.includes(`| \`${name}\` |`)]).toEqual([command, true]);
    }
  });

  shellTest('run.sh and cleanup.sh pass shellcheck as POSIX sh', () => {
    const r = runTool('shellcheck', ['-s', 'sh', 'scripts/run.sh', 'scripts/cleanup.sh'], COMPONENT_DIR);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});

/**
 * Lints a pipeline that includes the component: each include names a template and passes inputs
 * GitLab accepts; a job named like an included job only adds a before_script or variables (GitLab
 * merges it in); `needs:` names jobs that exist; `$DEPOT_OUTPUT_*` a job reads are outputs of a
 * depot job it needs; every stage is declared.
 */
function lintPipeline(pipeline: Map): string[] {
  const problems: string[] = [];
  const outputsOf: Record<string, Record<string, string>> = {
    install: setupOutputs,
    build: buildOutputs,
    bake: bakeOutputs,
    pull: pullOutputs,
  };
  const depotJobs = new Map<string, string>();
  for (const entry of (pipeline.include ?? []) as Map[]) {
    const m = /^\$CI_SERVER_FQDN\/[^/\s]+\/[^/\s]+\/(install|build|bake|pull)@\d+\.\d+\.\d+$/.exec(
      String(entry.component),
    );
    if (!m) {
      problems.push(`include ${JSON.stringify(entry.component)} is not a depot component`);
      continue;
    }
    const inputs = (entry.inputs ?? {}) as Record<string, InputValue>;
    // The job keeps its name when its other inputs are wrong, so what follows is still checked.
    depotJobs.set(String(inputs['job-name'] ?? `depot-${m[1]}`), m[1]);
    try {
      includeComponent(m[1], inputs);
    } catch (error) {
      problems.push(`${m[1]}: ${(error as Error).message}`);
    }
  }
  const stages = (pipeline.stages ?? ['build', 'test', 'deploy']) as string[];
  for (const [name, value] of Object.entries(pipeline)) {
    if (['stages', 'include', 'variables', 'default', 'workflow'].includes(name) || name.startsWith('.'))
      continue;
    const job = value as Map;
    if (depotJobs.has(name)) {
      const extra = Object.keys(job).filter((k) => !['before_script', 'variables'].includes(k));
      if (extra.length || (OWN_SCRIPT.includes(depotJobs.get(name) ?? '') && job.before_script))
        problems.push(`${name}: overrides ${extra.join(', ') || 'before_script'} of the component's job`);
      continue;
    }
    if (!stages.includes(String(job.stage ?? 'test')))
      problems.push(`${name}: stage ${String(job.stage)} is not declared`);
    const needs = ((job.needs ?? []) as unknown[]).map((n) =>
      String(typeof n === 'object' && n ? (n as Map).job : n),
    );
    for (const need of needs)
      if (!depotJobs.has(need) && !Object.hasOwn(pipeline, need))
        problems.push(`${name}: needs ${need}, which does not exist`);
    const available = new Set(
      needs.flatMap((n) =>
        Object.keys(outputsOf[depotJobs.get(n) ?? ''] ?? {}).map((o) => outputVariable(o)),
      ),
    );
    for (const text of strings(job, '').map(([, s]) => s))
      for (const [, variable] of text.matchAll(/\$\{?(DEPOT_OUTPUT_[A-Z0-9_]+)/g))
        if (!available.has(variable))
          problems.push(`${name}: reads ${variable}, which no job it needs outputs`);
  }
  return problems;
}

describe('action-templates/gitlab/gitlab-ci.yml', () => {
  const file = join(REPO_ROOT, 'action-templates', 'gitlab', 'gitlab-ci.yml');
  const pipeline = (): Map => parse(readFileSync(file, 'utf8')) as Map;

  test('includes the component with inputs GitLab accepts, and reads only outputs that exist', () => {
    expect(lintPipeline(pipeline())).toEqual([]);
  });

  test('the lint catches what it exists for', () => {
    const broken = pipeline();
    const [build, bake] = broken.include as Map[];
    (build.inputs as Map).pushh = true;
    (bake.inputs as Map).push = 'yes';
    ((broken['show-image'] as Map).script as string[]).push('echo $DEPOT_OUTPUT_TARGETS $DEPOT_BUILD_ID');
    (broken['show-bake'] as Map).needs = ['depot-bake'];
    (broken['depot-build'] as Map).script = ['echo replaced'];
    expect(lintPipeline(broken)).toEqual([
      'build: unknown input arguments: pushh',
      'bake: `push` input: provided value is not a boolean',
      "depot-build: overrides script of the component's job",
      'show-image: reads DEPOT_OUTPUT_TARGETS, which no job it needs outputs',
      'show-bake: needs depot-bake, which does not exist',
      'show-bake: reads DEPOT_OUTPUT_TARGETS, which no job it needs outputs',
      'show-bake: reads DEPOT_OUTPUT_BUILD_URL, which no job it needs outputs',
    ]);
  });
});
