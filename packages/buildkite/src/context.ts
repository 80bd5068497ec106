import type { CiContext } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds the core's CiContext from the agent's BUILDKITE_* variables.
 *
 * `repository` stays unset on purpose: the core would then default the build context to a GitHub
 * Git URL, which on Buildkite may be any Git host and needs a token for private repositories.
 * Without it the default context is the checkout (`.`), where the agent runs the command.
 */
export function buildkiteContext(env: Env, cwd: string = process.cwd()): CiContext {
  const ref = env.BUILDKITE_TAG
    ? `refs/tags/${env.BUILDKITE_TAG}`
    : env.BUILDKITE_BRANCH
      ? `refs/heads/${env.BUILDKITE_BRANCH}`
      : undefined;
  const runUrl = env.BUILDKITE_BUILD_URL
    ? `${env.BUILDKITE_BUILD_URL}${env.BUILDKITE_JOB_ID ? `#${env.BUILDKITE_JOB_ID}` : ''}`
    : undefined;
  return {
    provider: 'buildkite',
    sha: env.BUILDKITE_COMMIT && env.BUILDKITE_COMMIT !== 'HEAD' ? env.BUILDKITE_COMMIT : undefined,
    ref,
    runUrl,
    workspace: env.BUILDKITE_BUILD_CHECKOUT_PATH || cwd,
    tempDir: env.TMPDIR || '/tmp',
    env,
  };
}
