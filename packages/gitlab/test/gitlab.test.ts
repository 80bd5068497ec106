import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema } from '@depot-actions/core';
import {
  gitlabContext,
  GitLabAdapter,
  inputVariable,
  sectionEnd,
  sectionName,
  sectionStart,
} from '@depot-actions/gitlab';

const ESC = String.fromCharCode(27);
const dirs: string[] = [];
afterEach(() => {
  jest.restoreAllMocks();
  while (dirs.length) rmSync(dirs.pop() as string, { recursive: true, force: true });
});

function adapter(env: Record<string, string> = {}): { adapter: GitLabAdapter; out: string } {
  const out = mkdtempSync(join(tmpdir(), 'gitlab-unit-'));
  dirs.push(out);
  return {
    adapter: new GitLabAdapter({ env, command: 'build', schema: buildSchema, outputDir: join(out, 'depot') }),
    out: join(out, 'depot'),
  };
}

describe('gitlabContext', () => {
  test.each([
    ['a tag', { CI_COMMIT_TAG: 'v1.2.0', CI_COMMIT_REF_NAME: 'v1.2.0' }, 'refs/tags/v1.2.0'],
    [
      'a merge request',
      { CI_MERGE_REQUEST_IID: '17', CI_COMMIT_REF_NAME: 'feature' },
      'refs/merge-requests/17/head',
    ],
    ['a branch', { CI_COMMIT_BRANCH: 'main', CI_COMMIT_REF_NAME: 'main' }, 'refs/heads/main'],
    ['only a ref name', { CI_COMMIT_REF_NAME: 'main' }, 'refs/heads/main'],
    ['nothing', {}, undefined],
  ])('the ref of %s', (_, env, ref) => {
    expect(gitlabContext(env, '/work').ref).toBe(ref);
  });

  test.each([
    ['public', false],
    ['internal', true],
    ['private', true],
    [undefined, undefined],
  ])('visibility %s: repositoryPrivate %s', (visibility, expected) => {
    const env = visibility ? { CI_PROJECT_VISIBILITY: visibility } : {};
    expect(gitlabContext(env, '/work').repositoryPrivate).toBe(expected);
  });

  test('the job URL is the builder, the checkout the workspace; no repository (the default context is the checkout)', () => {
    const ci = gitlabContext(
      {
        CI_JOB_URL: 'https://gitlab.example/a/b/-/jobs/9',
        CI_PIPELINE_URL: 'https://gitlab.example/a/b/-/pipelines/3',
        CI_PROJECT_DIR: '/builds/a/b',
        CI_PROJECT_PATH: 'a/b',
        CI_SERVER_URL: 'https://gitlab.example',
        CI_COMMIT_SHA: 'abc',
      },
      '/elsewhere',
    );
    expect(ci).toMatchObject({
      provider: 'gitlab',
      runUrl: 'https://gitlab.example/a/b/-/jobs/9',
      workspace: '/builds/a/b',
      serverUrl: 'https://gitlab.example',
      sha: 'abc',
    });
    expect(ci.repository).toBeUndefined();
    expect(gitlabContext({ CI_PIPELINE_URL: 'https://p' }, '/w').runUrl).toBe('https://p');
  });
});

describe('log sections', () => {
  test('names GitLab accepts, unique by number', () => {
    expect(sectionName(3, 'Plan (dry run: nothing was run)')).toBe('depot_3_plan_dry_run_nothing_was_run');
    expect(sectionName(1, '$(x)\n::warning::')).toMatch(/^depot_1_[a-z0-9_.-]*$/);
  });
  test('start and end lines in GitLab’s format; a heading stays one line', () => {
    expect(sectionStart('depot_1_x', 'two\nlines')).toMatch(
      new RegExp(`^${ESC}\\[0Ksection_start:\\d+:depot_1_x\r${ESC}\\[0Ktwo lines$`),
    );
    expect(sectionEnd('depot_1_x')).toMatch(
      new RegExp(`^${ESC}\\[0Ksection_end:\\d+:depot_1_x\r${ESC}\\[0K$`),
    );
  });
});

describe('GitLabAdapter', () => {
  test('inputs come from DEPOT_INPUT_* variables, defaults when unset', () => {
    expect(inputVariable('build-args')).toBe('DEPOT_INPUT_BUILD_ARGS');
    const { adapter: a } = adapter({ DEPOT_INPUT_BUILD_ARGS: 'A=1\nB=2' });
    expect(a.input('build-args')).toBe('A=1\nB=2');
    expect(a.input('push')).toBe('false');
    expect(a.input('no-such-input')).toBe('');
  });

  test('token names a variable; anything else is refused naming the input', () => {
    expect(adapter({ DEPOT_INPUT_TOKEN: 'MINE', MINE: 'depot_tok_1234' }).adapter.input('token')).toBe(
      'depot_tok_1234',
    );
    expect(() => adapter({ DEPOT_INPUT_TOKEN: 'X; y' }).adapter.input('token')).toThrow(
      'Invalid value for input "token"',
    );
  });

  test('the dotenv report: one line each, JSON compacted, what does not fit is left to the JSON file', () => {
    const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { adapter: a, out } = adapter();
    a.output('build-id', 'bld_1');
    a.output('metadata', '{\n  "a": "x & y"\n}');
    a.output('imageid', ' padded ');
    a.output('digest', 'two\nlines');
    a.output('build-url', 'u'.repeat(6000));
    a.finish();
    expect(readFileSync(join(out, 'depot-build.env'), 'utf8')).toBe(
      'DEPOT_OUTPUT_BUILD_ID=bld_1\nDEPOT_OUTPUT_METADATA={"a":"x & y"}\n',
    );
    const outputs = JSON.parse(readFileSync(join(out, 'depot-build-outputs.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(outputs.digest).toBe('two\nlines');
    expect(String(warn.mock.calls.at(-1)?.[0])).toContain('imageid, digest, build-url did not fit');
  });

  test('a secret is scrubbed from outputs and never exported; other values are quoted inert', () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { adapter: a, out } = adapter();
    const envFile = join(out, '..', 'env');
    const withFile = new GitLabAdapter({
      env: { DEPOT_OIDC_TOKEN: 'jwt-secret-value-1', DEPOT_ENV_FILE: envFile },
      command: 'install',
      schema: buildSchema,
      outputDir: out,
    });
    withFile.mask('jwt-secret-value-1');
    expect(() => withFile.exportEnv('DEPOT_TOKEN', 'jwt-secret-value-1')).toThrow('its value is a secret');
    withFile.exportEnv('PLAIN', "it's $(x)");
    expect(readFileSync(envFile, 'utf8')).toBe("export PLAIN='it'\\''s $(x)'\n");
    a.mask('jwt-secret-value-1');
    a.output('build-url', 'https://x/jwt-secret-value-1');
    a.finish();
    expect(readFileSync(join(out, 'depot-build.env'), 'utf8')).not.toContain('jwt-secret-value-1');
  });
});
