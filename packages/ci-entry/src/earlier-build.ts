import { LAST_BUILD_ID_ENV, UserError, type CiAdapter, type CiContext } from '@depot-actions/core';

/**
 * Where a CI keeps the build-id an earlier build or bake step left, for a pull without one, and
 * what the pull says when there is none. `variable` unset: this CI has no default, build-id is needed.
 */
export interface EarlierBuild {
  /** The variable the earlier step's `build-id` output reaches this step in (DEPOT_OUTPUT_BUILD_ID). */
  variable?: string;
  /** The one-line error when there is no build to pull, in the CI's own words. */
  missing: string;
  /** What to do about it. */
  hint: string;
}

/**
 * The context pull runs in: the core falls back to LAST_BUILD_ID_ENV when build-id is empty, so
 * that variable is set to what this CI's earlier step left, and to nothing else (a value of that
 * name in the environment was not left by a step of this job). An empty build-id with no earlier
 * build fails here, with the CI's own error and hint.
 */
export function pullContext(adapter: CiAdapter, ci: CiContext, earlier: EarlierBuild): CiContext {
  const buildId = adapter.input('build-id');
  const given = typeof buildId === 'string' ? buildId.trim() : buildId.join('').trim();
  const left = earlier.variable ? (ci.env[earlier.variable] ?? '').trim() : '';
  if (!given && !left) throw new UserError(earlier.missing, earlier.hint);
  return { ...ci, env: { ...ci.env, [LAST_BUILD_ID_ENV]: left || undefined } };
}
