import { readFileSync } from 'node:fs';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { describeLocalEngine } from '../local/types';
import { buildSchema, type BuildOptions } from '../options/build';
import { readOptions } from '../options/schema';
import { validateBuildOptions } from '../options/validate-build';
import { planBuild } from '../plan/build';
import { readBuildOutputs } from '../report/outputs';
import { renderSummary } from '../report/summary';
import type { Diagnosis } from '../run/diagnose';
import { chooseEngine, fallbackEngine } from './engine-choice';
import {
  engineVersion,
  executePlan,
  failureOf,
  fallbackSeconds,
  makeStepDir,
  reportFailure,
  setOutputs,
  summaryEnabled,
  valueOf,
  type StepContext,
} from './engine-step';
import { describeBuildOutputs, runLocalBuild, type BuildRun } from './local-build';

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

/** The build-push step's main phase. Returns the process exit code. */
export async function buildPushMain(step: StepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(buildSchema, (name) => adapter.input(name));
  maskOptionSecrets(adapter, options, ci);
  const findings = validateBuildOptions(options);
  const timeout = fallbackSeconds(options['fallback-timeout']);
  for (const warning of findings.warnings) adapter.annotate('warning', warning);

  // 2. credentials, 3. engine
  const dryRun = options['dry-run'];
  const { choice, credentials } = await chooseEngine(step, options.engine, options.token, dryRun);

  // 4. plan → run
  let run: BuildRun | undefined;
  let engineLabel: string;
  let fellBack: Diagnosis | undefined;
  if (choice.kind === 'local') {
    run = await runLocalBuild(step, options, credentials, choice.engine, dryRun);
    engineLabel = `${describeLocalEngine(choice.engine)}: ${choice.reason}`;
  } else {
    const stepDir = makeStepDir(step, 'depot-build-', dryRun);
    const plan = planBuild({ options, ci, credentials, engine: choice.engine, stepDir });
    let outputs = {};
    const result = await executePlan(step, {
      plan,
      credentials,
      outputs: describeBuildOutputs(plan),
      dryRun,
      collect: (r) => (outputs = readBuildOutputs(plan.outputs, r.buildUrl)),
      // With a fallback, a builder that never starts is given up on rather than waited for.
      watch: options['buildx-fallback'] ? { ready: /^#\d+ /, timeoutMs: timeout * 1000 } : undefined,
    });
    run = result && { result, outputs, plan };
    engineLabel = await engineVersion(step, choice.engine, Boolean(result && result.exitCode !== 0));
    const failure = result && failureOf(result, timeout);
    const local = await fallbackEngine(step, failure, options['buildx-fallback']);
    if (local) {
      fellBack = failure;
      run = await runLocalBuild(step, options, credentials, local, false);
      engineLabel = `${describeLocalEngine(local)}: fallback after Depot failed`;
    }
  }
  if (!run) return 0;

  // 5. report
  const { result, outputs, plan } = run;
  await setOutputs(adapter, { ...outputs });
  const failure = failureOf(result, timeout);
  if (summaryEnabled(ci.env)) {
    adapter.summary(
      renderSummary({
        title: failure ? 'Depot build failed' : fellBack ? 'Depot build (local fallback)' : 'Depot build',
        ok: !failure,
        buildUrl: outputs['build-url'],
        buildId: outputs['build-id'],
        projectId: outputs['project-id'] ?? (options.project || undefined),
        tags: options.tags,
        platforms: options.platforms,
        digest: outputs.digest,
        durationMs: result.durationMs,
        credentialSource: credentials.source,
        engine: engineLabel,
        warnings: [
          ...findings.warnings,
          ...plan.warnings,
          ...(fellBack
            ? [`Depot failed and the local engine built instead: ${fellBack.lines.at(-1) ?? ''}`]
            : []),
        ],
        failure,
      }),
    );
  }
  if (failure) {
    reportFailure(step, choice.kind === 'local' || fellBack ? 'local build' : 'depot build', result, failure);
    return 1;
  }
  return 0;
}
