import { maskSecret } from '../adapter';
import { readDefinition, type BakeDefinition } from '../bake/definition';
import { resolveBakeSource } from '../bake/source';
import { bakeSchema } from '../options/bake';
import { readOptions } from '../options/schema';
import { validateBakeOptions } from '../options/validate-bake';
import { splitKeyValue } from '../options/values';
import { planBake } from '../plan/bake';
import { describeLocalEngine } from '../local/types';
import { readBakeOutputs, type BakeOutputs, type BakeTargetResult } from '../report/bake-outputs';
import type { Diagnosis } from '../run/diagnose';
import { chooseEngine, fallbackEngine } from './engine-choice';
import { renderSummary } from '../report/summary';
import { runLocalBake, type BakeRun } from './local-bake';
import {
  engineVersion,
  executePlan,
  failureOf,
  fallbackSeconds,
  locateEngine,
  makeStepDir,
  reportFailure,
  setOutputs,
  summaryEnabled,
  type StepContext,
} from './engine-step';

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

/** The bake step's main phase. Returns the process exit code. */
export async function bakeMain(step: StepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(bakeSchema, (name) => adapter.input(name));
  maskSecret(adapter, options.token);
  maskSecret(adapter, options['github-token']);
  const findings = validateBakeOptions(options);
  for (const warning of findings.warnings) adapter.annotate('warning', warning);
  const source = resolveBakeSource(options.source, options.workdir, ci, options.files);
  if (source.notice) adapter.annotate('notice', source.notice);

  // 2. credentials, 3. engine
  const timeout = fallbackSeconds(options['fallback-timeout']);
  const dryRun = options['dry-run'];
  const { choice, credentials } = await chooseEngine(step, options.engine, options.token, dryRun);
  // The definition is read offline: by the depot CLI, or by docker buildx when that builds locally,
  // so a local bake with buildx needs nothing from Depot.
  const printer =
    choice.kind === 'depot'
      ? { path: choice.engine.path }
      : choice.engine.mode === 'buildx'
        ? { path: choice.engine.docker, prefix: ['buildx'] }
        : { path: (await locateEngine(step, dryRun)).path };

  // The definition validates the targets and decides per-target defaults; a remote one cannot be
  // printed, and a dry run without the CLI cannot read it.
  let definition: BakeDefinition | undefined;
  if (source.kind === 'local' && printer.path !== 'depot') {
    const env = { ...ci.env, ...Object.fromEntries(options.vars.map((v) => splitKeyValue('vars', v))) };
    definition = await readDefinition({
      engine: printer.path,
      prefix: printer.prefix,
      cwd: source.cwd,
      files: options.files,
      set: options.set,
      targets: options.targets,
      env,
    });
    // Only at debug level: variables are already substituted, and a var may carry a secret.
    adapter.info(`Bake targets: ${Object.keys(definition.target).sort().join(', ')}`);
    adapter.debug(`Bake definition: ${JSON.stringify(definition)}`);
  }

  // 4. plan → run
  const input = { options, credentials, source, definition };
  let run: BakeRun | undefined;
  let engineLabel: string;
  let fellBack: Diagnosis | undefined;
  if (choice.kind === 'local') {
    run = await runLocalBake(step, input, choice.engine, dryRun);
    engineLabel = `${describeLocalEngine(choice.engine)}: ${choice.reason}`;
  } else {
    const stepDir = makeStepDir(step, 'depot-bake-', dryRun);
    const plan = planBake({ options, ci, credentials, engine: choice.engine, source, definition, stepDir });
    let collected: { outputs: BakeOutputs; targets: Record<string, BakeTargetResult> } = {
      outputs: {},
      targets: {},
    };
    const result = await executePlan(step, {
      plan,
      credentials,
      outputs: {
        'metadata, targets, build-id, project-id': plan.outputs.metadataFile,
        'build-url': 'the "[depot] build:" line of the engine log',
      },
      dryRun,
      collect: (r) => (collected = readBakeOutputs(plan.outputs.metadataFile, r.buildUrl)),
      watch: options['buildx-fallback'] ? { ready: /^#\d+ /, timeoutMs: timeout * 1000 } : undefined,
    });
    run = result && { result, ...collected, warnings: plan.warnings };
    engineLabel = await engineVersion(step, choice.engine, Boolean(result && result.exitCode !== 0));
    const failure = result && failureOf(result, timeout);
    const local = await fallbackEngine(step, failure, options['buildx-fallback']);
    if (local) {
      fellBack = failure;
      run = await runLocalBake(step, input, local, false);
      engineLabel = `${describeLocalEngine(local)}: fallback after Depot failed`;
    }
  }
  if (!run) return 0;

  // 5. report
  const { result, outputs, targets } = run;
  await setOutputs(adapter, { ...outputs });
  const failure = failureOf(result, timeout);
  if (summaryEnabled(ci.env)) {
    const projects = outputs['project-id']
      ? [outputs['project-id']]
      : projectsOf(definition, options.project);
    adapter.summary(
      renderSummary({
        title: failure ? 'Depot bake failed' : fellBack ? 'Depot bake (local fallback)' : 'Depot bake',
        ok: !failure,
        buildUrl: outputs['build-url'],
        buildId: outputs['build-id'],
        projectId: projects.join(', ') || undefined,
        tags: [],
        platforms: [],
        durationMs: result.durationMs,
        credentialSource: credentials.source,
        engine: engineLabel,
        warnings: [
          ...findings.warnings,
          ...run.warnings,
          ...(fellBack
            ? [`Depot failed and the local engine built instead: ${fellBack.lines.at(-1) ?? ''}`]
            : []),
        ],
        failure,
        targets: orderedTargets(options.targets, targets).map((name) => ({
          name,
          image: targets[name].imageName,
          digest: targets[name].digest,
          buildId: targets[name].buildID,
        })),
      }),
    );
  }
  if (failure) {
    reportFailure(step, choice.kind === 'local' || fellBack ? 'local bake' : 'depot bake', result, failure);
    return 1;
  }
  return 0;
}
