import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Finds an executable on a PATH string the way a shell would, without spawning one. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/**
 * The CLI version when the path shows it, as tool-cache installs do (`.../depot/2.102.12/x64/depot`).
 * Saves spawning `depot --version` on every successful step.
 */
export function versionFromPath(path: string): string | undefined {
  return /[/\\]depot[/\\](\d+\.\d+\.\d+[^/\\]*)[/\\]/.exec(path)?.[1];
}
