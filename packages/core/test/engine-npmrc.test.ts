import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmDefaultRegistry, npmRegistry, parseNpmrc } from '../src/engine/npmrc';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A home directory and a global npmrc with the given contents (undefined: no file). */
function layout(
  home?: string,
  global?: string,
): { home: string; global: string; env: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), 'engine-npmrc-'));
  dirs.push(root);
  const dirsOf = { home: join(root, 'home'), global: join(root, 'etc', 'npmrc') };
  mkdirSync(dirsOf.home);
  mkdirSync(join(root, 'etc'));
  if (home !== undefined) writeFileSync(join(dirsOf.home, '.npmrc'), home);
  if (global !== undefined) writeFileSync(dirsOf.global, global);
  return { ...dirsOf, env: { npm_config_globalconfig: dirsOf.global } };
}

describe('parseNpmrc', () => {
  test('reads key=value, skips comments, unquotes, and leaves ${VAR} for later', () => {
    const config = parseNpmrc(
      [
        '; comment',
        '# comment',
        'registry = https://npm.example/ ',
        '@depot:registry="https://depot.example/npm/"',
        '//npm.example/:_authToken=${NPM_TOKEN}',
        'not a pair',
      ].join('\n'),
    );
    expect(config).toEqual({
      registry: 'https://npm.example/',
      '@depot:registry': 'https://depot.example/npm/',
      '//npm.example/:_authToken': '${NPM_TOKEN}',
    });
  });
});

describe('npmRegistry', () => {
  // [what, env, ~/.npmrc, global npmrc, expected url, expected source ('home'/'global' = that file)]
  test.each([
    ["npm's own default", {}, undefined, undefined, 'https://npm-default.example', 'default'],
    ['user .npmrc', {}, 'registry=https://home.example/npm/', undefined, 'https://home.example/npm', 'home'],
    [
      'user .npmrc over the global npmrc',
      {},
      'registry=https://home.example/',
      'registry=https://global.example/',
      'https://home.example',
      'home',
    ],
    [
      'the global npmrc',
      {},
      undefined,
      'registry=https://global.example/',
      'https://global.example',
      'global',
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
  ] as const)('%s', (_what, env, home, global, url, from) => {
    const dirsOf = layout(home, global);
    const found = npmRegistry({ ...dirsOf.env, ...env }, dirsOf.home, () => 'https://npm-default.example/');
    expect(found.url).toBe(url);
    const source = from === 'home' ? join(dirsOf.home, '.npmrc') : from === 'global' ? dirsOf.global : from;
    expect(found.from).toBe(source);
    expect(found.authToken).toBeUndefined();
  });

  test('without any configuration and without npm, says what to set', () => {
    const dirsOf = layout();
    expect(() => npmRegistry(dirsOf.env, dirsOf.home, () => undefined)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('No npm registry is configured'),
        hint: expect.stringContaining('Set npm_config_registry'),
      }),
    );
  });

  test("npm's default comes from the npm on PATH, never from a project or user config", () => {
    const project = mkdtempSync(join(tmpdir(), 'npmrc-project-'));
    writeFileSync(join(project, '.npmrc'), 'registry=https://project.example/\n');
    const cwd = process.cwd();
    const saved = process.env.npm_config_registry;
    process.env.npm_config_registry = 'https://env.example/';
    try {
      process.chdir(project);
      const answer = npmDefaultRegistry();
      expect(answer).toMatch(/^https?:\/\//);
      expect(answer).not.toMatch(/project\.example|env\.example/);
    } finally {
      process.chdir(cwd);
      if (saved === undefined) delete process.env.npm_config_registry;
      else process.env.npm_config_registry = saved;
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('finds the auth token for the registry path, longest match first', () => {
    const dirsOf = layout(
      [
        'registry=https://npm.example/artifactory/api/npm/npm/',
        '//npm.example/:_authToken=host-wide',
        '//npm.example/artifactory/api/npm/npm/:_authToken=${TOKEN}',
      ].join('\n'),
    );
    expect(npmRegistry({ ...dirsOf.env, TOKEN: 'repo-token' }, dirsOf.home)).toMatchObject({
      url: 'https://npm.example/artifactory/api/npm/npm',
      authToken: 'repo-token',
    });
  });

  test('npm_config_userconfig names the user config instead of ~/.npmrc', () => {
    const dirsOf = layout('registry=https://home.example/');
    const other = join(dirsOf.home, 'other-npmrc');
    writeFileSync(other, 'registry=https://other.example/');
    expect(npmRegistry({ ...dirsOf.env, NPM_CONFIG_USERCONFIG: other }, dirsOf.home).url).toBe(
      'https://other.example',
    );
  });

  // [what, env, ~/.npmrc, expected proxy]
  test.each([
    ['no proxy setting: the environment decides (undefined here)', {}, '', undefined],
    ['https-proxy for an https registry', {}, 'https-proxy=http://corp:3128/', 'http://corp:3128/'],
    ['proxy when https-proxy is unset', {}, 'proxy=http://corp:8080', 'http://corp:8080'],
    ['npm_config_https_proxy from env', { npm_config_https_proxy: 'http://env:1' }, '', 'http://env:1'],
    [
      'noproxy exempts the registry host',
      {},
      'https-proxy=http://corp:3128\nnoproxy=.registry.example,localhost',
      undefined,
    ],
    // npm's noproxy defaults to NO_PROXY: npm itself goes direct there.
    [
      'NO_PROXY exempts the registry host when noproxy is unset',
      { NO_PROXY: 'registry.example' },
      'https-proxy=http://corp:3128',
      undefined,
    ],
    ['no_proxy in lower case too', { no_proxy: '.example' }, 'proxy=http://corp:3128', undefined],
    [
      'noproxy wins over NO_PROXY',
      { NO_PROXY: 'registry.example' },
      'https-proxy=http://corp:3128\nnoproxy=other.example',
      'http://corp:3128',
    ],
    [
      'only proxy (not https-proxy) for an http registry',
      { npm_config_registry: 'http://verdaccio:4873' },
      'https-proxy=http://tls-only:1\nproxy=http://plain:2',
      'http://plain:2',
    ],
  ] as const)('%s', (_what, env, home, proxy) => {
    const dirsOf = layout(home);
    expect(npmRegistry({ ...dirsOf.env, ...env }, dirsOf.home, () => 'https://registry.example').proxy).toBe(
      proxy,
    );
  });

  test("a variable is expanded into the configured registry's token only", () => {
    const dirsOf = layout(
      [
        'registry=https://npm.example/',
        '//npm.example/:_authToken=${NPM_TOKEN}',
        '//elsewhere.example/:_authToken=${ACTIONS_ID_TOKEN_REQUEST_TOKEN}',
      ].join('\n'),
    );
    const env = { ...dirsOf.env, NPM_TOKEN: 'npm-token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret' };
    const found = npmRegistry(env, dirsOf.home);
    expect(found).toMatchObject({ url: 'https://npm.example', authToken: 'npm-token' });
    expect(JSON.stringify(found)).not.toContain('runner-secret');
  });
});
