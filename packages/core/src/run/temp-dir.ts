import { mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

// A step's files (secret files, the engine's result files) are named by a prefix: each file's
// path is the prefix and its name. Where the CI's temp directory is private to the job (GitHub's
// RUNNER_TEMP) and only its owner may write to it, the files go straight into it under a name of
// the step's own (`<RUNNER_TEMP>/depot-build-<id>-metadata.json`): removing a directory is a
// journalled update that costs a step whose engine returns at once ~0.5 ms. Anywhere else (a
// shared /tmp) they go into a directory of their own, made by mkdtemp with mode 0700
// (`<dir>/metadata.json`).

/** The path of the step's file `name`. */
export const stepFile = (prefix: string, name: string): string => prefix + name;

const isDirectory = (prefix: string): boolean => /[\\/]$/.test(prefix);

/**
 * A new prefix for a step's files. `name` starts the file or directory names (`depot-build-`).
 * In a private directory, a name needs only to differ from the other steps' of the job, which run
 * one after the other: the process ID and the time do; secret files are created exclusively, so
 * a clash could not overwrite one.
 */
export function newStepFiles(tempDir: string, name: string, tempDirIsPrivate: boolean): string {
  if (straightIn(tempDir, tempDirIsPrivate))
    return join(tempDir, `${name}${process.pid.toString(36)}${Date.now().toString(36)}-`);
  return mkdtempSync(join(tempDir, name)) + sep;
}

/**
 * Whether the step's files go straight into the temp directory. One said to be private that anyone
 * may write to (a runner whose RUNNER_TEMP was pointed at /tmp) is treated as shared: there another
 * user could plant a link under a name the engine then writes through. Windows has no such mode
 * bits.
 */
function straightIn(tempDir: string, tempDirIsPrivate: boolean): boolean {
  if (!tempDirIsPrivate) return false;
  if (process.platform === 'win32') return true;
  try {
    return (statSync(tempDir).mode & 0o002) === 0;
  } catch {
    return false; // not there or not readable: mkdtemp says why
  }
}

/** The prefix a dry run prints, laid out as a real run's would be: nothing is made. */
export const plannedStepFiles = (tempDir: string, name: string, tempDirIsPrivate: boolean): string =>
  straightIn(tempDir, tempDirIsPrivate)
    ? join(tempDir, `${name}XXXXXX-`)
    : join(tempDir, `${name}XXXXXX`) + sep;

/** Removes a step's files, and their directory when they have one; what is already gone is fine. */
export function removeStepFiles(prefix: string): void {
  if (isDirectory(prefix)) {
    removeStepDir(prefix.slice(0, -1));
    return;
  }
  const dir = dirname(prefix);
  const start = basename(prefix);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.startsWith(start));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      unlinkSync(path);
    } catch {
      rmSync(path, { recursive: true, force: true }); // not a file after all
    }
  }
}

/**
 * Removes a step's temp directory. Step directories are flat, so plain unlinks do; only a nested
 * one falls back to rmSync's recursive walk, whose implementation is slow to load.
 */
function removeStepDir(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // already gone
  }
  if (entries.some((e) => e.isDirectory())) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const entry of entries) unlinkSync(`${dir}/${entry.name}`);
  rmdirSync(dir);
}
