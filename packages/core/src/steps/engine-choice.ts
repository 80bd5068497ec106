import { credentialHelp } from '../credentials/resolve';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import { UserError } from '../errors';
import type { Diagnosis } from '../run/diagnose';
import { detectLocalEngine } from '../local/detect';
import { describeLocalEngine, type LocalEngine } from '../local/types';
import { locateEngine, stepCredentials, type StepContext } from './engine-step';

/** Which engine a step runs, and why (shown in the log and the summary). */
export type EngineChoice =
  { kind: 'depot'; engine: Engine } | { kind: 'local'; engine: LocalEngine; reason: string };

/**
 * Chooses the engine and finds the credentials it needs, in that dependency order:
 * - `local` runs the local Docker engine and never asks for Depot credentials (a fork's OIDC
 *   flow or an identity with no trust relationship must not stop a local build);
 * - `depot` runs the depot CLI, and a credential failure is the step's error;
 * - `auto` (the default) runs Depot when credentials resolve; when none are found, or getting
 *   them fails, it builds locally with a notice saying why, if a local engine is there, and
 *   otherwise reports the credential problem.
 */
export async function chooseEngine(
  step: StepContext,
  requested: string,
  tokenInput: string,
  dryRun: boolean,
): Promise<{ choice: EngineChoice; credentials: Credentials }> {
  const { adapter, ci } = step;
  const none: Credentials = { source: 'none' };
  if (requested === 'local') {
    const found = await detectLocalEngine(ci.env);
    if (!('engine' in found)) {
      throw new UserError(
        `engine: local needs a Docker engine, and ${found.reason}.`,
        'Start Docker on the runner, or use engine: depot.',
      );
    }
    adapter.annotate(
      'notice',
      `Building with the ${describeLocalEngine(found.engine)} engine: engine: local.`,
    );
    return { choice: { kind: 'local', engine: found.engine, reason: 'engine: local' }, credentials: none };
  }

  let credentials: Credentials;
  let failed: UserError | undefined;
  try {
    credentials = await stepCredentials(step, tokenInput);
  } catch (error) {
    if (requested === 'depot' || !(error instanceof UserError)) throw error;
    failed = error;
    credentials = none;
  }
  if (requested === 'depot' || credentials.source !== 'none') {
    return { choice: { kind: 'depot', engine: await locateEngine(step, dryRun) }, credentials };
  }

  const found = await detectLocalEngine(ci.env);
  if ('engine' in found) {
    const reason = failed
      ? `Depot credentials could not be obtained (${failed.message}) (engine: auto)`
      : 'no Depot credentials were found (engine: auto)';
    adapter.annotate('notice', `Building with the ${describeLocalEngine(found.engine)} engine: ${reason}.`);
    return { choice: { kind: 'local', engine: found.engine, reason }, credentials };
  }
  if (failed) throw failed;
  if (dryRun) return { choice: { kind: 'depot', engine: await locateEngine(step, dryRun) }, credentials };
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
