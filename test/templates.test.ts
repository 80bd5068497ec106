// The ready-to-copy CI templates (action-templates/) are linted for real against what they use:
// GitHub workflows against actions/*/action.yml (inputs, outputs, OIDC permission), the CircleCI
// config against the packed orb (commands, jobs, executors, parameters and their types), the
// Buildkite pipeline against plugin.yml's strict schema (ajv). Each linter is also fed a broken
// copy of a template, so it is shown to catch the mistakes it exists for.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { lintCircleciConfig } from './ci-entry/circleci-lint';
import { REPO_ROOT } from './harness/runner';
import { asList, asMap, isMap, strings, type Obj } from './ci-entry/values';

const TEMPLATES = join(REPO_ROOT, 'action-templates');
const readYaml = (path: string): Obj => parse(readFileSync(path, 'utf8')) as Obj;

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflows
// ---------------------------------------------------------------------------------------------

interface ActionSpec {
  inputs: Set<string>;
  outputs: Set<string>;
}
const ACTIONS = new Map<string, ActionSpec>(
  readdirSync(join(REPO_ROOT, 'actions'))
    .filter((name) => existsSync(join(REPO_ROOT, 'actions', name, 'action.yml')))
    .map((name) => {
      const spec = readYaml(join(REPO_ROOT, 'actions', name, 'action.yml'));
      return [
        name,
        {
          inputs: new Set(Object.keys(asMap(spec.inputs))),
          outputs: new Set(Object.keys(asMap(spec.outputs))),
        },
      ];
    }),
);
const DEPOT_OWNER = 'depot-actions/depot-actions/';
const DEPOT_USES = /^depot-actions\/depot-actions\/actions\/([a-z0-9-]+)@(\S+)$/;
/** `steps.<id>.outputs.<name>` and `steps.<id>.outputs['<name>']`, in or out of `${{ }}` (if: needs none). */
const OUTPUT_REF = /\bsteps\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g;

/** The depot action a step uses, or undefined; a malformed depot reference is an error. */
function depotAction(step: Obj, where: string, errors: string[]): string | undefined {
  const uses = step.uses;
  if (typeof uses !== 'string' || !uses.startsWith(DEPOT_OWNER)) return undefined;
  const m = DEPOT_USES.exec(uses);
  if (!m) {
    errors.push(`${where}: uses ${uses}: expected ${DEPOT_OWNER}actions/<name>@<ref>`);
    return undefined;
  }
  if (!ACTIONS.has(m[1])) {
    errors.push(`${where}: uses ${uses}: there is no actions/${m[1]}/action.yml`);
    return undefined;
  }
  return m[1];
}

/** Errors in one GitHub workflow: depot action references, inputs, output references, OIDC permission. */
function lintWorkflow(doc: Obj): string[] {
  const errors: string[] = [];
  if (!('on' in doc)) errors.push('workflow: no `on:` trigger');
  const jobs = asMap(doc.jobs);
  if (Object.keys(jobs).length === 0) errors.push('workflow: no jobs');
  for (const [jobId, jobValue] of Object.entries(jobs)) {
    const job = asMap(jobValue);
    const steps = asList(job.steps).map(asMap);
    if (!job['runs-on']) errors.push(`jobs.${jobId}: no runs-on`);
    if (steps.length === 0) errors.push(`jobs.${jobId}: no steps`);

    // Step ids, in order, with the depot action each uses.
    const ids = new Map<string, { index: number; action?: string }>();
    const actions = steps.map((step, i) => depotAction(step, `jobs.${jobId}.steps[${i}]`, errors));
    steps.forEach((step, i) => {
      if (typeof step.id !== 'string') return;
      if (ids.has(step.id)) errors.push(`jobs.${jobId}: step id ${step.id} is used twice`);
      ids.set(step.id, { index: i, action: actions[i] });
    });

    const checkRefs = (value: unknown, where: string, before: number): void => {
      for (const text of strings(value)) {
        for (const m of text.matchAll(OUTPUT_REF)) {
          const [id, name] = [m[1], m[2] ?? m[3]];
          const target = ids.get(id);
          if (!target)
            errors.push(`${where}: steps.${id}.outputs.${name}: no step with id ${id} in this job`);
          else if (target.index >= before)
            errors.push(`${where}: steps.${id}.outputs.${name}: step ${id} runs later, not before`);
          else if (!target.action)
            errors.push(`${where}: steps.${id}.outputs.${name}: step ${id} is not a depot action`);
          else if (!ACTIONS.get(target.action)?.outputs.has(name))
            errors.push(
              `${where}: steps.${id}.outputs.${name}: actions/${target.action} has no output ${name}`,
            );
        }
      }
    };

    let needsIdToken = false;
    steps.forEach((step, i) => {
      const where = `jobs.${jobId}.steps[${i}]`;
      const action = actions[i];
      const inputs = asMap(step.with);
      if (action) {
        const spec = ACTIONS.get(action) as ActionSpec;
        for (const [key, value] of Object.entries(inputs)) {
          if (!spec.inputs.has(key)) errors.push(`${where}: actions/${action} has no input ${key}`);
          if (typeof value === 'object' && value !== null)
            errors.push(`${where}: input ${key} must be a string, number or boolean`);
        }
        if ((action === 'build-push' || action === 'bake') && !('token' in inputs)) needsIdToken = true;
        if (action === 'setup' && String(inputs.oidc) === 'true') needsIdToken = true;
      }
      checkRefs(step, where, i);
    });
    const rest = Object.fromEntries(Object.entries(job).filter(([key]) => key !== 'steps'));
    checkRefs(rest, `jobs.${jobId}`, steps.length);

    // A job's permissions replace the workflow's; without id-token: write there is no OIDC token.
    const permissions = job.permissions ?? doc.permissions;
    const idToken = permissions === 'write-all' || asMap(permissions)['id-token'] === 'write';
    if (needsIdToken && !idToken)
      errors.push(
        `jobs.${jobId}: uses Depot OIDC credentials (no token input) without permissions.id-token: write`,
      );
  }
  return errors;
}

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
const lintCircleConfig = (doc: Obj): string[] => lintCircleciConfig(doc, ORB);

