// Storing a verified CLI in the tool cache with @actions/tool-cache's cacheDir, made safe for jobs
// that share one cache: cacheDir empties the destination before copying, so two installs of one
// version at once would delete each other's files. A lock directory next to the entry lets one
// install store it; the other waits and uses the complete entry. Leftovers of killed installs (an
// entry without its marker, a lock whose owner is gone, a temp dir of a dead process) are removed
// by the next install.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors';
import { cacheEntry, findCached, TOOL_NAME } from './cache';
import { withToolCache } from './toolkit';

type Env = Readonly<Record<string, string | undefined>>;

/** A lock older than this is taken over even if its owner looks alive (a reused pid, another host). */
const STALE_LOCK_MS = 10 * 60_000;
/** How long to wait for another job's install of the same version. */
const WAIT_FOR_OTHER_MS = 5 * 60_000;
/** Temp directories of this project are named `depot-install-<pid>-...`. */
export const TEMP_PREFIX = 'depot-install-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ageMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Whether a lock directory's owner is gone (dead pid, or held far too long). */
function staleLock(lock: string): boolean {
  let pid = NaN;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // written right after the directory: a lock without it is being taken now, unless it is old
  }
  if (ageMs(lock) > STALE_LOCK_MS) return true;
  return Number.isInteger(pid) && pid > 0 && !alive(pid);
}

/** The lock of one entry, held while storing it; released (and an unfinished entry removed) on cancel. */
export interface EntryLock {
  release(): void;
}

async function lockEntry(dir: string): Promise<EntryLock | undefined> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return { release: () => rmSync(lock, { recursive: true, force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (staleLock(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    // Someone else is storing this version: their complete entry is as good as ours.
    if (Date.now() - started > WAIT_FOR_OTHER_MS) return undefined;
    await sleep(100);
    if (existsComplete(dir)) return undefined;
  }
}

const existsComplete = (dir: string): boolean => {
  try {
    statSync(`${dir}.complete`);
    return true;
  } catch {
    return false;
  }
};

/** Called while an entry is being written; the cancel handler uses it to undo a half-written entry. */
export type OnLocked = (undo: (() => void) | undefined) => void;

/**
 * Copies `sourceDir` (holding the verified executable) into the cache entry for version/arch and
 * returns the cached executable. When another install holds the entry, waits for it and returns
 * theirs.
 */
export async function storeInCache(
  env: Env,
  root: string,
  version: string,
  arch: string,
  binary: string,
  sourceDir: string,
  onLocked: OnLocked = () => {},
): Promise<string> {
  const entry = cacheEntry(root, version, arch, binary);
  const done = (): string | undefined => findCached(root, version, arch, binary);
  const existing = done();
  if (existing) return existing;
  const lock = await lockEntry(entry.dir);
  if (!lock) {
    const theirs = done();
    if (theirs) return theirs;
    throw new UserError(
      `Another job has been installing depot ${version} into ${root} for over ${WAIT_FOR_OTHER_MS / 60_000} minutes.`,
      'Re-run the job; if this repeats, remove the .lock directory next to that version in the tool cache.',
    );
  }
  const undo = (): void => {
    if (!existsComplete(entry.dir)) rmSync(entry.dir, { recursive: true, force: true });
    lock.release();
  };
  onLocked(undo);
  try {
    const theirs = done();
    if (theirs) return theirs;
    await withToolCache(env, root, (tc) => tc.cacheDir(sourceDir, TOOL_NAME, version, arch));
    const path = done();
    if (!path)
      throw new UserError(`The tool cache entry for depot ${version} is incomplete after storing it.`);
    return path;
  } catch (error) {
    undo();
    throw error;
  } finally {
    onLocked(undefined);
    lock.release();
  }
}

/**
 * Removes what killed installs left: temp dirs of dead processes under `tempDir`, and, in the cache,
 * unlocked entries of `arch` without their marker plus the staging dirs older versions made.
 */
export function sweepLeftovers(tempDir: string, root: string, arch: string): void {
  for (const name of list(tempDir)) {
    const pid = Number(/^depot-install-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid))
      rmSync(join(tempDir, name), { recursive: true, force: true });
  }
  const toolDir = join(root, TOOL_NAME);
  for (const version of list(toolDir)) {
    const versionDir = join(toolDir, version);
    const lock = join(versionDir, `${arch}.lock`);
    const names = list(versionDir);
    if (names.includes(`${arch}.lock`)) {
      if (!staleLock(lock)) continue; // another install is storing this version right now
      rmSync(lock, { recursive: true, force: true });
    }
    for (const name of names) {
      const staging = name.startsWith(`.${arch}-staging-`);
      const unfinished = name === arch && !existsComplete(join(versionDir, name));
      if (staging || unfinished) rmSync(join(versionDir, name), { recursive: true, force: true });
    }
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
