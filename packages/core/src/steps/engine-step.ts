import type { CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import type { CredentialProvider } from '../credentials/resolve';
import { findOnPath, versionFromPath } from '../engine/locate';
import type { Engine } from '../engine/types';
import { InputError, UserError } from '../errors';
import type { Diagnosis } from '../run/diagnose';
import { captureOutput, type OutputSink, type RunResult } from '../run/execute';
import { newStepFiles, plannedStepFiles, removeStepFiles } from '../run/temp-dir';

// What every engine step (build-push, bake) shares around the pipeline in ./pipeline.ts.

export interface StepContext {
  adapter: CiAdapter;
  ci: CiContext;
  providers: readonly CredentialProvider[];
  /** Name of the setup step for this CI, for the "depot not found" error. */
  setupHint: string;
}

/** State key holding the prefix of the step's files, removed by cleanup. */
export const TEMP_DIR_STATE = 'tempDir';

/**
 * The CLI version installed when a step finds no depot on PATH: the one this release is tested
 * with. An exact version is served from the tool cache with no network once installed.
 */
export const TESTED_CLI_VERSION = '2.102.12';

/**
 * 3. engine: the depot CLI on PATH, or, when the setup step was forgotten, installed now through
 * the same verified install the setup step uses, so that costs seconds rather than a failed job.
 * A dry run only needs its name.
 */
export async function locateEngine(step: StepContext, dryRun: boolean): Promise<Engine> {
  const { adapter, ci } = step;
  const path = findOnPath('depot', ci.env.PATH);
  if (path) return { kind: 'depot', path, version: versionFromPath(path) };
  if (dryRun) return { kind: 'depot', path: 'depot' };
  const version = ci.env.DEPOT_CLI_VERSION || TESTED_CLI_VERSION;
  adapter.info(
    `The depot CLI is not on PATH; installing depot ${version} (a setup step before this one avoids this).`,
  );
  try {
    // Loaded only here: a step whose CLI is on PATH never compiles the installer.
    const { describeEngineSource, ensureEngine, installLogFor } = await import('../engine/install');
    const engine = await ensureEngine({
      version,
      env: ci.env,
      tempDir: ci.tempDir,
      mask: (secret) => adapter.mask(secret),
      log: installLogFor(adapter),
    });
    adapter.info(
      `depot ${engine.version} (${describeEngineSource(engine.source)}) in ${engine.durationMs} ms`,
    );
    return engine;
  } catch (error) {
    // The version comes from DEPOT_CLI_VERSION here, not from an input of this step.
    if (error instanceof InputError && error.input === 'version')
      throw new UserError(error.message.replace('input "version"', 'DEPOT_CLI_VERSION'));
    if (error instanceof UserError)
      throw new UserError(`Installing the depot CLI failed: ${error.message}`, step.setupHint);
    throw error;
  }
}

/**
 * Where the step's files go (see run/temp-dir.ts), recorded in state first so post can always
 * remove them. The pipeline owns them: it removes them when the step ends, whatever happened.
 */
export function makeStepFiles(step: StepContext, name: string, dryRun: boolean): string {
  const { tempDir, tempDirIsPrivate = false } = step.ci;
  if (dryRun) return plannedStepFiles(tempDir, name, tempDirIsPrivate);
  const prefix = newStepFiles(tempDir, name, tempDirIsPrivate);
  step.adapter.saveState(TEMP_DIR_STATE, prefix);
  return prefix;
}

/** Streams an engine's output (its stdout and stderr, as written) to the job log. */
export const engineSink = ({ adapter, ci }: StepContext): OutputSink => ({
  write: (chunk) => adapter.writeStdout(chunk),
  dir: ci.tempDir,
});

/** Sets each defined output and logs it, in one group. */
export async function setOutputs(
  adapter: CiAdapter,
  outputs: Record<string, string | undefined>,
): Promise<void> {
  const set = Object.entries(outputs).filter((e): e is [string, string] => e[1] !== undefined);
  if (set.length === 0) return; // an empty group would only clutter the log
  await adapter.group('Outputs', async () => {
    for (const [name, value] of set) {
      adapter.output(name, value);
      adapter.info(`${name}: ${value.includes('\n') ? '\n' + value : value}`);
    }
  });
}

/**
 * The failure of a finished run, diagnosed; undefined when it succeeded. The diagnosis rules load
 * only for a failed run.
 */
export async function failureOf(result: RunResult, timeoutSeconds?: number): Promise<Diagnosis | undefined> {
  if (result.cancelled) {
    return {
      kind: 'cancelled',
      lines: [`The step was cancelled (${result.cancelled}); the engine was stopped.`],
    };
  }
  if (result.stalled) {
    return {
      kind: 'infrastructure',
      lines: [
        ...result.tail.slice(-5),
        `No Depot builder started building within ${timeoutSeconds ?? '?'} s.`,
      ],
      hint: 'Depot did not provide a builder in time (fallback-timeout); check status.depot.dev, or raise fallback-timeout.',
    };
  }
  if (result.exitCode === 0) return undefined;
  const { diagnose } = await import('../run/diagnose');
  return diagnose(result.tail);
}

/** The engine's version for the summary: free when the path shows it; asked only to explain a failure. */
export async function engineVersion(step: StepContext, engine: Engine, failed: boolean): Promise<string> {
  const version =
    engine.version ??
    (failed
      ? /depot version (\S+)/.exec((await captureOutput(engine.path, ['--version'], step.ci.env)) ?? '')?.[1]
      : undefined);
  return version ? `depot ${version}` : 'depot';
}

/** Logs the diagnosis and raises one error annotation with the hint. */
export function reportFailure(
  step: StepContext,
  command: string,
  result: RunResult,
  failure: Diagnosis,
): void {
  const { adapter } = step;
  const title = `${command[0].toUpperCase()}${command.slice(1)}`;
  if (failure.kind === 'cancelled') {
    adapter.annotate('error', `${command}: ${failure.lines.join(' ')}`, `${title} cancelled`);
    return;
  }
  const what = result.signal ? `was stopped by ${result.signal}` : `failed with exit code ${result.exitCode}`;
  adapter.info(`${command} ${what} (${failure.kind} failure). What it said:`);
  for (const line of failure.lines) adapter.info(`  ${line}`);
  const last = failure.lines.at(-1) ?? '';
  adapter.annotate(
    'error',
    `${command} ${what}: ${last}${failure.hint ? `\nHint: ${failure.hint}` : ''}`,
    `${title} failed`,
  );
}

/** Job summaries are on unless DEPOT_BUILD_SUMMARY or docker's DOCKER_BUILD_SUMMARY turns them off. */
export function summaryEnabled(env: CiContext['env']): boolean {
  const off = (v: string | undefined): boolean => /^(false|0|no|off)$/i.test(v ?? '');
  return !off(env.DEPOT_BUILD_SUMMARY) && !off(env.DOCKER_BUILD_SUMMARY);
}

/** The post phase: removes the step's files even after a failure or cancel. */
export function cleanupStep(adapter: CiAdapter): void {
  const prefix = adapter.getState(TEMP_DIR_STATE);
  if (prefix) removeStepFiles(prefix);
}

/** The part after the first "=", or the whole item when it has none (it may be a bare secret). */
export const valueOf = (item: string): string => item.slice(item.indexOf('=') + 1);

/** The longest timer Node keeps (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** fallback-timeout in seconds: a whole number from 1 to about 24 days, written in digits. */
export function fallbackSeconds(raw: string): number {
  const text = raw.trim() || '120';
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new InputError(
      'fallback-timeout',
      raw,
      `a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`,
    );
  }
  return seconds;
}
