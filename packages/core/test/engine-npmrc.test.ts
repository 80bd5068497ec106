import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmRegistry, parseNpmrc } from '../src/engine/npmrc';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A home and a project directory with the given .npmrc contents (undefined: no file). */
function layout(home?: string, project?: string): { home: string; project: string } {
  const root = mkdtempSync(join(tmpdir(), 'engine-npmrc-'));
  dirs.push(root);
  const dirsOf = { home: join(root, 'home'), project: join(root, 'project') };
  mkdirSync(dirsOf.home);
  mkdirSync(dirsOf.project);
  if (home !== undefined) writeFileSync(join(dirsOf.home, '.npmrc'), home);
  if (project !== undefined) writeFileSync(join(dirsOf.project, '.npmrc'), project);
  return dirsOf;
}

describe('parseNpmrc', () => {
  test('reads key=value, skips comments, unquotes and expands ${VAR}', () => {
    const config = parseNpmrc(
      [
        '; comment',
        '# comment',
        'registry = https://npm.example/ ',
        '@depot:registry="https://depot.example/npm/"',
        '//npm.example/:_authToken=${NPM_TOKEN}',
        'not a pair',
      ].join('\n'),
      { NPM_TOKEN: 's3cret' },
    );
    expect(config).toEqual({
      registry: 'https://npm.example/',
      '@depot:registry': 'https://depot.example/npm/',
      '//npm.example/:_authToken': 's3cret',
    });
  });
});

describe('npmRegistry', () => {
  // [what, env, ~/.npmrc, project .npmrc, expected url, expected source ('home'/'project' = that file)]
  test.each([
    ['default', {}, undefined, undefined, 'https://registry.npmjs.org', 'default'],
    ['user .npmrc', {}, 'registry=https://home.example/npm/', undefined, 'https://home.example/npm', 'home'],
    [
      'project .npmrc over user .npmrc',
      {},
      'registry=https://home.example/',
      'registry=https://project.example/',
      'https://project.example',
      'project',
    ],
    [
      'npm_config_registry over both files',
      { npm_config_registry: 'http://127.0.0.1:4873/' },
      'registry=https://home.example/',
      'registry=https://project.example/',
      'http://127.0.0.1:4873',
      'npm_config_registry',
    ],
    [
      'NPM_CONFIG_REGISTRY in upper case',
      { NPM_CONFIG_REGISTRY: 'https://upper.example' },
      undefined,
      undefined,
      'https://upper.example',
      'npm_config_registry',
    ],
    [
      'a scoped @depot:registry in a file over a plain registry in env',
      { npm_config_registry: 'https://env.example' },
      '@depot:registry=https://scoped.example/',
      undefined,
      'https://scoped.example',
      'home',
    ],
  ] as const)('%s', (_what, env, home, project, url, from) => {
    const dirsOf = layout(home, project);
    const found = npmRegistry({ ...env }, dirsOf.project, dirsOf.home);
    expect(found.url).toBe(url);
    const source = from === 'home' || from === 'project' ? join(dirsOf[from], '.npmrc') : from;
    expect(found.from).toBe(source);
    expect(found.authToken).toBeUndefined();
  });

  test('finds the auth token for the registry path, longest match first', () => {
    const dirsOf = layout(
      [
        'registry=https://npm.example/artifactory/api/npm/npm/',
        '//npm.example/:_authToken=host-wide',
        '//npm.example/artifactory/api/npm/npm/:_authToken=${TOKEN}',
      ].join('\n'),
    );
    expect(npmRegistry({ TOKEN: 'repo-token' }, undefined, dirsOf.home)).toMatchObject({
      url: 'https://npm.example/artifactory/api/npm/npm',
      authToken: 'repo-token',
    });
  });
});
