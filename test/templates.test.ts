// The ready-to-copy CI templates (action-templates/) are linted for real against what they use:
// GitHub workflows against actions/*/action.yml (inputs, outputs, OIDC permission), the CircleCI
// config against the packed orb (commands, jobs, executors, parameters and their types), the
// Buildkite pipeline against plugin.yml's strict schema (ajv). Each linter is also fed a broken
// copy of a template, so it is shown to catch the mistakes it exists for.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { REPO_ROOT } from './harness/runner';
import {
  asList,
  asMap,
  DEPOT_OWNER,
  DEPOT_USES,
  isMap,
  lintWorkflow,
  readYaml,
  strings,
  type Obj,
} from './harness/workflow-lint';

const TEMPLATES = join(REPO_ROOT, 'action-templates');

const PROPERTY_KEYS = ['name', 'description', 'iconName', 'categories'];

/** Errors in a workflow template's .properties.json (GitHub's workflow-template metadata). */
function lintProperties(file: string): string[] {
  const errors: string[] = [];
  let props: Obj;
  try {
    props = JSON.parse(readFileSync(join(TEMPLATES, 'github', file), 'utf8')) as Obj;
  } catch (e) {
    return [`${file}: ${(e as Error).message}`];
  }
  for (const key of PROPERTY_KEYS) if (!(key in props)) errors.push(`${file}: no ${key}`);
  for (const key of ['name', 'description', 'iconName'])
    if (typeof props[key] !== 'string' || !props[key])
      errors.push(`${file}: ${key} must be a non-empty string`);
  const categories = props.categories;
  if (
    !Array.isArray(categories) ||
    categories.length === 0 ||
    !categories.every((c) => typeof c === 'string')
  )
    errors.push(`${file}: categories must be a non-empty list of strings`);
  const icon = String(props.iconName ?? '');
  if (!/^octicon [a-z0-9-]+$/.test(icon) && !existsSync(join(TEMPLATES, 'github', `${icon}.svg`)))
    errors.push(`${file}: iconName ${icon} is neither "octicon <name>" nor an SVG next to the template`);
  const patterns = props.filePatterns;
  if (patterns !== undefined) {
    for (const p of asList(patterns)) {
      try {
        new RegExp(String(p));
      } catch {
        errors.push(`${file}: filePatterns entry ${String(p)} is not a regular expression`);
      }
    }
  }
  const workflow = file.replace(/\.properties\.json$/, '.yml');
  if (!existsSync(join(TEMPLATES, 'github', workflow))) errors.push(`${file}: no ${workflow} next to it`);
  return errors;
}

// ---------------------------------------------------------------------------------------------
// CircleCI config
// ---------------------------------------------------------------------------------------------

const ORB = readYaml(join(REPO_ROOT, 'dist', 'circleci-orb', 'orb.yml'));
const ORB_NAME = /^depot-actions\/depot@\S+$/;
const CIRCLE_BUILTIN_STEPS = new Set([
  'run',
  'checkout',
  'store_artifacts',
  'store_test_results',
  'setup_remote_docker',
  'persist_to_workspace',
  'attach_workspace',
  'save_cache',
  'restore_cache',
  'add_ssh_keys',
  'when',
  'unless',
]);
/** Keys a workflow job entry takes besides the job's parameters. */
const WORKFLOW_JOB_KEYS = new Set([
  'name',
  'context',
  'requires',
  'filters',
  'matrix',
  'pre-steps',
  'post-steps',
  'type',
  'serial-group',
  'override-with',
]);
const PIPELINE_VALUES = new Set([
  'pipeline.id',
  'pipeline.number',
  'pipeline.project.git_url',
  'pipeline.project.type',
  'pipeline.git.tag',
  'pipeline.git.branch',
  'pipeline.git.revision',
  'pipeline.git.base_revision',
  'pipeline.trigger_source',
  'pipeline.schedule.name',
  'pipeline.schedule.id',
]);
const WHOLE_EXPRESSION = /^<<\s*[^>]+\s*>>$/;

