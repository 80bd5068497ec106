import { readFileSync } from 'node:fs';
import type { CiContext } from '@depot-actions/core';

type Env = Readonly<Record<string, string | undefined>>;

/** The parts of the webhook event payload the actions use. */
export interface GitHubEvent {
  repository?: { private?: boolean; full_name?: string };
  pull_request?: { head?: { sha?: string; repo?: { full_name?: string } } };
}

/** Reads the event payload the runner wrote to GITHUB_EVENT_PATH; an absent file is an empty event. */
export function readEvent(env: Env): GitHubEvent {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GitHubEvent;
  } catch {
    return {};
  }
}

/** Builds the core's CiContext from the runner's GITHUB_* variables and the event payload. */
export function githubContext(env: Env, event: GitHubEvent = readEvent(env)): CiContext {
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || undefined;
  const runUrl =
    repository && env.GITHUB_RUN_ID
      ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  return {
    provider: 'github',
    repository,
    serverUrl,
    sha: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    pullRequestHeadSha: event.pull_request?.head?.sha || undefined,
    // docker's and depot's actions treat a payload without repository.private as public
    // (mode=max provenance); a workflow moved from them keeps the provenance it had.
    repositoryPrivate: event.repository?.private === true,
    runUrl,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    // RUNNER_TEMP is always set on runners; node:os is not worth loading for the fallback.
    tempDir: env.RUNNER_TEMP || env.TMPDIR || env.TEMP || '/tmp',
    tempDirIsPrivate: Boolean(env.RUNNER_TEMP),
    env,
  };
}
