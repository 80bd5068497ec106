import { readFileSync } from 'node:fs';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { buildSchema, type BuildOptions } from '../options/build';
import { readOptions } from '../options/schema';
import { validateBuildOptions } from '../options/validate-build';
import { planBuild } from '../plan/build';
import type { Plan } from '../plan/types';
import { readBuildOutputs, type BuildOutputs } from '../report/outputs';
import { renderSummary } from '../report/summary';
import {
  engineVersion,
  executePlan,
  failureOf,
  locateEngine,
  makeStepDir,
  reportFailure,
  setOutputs,
  stepCredentials,
  summaryEnabled,
  valueOf,
  type StepContext,
} from './engine-step';

/**
 * Masks every secret value the options carry before anything can print it, including the values
 * of malformed items, which validation is about to reject.
 */
function maskOptionSecrets(adapter: CiAdapter, options: BuildOptions, ci: CiContext): void {
  maskSecret(adapter, options.token);
  maskSecret(adapter, options['github-token']);
  for (const item of options.secrets) maskSecret(adapter, valueOf(item));
  for (const item of options['secret-envs']) {
    const value = item.includes('=') ? ci.env[valueOf(item)] : undefined;
    if (value) maskSecret(adapter, value);
  }
  for (const item of options['secret-files']) {
    if (!item.includes('=')) continue;
    try {
      maskSecret(adapter, readFileSync(valueOf(item), 'utf8'));
    } catch {
      // validation reports unreadable files with the input's name
    }
  }
}

const describeOutputs = (plan: Plan): Record<string, string> => ({
  ...(plan.outputs.iidFile ? { imageid: plan.outputs.iidFile } : {}),
  'digest, metadata, build-id, project-id': plan.outputs.metadataFile,
  'build-url': 'the "[depot] build:" line of the engine log',
});

/** The build-push step's main phase. Returns the process exit code. */
export async function buildPushMain(step: StepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(buildSchema, (name) => adapter.input(name));
  maskOptionSecrets(adapter, options, ci);
  const findings = validateBuildOptions(options);
  for (const warning of findings.warnings) adapter.annotate('warning', warning);

  // 2. credentials, 3. engine
  const credentials = await stepCredentials(step, options.token);
  const dryRun = options['dry-run'];
  const engine = await locateEngine(step, dryRun);

  // 4. plan → run
  const stepDir = makeStepDir(step, 'depot-build-', dryRun);
  const plan = planBuild({ options, ci, credentials, engine, stepDir });
  let outputs: BuildOutputs = {};
  const result = await executePlan(step, {
    plan,
    credentials,
    outputs: describeOutputs(plan),
    dryRun,
    collect: (run) => (outputs = readBuildOutputs(plan.outputs, run.buildUrl)),
  });
  if (!result) return 0;

  // 5. report
  await setOutputs(adapter, { ...outputs });
  const failure = failureOf(result);
  if (summaryEnabled(ci.env)) {
    adapter.summary(
      renderSummary({
        title: failure ? 'Depot build failed' : 'Depot build',
        ok: !failure,
        buildUrl: outputs['build-url'],
        buildId: outputs['build-id'],
        projectId: outputs['project-id'] ?? (options.project || undefined),
        tags: options.tags,
        platforms: options.platforms,
        digest: outputs.digest,
        durationMs: result.durationMs,
        credentialSource: credentials.source,
        engine: await engineVersion(step, engine, Boolean(failure)),
        warnings: [...findings.warnings, ...plan.warnings],
        failure,
      }),
    );
  }
  if (failure) {
    reportFailure(step, 'depot build', result, failure);
    return 1;
  }
  return 0;
}
