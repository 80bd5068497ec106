import { UserError } from '../errors';
import type { BuildOptions } from '../options/build';
import type { Plan } from '../plan/types';
import { DEPOT_ONLY, joinArgs, parseArgs, type Arg } from './argv';
import type { LocalEngine } from './types';

/** A plan for the local engine, plus what the classic builder must do after building. */
export interface LocalPlan extends Plan {
  /** Tags to push with `docker push` after the build (the classic builder cannot push itself). */
  pushTags: string[];
  /** The engine writes no metadata file; the report stage builds one from the ID and digest. */
  synthesizeMetadata: boolean;
  /** Depot-only inputs that were set and are not used (a notice, not a warning). */
  dropped: string[];
}

/** Flags the classic `docker build` (20.10 client) has no equivalent for, by the input that sets them. */
const CLASSIC_UNSUPPORTED: Readonly<Record<string, string>> = {
  '--allow': 'allow',
  '--annotation': 'annotations',
  '--attest': 'attests',
  '--sbom': 'sbom',
  '--provenance': 'provenance',
  '--build-context': 'build-contexts',
  '--cache-to': 'cache-to',
  '--no-cache-filter': 'no-cache-filters',
};

/**
 * Turns the depot build plan into the local engine's: the same flags for `docker buildx build`;
 * for the classic builder, the subset it knows, with a warning for each input it cannot honour
 * (never silently), pushes done afterwards, and one platform at most. Depot-only flags are
 * dropped, and the engine gets no Depot token.
 */
export function planLocalBuild(depot: Plan, options: BuildOptions, engine: LocalEngine): LocalPlan {
  const warnings = [...depot.warnings];
  const dropped = new Set<string>();
  const unsupported = new Set<string>();
  const kept: Arg[] = [];
  let pushTags: string[] = [];
  for (const arg of parseArgs(depot.args.slice(1))) {
    const flag = arg.flag ?? '';
    if (flag in DEPOT_ONLY) {
      dropped.add(DEPOT_ONLY[flag]);
      continue;
    }
    if (engine.mode === 'buildkit') {
      if (flag === '--provenance' && options.provenance === '') continue; // our default, not the user's
      if (flag in CLASSIC_UNSUPPORTED) {
        unsupported.add(CLASSIC_UNSUPPORTED[flag]);
        continue;
      }
      if (flag === '--metadata-file' || flag === '--load') continue; // images load into the daemon anyway
      if (flag === '--push') {
        pushTags = options.tags;
        continue;
      }
      if (flag === '--platform' && (arg.value ?? '').includes(',')) {
        throw new UserError(
          `The local engine without buildx builds one platform at a time; platforms lists ${arg.value}.`,
          'Install the docker buildx plugin (docker/setup-buildx-action), or build on Depot.',
        );
      }
      if (flag === '--output' && !/(^|,)type=(local|tar)(,|$)/.test(arg.value ?? '')) {
        unsupported.add('outputs');
        continue;
      }
    }
    kept.push(arg);
  }
  if (engine.mode === 'buildkit' && options.push && pushTags.length === 0) {
    throw new UserError(
      'push: true needs at least one tag to push with the local engine.',
      'Set the tags input.',
    );
  }
  for (const input of unsupported) {
    warnings.push(
      `Input "${input}" is not supported by docker build without buildx and is ignored in this local build.`,
    );
  }
  const env = { ...depot.env };
  delete env.DEPOT_TOKEN;
  if (engine.mode === 'buildkit') env.DOCKER_BUILDKIT = '1';
  const args =
    engine.mode === 'buildx'
      ? ['buildx', 'build', ...joinArgs(kept)]
      : ['build', '--progress', 'plain', ...joinArgs(kept)];
  return {
    ...depot,
    command: engine.docker,
    args,
    env,
    secretEnv: depot.secretEnv.filter((name) => name !== 'DEPOT_TOKEN'),
    warnings,
    pushTags,
    synthesizeMetadata: engine.mode === 'buildkit',
    dropped: [...dropped],
  };
}
