import type { Credentials } from '../credentials/types';
import { planLocalBuild } from '../local/build';
import { pushTags } from '../local/push';
import type { LocalEngine } from '../local/types';
import type { BuildOptions } from '../options/build';
import { planBuild } from '../plan/build';
import type { Plan } from '../plan/types';
import { readBuildOutputs, type BuildOutputs } from '../report/outputs';
import type { RunResult } from '../run/execute';
import { engineSink, executePlan, makeStepDir, type StepContext } from './engine-step';

/** What a finished build left: the run, its outputs, and the plan that ran. */
export interface BuildRun {
  result: RunResult;
  outputs: BuildOutputs;
  plan: Plan;
}

/** Where each build output comes from, for the printed plan. */
export const describeBuildOutputs = (plan: Plan, pushed = false): Record<string, string> => ({
  ...(plan.outputs.iidFile ? { imageid: plan.outputs.iidFile } : {}),
  ...(pushed
    ? { 'digest, metadata': 'docker push (the classic builder writes no metadata file)' }
    : { 'digest, metadata, build-id, project-id': plan.outputs.metadataFile }),
  'build-url': 'the "[depot] build:" line of the engine log',
});

/**
 * Builds with the local Docker engine: the same plan as Depot's minus its own flags, then, for
 * the classic builder, `docker push` of each tag and a metadata object made from the image ID
 * and the pushed digest, so the outputs mean the same whichever engine ran.
 */
export async function runLocalBuild(
  step: StepContext,
  options: BuildOptions,
  credentials: Credentials,
  engine: LocalEngine,
  dryRun: boolean,
): Promise<BuildRun | undefined> {
  const { adapter, ci } = step;
  const stepDir = makeStepDir(step, 'depot-build-', dryRun);
  const depotPlan = planBuild({
    options,
    ci,
    credentials: { source: 'none' },
    engine: { kind: 'depot', path: engine.docker },
    stepDir,
  });
  const plan = planLocalBuild(depotPlan, options, engine);
  if (plan.dropped.length) {
    adapter.annotate('notice', `Depot-only inputs not used by the local engine: ${plan.dropped.join(', ')}.`);
  }
  let outputs: BuildOutputs = {};
  const result = await executePlan(step, {
    plan,
    credentials,
    outputs: describeBuildOutputs(plan, plan.synthesizeMetadata),
    dryRun,
    needsCredentials: false,
    collect: (run) => (outputs = readBuildOutputs(plan.outputs, run.buildUrl)),
  });
  if (!result) return undefined;
  if (result.exitCode !== 0 || !plan.synthesizeMetadata) return { result, outputs, plan };

  const pushed = await pushTags(engine, plan.pushTags, ci.env, plan.cwd, engineSink(adapter));
  if (pushed.exitCode !== 0)
    return { result: { ...result, exitCode: pushed.exitCode, tail: pushed.tail }, outputs, plan };
  const metadata = {
    ...(outputs.imageid ? { 'containerimage.config.digest': outputs.imageid } : {}),
    ...(pushed.digest ? { 'containerimage.digest': pushed.digest } : {}),
    ...(options.tags.length ? { 'image.name': options.tags.join(',') } : {}),
  };
  return {
    result,
    plan,
    outputs: { ...outputs, digest: pushed.digest, metadata: JSON.stringify(metadata, null, 2) },
  };
}
