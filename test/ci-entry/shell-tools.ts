/**
 * bats and shellcheck for the orb and plugin suites. Missing tools skip the tests on a developer
 * machine, but fail them in CI (CI set), where a skipped shell suite would hide a broken hook.
 */
import { spawnSync } from 'node:child_process';
import { test } from '@jest/globals';

const has = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;

export const SHELL_TOOLS_PRESENT = has('bats') && has('shellcheck');

/** `test`, or `test.skip` when bats/shellcheck are missing outside CI. */
export function shellTest(name: string, fn: () => void): void {
  (SHELL_TOOLS_PRESENT || process.env.CI ? test : test.skip)(name, fn);
}

/** Runs a tool and returns its status and combined output. */
export function runTool(
  tool: string,
  args: string[],
  cwd: string,
): { status: number | null; output: string } {
  const r = spawnSync(tool, args, { cwd, encoding: 'utf8', env: { ...process.env } });
  if (r.error) return { status: null, output: `${tool}: ${r.error.message}` };
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
