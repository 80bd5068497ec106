import { writeFileSync } from 'node:fs';
import { credentialHelp } from '../credentials/resolve';
import { UserError } from '../errors';
import { describeGaps } from '../local/gaps';
import { describeLocalEngine } from '../local/types';
import type { Invocation } from '../plan/invocation';
import type { BuildSummary } from '../report/summary';
import type { DockerfileLocator } from '../report/annotate';
import { reportBuildOutput } from '../report/build-report';
import { renderSummary } from '../report/summary';
import type { RunResult } from '../run/execute';
import { removeStepFiles } from '../run/temp-dir';
import { chooseEngine, type EngineChoice, type EngineInputs } from './engine-choice';
import {
  failureOf,
  fallbackSeconds,
  makeStepFiles,
  reportFailure,
  setOutputs,
  summaryEnabled,
  type StepContext,
} from './engine-step';
import { gapsOf, type RunEngine } from './run-engine';
import { fallbackWarnings, printPlan, runWithFallback, type Ran } from './run-with-fallback';

/** What the pipeline needs from the options of any engine command. */
export interface EngineSettings extends EngineInputs {
  fallback: boolean;
  /** fallback-timeout, in seconds. */
  timeout: number;
}

/** The engine inputs every engine command has, as the pipeline needs them. */
export function engineSettings(options: {
  engine: string;
  token: string;
  'dry-run': boolean;
  'buildx-fallback': boolean;
  'fallback-timeout': string;
}): EngineSettings {
  return {
    engine: options.engine,
    token: options.token,
    dryRun: options['dry-run'],
    fallback: options['buildx-fallback'],
    timeout: fallbackSeconds(options['fallback-timeout']),
  };
}

/** The options of one step, read and checked, with what to warn about. */
export interface ReadOptions<O> {
  options: O;
  settings: EngineSettings;
  warnings: string[];
}

/** What the report stage shows of one command's results. */
export interface CommandReport {
  outputs: Record<string, string | undefined>;
  /** The command's own rows of the summary (tags, platforms, digest, project, targets). */
  summary: Pick<BuildSummary, 'tags' | 'platforms' | 'digest' | 'projectId' | 'targets'>;
  /** Where the Dockerfile (of each target) is in the repository, for annotations on its lines. */
  dockerfile: DockerfileLocator;
}

/**
 * One engine command (build, bake) as the pipeline runs it: the five stages of a step, of which
 * the command supplies the parts that differ.
 */
export interface EngineCommand<O> {
  /** `build` or `bake`: names the step in logs ("depot build failed"). */
  name: 'build' | 'bake';
  /** 1. options: reads the inputs, masks every secret they carry, validates them. */
  readOptions(step: StepContext): Promise<ReadOptions<O>>;
  /** 4. plan: the invocation, for the engine chosen (bake reads its definition with it). */
  plan(options: O, step: StepContext, choice: EngineChoice, stepFiles: string): Promise<Invocation>;
  /** Where each output comes from, for the printed plan. */
  describeOutputs(invocation: Invocation): Record<string, string>;
  /** 5. report: the outputs and summary rows, from the result files the engine wrote. */
  report(options: O, invocation: Invocation, result: RunResult, step: StepContext): CommandReport;
}

/**
 * Runs one engine step: options → credentials and engine → plan → run (and fallback) → report,
 * then removes the step's directory whatever happened. Returns the process exit code.
 */
export async function runEngineStep<O>(step: StepContext, command: EngineCommand<O>): Promise<number> {
  const { adapter, ci } = step;
  const { options, settings, warnings } = await command.readOptions(step);
  for (const warning of warnings) adapter.annotate('warning', warning);
  const choice = await chooseEngine(step, settings);
  const stepFiles = makeStepFiles(step, `depot-${command.name}-`, settings.dryRun);
  try {
    const invocation = await command.plan(options, step, choice, stepFiles);
    if (choice.kind === 'local') await refuseGaps(step, choice, invocation);
    if (choice.kind === 'depot' && choice.credentials.source === 'none') {
      if (!settings.dryRun)
        throw new UserError('No Depot credentials were found.', credentialHelp(ci.provider));
      adapter.annotate('notice', `No Depot credentials were found. ${credentialHelp(ci.provider)}`);
    }
    for (const warning of invocation.warnings) adapter.annotate('warning', warning);
    const run: RunEngine = choice.kind === 'depot' ? choice : { kind: 'local', engine: choice.engine };
    if (settings.dryRun) {
      await printPlan(step, command, invocation, run, choice, settings, true);
      return 0;
    }
    await printPlan(step, command, invocation, run, choice, settings, false);
    for (const file of invocation.files) writeFileSync(file.path, file.content, { mode: 0o600, flag: 'wx' });

    const ran = await runWithFallback(step, command, invocation, choice, settings);
    return await report(step, command, options, invocation, choice, ran, warnings, settings);
  } finally {
    if (!settings.dryRun) removeStepFiles(stepFiles);
  }
}

/** The local engine builds only what it can build exactly; otherwise the step stops here. */
async function refuseGaps(
  step: StepContext,
  choice: EngineChoice & { kind: 'local' },
  invocation: Invocation,
): Promise<void> {
  const gaps = await gapsOf(invocation, choice.engine);
  const engine = describeLocalEngine(choice.engine);
  if (gaps.length === 0) {
    step.adapter.annotate('notice', `Building with the ${engine} engine: ${choice.reason}.`);
    return;
  }
  const cannot = `the ${engine} engine cannot honour: ${describeGaps(gaps)}`;
  if (!choice.auto)
    throw new UserError(
      `engine: local, but ${cannot}.`,
      'Remove those inputs, or build on Depot (engine: depot).',
    );
  throw new UserError(
    `No Depot credentials were found, and ${cannot}. Nothing was built.`,
    `${credentialHelp(step.ci.provider)}\nOr remove those inputs to build locally.`,
  );
}

/** 5. report: outputs, summary, and the failure with its hint. */
async function report<O>(
  step: StepContext,
  command: EngineCommand<O>,
  options: O,
  invocation: Invocation,
  choice: EngineChoice,
  ran: Ran,
  warnings: string[],
  settings: EngineSettings,
): Promise<number> {
  const { adapter, ci } = step;
  const { result, fellBack } = ran;
  const { outputs, summary, dockerfile } = command.report(options, invocation, result, step);
  // A cancelled run's files say nothing reliable about what was built or pushed.
  if (!result.cancelled) await setOutputs(adapter, outputs);
  // Lint findings and a failure's Dockerfile line become annotations on the file, summary or not.
  const output = reportBuildOutput(adapter, result, { dockerfile, env: ci.env });
  const failure = await failureOf(result, settings.timeout);
  const what = command.name === 'build' ? 'build' : 'bake';
  if (summaryEnabled(ci.env)) {
    adapter.summary(
      renderSummary({
        ...summary,
        ...output,
        title: failure
          ? `Depot ${what} ${failure.kind === 'cancelled' ? 'cancelled' : 'failed'}`
          : fellBack
            ? `Depot ${what} (local fallback)`
            : `Depot ${what}`,
        ok: !failure,
        buildUrl: outputs['build-url'],
        buildId: outputs['build-id'],
        durationMs: result.durationMs,
        credentialSource: choice.credentials.source,
        engine: ran.engineLabel,
        warnings: [...warnings, ...invocation.warnings, ...fallbackWarnings(fellBack)],
        failure,
      }),
    );
  }
  if (!failure) return 0;
  reportFailure(step, `${ran.local ? 'local' : 'depot'} ${what}`, result, failure);
  return 1;
}
