import type { CiContext } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the component's jobs write their report files, relative to the checkout (artifact paths are). */
export const OUTPUT_DIR_NAME = '.depot';

/**
 * The Git ref of the pipeline: the tag, the merge request's head (`refs/merge-requests/<iid>/head`,
 * the ref GitLab keeps for every merge request), the branch, else the ref name as a branch.
 */
function gitlabRef(env: Env): string | undefined {
  if (env.CI_COMMIT_TAG) return `refs/tags/${env.CI_COMMIT_TAG}`;
  if (env.CI_MERGE_REQUEST_IID) return `refs/merge-requests/${env.CI_MERGE_REQUEST_IID}/head`;
  const branch = env.CI_COMMIT_BRANCH || env.CI_COMMIT_REF_NAME;
  return branch ? `refs/heads/${branch}` : undefined;
}

/**
 * Builds the core's CiContext from GitLab's predefined variables.
 *
 * `repository` stays unset on purpose, as on CircleCI and Buildkite: with it the core would default
 * the build context to a Git URL of the project (`<server>/<group>/<project>.git#<sha>`), which for
 * a private or internal project needs a credential BuildKit does not have. Without it the default
 * context is the checkout (CI_PROJECT_DIR), which every GitLab job has.
 */
export function gitlabContext(env: Env, cwd: string = process.cwd()): CiContext {
  const visibility = env.CI_PROJECT_VISIBILITY;
  return {
    provider: 'gitlab',
    serverUrl: env.CI_SERVER_URL || undefined,
    sha: env.CI_COMMIT_SHA || undefined,
    ref: gitlabRef(env),
    // `public` projects get full provenance (mode=max); `internal` and `private` ones the minimal one.
    repositoryPrivate: visibility === 'public' ? false : visibility ? true : undefined,
    runUrl: env.CI_JOB_URL || env.CI_PIPELINE_URL || undefined,
    workspace: env.CI_PROJECT_DIR || cwd,
    tempDir: env.TMPDIR || '/tmp',
    env,
  };
}
