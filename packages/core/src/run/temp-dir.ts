import { readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';

/**
 * Removes a step's temp directory. Step directories are flat, so plain unlinks do; only a nested
 * one falls back to rmSync's recursive walk, whose implementation is slow to load.
 */
export function removeStepDir(dir: string): void {
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