/** Errors in the parameters passed to an orb component, against its declared parameters. */
function checkParams(where: string, args: Obj, declared: Obj, skip: Set<string> = new Set()): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (skip.has(key)) continue;
    const spec = declared[key];
    if (!isMap(spec)) {
      errors.push(`${where}: unknown parameter ${key}`);
      continue;
    }
    // A whole `<< ... >>` value is resolved by CircleCI before the type applies.
    if (typeof value === 'string' && WHOLE_EXPRESSION.test(value.trim()) && spec.type !== 'string') continue;
    const bad = (expected: string): void => {
      errors.push(
        `${where}: parameter ${key} is ${spec.type as string}: expected ${expected}, got ${JSON.stringify(value)}`,
      );
    };
    switch (spec.type) {
      case 'boolean':
        if (typeof value !== 'boolean') bad('true or false');
        break;
      case 'integer':
        if (!Number.isInteger(value)) bad('a whole number');
        break;
      case 'string':
        if (typeof value !== 'string') bad('a string');
        break;
      case 'env_var_name':
        if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value))
          bad('an environment variable name');
        break;
      case 'enum':
        if (!asList(spec.enum).includes(value)) bad(`one of ${asList(spec.enum).join(', ')}`);
        break;
      case 'steps':
        if (!Array.isArray(value)) bad('a list of steps');
        break;
      case 'executor':
        if (typeof value !== 'string' && !isMap(value)) bad('an executor');
        break;
      default:
        errors.push(`${where}: parameter ${key} has an unknown type ${String(spec.type)}`);
    }
  }
  return errors;
}

