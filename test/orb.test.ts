// The packed CircleCI orb (dist/circleci-orb/orb.yml), checked structurally: every command, job
// and executor reference resolves, every `<< parameters.x >>` names a parameter of its component,
// parameter types are orb types, nothing is left unincluded; plus the orb's bats suite and shellcheck.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bakeSchema, buildSchema, pullSchema, setupSchema, type Schema } from '@depot-actions/core';
import { ORB_SRC } from './ci-entry/helpers';
import { runTool, shellTest } from './ci-entry/shell-tools';
import { REPO_ROOT } from './harness/runner';
import { Ajv } from 'ajv';
import { circleciConfigSchema } from './ci-entry/circleci-schema';
import { ORB_ENTRY_BUDGET, orbName, packOrb } from '../scripts/generate-ci';

type Map = Record<string, unknown>;
const PACKED = join(REPO_ROOT, 'dist', 'circleci-orb', 'orb.yml');
const text = readFileSync(PACKED, 'utf8');
const orb = parse(text) as Map;
const section = (name: string): Record<string, Map> => (orb[name] ?? {}) as Record<string, Map>;
const validateConfig = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  circleciConfigSchema,
);
const ORB_TYPES = new Set(['string', 'boolean', 'integer', 'enum', 'executor', 'steps', 'env_var_name']);
const BUILTIN_STEPS = new Set([
  'run',
  'checkout',
  'store_artifacts',
  'setup_remote_docker',
  'persist_to_workspace',
  'attach_workspace',
  'save_cache',
  'restore_cache',
  'store_test_results',
  'when',
  'unless',
]);

/** Every `<< x >>` expression in a value, recursively. */
function expressions(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') for (const m of value.matchAll(/<<\s*([^>]+?)\s*>>/g)) out.push(m[1]);
  else if (Array.isArray(value)) for (const v of value) expressions(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) expressions(v, out);
  return out;
}

/** The step names a component uses (`build`, `run`, `checkout`, ...). */
const stepNames = (steps: unknown[]): string[] =>
  steps.map((s) => (typeof s === 'string' ? s : Object.keys(s as Map)[0]));

