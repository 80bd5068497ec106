import { argvOf, inputsNotHonoured, type Argument, type Invocation } from '../plan/invocation';
import type { CommandLine } from '../plan/types';
import type { Gap } from './gaps';
import type { LocalEngine } from './types';

/**
 * What the local engine cannot do of what the invocation asks, in the user's words. Empty means
 * it can build exactly what was asked. (Bake without buildx adds the definition's own gaps.)
 */
export function localGaps(invocation: Invocation, engine: LocalEngine): Gap[] {
  // Only Depot's own settings can be left out of a fallback build; anything else changes the image.
  const gaps: Gap[] = inputsNotHonoured(invocation, engine.mode).map((what) => ({
    what,
    why: whyNot(what, engine),
    blocking: !DEPOT_INPUTS.has(what),
  }));
  for (const what of invocation.depotProject ?? []) gaps.push({ what, why: 'Depot only' });
  const foreign = invocation.platforms.filter((p) => !canBuildPlatform(engine, p));
  if (foreign.length) {
    const known = engine.platforms.join(', ') || 'no known platform';
    gaps.push({
      what: `platforms ${foreign.join(', ')}`,
      why: `this Docker engine builds ${known}`,
      blocking: true,
    });
  }
  if (engine.mode === 'buildkit' && invocation.subcommand === 'build') {
    if (invocation.platforms.length > 1)
      gaps.push({
        what: 'platforms',
        why: 'docker build without buildx builds one at a time',
        blocking: true,
      });
    if (hasFlag(invocation, '--push') && !invocation.pushTags.length)
      gaps.push({ what: 'push', why: 'without tags there is nothing to push; set tags', blocking: true });
    if (hasFlag(invocation, '--push') && hasFlag(invocation, '--output'))
      gaps.push({
        what: 'push',
        why: 'with outputs, docker build without buildx writes files and leaves no image to push',
        blocking: true,
      });
  }
  return gaps;
}

const DEPOT_INPUTS = new Set([
  'project',
  'build-platform',
  'lint',
  'lint-fail-on',
  'save',
  'save-tag',
  'save-tag/save-tags',
  'sbom-dir',
]);

function whyNot(input: string, engine: LocalEngine): string {
  if (DEPOT_INPUTS.has(input)) return 'Depot only';
  return engine.mode === 'buildkit' ? 'needs docker buildx' : 'not supported locally';
}

/**
 * Whether the engine builds a platform: `linux/arm64/v8` matches `linux/arm64`, and a variant
 * the engine lists must match. An engine whose platforms are unknown is trusted with its own.
 */
export function canBuildPlatform(engine: LocalEngine, platform: string): boolean {
  const [os, arch, variant] = platform.toLowerCase().split('/');
  return engine.platforms.some((known) => {
    const [kOs, kArch, kVariant] = known.toLowerCase().split('/');
    return kOs === os && kArch === arch && (!variant || !kVariant || variant === kVariant);
  });
}

const hasFlag = (invocation: Invocation, flag: string): boolean =>
  invocation.args.some((a) => a.flag === flag);

/** The arguments the engine honours; a fallback build leaves the rest out, and says so. */
function kept(invocation: Invocation, engine: LocalEngine): Argument[] {
  return invocation.args.filter((a) => a.engines.includes(engine.mode));
}

/** `docker buildx build|bake` with every argument buildx has; no Depot token. */
export function renderBuildx(invocation: Invocation, engine: LocalEngine): CommandLine {
  return {
    command: engine.docker,
    args: ['buildx', invocation.subcommand, ...argvOf(kept(invocation, engine))],
    cwd: invocation.cwd,
    env: invocation.env,
    secretEnv: invocation.secretEnv,
  };
}

/**
 * `DOCKER_BUILDKIT=1 docker build --progress plain`: the image always loads into the daemon,
 * so `--load` is implied, and `--push` becomes `docker push` of each tag after the build.
 */
export function renderClassicBuild(invocation: Invocation, engine: LocalEngine): CommandLine {
  const args = kept(invocation, engine).filter((a) => a.flag !== '--load' && a.flag !== '--push');
  return {
    command: engine.docker,
    args: ['build', '--progress', 'plain', ...argvOf(args)],
    cwd: invocation.cwd,
    env: { ...invocation.env, DOCKER_BUILDKIT: '1' },
    secretEnv: invocation.secretEnv,
  };
}

/** The local engine's command line for a build, or for a bake with buildx. */
export function renderLocal(invocation: Invocation, engine: LocalEngine): CommandLine {
  return engine.mode === 'buildx' ? renderBuildx(invocation, engine) : renderClassicBuild(invocation, engine);
}
