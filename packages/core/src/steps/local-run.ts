// The local Docker engine's side of a run: what it cannot honour, the command lines it runs, and
// running them (buildx, or the built-in builder with its push and per-target bake). Loaded only
// when a local engine is in play, so a Depot build never compiles it.
import { readFileSync, writeFileSync } from 'node:fs';
import { planClassicBake, type TargetBuild } from '../local/bake';
import type { Gap } from '../local/gaps';
import { pushTags, type PushResult } from '../local/push';
import { localGaps, renderLocal } from '../local/render';
import type { LocalEngine } from '../local/types';
import type { Invocation } from '../plan/invocation';
import type { CommandLine } from '../plan/types';
import { captureOutput, runCommand, type RunResult } from '../run/execute';
import { engineSink, type StepContext } from './engine-step';

/** Bake without buildx: one `docker build` per target of the definition. */
const isClassicBake = (invocation: Invocation, engine: LocalEngine): boolean =>
  invocation.subcommand === 'bake' && engine.mode === 'buildkit';

/**
 * Everything the local engine cannot honour of the invocation, the definition's own gaps
 * included for a bake without buildx; one entry per input, the blocking one where both exist.
 */
export function localGapsOf(invocation: Invocation, engine: LocalEngine): Gap[] {
  const gaps = [
    ...(isClassicBake(invocation, engine) ? planClassicBake(invocation, engine).gaps : []),
    ...localGaps(invocation, engine),
  ];
  return gaps.filter((gap, i) => gaps.findIndex((g) => g.what === gap.what) === i);
}

/** The command lines the local engine runs for the invocation, labelled for the printed plan. */
export function localCommandLines(
  invocation: Invocation,
  engine: LocalEngine,
): { label: string; line: CommandLine }[] {
  if (!isClassicBake(invocation, engine))
    return [{ label: 'command:', line: renderLocal(invocation, engine) }];
  return planClassicBake(invocation, engine).builds.map((b) => ({ label: `${b.target}:`, line: b.command }));
}

/** Runs the invocation on the local Docker engine (buildx, or the built-in builder). */
export async function runLocalEngine(
  step: StepContext,
  invocation: Invocation,
  engine: LocalEngine,
): Promise<RunResult> {
  const { ci } = step;
  const sink = engineSink(step);
  if (engine.mode === 'buildx') return runCommand(renderLocal(invocation, engine), ci.env, sink);
  if (invocation.subcommand === 'bake') return runClassicBake(step, invocation, engine);

  const result = await runCommand(renderLocal(invocation, engine), ci.env, sink);
  if (result.exitCode !== 0 || result.cancelled) return result;
  const pushed = await pushTags(engine, invocation.pushTags, ci.env, invocation.cwd, sink);
  if (pushed.exitCode !== 0 || pushed.cancelled) return { ...result, ...pushedFailure(pushed) };
  const id = readText(invocation.outputs.iidFile);
  writeMetadata(invocation.outputs.metadataFile, {
    ...(id ? { 'containerimage.config.digest': id } : {}),
    ...(pushed.digest ? { 'containerimage.digest': pushed.digest } : {}),
    ...(invocation.pushTags.length ? { 'image.name': invocation.pushTags.join(',') } : {}),
  });
  return result;
}

/** A failed or cancelled push, as the result of the whole run. */
const pushedFailure = ({ exitCode, tail, cancelled }: PushResult): Partial<RunResult> => ({
  exitCode,
  tail,
  ...(cancelled ? { cancelled } : {}),
});

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
  const sink = engineSink(step);
  const aliases: string[] = [];
  const metadata: Record<string, Record<string, string>> = {};
  const started = Date.now();
  let result: RunResult = { exitCode: 0, tail: [], durationMs: 0 };
  try {
    for (const build of planClassicBake(invocation, engine).builds) {
      result = await runCommand(build.command, ci.env, sink);
      if (result.exitCode !== 0 || result.cancelled) break;
      const id = readText(build.iidFile) ?? '';
      aliases.push(...(await tagAliases(engine, build, id, ci.env)));
      const pushed = await pushTags(engine, build.push, ci.env, invocation.cwd, sink);
      if (pushed.exitCode !== 0 || pushed.cancelled) {
        result = { ...result, ...pushedFailure(pushed) };
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