/** Errors in a CircleCI 2.1 config that uses the depot orb. */
function lintCircleConfig(doc: Obj): string[] {
  const errors: string[] = [];
  if (doc.version !== 2.1) errors.push(`version is ${JSON.stringify(doc.version)}, not 2.1`);
  const alias = Object.entries(asMap(doc.orbs)).find(
    ([, ref]) => typeof ref === 'string' && ORB_NAME.test(ref),
  )?.[0];
  if (!alias) return [...errors, 'orbs: no depot-actions/depot@<version>'];
  const orbPart = (kind: string, ref: string): Obj | undefined =>
    ref.startsWith(`${alias}/`)
      ? (asMap(ORB[kind])[ref.slice(alias.length + 1)] as Obj | undefined)
      : undefined;
  const localJobs = asMap(doc.jobs);
  const localCommands = asMap(doc.commands);

  const checkExecutor = (where: string, executor: unknown): void => {
    if (executor === undefined) return;
    const [name, args] =
      typeof executor === 'string' ? [executor, {}] : [String(asMap(executor).name), asMap(executor)];
    if (!name.startsWith(`${alias}/`)) return;
    const orbExecutor = orbPart('executors', name);
    if (!orbExecutor) errors.push(`${where}: executor ${name} is not in the orb`);
    else
      errors.push(
        ...checkParams(`${where}: executor ${name}`, args, asMap(orbExecutor.parameters), new Set(['name'])),
      );
  };

  const checkSteps = (where: string, steps: unknown, params: Obj): void => {
    asList(steps).forEach((step, i) => {
      const [name, args] =
        typeof step === 'string'
          ? [step, {}]
          : [Object.keys(asMap(step))[0] ?? '', asMap(step)[Object.keys(asMap(step))[0]]];
      const at = `${where}.steps[${i}] ${name}`;
      if (name.startsWith(`${alias}/`)) {
        const command = orbPart('commands', name);
        if (!command) errors.push(`${at}: the orb has no command ${name.slice(alias.length + 1)}`);
        else errors.push(...checkParams(at, asMap(args), asMap(command.parameters)));
      } else if (!CIRCLE_BUILTIN_STEPS.has(name) && !(name in localCommands)) {
        errors.push(`${at}: not a built-in step, an orb command or a command of this config`);
      }
    });
    for (const text of strings(steps)) checkExpressions(where, text, params);
  };

  const checkExpressions = (where: string, text: string, params: Obj): void => {
    for (const m of text.matchAll(/<<\s*([^>]+?)\s*>>/g)) {
      const expr = m[1];
      const param = /^parameters\.([\w-]+)$/.exec(expr)?.[1];
      const pipelineParam = /^pipeline\.parameters\.([\w-]+)$/.exec(expr)?.[1];
      const ok = param
        ? param in params
        : pipelineParam
          ? pipelineParam in asMap(doc.parameters)
          : PIPELINE_VALUES.has(expr);
      if (!ok) errors.push(`${where}: << ${expr} >> does not resolve`);
    }
  };

  for (const [name, value] of Object.entries(localJobs)) {
    const job = asMap(value);
    checkExecutor(`jobs.${name}`, job.executor);
    checkSteps(`jobs.${name}`, job.steps, asMap(job.parameters));
  }

  const workflows = asMap(doc.workflows);
  if (Object.keys(workflows).length === 0) errors.push('no workflows');
  for (const [wfName, wfValue] of Object.entries(workflows)) {
    const entries = asList(asMap(wfValue).jobs);
    const names = entries.map((entry) => {
      const [job, args] =
        typeof entry === 'string' ? [entry, {}] : (Object.entries(asMap(entry))[0] ?? ['', {}]);
      return String(asMap(args).name ?? job);
    });
    entries.forEach((entry, i) => {
      const [job, rawArgs] =
        typeof entry === 'string' ? [entry, {}] : (Object.entries(asMap(entry))[0] ?? ['', {}]);
      const args = asMap(rawArgs);
      const at = `workflows.${wfName}.jobs[${i}] ${job}`;
      if (job.startsWith(`${alias}/`)) {
        const orbJob = orbPart('jobs', job);
        if (!orbJob) errors.push(`${at}: the orb has no job ${job.slice(alias.length + 1)}`);
        else errors.push(...checkParams(at, args, asMap(orbJob.parameters), WORKFLOW_JOB_KEYS));
      } else if (!(job in localJobs)) {
        errors.push(`${at}: no job ${job} in this config or the orb`);
      } else {
        errors.push(...checkParams(at, args, asMap(asMap(localJobs[job]).parameters), WORKFLOW_JOB_KEYS));
      }
      for (const req of asList(args.requires))
        if (!names.includes(String(req)))
          errors.push(`${at}: requires ${String(req)}, which is not in the workflow`);
      for (const text of strings(args)) checkExpressions(at, text, {});
    });
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Buildkite pipeline
// ---------------------------------------------------------------------------------------------

const PLUGIN = readYaml(join(REPO_ROOT, 'packages', 'buildkite-plugin', 'plugin.yml'));
const CONFIGURATION = asMap(PLUGIN.configuration);
const validatePlugin = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  CONFIGURATION,
);
const PLUGIN_REF = /^depot-actions\/depot#(.*)$/;
/** Which commands an option belongs to, from the "(build, bake)" that ends its description. */
const OPTION_COMMANDS = new Map(
  Object.entries(asMap(CONFIGURATION.properties)).map(([name, spec]) => [
    name,
    /\(([a-z, ]+)\)$/.exec(String(asMap(spec).description))?.[1].split(', '),
  ]),
);

/** Every step of a pipeline, group steps included. */
const pipelineSteps = (steps: unknown): Obj[] =>
  asList(steps).flatMap((s) =>
    isMap(s) && Array.isArray(s.steps) ? pipelineSteps(s.steps) : isMap(s) ? [s] : [],
  );

/** The depot plugin configurations of a step: legacy map form and list form. */
function depotPlugins(step: Obj): [string, unknown][] {
  const plugins = step.plugins;
  const entries: [string, unknown][] = Array.isArray(plugins)
    ? plugins.flatMap((p) =>
        typeof p === 'string' ? [[p, null] as [string, unknown]] : Object.entries(asMap(p)),
      )
    : Object.entries(asMap(plugins));
  return entries.filter(([name]) => PLUGIN_REF.test(name));
}

/** Errors in a Buildkite pipeline's use of the depot plugin. */
function lintPipeline(doc: Obj): string[] {
  const errors: string[] = [];
  const steps = pipelineSteps(doc.steps);
  if (steps.length === 0) errors.push('no steps');
  steps.forEach((step, i) => {
    for (const [name, raw] of depotPlugins(step)) {
      const at = `steps[${i}] ${String(step.label ?? step.key ?? '')}: ${name}`;
      if (!/^v\d+\.\d+\.\d+$/.test(PLUGIN_REF.exec(name)?.[1] ?? ''))
        errors.push(`${at}: pin a release (#vX.Y.Z)`);
      const config = raw ?? {};
      if (!validatePlugin(config)) {
        for (const e of validatePlugin.errors ?? [])
          errors.push(`${at}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
        continue;
      }
      const command = String(asMap(config).command ?? 'build');
      for (const option of Object.keys(asMap(config))) {
        const commands = OPTION_COMMANDS.get(option);
        if (commands && !commands.includes(command))
          errors.push(`${at}: ${option} is not an option of ${command}`);
      }
      const ownCommand = 'command' in step || 'commands' in step;
      if (command !== 'install' && ownCommand)
        errors.push(`${at}: the step's command is not run with ${command}`);
      if (command === 'install' && !ownCommand) errors.push(`${at}: install needs a command to run`);
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The templates
// ---------------------------------------------------------------------------------------------

const githubFiles = readdirSync(join(TEMPLATES, 'github'));
const workflows = githubFiles.filter((f) => f.endsWith('.yml'));
const properties = githubFiles.filter((f) => f.endsWith('.properties.json'));
const circle = readYaml(join(TEMPLATES, 'circleci', 'config.yml'));
const pipeline = readYaml(join(TEMPLATES, 'buildkite', 'pipeline.yml'));
const workflow = (file: string): Obj => readYaml(join(TEMPLATES, 'github', file));
/** A deep copy to break. */
const copy = (doc: Obj): Obj => structuredClone(doc);
const jobsOf = (doc: Obj): Obj => asMap(doc.jobs);
/** The first step of a workflow that uses the given depot action. */
function depotStep(doc: Obj, action: string): Obj {
  for (const job of Object.values(jobsOf(doc)))
    for (const step of asList(asMap(job).steps).map(asMap))
      if (String(step.uses).startsWith(`${DEPOT_OWNER}actions/${action}@`)) return step;
  throw new Error(`no ${action} step`);
}

describe('GitHub workflow templates', () => {
  test('the expected templates are there', () => {
    expect(workflows.sort()).toEqual(['depot-bake.yml', 'depot-build-push.yml', 'depot-local-fallback.yml']);
    expect(properties).toEqual(
      expect.arrayContaining(['depot-build-push.properties.json', 'depot-bake.properties.json']),
    );
  });

  test.each(workflows)('%s lints clean and uses a depot action', (file) => {
    const doc = workflow(file);
    expect(lintWorkflow(doc)).toEqual([]);
    const uses = Object.values(jobsOf(doc)).flatMap((j) =>
      asList(asMap(j).steps).map((s) => String(asMap(s).uses)),
    );
    expect(uses.some((u) => DEPOT_USES.test(u) && u.endsWith('@v1'))).toBe(true);
    // Every template reads an output of a depot step in a later step.
    expect(JSON.stringify(doc)).toMatch(/steps\.[\w-]+\.outputs\./);
  });

  test('the local-fallback template turns on buildx-fallback', () => {
    expect(asMap(depotStep(workflow('depot-local-fallback.yml'), 'build-push').with)['buildx-fallback']).toBe(
      true,
    );
  });

  test.each(properties)('%s has the workflow-template keys', (file) => {
    expect(lintProperties(file)).toEqual([]);
  });

  test('the linter catches an unknown input, a bad output, a missing action and a missing OIDC permission', () => {
    const base = workflow('depot-build-push.yml');

    const unknownInput = copy(base);
    asMap(depotStep(unknownInput, 'build-push').with).taggs = 'x';
    expect(lintWorkflow(unknownInput)).toEqual([
      expect.stringContaining('actions/build-push has no input taggs'),
    ]);

    const bakeInput = copy(base);
    asMap(depotStep(bakeInput, 'build-push').with).targets = 'app';
    expect(lintWorkflow(bakeInput)).toEqual([expect.stringContaining('has no input targets')]);

    const badOutput = copy(base);
    const build = asMap(jobsOf(badOutput).build);
    asList(build.steps).push({ run: 'echo ${{ steps.build.outputs.targets }}' });
    expect(lintWorkflow(badOutput)).toEqual([
      expect.stringContaining('actions/build-push has no output targets'),
    ]);

    const unknownStep = copy(base);
    asList(asMap(jobsOf(unknownStep).build).steps).push({
      if: "steps.bild.outputs.digest != ''",
      run: 'true',
    });
    expect(lintWorkflow(unknownStep)).toEqual([expect.stringContaining('no step with id bild')]);

    const noAction = copy(base);
    depotStep(noAction, 'build-push').uses = 'depot-actions/depot-actions/actions/build-and-push@v1';
    expect(lintWorkflow(noAction).join('\n')).toContain('there is no actions/build-and-push/action.yml');

    const noIdToken = copy(base);
    asMap(jobsOf(noIdToken).build).permissions = { contents: 'read', packages: 'write' };
    expect(lintWorkflow(noIdToken)).toEqual([expect.stringContaining('without permissions.id-token: write')]);
    // ... which a token input makes unnecessary.
    asMap(depotStep(noIdToken, 'build-push').with).token = '${{ secrets.DEPOT_TOKEN }}';
    expect(lintWorkflow(noIdToken)).toEqual([]);
  });
});

describe('CircleCI config template', () => {
  test('lints clean, with the depot/build job and install + bake in a job of its own', () => {
    expect(lintCircleConfig(circle)).toEqual([]);
    expect(asMap(circle.orbs).depot).toBe('depot-actions/depot@1');
    const text = JSON.stringify(circle);
    for (const ref of ['"depot/build"', '"depot/install"', '"depot/bake"']) expect(text).toContain(ref);
  });

  test('the linter catches an unknown parameter, a non-boolean boolean and an unknown command', () => {
    const bakeStep = (doc: Obj): Obj => {
      const steps = asList(asMap(jobsOf(doc)['bake-images']).steps).map(asMap);
      return asMap(steps.find((s) => 'depot/bake' in s)?.['depot/bake']);
    };
    const buildEntry = (doc: Obj): Obj =>
      asMap(
        asList(asMap(asMap(doc.workflows).build).jobs)
          .map(asMap)
          .find((e) => 'depot/build' in e)?.['depot/build'],
      );

    const unknownParam = copy(circle);
    bakeStep(unknownParam).tags = 'x';
    expect(lintCircleConfig(unknownParam)).toEqual([expect.stringContaining('unknown parameter tags')]);

    const unknownJobParam = copy(circle);
    buildEntry(unknownJobParam).targets = 'app';
    expect(lintCircleConfig(unknownJobParam)).toEqual([expect.stringContaining('unknown parameter targets')]);

    const stringBoolean = copy(circle);
    buildEntry(stringBoolean).push = 'true';
    expect(lintCircleConfig(stringBoolean)).toEqual([expect.stringContaining('parameter push is boolean')]);

    const badToken = copy(circle);
    bakeStep(badToken).token = '$DEPOT_TOKEN';
    expect(lintCircleConfig(badToken)).toEqual([expect.stringContaining('parameter token is env_var_name')]);

    const unknownCommand = copy(circle);
    asList(asMap(jobsOf(unknownCommand)['bake-images']).steps).push({ 'depot/deploy': {} });
    expect(lintCircleConfig(unknownCommand)).toEqual([
      expect.stringContaining('the orb has no command deploy'),
    ]);

    const oldVersion = copy(circle);
    oldVersion.version = 2;
    expect(lintCircleConfig(oldVersion)).toEqual(['version is 2, not 2.1']);
  });
});

describe('Buildkite pipeline template', () => {
  test('lints clean against plugin.yml, with a build step and a bake step', () => {
    expect(lintPipeline(pipeline)).toEqual([]);
    const configs = pipelineSteps(pipeline.steps).flatMap(depotPlugins);
    expect(configs.map(([name]) => name)).toEqual([
      'depot-actions/depot#v1.0.0',
      'depot-actions/depot#v1.0.0',
    ]);
    expect(configs.map(([, c]) => asMap(c).command ?? 'build')).toEqual(['build', 'bake']);
  });

  test('the linter catches an extra property, a bad type and an option of another command', () => {
    const config = (doc: Obj, i: number): Obj => asMap(pipelineSteps(doc.steps).flatMap(depotPlugins)[i][1]);

    const extra = copy(pipeline);
    config(extra, 0).taggs = ['x'];
    expect(lintPipeline(extra)).toEqual([expect.stringContaining('must NOT have additional properties')]);

    const badType = copy(pipeline);
    config(badType, 0).push = 'yes';
    expect(lintPipeline(badType)).toEqual([expect.stringContaining('/push must be boolean')]);

    const otherCommand = copy(pipeline);
    config(otherCommand, 1).platforms = 'linux/amd64';
    expect(lintPipeline(otherCommand)).toEqual([
      expect.stringContaining('platforms is not an option of bake'),
    ]);

    const unpinned = copy(pipeline);
    const step = pipelineSteps(unpinned.steps)[0];
    step.plugins = [{ 'depot-actions/depot#main': config(unpinned, 0) }];
    expect(lintPipeline(unpinned)).toEqual([expect.stringContaining('pin a release')]);
  });
});
