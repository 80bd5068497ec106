import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CiContext } from '../ci';
import { DEFAULT_BAKE_FILES } from './definition';
import { InputError } from '../errors';
import { gitContextRef, renderContext } from '../plan/git-context';
import { isRemoteRef } from '../options/remote-ref';

/**
 * Where the bake definition comes from, and the directory depot bake runs in; `notice` says why
 * when the step chose it rather than the user.
 */
export type BakeSource = ({ kind: 'local'; cwd: string } | { kind: 'remote'; ref: string; cwd: string }) & {
  notice?: string;
};

/** Whether `dir` holds a definition bake would read: one of `files`, else one of the default names. */
function hasDefinition(dir: string, files: readonly string[]): boolean {
  const names = files.length > 0 ? files.map((f) => f.replace(/^cwd:\/\//, '')) : DEFAULT_BAKE_FILES;
  return names.some((name) => {
    try {
      return statSync(resolve(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

/** URLs BuildKit fetches itself, as docker's Util.isValidRef recognises them. */

/**
 * The Git context bake builds by default on GitHub: the repository at the event's commit
 * (pinned to the SHA, like docker/bake-action, so a later push cannot change what is built;
 * a pull request's head commit with DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF).
 */
export function bakeGitContext(ci: CiContext): string | undefined {
  const { sha } = gitContextRef(ci);
  if (!ci.repository || !sha) return undefined;
  const server = (ci.serverUrl || 'https://github.com').replace(/\/+$/, '');
  return `${server}/${ci.repository}.git#${sha}`;
}

function existingDirectory(input: string, value: string, path: string): string {
  try {
    if (statSync(path).isDirectory()) return path;
  } catch {
    // reported below
  }
  throw new InputError(input, value, 'an existing directory (relative to the workspace) or a Git URL');
}

/**
 * Resolves `source` and `workdir`: a remote source is fetched by the builder and depot bake
 * runs in `workdir` (so `cwd://` files still resolve locally); a local source is the working
 * directory itself, which is what `workdir` means in depot/bake-action.
 *
 * With neither set, the two peers differ: depot/bake-action bakes the workspace, docker/bake-action
 * v6 the Git context of the commit (its examples have no checkout step). The workspace wins when
 * it holds a definition to read; otherwise the Git context is baked, with a notice saying so.
 */
export function resolveBakeSource(
  source: string,
  workdir: string,
  ci: CiContext,
  files: readonly string[] = [],
): BakeSource {
  const rendered = source ? renderContext(source, bakeGitContext(ci) ?? '.') : '';
  const dir = workdir || '.';
  const gitContext = bakeGitContext(ci);
  if (!rendered && dir === '.' && gitContext && !hasDefinition(ci.workspace, files)) {
    return {
      kind: 'remote',
      ref: gitContext,
      cwd: existingDirectory('workdir', dir, ci.workspace),
      notice:
        `The workspace has no bake definition (${files.length > 0 ? files.join(', ') : 'docker-bake.hcl, compose.yaml, ...'}; ` +
        `no checkout step?), so this bakes the Git context of the commit, ${gitContext}, as docker/bake-action does.`,
    };
  }
  if (rendered && isRemoteRef(rendered)) {
    return {
      kind: 'remote',
      ref: rendered,
      cwd: existingDirectory('workdir', dir, resolve(ci.workspace, dir)),
    };
  }
  if (rendered && dir !== '.' && resolve(ci.workspace, rendered) !== resolve(ci.workspace, dir)) {
    throw new InputError(
      'workdir',
      dir,
      `to be left at "." when source names a local directory (both set where bake runs)`,
    );
  }
  const local = rendered || dir;
  return {
    kind: 'local',
    cwd: existingDirectory(rendered ? 'source' : 'workdir', local, resolve(ci.workspace, local)),
  };
}