// ---------------------------------------------------------------------------------------------
// Buildkite pipeline
// ---------------------------------------------------------------------------------------------

/** The plugins a pipeline may use, each with its strict plugin.yml schema (ajv). */
const PLUGIN_SCHEMAS = new Map<string, ReturnType<Ajv['compile']>>(
  (
    [
      ['depot', 'buildkite-plugin'],
      ['depot-install', 'buildkite-install-plugin'],
    ] as const
  ).map(([name, dir]) => {
    const yml = readYaml(join(REPO_ROOT, 'packages', dir, 'plugin.yml'));
    return [
      name,
      new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(asMap(yml.configuration)),
    ];
  }),
);
/** `depot-actions/depot#v1.0.0`, `depot-actions/depot-install#v1.0.0`, or the plugin repository at a commit. */
const PLUGIN_REF =
  /^(?:depot-actions\/(depot|depot-install)|\$\{BUILDKITE_PULL_REQUEST_REPO:-\$BUILDKITE_REPO\})#(.*)$/;

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

/**
 * Errors in a Buildkite pipeline's use of the depot plugins: each configuration against its
 * plugin.yml (which also refuses another command's options); a release pinned; the depot plugin's
 * command hook replaces the step's command, so a step with one is a mistake; the install plugin
 * needs the step's own command.
 */
function lintPipeline(doc: Obj, plugin = 'depot'): string[] {
  const errors: string[] = [];
  const steps = pipelineSteps(doc.steps);
  if (steps.length === 0) errors.push('no steps');
  steps.forEach((step, i) => {
    for (const [name, raw] of depotPlugins(step)) {
      const at = `steps[${i}] ${String(step.label ?? step.key ?? '')}: ${name}`;
      const [, which = plugin, version = ''] = PLUGIN_REF.exec(name) ?? [];
      if (!name.startsWith('$') && !/^v\d+\.\d+\.\d+$/.test(version))
        errors.push(`${at}: pin a release (#vX.Y.Z)`);
      const validate = PLUGIN_SCHEMAS.get(which);
      if (!validate) throw new Error(`no plugin ${which}`);
      if (!validate(raw ?? {})) {
        for (const e of validate.errors ?? [])
          errors.push(`${at}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
        continue;
      }
      const ownCommand = 'command' in step || 'commands' in step;
      if (which === 'depot' && ownCommand)
        errors.push(`${at}: the step's command is not run by the depot plugin`);
      if (which === 'depot-install' && !ownCommand) errors.push(`${at}: install needs a command to run`);
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
    expect(lintPipeline(extra)).toEqual(
      expect.arrayContaining([expect.stringContaining('must NOT have additional properties')]),
    );

    const badType = copy(pipeline);
    config(badType, 0).push = 'yes';
    expect(lintPipeline(badType)).toEqual([expect.stringContaining('/push must be boolean')]);

    const otherCommand = copy(pipeline);
    config(otherCommand, 1).platforms = 'linux/amd64';
    expect(lintPipeline(otherCommand)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('property name must be valid {"propertyName":"platforms"}'),
      ]),
    );

    const unpinned = copy(pipeline);
    const step = pipelineSteps(unpinned.steps)[0];
    step.plugins = [{ 'depot-actions/depot#main': config(unpinned, 0) }];
    expect(lintPipeline(unpinned)).toEqual([expect.stringContaining('pin a release')]);
  });
});

