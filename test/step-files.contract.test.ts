// Where the CI's temp directory may be shared (TMPDIR on CircleCI and GitLab), a step's files go
// into a private mkdtemp directory that the bundled entry point removes itself, success or
// failure. The orb's and the component's scripts remove their own directory around it as well,
// which would hide a step that leaves its files behind: these run the entry point directly.
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './harness/runner';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function dir(prefix: string): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(path, { recursive: true, force: true }));
  return path;
}

/** A `depot` that prints the mode of each secret file and of its directory, then exits `code`. */
async function engine(code: number): Promise<string> {
  const bin = await dir('step-files-bin-');
  const script = `#!/bin/sh
for a; do case $a in id=*) src=\${a#*src=}; stat -c 'mode %a %n' "$(dirname "$src")" "$src";; esac; done
exit ${code}
`;
  await writeFile(join(bin, 'depot'), script);
  await chmod(join(bin, 'depot'), 0o755);
  return bin;
}

/** The input variables of a secret for each front-end. */
const secretInput: Record<string, Record<string, string>> = {
  circleci: { CIRCLECI: 'true', PARAM_SECRETS: 'NPM=npm_secret_value' },
  gitlab: { GITLAB_CI: 'true', DEPOT_INPUT_SECRETS: 'NPM=npm_secret_value' },
};

async function runEntry(entry: string, code: number) {
  const [bin, tmp, work] = await Promise.all([engine(code), dir('step-files-tmp-'), dir('step-files-work-')]);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', entry, 'index.js'), 'build'], {
    env: {
      PATH: [bin, '/usr/bin', '/bin'].join(':'),
      HOME: work,
      TMPDIR: tmp,
      DEPOT_TOKEN: 'depot_project_token_files',
      DEPOT_OUTPUT_DIR: join(work, 'out'),
      ...secretInput[entry],
    },
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { exitCode, stdout, tmp, left: await readdir(tmp) };
}

describe("a step's files outside GitHub Actions", () => {
  test.each(['circleci', 'gitlab'])('%s: a private directory, gone when the step ends', async (entry) => {
    const { exitCode, stdout, tmp, left } = await runEntry(entry, 0);
    expect(exitCode).toBe(0);
    const modes = [...stdout.matchAll(/^mode (\d+) (.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(modes).toEqual([
      ['700', expect.stringMatching(new RegExp(`^${tmp}/depot-build-\\w{6}$`))],
      ['600', expect.stringMatching(new RegExp(`^${tmp}/depot-build-\\w{6}/secret-1$`))],
    ]);
    expect(left).toEqual([]);
  });

  test.each(['circleci', 'gitlab'])('%s: gone when the build fails too', async (entry) => {
    const { exitCode, stdout, left } = await runEntry(entry, 1);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/^mode 600 .*\/secret-1$/m);
    expect(left).toEqual([]);
  });
});
