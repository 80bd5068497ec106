import type { CiContext } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/** The directory the orb writes outputs and summaries to (for `store_artifacts`), unless DEPOT_OUTPUT_DIR says otherwise. */
export const DEFAULT_OUTPUT_DIR = '/tmp/depot';

/** CIRCLE_WORKING_DIRECTORY is often written with a leading `~` (`~/project`). */
function expandHome(path: string, env: Env): string {
  return path === '~' || path.startsWith('~/') ? `${env.HOME ?? ''}${path.slice(1)}` : path;
}

/**
 * Builds the core's CiContext from CircleCI's built-in variables.
 *
 * `repository` stays unset on purpose: the core would then default the build context to a GitHub
 * Git URL (docker/build-push-action's behaviour), which on CircleCI is often not GitHub and needs a
 * token for private repositories. Without it the default context is the checkout (`.`).
 */
export function circleciContext(env: Env, cwd: string = process.cwd()): CiContext {
  const ref = env.CIRCLE_TAG
    ? `refs/tags/${env.CIRCLE_TAG}`
    : env.CIRCLE_BRANCH
      ? `refs/heads/${env.CIRCLE_BRANCH}`
      : undefined;
  return {
    provider: 'circleci',
    sha: env.CIRCLE_SHA1 || undefined,
    ref,
    runUrl: env.CIRCLE_BUILD_URL || undefined,
    workspace: env.CIRCLE_WORKING_DIRECTORY ? expandHome(env.CIRCLE_WORKING_DIRECTORY, env) : cwd,
    tempDir: env.TMPDIR || '/tmp',
    env,
  };
}
