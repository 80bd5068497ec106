/** Tests of the runner harness and the depot stub themselves, against test/fixtures/echo-action. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createEngineStub,
  STUB_DIR,
  STUB_VERSION_TEXT,
  waitForStubRecords,
  type EngineStub,
} from './engine-stub';
import {
  allText,
  evaluateExpressions,
  filesUnder,
  parseKeyValueFile,
  parseWorkflowCommands,
  REPO_ROOT,
  runAction,
  type ActionResult,
  type RunActionOptions,
} from './runner';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'echo-action');
const TOKEN = 'ghs_testToken1234567890abcdefghij';
const cleanups: (() => Promise<void>)[] = [];

async function runEcho(options: RunActionOptions = {}): Promise<ActionResult> {
  const result = await runAction('echo-action', {
    actionDir: FIXTURE,
    ...options,
    githubContext: { token: TOKEN, repository: 'acme/widgets', ...options.githubContext },
  });
  cleanups.push(result.cleanup);
  return result;
}

async function newStub(...args: Parameters<typeof createEngineStub>): Promise<EngineStub> {
  const stub = await createEngineStub(...args);
  cleanups.push(stub.cleanup);
  return stub;
}

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

describe('runAction', () => {
  it('passes declared defaults, evaluating ${{ github.* }} expressions', async () => {
    const result = await runEcho({ post: false });
    expect(result.main.exitCode).toBe(0);
    expect(result.processEnv.INPUT_TOKEN).toBe(TOKEN);
    expect(result.processEnv.INPUT_REPOSITORY).toBe('acme/widgets');
    expect(result.processEnv.INPUT_MESSAGE).toBe('hello');
    // YAML boolean default reaches the action as the string the runner would give.
    expect(result.outputs.push).toBe('false');
    expect(result.outputs['token-length']).toBe(String(TOKEN.length));
    expect(result.post).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('keeps hyphens in INPUT_ names, sets declared inputs without default to empty', async () => {
    const result = await runEcho({ inputs: { 'build-args': 'A=1\nB=2', message: 'hi there' }, post: false });
    expect(result.processEnv['INPUT_BUILD-ARGS']).toBe('A=1\nB=2');
    expect(result.outputs['build-args']).toBe('A=1\nB=2');
    expect(result.outputs.message).toBe('hi there');
    const bare = await runEcho({ post: false });
    expect(bare.processEnv['INPUT_BUILD-ARGS']).toBe('');
    expect(bare.processEnv).not.toHaveProperty('INPUT_BUILD_ARGS');
  });

  it('passes undeclared inputs but records a runner warning', async () => {
    const result = await runEcho({ inputs: { 'no such': 'x' }, post: false });
    expect(result.processEnv.INPUT_NO_SUCH).toBe('x');
    expect(result.warnings).toEqual([expect.stringContaining("Unexpected input(s) 'no such'")]);
  });

  it('parses heredoc and name=value file commands, path and summary', async () => {
    const result = await runEcho({ inputs: { message: 'multi\nline' }, post: false });
    expect(result.outputs).toMatchObject({
      message: 'multi\nline',
      multi: 'a=1\nb<<2\n',
      simple: 'plain=value',
      repository: 'acme/widgets',
    });
    expect(result.state).toEqual({ isPost: 'true', message: 'multi\nline', multi: 'line one\nline two' });
    expect(result.env).toEqual({ FROM_MAIN: 'set-by-main' });
    expect(result.path).toEqual([join(result.tempDir, 'runner-temp', 'bin')]);
    expect(result.summary).toBe('### echo\nmulti\nline\n');
  });

  it('runs post with STATE_* from main, GITHUB_ENV applied, and its own summary file', async () => {
    const result = await runEcho({ inputs: { message: 'ping' } });
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.stdout).toContain('post saw message=ping');
    expect(result.post?.stdout).toContain('post saw multi="line one\\nline two"');
    expect(result.post?.stdout).toContain('post saw FROM_MAIN=set-by-main');
    expect(result.summary).toBe('### echo\nping\n');
    expect(result.postSummary).toBe('post summary for ping\n');
    expect(result.groups).toEqual(['post']);
  });

  it('runs post even when main failed', async () => {
    const result = await runEcho({ inputs: { fail: 'true' } });
    expect(result.main.exitCode).toBe(1);
    expect(result.post?.exitCode).toBe(0);
    expect(result.annotations).toContainEqual({ level: 'error', message: 'main failed on purpose' });
  });

  it('collects masks, annotations with titles and debug lines', async () => {
    const result = await runEcho({ post: false });
    expect(result.masks).toEqual([TOKEN]);
    expect(result.annotations).toEqual([
      { level: 'notice', message: 'plain notice' },
      { level: 'warning', message: 'careful\nnow', title: 'Heads up' },
    ]);
    expect(result.debug).toEqual(['main starting']);
    // The fixture never prints the token in clear, only in ::add-mask:: (which the runner strips).
    expect(allText(result).replaceAll(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
  });

  it('runs hermetically: clean env, fresh temp dirs, cwd = workspace', async () => {
    process.env.HARNESS_LEAK_CHECK = 'leaked';
    try {
      const result = await runEcho({ post: false, env: { EXTRA: '1' } });
      expect(result.processEnv).not.toHaveProperty('HARNESS_LEAK_CHECK');
      expect(result.processEnv.EXTRA).toBe('1');
      expect(result.processEnv.HOME.startsWith(result.tempDir)).toBe(true);
      expect(result.processEnv.GITHUB_WORKSPACE).toBe(join(result.tempDir, 'workspace'));
      expect(JSON.parse(await readFile(result.processEnv.GITHUB_EVENT_PATH, 'utf8'))).toMatchObject({
        repository: { full_name: 'acme/widgets' },
      });
      expect(await filesUnder(result.tempDir)).toContain('event.json');
    } finally {
      delete process.env.HARNESS_LEAK_CHECK;
    }
  });

  it('removes its temp dir on cleanup', async () => {
    const result = await runEcho({ post: false });
    await result.cleanup();
    expect(await filesUnder(result.tempDir)).toEqual([]);
  });
});

describe('parsers', () => {
  it('rejects unknown expressions so tests notice', () => {
    const ctx = {
      repository: 'a/b',
      sha: 's',
      ref: 'refs/heads/x',
      eventName: 'push',
      event: {},
      runId: '1',
      runAttempt: '1',
      runNumber: '1',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      actor: 'me',
      workflow: 'w',
      job: 'j',
      token: 't',
    };
    expect(evaluateExpressions('${{ github.repository }}@${{github.sha}}', ctx)).toBe('a/b@s');
    expect(() => evaluateExpressions('${{ secrets.X }}', ctx)).toThrow(/unsupported expression/);
  });

  it('throws on an unterminated heredoc', () => {
    expect(() => parseKeyValueFile('a<<EOF\nx\n')).toThrow(/delimiter not found/);
  });

  it('honours stop-commands', () => {
    const parsed = parseWorkflowCommands(
      '::stop-commands::tok\n::add-mask::hidden\n::tok::\n::add-mask::shown\n',
    );
    expect(parsed.masks).toEqual(['shown']);
  });
});

describe('depot stub', () => {
  it('records argv, env keys, token presence, secret file content; writes metadata and iidfile', async () => {
    const stub = await newStub({
      exitCode: 3,
      metadata: { 'containerimage.digest': 'sha256:abc' },
      imageId: 'sha256:def',
      buildUrl: 'https://depot.dev/orgs/o/projects/p/builds/b',
      stderr: 'line 1\nline 2\n',
      envKeys: ['DEPOT_PROJECT_ID', 'DEPOT_TOKEN'],
    });
    const dir = await mkdtemp(join(tmpdir(), 'stub-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'npmrc'), 'secret-content');
    const metadataFile = join(dir, 'meta.json');
    const iidFile = join(dir, 'iid');
    const run = spawnSync(
      join(STUB_DIR, 'depot'),
      [
        'build',
        '--secret',
        `id=npmrc,src=${join(dir, 'npmrc')}`,
        `--metadata-file=${metadataFile}`,
        '--iidfile',
        iidFile,
        '.',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...stub.env, DEPOT_TOKEN: 'dt_secret', DEPOT_PROJECT_ID: 'proj' },
      },
    );
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('[depot] build: https://depot.dev/orgs/o/projects/p/builds/b\nline 1\nline 2\n');
    expect(JSON.parse(await readFile(metadataFile, 'utf8'))).toEqual({
      'containerimage.digest': 'sha256:abc',
    });
    expect(await readFile(iidFile, 'utf8')).toBe('sha256:def');
    const [record, ...rest] = await stub.records();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      argv: [
        'build',
        '--secret',
        `id=npmrc,src=${join(dir, 'npmrc')}`,
        `--metadata-file=${metadataFile}`,
        '--iidfile',
        iidFile,
        '.',
      ],
      cwd: dir,
      env: { DEPOT_PROJECT_ID: 'proj' },
      hasToken: true,
      secretFiles: { npmrc: 'secret-content' },
    });
    expect(await readFile(stub.recordFile, 'utf8')).not.toContain('dt_secret');
  });

  it('prints its version', async () => {
    const stub = await newStub();
    for (const args of [['--version'], ['version']]) {
      const run = spawnSync(join(STUB_DIR, 'depot'), args, {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...stub.env },
      });
      expect(run.stdout).toBe(`${STUB_VERSION_TEXT}\n`);
      expect(run.status).toBe(0);
    }
  });

  it('exits 143 on SIGTERM while sleeping and records the signal', async () => {
    const stub = await newStub({ sleepMs: 30_000 });
    const child = spawn(join(STUB_DIR, 'depot'), ['build', '.'], {
      env: { PATH: process.env.PATH, ...stub.env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitForStubRecords(stub.recordFile, (records) => records[0]?.ready === true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const [record] = await stub.records();
    expect(record?.signals).toEqual(['SIGTERM']);
    expect(record?.hasToken).toBe(false);
  });

  it('is found on PATH by an action run through the harness', async () => {
    const stub = await newStub({ envKeys: ['GITHUB_WORKSPACE'] });
    const result = await runEcho({ inputs: { 'call-depot': 'true' }, post: false, ...stub.runnerOptions() });
    expect(result.main.exitCode).toBe(0);
    const records = await stub.records();
    expect(records.map((r) => r.argv)).toEqual([['build', '.']]);
    expect(records[0]?.cwd).toBe(join(result.tempDir, 'workspace'));
    expect(records[0]?.env).toEqual({ GITHUB_WORKSPACE: join(result.tempDir, 'workspace') });
  });
});
