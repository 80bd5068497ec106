import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import { planClassicBake, type TargetBuild } from '../local/bake';
import type { Gap } from '../local/gaps';
import { pushTags } from '../local/push';
import { localGaps, renderLocal } from '../local/render';
import type { LocalEngine } from '../local/types';
import { argvOf, type Invocation } from '../plan/invocation';
import type { CommandLine } from '../plan/types';
import { captureOutput, runCommand, type RunResult, type StartWatch } from '../run/execute';
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

/** Bake without buildx: one `docker build` per target of the definition. */
const isClassicBake = (invocation: Invocation, engine: LocalEngine): boolean =>
  invocation.subcommand === 'bake' && engine.mode === 'buildkit';

/**
 * Everything the local engine cannot honour of the invocation, the definition's own gaps
 * included for a bake without buildx; one entry per input, the blocking one where both exist.
 */
export function gapsOf(invocation: Invocation, engine: LocalEngine): Gap[] {
  const gaps = [
    ...(isClassicBake(invocation, engine) ? planClassicBake(invocation, engine).gaps : []),
    ...localGaps(invocation, engine),
  ];
  return gaps.filter((gap, i) => gaps.findIndex((g) => g.what === gap.what) === i);
}

/** The command lines an engine runs for the invocation, labelled for the printed plan. */
export function commandLines(invocation: Invocation, run: RunEngine): { label: string; line: CommandLine }[] {
  if (run.kind === 'depot')
    return [{ label: 'command:', line: renderDepot(invocation, run.engine, run.credentials) }];
  if (!isClassicBake(invocation, run.engine))
    return [{ label: 'command:', line: renderLocal(invocation, run.engine) }];
  return planClassicBake(invocation, run.engine).builds.map((b) => ({
    label: `${b.target}:`,
    line: b.command,
  }));
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
  // A fallback run must not read the result files of the run before it.
  for (const file of [invocation.outputs.metadataFile, invocation.outputs.iidFile])
    if (file) removeIfThere(file);
  const sink = engineSink(step.adapter);
  if (run.kind === 'depot')
    return runCommand(renderDepot(invocation, run.engine, run.credentials), ci.env, sink, watch);
  // Only the depot CLI prints a Depot build link; whatever a local build prints is not one.
  const local = await runLocalEngine(step, invocation, run.engine);
  return { ...local, buildUrl: undefined };
}

/** Runs the invocation on the local Docker engine (buildx, or the built-in builder). */
async function runLocalEngine(
  step: StepContext,
  invocation: Invocation,
  engine: LocalEngine,
): Promise<RunResult> {
  const { ci } = step;
  const sink = engineSink(step.adapter);
  if (engine.mode === 'buildx') return runCommand(renderLocal(invocation, engine), ci.env, sink);
  if (invocation.subcommand === 'bake') return runClassicBake(step, invocation, engine);

  const result = await runCommand(renderLocal(invocation, engine), ci.env, sink);
  if (result.exitCode !== 0) return result;
  const pushed = await pushTags(engine, invocation.pushTags, ci.env, invocation.cwd, sink);
  if (pushed.exitCode !== 0) return { ...result, exitCode: pushed.exitCode, tail: pushed.tail };
  const id = readText(invocation.outputs.iidFile);
  writeMetadata(invocation.outputs.metadataFile, {
    ...(id ? { 'containerimage.config.digest': id } : {}),
    ...(pushed.digest ? { 'containerimage.digest': pushed.digest } : {}),
    ...(invocation.pushTags.length ? { 'image.name': invocation.pushTags.join(',') } : {}),
  });
  return result;
}

/** Removes a file that may not exist (unlink rather than rm, whose module is slow to load). */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there: nothing to remove
  }
}

const readText = (path: string | undefined): string | undefined => {
  try {
    return path ? readFileSync(path, 'utf8').trim() || undefined : undefined;
  } catch {
    return undefined;
  }
};
const writeMetadata = (path: string, metadata: object): void =>
  writeFileSync(path, JSON.stringify(metadata, null, 2), { mode: 0o600 });

/**
 * Bakes target by target in dependency order. A target another one names as `target:` context
 * is tagged under that context name for the daemon's BuildKit to find, and untagged afterwards.
 */
async function runClassicBake(
  step: StepContext,
  invocation: Invocation,
  engine: LocalEngine,
): Promise<RunResult> {
  const { ci } = step;
  const sink = engineSink(step.adapter);
  const aliases: string[] = [];
  const metadata: Record<string, Record<string, string>> = {};
  const started = Date.now();
  let result: RunResult = { exitCode: 0, tail: [], durationMs: 0 };
  try {
    for (const build of planClassicBake(invocation, engine).builds) {
      result = await runCommand(build.command, ci.env, sink);
      if (result.exitCode !== 0) break;
      const id = readText(build.iidFile) ?? '';
      aliases.push(...(await tagAliases(engine, build, id, ci.env)));
      const pushed = await pushTags(engine, build.push, ci.env, invocation.cwd, sink);
      if (pushed.exitCode !== 0) {
        result = { ...result, exitCode: pushed.exitCode, tail: pushed.tail };
        break;
      }
      metadata[build.target] = {
        'containerimage.config.digest': id,
        ...(pushed.digest ? { 'containerimage.digest': pushed.digest } : {}),
        ...(build.tags.length ? { 'image.name': build.tags.join(',') } : {}),
      };
    }
    writeMetadata(invocation.outputs.metadataFile, metadata);
    return { ...result, durationMs: Date.now() - started };
  } finally {
    for (const alias of aliases) await captureOutput(engine.docker, ['image', 'rm', alias], ci.env);
  }
}

async function tagAliases(
  engine: LocalEngine,
  build: TargetBuild,
  id: string,
  env: Record<string, string | undefined>,
): Promise<string[]> {
  for (const alias of build.aliases) await captureOutput(engine.docker, ['tag', id, alias], env);
  return build.aliases;
}
