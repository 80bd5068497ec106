import { unlinkSync } from 'node:fs';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import type { Gap } from '../local/gaps';
import type { LocalEngine } from '../local/types';
import { argvOf, type Invocation } from '../plan/invocation';
import type { CommandLine } from '../plan/types';
import { runCommand, type RunResult, type StartWatch } from '../run/execute';
import { engineSink, type StepContext } from './engine-step';

/** The engine a run uses: the depot CLI with its credentials, or the local Docker engine. */
export type RunEngine =
  { kind: 'depot'; engine: Engine; credentials: Credentials } | { kind: 'local'; engine: LocalEngine };

/**
 * The depot CLI's DEPOT_TOKEN: the token the credential chain chose, or empty when the CLI is to
 * find its own (its login) or there is none, so that a DEPOT_TOKEN the chain passed over (an
 * expired JWT) cannot win inside the CLI, which reads DEPOT_TOKEN before its login.
 */
export function depotTokenEnv(credentials: Credentials): {
  env: Record<string, string>;
  secretEnv: string[];
} {
  return credentials.token
    ? { env: { DEPOT_TOKEN: credentials.token }, secretEnv: ['DEPOT_TOKEN'] }
    : { env: { DEPOT_TOKEN: '' }, secretEnv: [] };
}

/** The depot CLI's command line: every argument, and the Depot token by environment only. */
export function renderDepot(invocation: Invocation, engine: Engine, credentials: Credentials): CommandLine {
  const token = depotTokenEnv(credentials);
  const env = { ...invocation.env, ...token.env };
  const secretEnv = [...token.secretEnv, ...invocation.secretEnv];
  return {
    command: engine.path,
    args: [invocation.subcommand, ...argvOf(invocation.args)],
    cwd: invocation.cwd,
    env,
    secretEnv,
  };
}

/** The command lines an engine runs for the invocation, labelled for the printed plan. */
export async function commandLines(
  invocation: Invocation,
  run: RunEngine,
): Promise<{ label: string; line: CommandLine }[]> {
  if (run.kind === 'depot')
    return [{ label: 'command:', line: renderDepot(invocation, run.engine, run.credentials) }];
  return (await import('./local-run')).localCommandLines(invocation, run.engine);
}

/**
 * Everything the local engine cannot honour of the invocation (see local-run.ts); loaded only
 * when a local engine is in play.
 */
export async function gapsOf(invocation: Invocation, engine: LocalEngine): Promise<Gap[]> {
  return (await import('./local-run')).localGapsOf(invocation, engine);
}

/**
 * Runs the invocation on the engine. Every engine leaves the same result files (the metadata
 * file, the iidfile), so the report stage reads outputs one way whichever engine ran: where the
 * built-in builder writes no metadata, one is made from the image ID and the pushed digest.
 */
export async function runOnEngine(
  step: StepContext,
  invocation: Invocation,
  run: RunEngine,
  watch?: StartWatch,
): Promise<RunResult> {
  const { ci } = step;
  const sink = engineSink(step);
  if (run.kind === 'depot')
    return runCommand(renderDepot(invocation, run.engine, run.credentials), ci.env, sink, watch);
  // Only the depot CLI prints a Depot build link; whatever a local build prints is not one.
  const { runLocalEngine } = await import('./local-run');
  const local = await runLocalEngine(step, invocation, run.engine);
  return { ...local, buildUrl: undefined };
}

/**
 * Removes the result files an earlier run left (a fallback run must not report the files of the
 * Depot run before it). A first run needs none of this: its step's files have names of their own.
 */
export function removeResultFiles(invocation: Invocation): void {
  for (const file of [invocation.outputs.metadataFile, invocation.outputs.iidFile]) {
    if (!file) continue;
    try {
      // unlink rather than rm, whose module is slow to load
      unlinkSync(file);
    } catch {
      // not there: nothing to remove
    }
  }
}
