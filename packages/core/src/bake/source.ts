import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CiContext } from '../ci';
import { InputError } from '../errors';
import { renderContext } from '../plan/git-context';

/** Where the bake definition comes from, and the directory depot bake runs in. */
export type BakeSource = { kind: 'local'; cwd: string } | { kind: 'remote'; ref: string; cwd: string };

/** URLs BuildKit fetches itself, as docker's Util.isValidRef recognises them. */
export const isRemoteRef = (value: string): boolean =>
  /^(https?:\/\/|git:\/\/|ssh:\/\/|git@|github\.com\/)/.test(value);

/**
 * The Git context bake builds by default on GitHub: the repository at the event's commit
 * (pinned to the SHA, like docker/bake-action, so a later push cannot change what is built).
 */
export function bakeGitContext(ci: CiContext): string | undefined {
  if (!ci.repository || !ci.sha) return undefined;
  const server = (ci.serverUrl || 'https://github.com').replace(/\/+$/, '');
  return `${server}/${ci.repository}.git#${ci.sha}`;
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
 */
export function resolveBakeSource(source: string, workdir: string, ci: CiContext): BakeSource {
  const rendered = source ? renderContext(source, bakeGitContext(ci) ?? '.') : '';
  const dir = workdir || '.';
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
