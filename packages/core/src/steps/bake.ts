import { maskSecret } from '../adapter';
import { readDefinition, type BakeDefinition } from '../bake/definition';
import { resolveBakeSource } from '../bake/source';
import { bakeSchema, type BakeOptions } from '../options/bake';
import { readOptions } from '../options/schema';
import { validateBakeOptions } from '../options/validate-bake';
import { splitKeyValue } from '../options/values';
import { planBake } from '../plan/bake';
import { depotProjectElsewhere } from '../plan/depot-project';
import { relative } from 'node:path';
import { bakeDockerfiles } from '../report/annotate';
import { readBakeOutputs, type BakeTargetResult } from '../report/bake-outputs';
import type { EngineChoice } from './engine-choice';
import { locateEngine, type StepContext } from './engine-step';
import { engineSettings, runEngineStep, type EngineCommand } from './pipeline';

/** Targets in the order the user asked for, then the rest the build produced (dependencies). */
function orderedTargets(requested: string[], results: Record<string, BakeTargetResult>): string[] {
  const names = Object.keys(results);
  return [
    ...requested.filter((t) => names.includes(t)),
    ...names.filter((t) => !requested.includes(t)).sort(),
  ];
}

/** Projects the definition routes targets to, besides the `project` input. */
function projectsOf(definition: BakeDefinition | undefined, fallback: string): string[] {
  const ids = new Set(Object.values(definition?.target ?? {}).map((t) => t.project_id || fallback));
  return [...ids].filter(Boolean);
}

/**
 * The program that prints the definition offline: the depot CLI, or docker buildx when that
 * builds locally, so a local bake with buildx needs nothing from Depot.
 */
async function definitionPrinter(
  step: StepContext,
  choice: EngineChoice,
  dryRun: boolean,
): Promise<{ path: string; prefix?: string[] }> {
  if (choice.kind === 'depot') return { path: choice.engine.path };
  if (choice.engine.mode === 'buildx') return { path: choice.engine.docker, prefix: ['buildx'] };
  return { path: (await locateEngine(step, dryRun)).path };
}

/** bake as an engine command: `depot bake` (or `docker buildx bake`, or target by target). */
export const bakeCommand: EngineCommand<BakeOptions> = {
  name: 'bake',
  async readOptions(step) {
    const options = await readOptions(bakeSchema, (name) => step.adapter.input(name));
    maskSecret(step.adapter, options.token);
    maskSecret(step.adapter, options['github-token']);
    const { warnings } = validateBakeOptions(options);
    return { options, settings: engineSettings(options), warnings };
  },

  async plan(options, step, choice, stepFiles) {
    const { adapter, ci } = step;
    const source = resolveBakeSource(options.source, options.workdir, ci, options.files);
    if (source.notice) adapter.annotate('notice', source.notice);
    const printer = await definitionPrinter(step, choice, options['dry-run']);
    // The definition validates the targets and decides per-target defaults; a remote one cannot be
    // printed, and a dry run without the CLI cannot read it.
    let definition: BakeDefinition | undefined;
    if (source.kind === 'local' && printer.path !== 'depot') {
      const vars = Object.fromEntries(options.vars.map((v) => splitKeyValue('vars', v)));
      definition = await readDefinition({
        engine: printer.path,
        prefix: printer.prefix,
        cwd: source.cwd,
        files: options.files,
        set: options.set,
        targets: options.targets,
        env: { ...ci.env, ...vars },
      });
      // Only at debug level: variables are already substituted, and a var may carry a secret.
      adapter.info(`Bake targets: ${Object.keys(definition.target).sort().join(', ')}`);
      adapter.debug(`Bake definition: ${JSON.stringify(definition)}`);
    }
    const invocation = planBake({ options, ci, source, definition, stepFiles });
    if (!options.project) invocation.depotProject = depotProjectElsewhere(ci, [source.cwd], definition);
    return invocation;
  },

  describeOutputs: (invocation) => ({
    'metadata, targets, build-id, project-id': invocation.outputs.metadataFile,
    'build-url': 'the "[depot] build:" line of the engine log',
  }),

  report(options, invocation, result, step) {
    const { outputs, targets } = readBakeOutputs(invocation.outputs.metadataFile, result.buildUrl);
    const projects = outputs['project-id']
      ? [outputs['project-id']]
      : projectsOf(invocation.definition, options.project);
    return {
      outputs: { ...outputs },
      summary: {
        tags: [],
        platforms: [],
        projectId: projects.join(', ') || undefined,
        targets: orderedTargets(options.targets, targets).map((name) => ({
          name,
          image: targets[name].imageName,
          digest: targets[name].digest,
          buildId: targets[name].buildID,
        })),
      },
      // A remote definition has no files here: its findings go on the job, not on a file.
      dockerfile: bakeDockerfiles(invocation.definition, relative(step.ci.workspace, invocation.cwd)),
    };
  },
};

/** The bake step's main phase. Returns the process exit code. */
export const bakeMain = (step: StepContext): Promise<number> => runEngineStep(step, bakeCommand);
