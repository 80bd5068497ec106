import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { credentialHelp, resolveCredentials, type CredentialProvider } from '../credentials/resolve';
import type { Credentials } from '../credentials/types';
import { findOnPath, versionFromPath } from '../engine/locate';
import type { Engine } from '../engine/types';
import { UserError } from '../errors';
import { buildSchema, type BuildOptions } from '../options/build';
import { readOptions } from '../options/schema';
import { validateBuildOptions } from '../options/validate-build';
import { planBuild } from '../plan/build';
import { describePlan } from '../plan/print';
import type { Plan } from '../plan/types';
import { readBuildOutputs, type BuildOutputs } from '../report/outputs';
import { renderSummary } from '../report/summary';
import { diagnose } from '../run/diagnose';
import { captureOutput, runPlan } from '../run/execute';
import { removeStepDir } from '../run/temp-dir';

export interface StepContext {
  adapter: CiAdapter;
  ci: CiContext;
  providers: readonly CredentialProvider[];
  /** Name of the setup step for this CI, for the "depot not found" error. */
  setupHint: string;
}

/** State key holding the step's private temp directory, removed by cleanup. */
export const TEMP_DIR_STATE = 'tempDir';

/** The part after the first "=", or the whole item when it has none (it may be a bare secret). */
const valueOf = (item: string): string => item.slice(item.indexOf('=') + 1);

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

function summaryEnabled(env: CiContext['env']): boolean {
  const off = (v: string | undefined): boolean => /^(false|0|no|off)$/i.test(v ?? '');
  return !off(env.DEPOT_BUILD_SUMMARY) && !off(env.DOCKER_BUILD_SUMMARY);
}

/** The build-push step's main phase. Returns the process exit code. */
export async function buildPushMain(step: StepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(buildSchema, (name) => adapter.input(name));
  maskOptionSecrets(adapter, options, ci);
  const findings = validateBuildOptions(options);
  for (const warning of findings.warnings) adapter.annotate('warning', warning);

  // 2. credentials
  const credentials: Credentials = await resolveCredentials({
    tokenInput: options.token,
    ci,
    providers: step.providers,
    mask: (s) => maskSecret(adapter, s),
    warn: (m) => adapter.annotate('warning', m),
  });
  adapter.info(`Depot credentials: ${credentials.source}`);

  // 3. engine
  const dryRun = options['dry-run'];
  const enginePath = findOnPath('depot', ci.env.PATH);
  if (!enginePath && !dryRun) {
    throw new UserError('The depot CLI was not found on PATH.', step.setupHint);
  }
  const engine: Engine = {
    kind: 'depot',
    path: enginePath ?? 'depot',
    version: enginePath ? versionFromPath(enginePath) : undefined,
  };

  // 4. plan
  const stepDir = dryRun
    ? join(ci.tempDir, 'depot-build-XXXXXX')
    : mkdtempSync(join(ci.tempDir, 'depot-build-'));
  if (!dryRun) adapter.saveState(TEMP_DIR_STATE, stepDir);
  const plan = planBuild({ options, ci, credentials, engine, stepDir });
  for (const warning of plan.warnings) adapter.annotate('warning', warning);
  const description = describePlan(plan, credentials.source, describeOutputs(plan));

  if (dryRun) {
    await adapter.group('Plan (dry run: nothing was run)', async () => {
      for (const line of description) adapter.info(line);
    });
    if (credentials.source === 'none')
      adapter.annotate('notice', `No Depot credentials were found. ${credentialHelp(ci.provider)}`);
    return 0;
  }
  if (credentials.source === 'none') {
    throw new UserError('No Depot credentials were found.', credentialHelp(ci.provider));
  }
  await adapter.group('Plan', async () => {
    for (const line of description) adapter.info(line);
  });

  // run
  for (const file of plan.files) writeFileSync(file.path, file.content, { mode: 0o600, flag: 'wx' });
  const baseEnv = { ...ci.env };
  let outputs: BuildOutputs;
  let result;
  try {
    result = await runPlan(plan, baseEnv, {
      stdout: (c) => adapter.writeStdout(c),
      stderr: (c) => adapter.writeStderr(c),
    });
    outputs = readBuildOutputs(plan.outputs, result.buildUrl);
  } finally {
    // Secret files are needed only while the engine runs; post removes the directory again if we die first.
    removeStepDir(stepDir);
  }

  // 5. report
  await adapter.group('Outputs', async () => {
    for (const [name, value] of Object.entries(outputs)) {
      if (value === undefined) continue;
      adapter.output(name, value);
      adapter.info(`${name}: ${value.includes('\n') ? '\n' + value : value}`);
    }
  });
  const failure = result.exitCode === 0 ? undefined : diagnose(result.tail);
  // Asking the CLI its version costs a process; worth it only when a failure report needs it.
  const cliVersion =
    engine.version ??
    (failure
      ? /depot version (\S+)/.exec((await captureOutput(engine.path, ['--version'], baseEnv)) ?? '')?.[1]
      : undefined);
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
        engine: cliVersion ? `depot ${cliVersion}` : 'depot',
        warnings: [...findings.warnings, ...plan.warnings],
        failure,
      }),
    );
  }
  if (failure) {
    const what = result.signal
      ? `was stopped by ${result.signal}`
      : `failed with exit code ${result.exitCode}`;
    adapter.info(`depot build ${what} (${failure.kind} failure). What it said:`);
    for (const line of failure.lines) adapter.info(`  ${line}`);
    const last = failure.lines.at(-1) ?? '';
    adapter.annotate(
      'error',
      `depot build ${what}: ${last}${failure.hint ? `\nHint: ${failure.hint}` : ''}`,
      'Depot build failed',
    );
    return 1;
  }
  return 0;
}

/** The post phase: removes the step's temp directory even after a failure or cancel. */
export function cleanupStep(adapter: CiAdapter): void {
  const dir = adapter.getState(TEMP_DIR_STATE);
  if (dir) removeStepDir(dir);
}
