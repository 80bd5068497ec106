// The tool cache, in @actions/tool-cache's layout so the runner's cache is shared with other actions
// (depot/setup-action included): `<root>/depot/<version>/<arch>/depot` plus the marker file
// `<root>/depot/<version>/<arch>.complete`, written last. tool-cache's find() trusts a directory only
// when its marker exists; so do we. Not imported from @actions/tool-cache: it loads an HTTP client
// and semver on import, which costs more start-up time than the whole warm path.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Tool name in the cache (the directory under the cache root). */
export const TOOL_NAME = 'depot';

/**
 * The tool cache root: RUNNER_TOOL_CACHE on GitHub's runners, else `~/.cache/depot-actions/tools`
 * (other CIs keep it between jobs only when they cache that directory).
 */
export function toolCacheRoot(env: Readonly<Record<string, string | undefined>>, tempDir: string): string {
  if (env.RUNNER_TOOL_CACHE) return env.RUNNER_TOOL_CACHE;
  const home = env.HOME || env.USERPROFILE;
  return home ? join(home, '.cache', 'depot-actions', 'tools') : join(tempDir, 'depot-tool-cache');
}

/** Where one version of the CLI lives: the directory, the executable and the completion marker. */
export function cacheEntry(
  root: string,
  version: string,
  arch: string,
  binary: string,
): { dir: string; path: string; marker: string } {
  const dir = join(root, TOOL_NAME, version, arch);
  return { dir, path: join(dir, binary), marker: `${dir}.complete` };
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The cached executable for an exact version, if a complete entry exists. Reads the disk only. */
export function findCached(root: string, version: string, arch: string, binary: string): string | undefined {
  const entry = cacheEntry(root, version, arch, binary);
  return isFile(entry.marker) && isFile(entry.path) ? entry.path : undefined;
}

/**
 * Moves a verified, extracted executable into the cache and returns its cached path. The file is
 * staged in a sibling directory on the cache's own file system and renamed into place, and the
 * marker is written last: a process killed half-way leaves no entry that looks complete.
 */
export function storeInCache(
  root: string,
  version: string,
  arch: string,
  binary: string,
  source: string,
): string {
  const entry = cacheEntry(root, version, arch, binary);
  const versionDir = join(root, TOOL_NAME, version);
  // Another job on the same runner may have finished the same install meanwhile: keep theirs.
  if (findCached(root, version, arch, binary)) return entry.path;
  mkdirSync(versionDir, { recursive: true });
  const staging = mkdtempSync(join(versionDir, `.${arch}-staging-`));
  try {
    const staged = join(staging, binary);
    copyFileSync(source, staged);
    chmodSync(staged, 0o755);
    // An entry without its marker is the leftover of an interrupted install: replace it.
    rmSync(entry.marker, { force: true });
    rmSync(entry.dir, { recursive: true, force: true });
    renameSync(staging, entry.dir);
    writeFileSync(entry.marker, '');
    return entry.path;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    removeIfEmpty(versionDir);
    throw error;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (another version's arch is there) or already gone
  }
}
