import { describeGaps, type Gap } from '../local/gaps';
import { describeLocalEngine } from '../local/types';
import type { Invocation } from '../plan/invocation';
import { describeInvocation, type PlanLine } from '../plan/print';
import type { Diagnosis } from '../run/diagnose';
import type { RunResult } from '../run/execute';
import { fallbackEngine, findLocalEngine, type EngineChoice } from './engine-choice';
import { engineVersion, failureOf, type StepContext } from './engine-step';
import type { EngineCommand, EngineSettings } from './pipeline';
import { commandLines, gapsOf, removeResultFiles, runOnEngine, type RunEngine } from './run-engine';

// 4. run: the chosen engine, then the local one after a Depot infrastructure failure when the
// step asked for that (buildx-fallback), each announced by the plan it runs.

/** What ran in the end, for the report. */
export interface Ran {
  result: RunResult;
  engineLabel: string;
  local: boolean;
  /** Depot's failure that led to a fallback build, and what that build left out. */
  fellBack?: { failure: Diagnosis; dropped: Gap[] };
}

/** Prints the invocation as the engine runs it (a dry run adds what a fallback would run). */
export async function printPlan<O>(
  step: StepContext,
  command: EngineCommand<O>,
  invocation: Invocation,
  run: RunEngine,
  choice: EngineChoice,
  settings: EngineSettings,
  dryRun: boolean,
): Promise<void> {
  const lines: PlanLine[] = await commandLines(invocation, run);
  // A dry run also shows what a fallback would run, and what it would leave out.
  const found =
    dryRun && run.kind === 'depot' && settings.fallback ? await findLocalEngine(step.ci.env) : undefined;
  if (found && 'engine' in found) {
    const local = found.engine;
    const gaps = await gapsOf(invocation, local);
    for (const { line } of await commandLines(invocation, { kind: 'local', engine: local }))
      lines.push({ label: 'fallback:', line });
    if (gaps.length) lines.push({ label: 'fallback:', note: `leaves out ${describeGaps(gaps)}` });
  }
  const description = describeInvocation(
    invocation,
    lines,
    choice.credentials.source,
    command.describeOutputs(invocation),
  );
  // One message of many lines: one write to the log rather than one per line.
  await step.adapter.group(dryRun ? 'Plan (dry run: nothing was run)' : 'Plan', async () =>
    step.adapter.info(description.join('\n')),
  );
}

/** Runs the chosen engine; after a Depot infrastructure failure, the local one if asked to. */
export async function runWithFallback<O>(
  step: StepContext,
  command: EngineCommand<O>,
  invocation: Invocation,
  choice: EngineChoice,
  settings: EngineSettings,
): Promise<Ran> {
  if (choice.kind === 'local') {
    const result = await runOnEngine(step, invocation, choice);
    return { result, local: true, engineLabel: `${describeLocalEngine(choice.engine)}: ${choice.reason}` };
  }
  // With a fallback, a builder that never starts is given up on rather than waited for.
  const watch = settings.fallback ? { ready: /^#\d+ /, timeoutMs: settings.timeout * 1000 } : undefined;
  const result = await runOnEngine(step, invocation, choice, watch);
  const failure = await failureOf(result, settings.timeout);
  const engineLabel = await engineVersion(step, choice.engine, Boolean(failure));
  const local = await fallbackEngine(step, failure, settings.fallback);
  if (!failure || !local) return { result, engineLabel, local: false };
  const gaps = await gapsOf(invocation, local);
  const blocking = gaps.filter((g) => g.blocking);
  const why = failure.lines.at(-1) ?? 'infrastructure failure';
  if (blocking.length) {
    step.adapter.annotate(
      'warning',
      `Depot failed (${why}); buildx-fallback did not build locally: the ${describeLocalEngine(local)} engine cannot build ${describeGaps(blocking)}.`,
    );
    return { result, engineLabel, local: false };
  }
  step.adapter.annotate(
    'warning',
    `Depot failed (${why}); falling back to the ${describeLocalEngine(local)} engine (buildx-fallback)` +
      (gaps.length ? `, leaving out ${describeGaps(gaps)}.` : '.'),
  );
  await printPlan(step, command, invocation, { kind: 'local', engine: local }, choice, settings, false);
  removeResultFiles(invocation);
  return {
    result: await runOnEngine(step, invocation, { kind: 'local', engine: local }),
    engineLabel: `${describeLocalEngine(local)}: fallback after Depot failed`,
    local: true,
    fellBack: { failure, dropped: gaps },
  };
}

/** The summary's lines about a fallback: why it happened and what it left out. */
export function fallbackWarnings(fellBack: Ran['fellBack']): string[] {
  if (!fellBack) return [];
  const { failure, dropped } = fellBack;
  return [
    `Depot failed and the local engine built instead: ${failure.lines.at(-1) ?? ''}`,
    ...(dropped.length ? [`The local build left out: ${describeGaps(dropped)}.`] : []),
  ];
}
