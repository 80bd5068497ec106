import type { CiContext } from '../ci';

/**
 * The Git context docker's and Depot's actions build by default:
 * `<server>/<owner>/<repo>.git#<ref>`, pinned to the commit except for pull request refs
 * (a PR's merge commit only exists under its ref). Undefined where the CI has no repository.
 */
export function defaultGitContext(ci: CiContext): string | undefined {
  if (!ci.repository || !(ci.sha || ci.ref)) return undefined;
  const server = (ci.serverUrl || 'https://github.com').replace(/\/+$/, '');
  let ref = ci.ref ?? '';
  if (ref && !ref.startsWith('refs/')) ref = `refs/heads/${ref}`;
  const pinned = ref.startsWith('refs/pull/') || !ci.sha ? ref : ci.sha;
  return `${server}/${ci.repository}.git#${pinned}`;
}

const DEFAULT_CONTEXT = /\{\{\s*defaultContext\s*\}\}/g;

/** Renders `{{defaultContext}}` (e.g. `{{defaultContext}}:docker`) the way the peers' handlebars does. */
export function renderContext(value: string, defaultContext: string): string {
  return value.replace(DEFAULT_CONTEXT, defaultContext);
}