describe('packed orb', () => {
  test('is what packing the source gives (committed copy is current), with no include left', () => {
    expect(packOrb(ORB_SRC)).toBe(text);
    expect(text).not.toContain('<<include');
    expect(text).not.toMatch(/<<\s*include/);
  });

  test('has the commands, the build job, the default executor and examples', () => {
    expect(Object.keys(section('commands')).sort()).toEqual(['bake', 'build', 'install', 'pull']);
    expect(Object.keys(section('jobs'))).toEqual(['build']);
    expect(Object.keys(section('executors'))).toEqual(['default']);
    expect(Object.keys(section('examples')).length).toBeGreaterThanOrEqual(3);
    expect(orb.version).toBe(2.1);
    expect(typeof orb.description).toBe('string');
  });

  test('every parameter has an orb type and a description; the token is an env_var_name', () => {
    for (const kind of ['commands', 'jobs', 'executors']) {
      for (const [name, component] of Object.entries(section(kind))) {
        expect(typeof component.description).toBe('string');
        for (const [param, spec] of Object.entries((component.parameters ?? {}) as Record<string, Map>)) {
          if (!ORB_TYPES.has(String(spec.type)))
            throw new Error(`${kind}/${name}: ${param} has type ${String(spec.type)}`);
          expect(typeof spec.description).toBe('string');
          if (spec.type === 'boolean') expect(typeof spec.default).toBe('boolean');
        }
      }
    }
    expect((section('commands').build.parameters as Record<string, Map>).token).toMatchObject({
      type: 'env_var_name',
      default: 'DEPOT_TOKEN',
    });
  });

  test('the parameters are the schema inputs, GitHub-only ones left out', () => {
    const expected = (schema: Schema): string[] =>
      Object.entries(schema)
        .filter(([, s]) => !s.githubOnly)
        .map(([n]) => orbName(n))
        .sort();
    const params = (c: Map): string[] => Object.keys(c.parameters as Map).sort();
    expect(params(section('commands').build)).toEqual(expected(buildSchema));
    expect(params(section('commands').bake)).toEqual(expected(bakeSchema));
    expect(params(section('commands').install)).toEqual(expected(setupSchema));
    expect(params(section('commands').pull)).toEqual(expected(pullSchema));
    expect(params(section('commands').build)).not.toContain('github_token');
    expect(params(section('commands').build)).toEqual(
      expect.arrayContaining(['build_args', 'build_context']),
    );
  });

  test('fixed value sets are enum parameters, fallback_timeout an integer', () => {
    for (const command of ['build', 'bake']) {
      const params = section('commands')[command].parameters as Record<string, Map>;
      for (const name of ['engine', 'call', 'build_platform', 'lint_fail_on'])
        expect([command, name, params[name].type]).toEqual([command, name, 'enum']);
      expect(params.engine).toMatchObject({ enum: ['auto', 'depot', 'local'], default: 'auto' });
      expect(params.lint_fail_on.enum).toEqual(['', 'error', 'warn', 'warning', 'info', 'none']);
      expect(params.fallback_timeout).toMatchObject({ type: 'integer', default: 120 });
    }
  });

  test('commands, jobs and executors have the structure of the CircleCI config reference', () => {
    const doc = { version: 2.1, commands: orb.commands, jobs: orb.jobs, executors: orb.executors };
    expect(validateConfig(doc) ? [] : validateConfig.errors).toEqual([]);
  });

  test('every << >> reference resolves: parameters of the component, pipeline values in examples', () => {
    for (const kind of ['commands', 'jobs', 'executors']) {
      for (const [name, component] of Object.entries(section(kind))) {
        const params = Object.keys((component.parameters ?? {}) as Map);
        for (const expr of expressions({ ...component, parameters: undefined })) {
          const m = /^parameters\.([a-z][a-z0-9_-]*)$/.exec(expr);
          if (!m || !params.includes(m[1])) throw new Error(`${kind}/${name}: unresolved << ${expr} >>`);
        }
      }
    }
    for (const [name, example] of Object.entries(section('examples'))) {
      for (const expr of expressions(example)) {
        if (!/^pipeline\.[a-z_.]+$/.test(expr)) throw new Error(`examples/${name}: unresolved << ${expr} >>`);
      }
    }
  });

  test('parameters reach scripts only through environment:, never inside command text', () => {
    for (const [name, command] of Object.entries(section('commands'))) {
      const [step] = command.steps as Map[];
      const run = step.run as Map;
      expect(expressions(run.command)).toEqual([]);
      expect(run.name).toBe(`depot ${name}`);
      const env = run.environment as Record<string, string>;
      expect(env.DEPOT_ORB_COMMAND).toBe(name);
      expect(env.DEPOT_ORB_ENTRY.length).toBeLessThan(ORB_ENTRY_BUDGET);
      for (const [key, value] of Object.entries(env)) {
        if (!key.startsWith('PARAM_')) continue;
        expect(value).toMatch(/^<< parameters\.[a-z0-9_]+ >>$/);
        expect(key).toBe(`PARAM_${value.slice(14, -3).toUpperCase()}`);
      }
    }
  });

  test('every command ends with the cleanup step, which runs when: always', () => {
    for (const [name, command] of Object.entries(section('commands'))) {
      const steps = command.steps as Map[];
      expect([name, steps.length]).toEqual([name, 2]);
      const cleanup = steps[1].run as Map;
      expect(cleanup).toMatchObject({ name: 'depot cleanup', when: 'always' });
      expect(cleanup.command).toBe(readFileSync(join(ORB_SRC, 'scripts', 'cleanup.sh'), 'utf8'));
    }
  });

  test('the job and examples use only steps, commands, jobs and executors that exist', () => {
    const commands = Object.keys(section('commands'));
    const job = section('jobs').build;
    expect(job.executor).toBe('<< parameters.executor >>');
    expect((job.parameters as Record<string, Map>).executor.default).toBe('default');
    for (const step of stepNames(job.steps as unknown[]))
      expect([...BUILTIN_STEPS, ...commands]).toContain(step);
    for (const [name, example] of Object.entries(section('examples'))) {
      const usage = (example as Map).usage as Map;
      const alias = Object.keys(usage.orbs as Map)[0];
      const known = new Set(
        [...commands, ...Object.keys(section('jobs')), ...Object.keys(section('executors'))].map(
          (c) => `${alias}/${c}`,
        ),
      );
      const refs = JSON.stringify(usage).match(new RegExp(`"${alias}/[a-z_-]+"`, 'g')) ?? [];
      for (const ref of refs)
        if (!known.has(JSON.parse(ref) as string)) throw new Error(`examples/${name}: ${ref} does not exist`);
    }
  });

  test('every script the source includes is present', () => {
    const src = readFileSync(join(ORB_SRC, 'commands', 'build.yml'), 'utf8');
    for (const m of src.matchAll(/<<include\(([^)]+)\)>>/g))
      expect(readdirSync(join(ORB_SRC, 'scripts'))).toContain(m[1].replace('scripts/', ''));
  });
});

describe('orb shell scripts', () => {
  shellTest('bats suite passes', () => {
    const r = runTool('bats', ['tests'], join(ORB_SRC, '..'));
    if (r.status !== 0) throw new Error(r.output);
  });
  shellTest('shellcheck is clean', () => {
    const r = runTool(
      'shellcheck',
      ['-x', 'src/scripts/run.sh', 'src/scripts/cleanup.sh', 'tests/run.bats', 'tests/cleanup.bats'],
      join(ORB_SRC, '..'),
    );
    if (r.status !== 0) throw new Error(r.output);
  });
});
