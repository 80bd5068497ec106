import { credentialHelp } from '../credentials/resolve';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import { UserError } from '../errors';
import type { Diagnosis } from '../run/diagnose';
import { detectLocalEngine } from '../local/detect';
import { describeLocalEngine, type LocalEngine } from '../local/types';
import { locateEngine, type StepContext } from './engine-step';

/** Which engine a step runs, and why (shown in the log and the summary). */
export type EngineChoice =
  { kind: 'depot'; engine: Engine } | { kind: 'local'; engine: LocalEngine; reason: string };

/**
 * `engine: depot` runs the depot CLI; `local` the local Docker engine; `auto` (the default)
 * Depot when credentials resolve, else the local engine, with a notice saying why. Without
 * either, the error lists the ways to provide credentials.
 */
export async function chooseEngine(
  step: StepContext,
  requested: string,
  credentials: Credentials,
  dryRun: boolean,
): Promise<EngineChoice> {
  const { adapter, ci } = step;
  const wantsLocal = requested === 'local' || (requested !== 'depot' && credentials.source === 'none');
  if (!wantsLocal) return { kind: 'depot', engine: await locateEngine(step, dryRun) };

  const found = await detectLocalEngine(ci.env);
  if ('engine' in found) {
    const reason = requested === 'local' ? 'engine: local' : 'no Depot credentials were found (engine: auto)';
    adapter.annotate('notice', `Building with the ${describeLocalEngine(found.engine)} engine: ${reason}.`);
    return { kind: 'local', engine: found.engine, reason };
  }
  if (requested === 'local') {
    throw new UserError(
      `engine: local needs a Docker engine, and ${found.reason}.`,
      'Start Docker on the runner, or use engine: depot.',
    );
  }
  if (dryRun) return { kind: 'depot', engine: await locateEngine(step, dryRun) };
  throw new UserError(
    'No Depot credentials were found.',
    `${credentialHelp(ci.provider)} (The local engine is not available either: ${found.reason}.)`,
  );
}

/**
 * buildx-fallback: after Depot failed, the local engine to build with instead, or undefined.
 * Only Depot's own failures qualify (credentials refused, API unreachable, no builder in time);
 * a build or lint error would fail the same way locally, only slower.
 */
export async function fallbackEngine(
  step: StepContext,
  failure: Diagnosis | undefined,
  enabled: boolean,
): Promise<LocalEngine | undefined> {
  if (!failure || !enabled || failure.kind !== 'infrastructure') return undefined;
  const found = await detectLocalEngine(step.ci.env);
  if (!('engine' in found)) {
    step.adapter.annotate('warning', `buildx-fallback could not run: ${found.reason}.`);
    return undefined;
  }
  step.adapter.annotate(
    'warning',
    `Depot failed (${failure.lines.at(-1) ?? 'infrastructure failure'}); falling back to the ${describeLocalEngine(found.engine)} engine (buildx-fallback).`,
  );
  return found.engine;
}