describe("the orb's and the plugins' own pipelines", () => {
  const circleci = (file: string): Obj => readYaml(join(REPO_ROOT, '.circleci', file));

  test('.circleci/config.yml: lint, pack, review, shellcheck, publish a dev orb, continue', () => {
    const doc = circleci('config.yml');
    expect(lintCircleConfig(doc)).toEqual([]);
    expect(doc.setup).toBe(true);
    const jobs = asList(asMap(asMap(doc.workflows)['lint-pack']).jobs).map((j) => Object.keys(asMap(j))[0]);
    expect(jobs).toEqual([
      'orb-tools/lint',
      'orb-tools/pack',
      'orb-tools/review',
      'shellcheck/check',
      'orb-tools/publish',
      'orb-tools/continue',
    ]);
    const publish = asMap(
      asList(asMap(asMap(doc.workflows)['lint-pack']).jobs).map(asMap)[4]['orb-tools/publish'],
    );
    expect(publish).toMatchObject({ orb_name: 'depot-actions/depot', pub_type: 'dev' });
    const sources = JSON.stringify(doc.workflows).match(/"(source_dir|dir)":"[^"]+"/g) ?? [];
    expect(sources.length).toBe(4);
    for (const source of sources) expect(source).toContain('packages/circleci-orb/src');
  });

  test('.circleci/test-deploy.yml: integration jobs on the dev orb, production publish on a vX.Y.Z tag', () => {
    const doc = circleci('test-deploy.yml');
    expect(lintCircleConfig(doc)).toEqual([]);
    expect(asMap(doc.orbs).depot).toBe('depot-actions/depot@dev:<< pipeline.git.revision >>');
    const entries = asList(asMap(asMap(doc.workflows)['test-deploy']).jobs).map(asMap);
    const publish = asMap(entries.find((e) => 'orb-tools/publish' in e)?.['orb-tools/publish']);
    expect(publish.pub_type).toBe('production');
    expect(asMap(asMap(publish.filters).tags).only).toBe('/^v[0-9]+\\.[0-9]+\\.[0-9]+$/');
    expect(asMap(asMap(publish.filters).branches).ignore).toBe('/.*/');
    expect(publish.requires).toEqual(expect.arrayContaining(['command-test', 'job-test']));
    expect(JSON.stringify(doc)).toContain('"depot/build"');
  });

  test('the CircleCI linter catches kebab-case orb parameters, a bad when and an unknown step key', () => {
    const doc = circleci('test-deploy.yml');
    const steps = (d: Obj): Obj[] => asList(asMap(asMap(d.jobs)['command-test']).steps).map(asMap);

    const kebab = copy(doc);
    asMap(steps(kebab).find((s) => 'depot/build' in s)?.['depot/build'])['build-platform'] = 'dynamic';
    expect(lintCircleConfig(kebab)).toEqual([expect.stringContaining('unknown parameter build-platform')]);

    const badEnum = copy(doc);
    asMap(steps(badEnum).find((s) => 'depot/build' in s)?.['depot/build']).lint_fail_on = 'warning!';
    expect(lintCircleConfig(badEnum)).toEqual([expect.stringContaining('parameter lint_fail_on is enum')]);

    const badWhen = copy(doc);
    asList(asMap(asMap(badWhen.jobs)['command-test']).steps).push({
      run: { name: 'x', command: 'true', when: 'sometimes' },
    });
    expect(lintCircleConfig(badWhen).join('\n')).toContain('structure: /jobs/command-test/steps/');

    const unknownKey = copy(doc);
    asList(asMap(asMap(unknownKey.jobs)['command-test']).steps).push({ store_artifacts: { pth: '/tmp' } });
    expect(lintCircleConfig(unknownKey).join('\n')).toContain('structure:');
  });

  test("the orb's examples are valid configs that use the orb as it is", () => {
    for (const [name, example] of Object.entries(asMap(ORB.examples)))
      expect([name, lintCircleConfig(asMap(asMap(example).usage))]).toEqual([name, []]);
  });

  test("each plugin's Buildkite pipeline lints clean, with a step using the plugin at the commit", () => {
    for (const [plugin, dir] of [
      ['depot', 'buildkite-plugin'],
      ['depot-install', 'buildkite-install-plugin'],
    ] as const) {
      const doc = readYaml(join(REPO_ROOT, 'packages', dir, '.buildkite', 'pipeline.yml'));
      expect(lintPipeline(doc, plugin)).toEqual([]);
      const text = JSON.stringify(doc);
      for (const tool of ['plugin-linter#', 'shellcheck#', 'plugin-tester#', '#${BUILDKITE_COMMIT}'])
        expect(text).toContain(tool);
    }
  });
});
