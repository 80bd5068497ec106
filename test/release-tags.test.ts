// The release workflow's tag logic (scripts/release-tags.mjs): which tags are releases, when the
// major tag moves, which release is the latest, and the notes from CHANGELOG.md. The last tests
// run the script as the workflow does, in a real git repository with real tags.
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  changelogSection,
  compareVersions,
  parseReleaseTag,
  planRelease,
  type ReleaseVersion,
} from '../scripts/release-tags.mjs';
import { REPO_ROOT } from './harness/runner';

const CHANGELOG = `# Changelog

## [Unreleased]

- Something not released yet.

## [1.4.0] - 2026-12-01

### Added
- A pull action.

## [1.3.1] - 2026-11-20

- A fix.

## [1.4.0-rc.1] - 2026-11-25

- The release candidate.

## v2.0.0

- Breaking.

[1.4.0]: https://example.invalid/compare/v1.3.1...v1.4.0
`;
const v = (tag: string): ReleaseVersion => {
  const parsed = parseReleaseTag(tag);
  if (!parsed) throw new Error(`not a version: ${tag}`);
  return parsed;
};

describe('parseReleaseTag', () => {
  // prettier-ignore
  test.each([
    ['v1.2.3', { major: 1, minor: 2, patch: 3, prerelease: [] }],
    ['v0.1.0', { major: 0, minor: 1, patch: 0, prerelease: [] }],
    ['v1.2.3-rc.1', { major: 1, minor: 2, patch: 3, prerelease: ['rc', '1'] }],
    ['v10.20.30-alpha-2', { major: 10, minor: 20, patch: 30, prerelease: ['alpha-2'] }],
  ])('%s is a release', (tag, expected) => {
    expect(parseReleaseTag(tag)).toEqual({ tag, ...expected });
  });

  test.each([
    'v1',
    'v1.2',
    '1.2.3',
    'v01.2.3',
    'v1.2.3+build.5',
    'v1.2.3-',
    'v1.2.3-rc.01',
    'release-1.2.3',
    'v1.2.3.4',
  ])('%s is not', (tag) => expect(parseReleaseTag(tag)).toBeUndefined());
});

describe('compareVersions', () => {
  test('sorts by semver precedence', () => {
    const order = [
      'v1.0.0-alpha',
      'v1.0.0-alpha.1',
      'v1.0.0-alpha.beta',
      'v1.0.0-beta',
      'v1.0.0-beta.2',
      'v1.0.0-beta.11',
      'v1.0.0-rc.1',
      'v1.0.0',
      'v1.0.1',
      'v1.2.0',
      'v1.10.0',
      'v2.0.0',
    ];
    const shuffled = [...order].reverse().map(v);
    expect(shuffled.sort(compareVersions).map((x) => x.tag)).toEqual(order);
  });
});

describe('changelogSection', () => {
  test('takes the section body, without link references or blank edges', () => {
    expect(changelogSection(CHANGELOG, '1.4.0')).toBe('### Added\n- A pull action.\n');
    expect(changelogSection(CHANGELOG, '2.0.0')).toBe('- Breaking.\n');
    expect(changelogSection(CHANGELOG, '1.4.0-rc.1')).toBe('- The release candidate.\n');
  });
  test('a version is matched whole', () => {
    expect(changelogSection(CHANGELOG, '1.4')).toBeUndefined();
    expect(changelogSection(CHANGELOG, '1.3.10')).toBeUndefined();
  });
});

describe('planRelease', () => {
  // prettier-ignore
  test.each([
    // tag, other tags, moves the major tag, latest, pre-release
    ['v1.4.0', ['v1.3.1', 'v1.3.0', 'v1'], true, true, false],
    ['v1.4.0', [], true, true, false],
    // A patch to an older minor line leaves v1 on the newer release.
    ['v1.3.1', ['v1.4.0', 'v1'], false, false, false],
    // The newest v1 while v2 exists: v1 moves, but v2 stays the latest release.
    ['v1.4.0', ['v2.0.0', 'v1.3.1'], true, false, false],
    ['v2.0.0', ['v1.4.0'], true, true, false],
    // A pre-release never moves the major tag and is never the latest.
    ['v1.4.0-rc.1', ['v1.3.1'], false, false, true],
    // The tag itself is among the repository's tags when the workflow runs.
    ['v1.4.0', ['v1.4.0', 'v1.3.1'], true, true, false],
  ])('%s with %j: move=%s latest=%s prerelease=%s', (tag, tags, moveMajor, latest, prerelease) => {
    const plan = planRelease({ tag, tags, changelog: CHANGELOG });
    expect(plan).toEqual(expect.objectContaining({ moveMajor, latest, prerelease, majorTag: `v${tag[1]}` }));
    expect(plan.version).toBe(tag.slice(1));
    expect(plan.notes).toBe(changelogSection(CHANGELOG, tag.slice(1)));
  });

  test('refuses a tag that is not a version, and a version without notes', () => {
    expect(() => planRelease({ tag: 'v1.4', tags: [], changelog: CHANGELOG })).toThrow(
      'Tag "v1.4" is not a release version: expected vMAJOR.MINOR.PATCH',
    );
    expect(() => planRelease({ tag: 'v1.5.0', tags: [], changelog: CHANGELOG })).toThrow(
      'CHANGELOG.md has no section for 1.5.0',
    );
  });
});

describe('the script, as the release workflow runs it', () => {
  const script = join(REPO_ROOT, 'scripts', 'release-tags.mjs');
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    });

  function repoWithTags(tags: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'release-tags-'));
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'CHANGELOG.md'), CHANGELOG);
    git(dir, 'add', '.');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'init');
    for (const tag of tags) git(dir, 'tag', tag);
    return dir;
  }

  test('writes the outputs and the notes file', () => {
    const dir = repoWithTags(['v1.3.1', 'v1', 'v1.4.0']);
    try {
      const output = join(dir, 'github-output');
      writeFileSync(output, '');
      const run = spawnSync('node', [script, 'v1.4.0', '--notes-file', join(dir, 'notes.md')], {
        cwd: dir,
        env: { ...process.env, GITHUB_OUTPUT: output },
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(
        'version=1.4.0\nmajor-tag=v1\nmove-major=true\nprerelease=false\nlatest=true\n',
      );
      expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('### Added\n- A pull action.\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails with one line for a patch without notes', () => {
    const dir = repoWithTags(['v1.4.0', 'v1.4.1']);
    try {
      const run = spawnSync('node', [script, 'v1.4.1'], {
        cwd: dir,
        env: { ...process.env, GITHUB_OUTPUT: '' },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        'release-tags: CHANGELOG.md has no section for 1.4.1: add "## [1.4.1] - <date>" with the changes, then tag again.\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
