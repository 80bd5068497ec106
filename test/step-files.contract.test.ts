// Where the CI's temp directory may be shared (TMPDIR on CircleCI and GitLab), a step's files go
// into a private mkdtemp directory that the bundled entry point removes itself, success or
// failure. The orb's and the component's scripts remove their own directory around it as well,
// which would hide a step that leaves its files behind: these run the entry point directly.
import { afterEach, describe, expect, test } from '@jest/globals';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathWith, runProcess, tempDir } from './ci-entry/helpers';
import { REPO_ROOT } from './harness/runner';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const made = (prefix: string): string => {
  const { dir, cleanup } = tempDir(prefix);
  cleanups.push(cleanup);
  return dir;
};

/** A `depot` that prints the mode of each secret file and of its directory, then exits `code`. */
function engine(code: number): string {
  const bin = made('step-files-bin-');
  const script = `#!/bin/sh
for a; do case $a in id=*) src=\${a#*src=}; stat -c 'mode %a %n' "$(dirname "$src")" "$src";; esac; done
exit ${code}
`;
  writeFileSync(join(bin, 'depot'), script);
  chmodSync(join(bin, 'depot'), 0o755);
  return bin;
}

/** The input variables of a secret for each front-end. */
const secretInput: Record<string, Record<string, string>> = {
  circleci: { CIRCLECI: 'true', PARAM_SECRETS: 'NPM=npm_secret_value' },
  gitlab: { GITLAB_CI: 'true', DEPOT_INPUT_SECRETS: 'NPM=npm_secret_value' },
};

async function runEntry(entry: string, code: number) {
  const [bin, tmp, work] = [engine(code), made('step-files-tmp-'), made('step-files-work-')];
  const result = await runProcess(
    process.execPath,
    [join(REPO_ROOT, 'dist', entry, 'index.js'), 'build'],
    {
      PATH: pathWith(bin),
      HOME: work,
      TMPDIR: tmp,
      DEPOT_TOKEN: 'depot_project_token_files',
      DEPOT_OUTPUT_DIR: join(work, 'out'),
      ...secretInput[entry],
    },
    work,
  );
  return { ...result, tmp, left: readdirSync(tmp) };
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
