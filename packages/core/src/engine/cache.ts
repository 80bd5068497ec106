// Reading the tool cache on the warm path. The layout is @actions/tool-cache's, so the runner's
// cache is shared with other actions (depot/setup-action included): `<root>/depot/<version>/<arch>/`
// plus the marker `<root>/depot/<version>/<arch>.complete`, written last; an entry counts only with
// its marker, as tool-cache's find() has it. The library itself stores entries (store.ts); it is not
// imported here because it loads an HTTP client and semver, which costs more start-up time than the
// whole warm path (two file stats).
import { readFileSync, statSync } from 'node:fs';
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

/**
 * Where one version of the CLI lives: the directory, the executable, the completion marker, and
 * the sha256 of the release archive it was installed from (ours: other installers write none).
 */
export function cacheEntry(
  root: string,
  version: string,
  arch: string,
  binary: string,
): { dir: string; path: string; marker: string; sha256: string } {
  const dir = join(root, TOOL_NAME, version, arch);
  return { dir, path: join(dir, binary), marker: `${dir}.complete`, sha256: `${dir}.sha256` };
}

/** The sha256 recorded for a cached version's release archive (its entry's `sha256` file), if any. */
export function recordedSha256(record: string): string | undefined {
  try {
    return readFileSync(record, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
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
