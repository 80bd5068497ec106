import { readFileSync, writeFileSync } from 'node:fs';
import type { BakeDefinition } from '../bake/definition';
import type { BakeSource } from '../bake/source';
import type { Credentials } from '../credentials/types';
import { UserError } from '../errors';
import { planBuildxBake, planClassicBake } from '../local/bake';
import { pushTags } from '../local/push';
import type { LocalEngine } from '../local/types';
import type { BakeOptions } from '../options/bake';
import { planBake } from '../plan/bake';
import { describePlan } from '../plan/print';
import { readBakeOutputs, type BakeOutputs, type BakeTargetResult } from '../report/bake-outputs';
import { captureOutput, runPlan, type RunResult } from '../run/execute';
import { removeStepDir } from '../run/temp-dir';
import { engineSink, executePlan, makeStepDir, type StepContext } from './engine-step';

/** What a finished bake left: the run and its outputs. */
export interface BakeRun {
  result: RunResult;
  outputs: BakeOutputs;
  targets: Record<string, BakeTargetResult>;
  warnings: string[];
}

/** Bakes with the local Docker engine: `docker buildx bake`, or target by target without buildx. */
export async function runLocalBake(
  step: StepContext,
  input: { options: BakeOptions; credentials: Credentials; source: BakeSource; definition?: BakeDefinition },
  engine: LocalEngine,
  dryRun: boolean,
): Promise<BakeRun | undefined> {
  const { adapter, ci } = step;
  const { options, credentials, source, definition } = input;
  const stepDir = makeStepDir(step, 'depot-bake-', dryRun);
  const depotPlan = planBake({
    options,
    ci,
    credentials: { source: 'none' },
    engine: { kind: 'depot', path: engine.docker },
    source,
    definition,
    stepDir,
  });
  if (engine.mode === 'buildx') {
    const { plan, dropped } = planBuildxBake(depotPlan, engine);
    if (dropped.length)
      adapter.annotate('notice', `Depot-only inputs not used by the local engine: ${dropped.join(', ')}.`);
    let collected: ReturnType<typeof readBakeOutputs> = { outputs: {}, targets: {} };
    const result = await executePlan(step, {
      plan,
      credentials,
      outputs: { 'metadata, targets': plan.outputs.metadataFile },
      dryRun,
      needsCredentials: false,
      collect: () => (collected = readBakeOutputs(plan.outputs.metadataFile)),
    });
    return result && { result, ...collected, warnings: plan.warnings };
  }

  if (!definition) {
    throw new UserError(
      'The local engine without buildx cannot bake a remote definition.',
      'Check the repository out and use a local source, install buildx, or build on Depot.',
    );
  }
  const { builds, warnings } = planClassicBake(
    definition,
    options,
    engine,
    source.cwd,
    stepDir,
    depotPlan.env,
  );
  for (const warning of warnings) adapter.annotate('warning', warning);
  const title = dryRun ? 'Plan (dry run: nothing was run)' : 'Plan';
  await adapter.group(title, async () => {
    for (const build of builds)
      for (const line of describePlan(build.plan, credentials.source, {})) adapter.info(line);
  });
  if (dryRun) return undefined;

  const aliases: string[] = [];
  const metadata: Record<string, Record<string, string>> = {};
  const started = Date.now();
  let result: RunResult = { exitCode: 0, tail: [], durationMs: 0 };
  try {
    for (const build of builds) {
      result = await runPlan(build.plan, ci.env, engineSink(adapter));
      if (result.exitCode !== 0) break;
      const id = readFileSync(build.iidFile, 'utf8').trim();
      for (const alias of build.aliases) {
        // Dependants name this image by its context name; the daemon's BuildKit resolves it locally.
        await captureOutput(engine.docker, ['tag', id, alias], ci.env);
        aliases.push(alias);
      }
      const pushed = await pushTags(engine, build.push, ci.env, source.cwd, engineSink(adapter));
      if (pushed.exitCode !== 0) {
        result = { ...result, exitCode: pushed.exitCode, tail: pushed.tail };
        break;
      }
      metadata[build.target] = {
        'containerimage.config.digest': id,
        ...(pushed.digest ? { 'containerimage.digest': pushed.digest } : {}),
        ...(build.tags.length ? { 'image.name': build.tags.join(',') } : {}),
      };
    }
    writeFileSync(depotPlan.outputs.metadataFile, JSON.stringify(metadata));
    return {
      result: { ...result, durationMs: Date.now() - started },
      ...readBakeOutputs(depotPlan.outputs.metadataFile),
      warnings,
    };
  } finally {
    for (const alias of aliases) await captureOutput(engine.docker, ['image', 'rm', alias], ci.env);
    removeStepDir(stepDir);
  }
}
