import type { CiContext } from '../ci';
import { parseGoBoolean } from '../options/checks';

/**
 * The ref and commit the default Git context builds. With DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF
 * true, a pull request builds its head (`refs/pull/N/head` at the head commit) instead of the
 * merge ref, as docker's actions do.
 */
export function gitContextRef(ci: CiContext): { ref: string; sha?: string } {
  let ref = ci.ref ?? '';
  if (ref && !ref.startsWith('refs/')) ref = `refs/heads/${ref}`;
  const headRef = parseGoBoolean(ci.env.DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF ?? '') === true;
  if (headRef && /^refs\/pull\/\d+\/merge$/.test(ref)) {
    return { ref: ref.replace(/\/merge$/, '/head'), sha: ci.pullRequestHeadSha };
  }
  return { ref, sha: ci.sha };
}

/** Host (and port) of the CI's Git server, lower case: `github.com` unless GITHUB_SERVER_URL says otherwise. */
export function gitHost(ci: CiContext): string {
  try {
    return new URL(ci.serverUrl || 'https://github.com').host;
  } catch {
    return 'github.com';
  }
}

/**
 * The Git context docker's and Depot's actions build by default:
 * `<server>/<owner>/<repo>.git#<ref>`, pinned to the commit except for pull request merge refs
 * (a PR's merge commit only exists under its ref). Undefined where the CI has no repository.
 */
export function defaultGitContext(ci: CiContext): string | undefined {
  if (!ci.repository || !(ci.sha || ci.ref)) return undefined;
  const server = (ci.serverUrl || 'https://github.com').replace(/\/+$/, '');
  const { ref, sha } = gitContextRef(ci);
  const pinned = ref.endsWith('/merge') || !sha ? ref : sha;
  return `${server}/${ci.repository}.git#${pinned}`;
}

const DEFAULT_CONTEXT = /\{\{\s*defaultContext\s*\}\}/g;

/** Renders `{{defaultContext}}` (e.g. `{{defaultContext}}:docker`) the way the peers' handlebars does. */
export function renderContext(value: string, defaultContext: string): string {
  return value.replace(DEFAULT_CONTEXT, defaultContext);
}
