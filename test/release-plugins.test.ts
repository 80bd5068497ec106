// scripts/release-plugins.sh, run as a maintainer would: from a fresh clone of this repository,
// into empty release repositories, then again for the next version into the same repositories.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { filesIn, tempDir } from './ci-entry/helpers';
import { REPO_ROOT } from './harness/runner';

let work: { dir: string; cleanup: () => void };
let clone = '';
let out = '';

const run = (cmd: string, args: string[], cwd: string): { status: number | null; output: string } => {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work.dir, GIT_CONFIG_NOSYSTEM: '1' },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};
const git = (dir: string, ...args: string[]): string => run('git', ['-C', dir, ...args], dir).output.trim();

beforeAll(() => {
  work = tempDir('release-');
  clone = join(work.dir, 'depot-actions');
  out = join(work.dir, 'releases');
  // A fresh clone of what is committed (uncommitted work in this checkout does not count).
  const cloned = run('git', ['clone', '-q', '--no-hardlinks', REPO_ROOT, clone], work.dir);
  if (cloned.status !== 0) throw new Error(cloned.output);
});
afterAll(() => work.cleanup());

describe('release-plugins.sh', () => {
  test('refuses a version that is not X.Y.Z', () => {
    const r = run('bash', ['scripts/release-plugins.sh', 'v1.2', out], clone);
    expect(r.status).toBe(2);
    expect(r.output).toContain("version must be X.Y.Z (got 'v1.2')");
  });

  test('makes each plugin repository with its files, the README version and a tag', () => {
    const r = run('bash', ['scripts/release-plugins.sh', '1.2.3', out], clone);
    expect(r.output).toMatch(/depot-buildkite-plugin: v1\.2\.3 at [0-9a-f]+/);
    expect(r.status).toBe(0);

    const depot = join(out, 'depot-buildkite-plugin');
    const tracked = git(depot, 'ls-files').split('\n').sort();
    expect(tracked).toEqual(
      expect.arrayContaining([
        '.buildkite/pipeline.yml',
        'README.md',
        'dist/index.js',
        'dist/package.json',
        'hooks/command',
        'hooks/environment',
        'hooks/pre-exit',
        'lib/plugin.bash',
        'plugin.yml',
        'tests/command.bats',
        'tests/helpers.bash',
      ]),
    );
    expect(tracked).not.toContain('hooks/pre-command');
    expect(git(depot, 'tag', '--list')).toBe('v1.2.3');
    expect(git(depot, 'log', '-1', '--format=%s')).toMatch(/^Release v1\.2\.3 \(depot-actions [0-9a-f]+\)$/);
    expect(statSync(join(depot, 'hooks', 'command')).mode & 0o111).not.toBe(0);
    const readme = readFileSync(join(depot, 'README.md'), 'utf8');
    expect(readme).toContain('depot-actions/depot#v1.2.3');
    expect(readme).not.toMatch(/depot-actions\/depot#v(?!1\.2\.3)\d/);
    // The release carries the bundle CI built and checked.
    expect(readFileSync(join(depot, 'dist', 'index.js'))).toEqual(
      readFileSync(join(clone, 'dist', 'buildkite', 'index.js')),
    );
    expect(parse(readFileSync(join(depot, 'plugin.yml'), 'utf8'))).toMatchObject({ name: 'Depot' });

    const install = join(out, 'depot-install-buildkite-plugin');
    // Links in the monorepo become real files in the plugin's own repository.
    for (const path of ['lib/plugin.bash', 'dist/index.js', 'tests/helpers.bash']) {
      expect(lstatSync(join(install, path)).isFile()).toBe(true);
    }
    expect(existsSync(join(install, 'hooks', 'command'))).toBe(false);
    expect(filesIn(join(install, 'hooks'))).toEqual(['environment', 'pre-exit']);
    expect(readFileSync(join(install, 'README.md'), 'utf8')).toContain('depot-actions/depot-install#v1.2.3');
    expect(git(install, 'tag', '--list')).toBe('v1.2.3');
  });

  test('the released plugin passes its own bats suite where it lands', () => {
    const r = run('bats', ['tests'], join(out, 'depot-install-buildkite-plugin'));
    if (r.status !== 0) throw new Error(r.output);
    const depot = run('bats', ['tests'], join(out, 'depot-buildkite-plugin'));
    if (depot.status !== 0) throw new Error(depot.output);
  });

  test('the next version updates the same repositories; a repeated version is refused', () => {
    const r = run('bash', ['scripts/release-plugins.sh', '1.3.0', out], clone);
    expect(r.status).toBe(0);
    const depot = join(out, 'depot-buildkite-plugin');
    expect(git(depot, 'tag', '--list').split('\n')).toEqual(['v1.2.3', 'v1.3.0']);
    expect(git(depot, 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(readFileSync(join(depot, 'README.md'), 'utf8')).toContain('depot-actions/depot#v1.3.0');

    const again = run('bash', ['scripts/release-plugins.sh', '1.3.0', out], clone);
    expect(again.status).not.toBe(0);
    expect(again.output).toContain('already has the tag v1.3.0');
  });
});
