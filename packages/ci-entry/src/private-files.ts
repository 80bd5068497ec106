import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';

/**
 * Makes `dir` (a fixed path such as /tmp/depot, which anything else on the machine could have
 * created first) a directory of this user that nobody else can write to, or throws why not. A
 * symlink planted there is refused rather than followed.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory (a symlink or a file is in the way)`);
  if (process.getuid && stat.uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
  if (stat.mode & 0o022) throw new Error(`${dir} is writable by other users`);
}

/** Writes a file readable by this user only; a symlink at `path` is refused, never followed. */
export function writePrivateFile(path: string, text: string): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
