import { maskSecret } from '../adapter';
import { credentialHelp, lookupCredentials } from '../credentials/resolve';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import { UserError } from '../errors';
import type { Detection } from '../local/detect';
import type { LocalEngine } from '../local/types';
import type { Diagnosis } from '../run/diagnose';
import { locateEngine, type StepContext } from './engine-step';

/** Which engine a step runs, with the credentials it runs with, and why (log and summary). */
export type EngineChoice =
  | { kind: 'depot'; engine: Engine; credentials: Credentials }
  | { kind: 'local'; engine: LocalEngine; credentials: Credentials; reason: string; auto: boolean };

/** The inputs that choose the engine. */
export interface EngineInputs {
  engine: string;
  token: string;
  dryRun: boolean;
}

const NONE: Credentials = { source: 'none' };

/**
 * The local Docker engine, if one answers (local/detect.ts, which asks docker); loaded only when
 * a step may build locally.
 */
export async function findLocalEngine(env: Readonly<Record<string, string | undefined>>): Promise<Detection> {
  return (await import('../local/detect')).detectLocalEngine(env);
}

/**
 * 2. credentials and 3. engine, in the order they depend on each other:
 * - `local` runs the local Docker engine and never asks for Depot credentials;
 * - `depot` runs the depot CLI, and a credential failure is the step's error;
 * - `auto` (the default) runs Depot when any credential source is there (the depot CLI's own
 *   login included); with none, or when getting them fails, it offers the local engine, which
 *   the pipeline then checks can honour the whole request.
 * When credentials need the network (an OIDC exchange) and the CLI needs installing, both run at
 * once: a cold step waits for the slower, not for their sum.
 */
export async function chooseEngine(step: StepContext, request: EngineInputs): Promise<EngineChoice> {
  const { adapter, ci } = step;
  if (request.engine === 'local') {
    const found = await findLocalEngine(ci.env);
    if ('engine' in found)
      return { kind: 'local', engine: found.engine, credentials: NONE, reason: 'engine: local', auto: false };
    throw new UserError(
      `engine: local needs a Docker engine, and ${found.reason}.`,
      'Start Docker on the runner, or use engine: depot.',
    );
  }
  const lookup = await lookupCredentials({
    tokenInput: request.token,
    ci,
    providers: step.providers,
    mask: (s) => maskSecret(adapter, s),
    warn: (m) => adapter.annotate('warning', m),
  });
  const depot = (engine: Engine, credentials: Credentials): EngineChoice => {
    adapter.info(`Depot credentials: ${credentials.source}`);
    return { kind: 'depot', engine, credentials };
  };

  if ('credentials' in lookup) {
    const { credentials } = lookup;
    if (credentials.source === 'none' && request.engine === 'auto')
      return localInstead(step, request.dryRun, undefined);
    return depot(await locateEngine(step, request.dryRun), credentials);
  }
  const [credentials, engine] = await Promise.allSettled([
    lookup.fetch(),
    locateEngine(step, request.dryRun),
  ]);
  if (credentials.status === 'rejected') {
    const error: unknown = credentials.reason;
    if (request.engine !== 'auto' || !(error instanceof UserError)) throw error;
    return localInstead(step, request.dryRun, error);
  }
  if (engine.status === 'rejected') throw engine.reason;
  return depot(engine.value, credentials.value);
}

/** `auto` without Depot credentials: the local engine if one answers, else the credential problem. */
async function localInstead(
  step: StepContext,
  dryRun: boolean,
  failed: UserError | undefined,
): Promise<EngineChoice> {
  const found = await findLocalEngine(step.ci.env);
  if ('engine' in found) {
    const reason = failed
      ? `Depot credentials could not be obtained (${failed.message}) (engine: auto)`
      : 'no Depot credentials were found (engine: auto)';
    return { kind: 'local', engine: found.engine, credentials: NONE, reason, auto: true };
  }
  if (failed) throw failed;
  if (dryRun) return { kind: 'depot', engine: await locateEngine(step, dryRun), credentials: NONE };
  throw new UserError(
    'No Depot credentials were found.',
    `${credentialHelp(step.ci.provider)} (The local engine is not available either: ${found.reason}.)`,
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
  const found = await findLocalEngine(step.ci.env);
  if ('engine' in found) return found.engine;
  step.adapter.annotate('warning', `buildx-fallback could not run: ${found.reason}.`);
  return undefined;
}
