// The bundled build-push action (dist/build-push/index.js) run as the GitHub runner runs it,
// main then post, against the recording engine stub: what the engine received, the outputs, the
// summary, secret hygiene, cleanup and failure reporting.
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngineStub, waitForStubRecords, type EngineStub } from './harness/engine-stub';
import { allText, filesUnder, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const SECRETS = {
  token: 'depot_project_token_1a2b3c4d5e',
  npm: 'npm_secret_value_9z8y7x',
  multi: 'line-one-of-key\nline-two-of-key',
  githubToken: 'ghs_gitcontexttoken123456',
  fromEnv: 'env_secret_value_5566',
  fromFile: 'file_secret_contents_7788',
};

const METADATA = {
  'containerimage.digest': 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
  'containerimage.config.digest': 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
  'image.name': 'registry.example/app:1,registry.example/app:latest',
  'depot.build': { buildID: 'bld_42', projectID: 'prj_7' },
};
const BUILD_URL = 'https://depot.dev/orgs/org1/projects/prj_7/builds/bld_42';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function stub(behaviour: Parameters<typeof createEngineStub>[0] = {}): Promise<EngineStub> {
  const engine = await createEngineStub(behaviour);
  cleanups.push(() => engine.cleanup());
  return engine;
}

async function run(inputs: Record<string, string>, engine?: EngineStub, env: Record<string, string> = {}) {
  const runner = engine?.runnerOptions() ?? { env: {}, prependPath: [] };
  const result = await runAction('build-push', {
    inputs,
    env: { ...runner.env, ...env },
    prependPath: runner.prependPath,
  });
  cleanups.push(() => result.cleanup());
  return result;
}

/** Files the step left in RUNNER_TEMP (the harness's own files live elsewhere). */
const leftInRunnerTemp = (result: ActionResult) => filesUnder(join(result.tempDir, 'runner-temp'));

/**
 * Asserts no secret appears anywhere the step wrote. `::add-mask::` commands are the one place a
 * secret must be printed: the runner consumes them and shows nothing.
 */
function expectNoSecrets(result: ActionResult, secrets: string[]): void {
  const text = allText(result)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of secrets) {
    for (const part of secret.split('\n')) expect(text).not.toContain(part);
  }
}

describe('build-push against the recording engine', () => {
  test('a successful build: argv, outputs, summary, masks, cleanup', async () => {
    const secretFileDir = await mkdtemp(join(tmpdir(), 'bp-secret-'));
    cleanups.push(() => rm(secretFileDir, { recursive: true, force: true }));
    const secretFile = join(secretFileDir, 'key');
    await writeFile(secretFile, SECRETS.fromFile);
    const engine = await stub({
      metadata: METADATA,
      imageId: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
      buildUrl: BUILD_URL,
      envKeys: ['NPM_TOKEN'],
    });
    const result = await run(
      {
        project: 'prj_7',
        token: SECRETS.token,
        tags: 'registry.example/app:1,registry.example/app:latest',
        platforms: 'linux/amd64,linux/arm64',
        push: 'true',
        context: '.',
        secrets: `NPM=${SECRETS.npm}\n"MULTI=${SECRETS.multi}"`,
        'secret-envs': 'FROM_ENV=NPM_TOKEN',
        'secret-files': `FILE=${secretFile}`,
        'github-token': SECRETS.githubToken,
        'build-args': 'VERSION=1.2.3',
      },
      engine,
      { NPM_TOKEN: SECRETS.fromEnv },
    );

    expect(result.main.exitCode).toBe(0);
    expect(result.post?.exitCode).toBe(0);
    const [call] = await engine.records();
    expect(call.argv).toEqual([
      'build',
      '--build-arg',
      'VERSION=1.2.3',
      '--iidfile',
      expect.stringMatching(/runner-temp\/depot-build-\w+-iidfile$/),
      '--metadata-file',
      expect.stringMatching(/runner-temp\/depot-build-\w+-metadata\.json$/),
      '--platform',
      'linux/amd64,linux/arm64',
      '--provenance',
      expect.stringMatching(/^mode=max,builder-id=https:\/\/github\.com\/.+\/actions\/runs\/\d+$/),
      '--push',
      '--secret',
      expect.stringMatching(/^id=NPM,src=.*runner-temp\/depot-build-\w+-secret-1$/),
      '--secret',
      expect.stringMatching(/^id=MULTI,src=.*-secret-2$/),
      '--secret',
      `id=FILE,src=${secretFile}`,
      '--secret',
      'id=FROM_ENV,env=NPM_TOKEN',
      '--tag',
      'registry.example/app:1',
      '--tag',
      'registry.example/app:latest',
      '--project',
      'prj_7',
      '.',
    ]);
    // The engine saw the secrets through its files and environment, and the token by environment only.
    expect(call.secretFiles).toEqual({ NPM: SECRETS.npm, MULTI: SECRETS.multi, FILE: SECRETS.fromFile });
    expect(call.hasToken).toBe(true);
    expect(call.env.NPM_TOKEN).toBe(SECRETS.fromEnv);

    expect(result.outputs).toEqual({
      imageid: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
      digest: METADATA['containerimage.digest'],
      // The CLI's file byte for byte (the stub writes it compact).
      metadata: JSON.stringify(METADATA),
      'build-id': 'bld_42',
      'project-id': 'prj_7',
      'build-url': BUILD_URL,
    });
    expect(result.summary).toContain(`| Build | [bld_42](${BUILD_URL}) |`);
    expect(result.summary).toContain('| Project | `prj_7` |');
    expect(result.summary).toContain('`registry.example/app:1`<br>`registry.example/app:latest`');
    expect(result.summary).toContain('`linux/amd64`, `linux/arm64`');
    expect(result.summary).toContain(`| Digest | \`${METADATA['containerimage.digest']}\` |`);
    expect(result.summary).toMatch(/\| Duration \| \d+\.\d s \|/);
    expect(result.summary).toContain('| Credentials | token input |');
    expect(result.summary).toContain('| Engine | depot');

    // Every secret was masked before anything printed it, and none appears anywhere.
    expect(result.masks).toEqual(
      expect.arrayContaining([
        SECRETS.token,
        SECRETS.npm,
        SECRETS.multi,
        SECRETS.githubToken,
        SECRETS.fromEnv,
      ]),
    );
    // The stub's record file holds the secret contents on purpose; it is outside the step's files.
    expectNoSecrets(result, Object.values(SECRETS));
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });

  test('the default Git context gets the GIT_AUTH_TOKEN.<host> secret', async () => {
    const engine = await stub({ metadata: METADATA });
    const result = await run(
      { project: 'p', token: SECRETS.token, 'github-token': SECRETS.githubToken },
      engine,
    );
    expect(result.main.exitCode).toBe(0);
    const [call] = await engine.records();
    expect(call.argv.at(-1)).toMatch(/^https:\/\/github\.com\/.+\.git#[0-9a-f]{40}$/);
    // Host-scoped, as docker passes it: BuildKit offers it to github.com only.
    expect(call.secretFiles).toEqual({ 'GIT_AUTH_TOKEN.github.com': SECRETS.githubToken });
    expectNoSecrets(result, [SECRETS.githubToken, SECRETS.token]);
  });

  test('gha cache entries are removed with a warning', async () => {
    const engine = await stub();
    const result = await run(
      {
        project: 'p',
        token: SECRETS.token,
        context: '.',
        'cache-from': 'type=gha',
        'cache-to': 'type=gha,mode=max',
      },
      engine,
    );
    expect(result.main.exitCode).toBe(0);
    const [call] = await engine.records();
    expect(call.argv.join(' ')).not.toContain('type=gha');
    const warnings = result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringContaining('Removed cache-from entry "type=gha"'),
      expect.stringContaining('Removed cache-to entry "type=gha,mode=max"'),
    ]);
  });

  test('a failed build exits non-zero with the meaningful lines and a hint', async () => {
    const engine = await stub({
      exitCode: 1,
      buildUrl: BUILD_URL,
      stderr: [
        '#1 [internal] load build definition from Dockerfile',
        '#4 [2/3] RUN make',
        '#4 12.1 Killed',
        '#4 ERROR: Keep alive ping failed to receive ACK within timeout',
        '#5 [3/3] COPY . .',
        'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 137',
      ].join('\n'),
    });
    const result = await run(
      { project: 'p', token: SECRETS.token, context: '.', secrets: `A=${SECRETS.npm}` },
      engine,
    );

    expect(result.main.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].title).toBe('Depot build failed');
    expect(errors[0].message).toContain('depot build failed with exit code 1: ERROR: failed to solve');
    expect(errors[0].message).toContain('Hint: The builder ran out of resources');
    // Both meaningful lines are reported, not only the last.
    expect(result.main.stdout).toContain('  #4 ERROR: Keep alive ping failed to receive ACK within timeout');
    expect(result.main.stdout).toContain('(infrastructure failure)');
    expect(result.summary).toContain('### ❌ Depot build failed');
    expect(result.summary).toContain('**Failure** (infrastructure)');
    expect(result.summary).toContain('**Hint:** The builder ran out of resources');
    expect(result.summary).toContain('| Engine | depot 2.102.12 |');
    expect(result.outputs['build-url']).toBe(BUILD_URL);
    expectNoSecrets(result, [SECRETS.token, SECRETS.npm]);
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });

  test('bad input fails in one line before the engine runs, leaving nothing behind', async () => {
    const engine = await stub();
    const result = await run({ token: SECRETS.token, platforms: 'linux/amd64,linux//amd64' }, engine);
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations).toEqual([
      {
        level: 'error',
        message:
          'Invalid value for input "platforms": "linux//amd64". Expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.',
      },
    ]);
    expect(await engine.records()).toEqual([]);
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });

  test('a bare secret in `secrets` is masked and never echoed', async () => {
    const engine = await stub();
    const result = await run({ token: SECRETS.token, secrets: SECRETS.npm }, engine);
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations[0].message).toContain('"secrets": (hidden, ');
    expect(result.masks).toContain(SECRETS.npm);
    expectNoSecrets(result, [SECRETS.npm, SECRETS.token]);
  });

  test('without credentials the error lists the ways to provide them', async () => {
    const engine = await stub();
    const result = await run({ context: '.' }, engine);
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations[0].message).toMatch(
      /^No Depot credentials were found\.\nHint: [\s\S]*id-token: write/,
    );
    expect(await engine.records()).toEqual([]);
  });

  test('engine: local never runs the credential chain', async () => {
    const engine = await stub();
    // An OIDC endpoint that would fail; engine: local must not even ask it.
    const result = await run({ engine: 'local', context: '.' }, engine, {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token?x=1',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      DOCKER_HOST: 'tcp://127.0.0.1:9',
    });
    expect(result.main.exitCode).toBe(1);
    expect(result.main.stdout).not.toContain('Depot credentials:');
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^engine: local needs a Docker engine, and (no Docker daemon answers at tcp:\/\/127\.0\.0\.1:9|no docker client)/,
      ),
    ]);
  });

  test('a missing working directory is named, not reported as an unexpected failure', async () => {
    const engine = await stub();
    const result = await run({ token: SECRETS.token, context: '.' }, engine, {
      GITHUB_WORKSPACE: '/nonexistent/workspace',
    });
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations[0].message).toMatch(
      /^The working directory \/nonexistent\/workspace does not exist\./,
    );
  });

  test('dry-run prints the plan and runs nothing', async () => {
    const engine = await stub();
    const result = await run(
      { 'dry-run': 'true', token: SECRETS.token, tags: 'a/b:1', context: '.', secrets: `X=${SECRETS.npm}` },
      engine,
    );
    expect(result.main.exitCode).toBe(0);
    expect(result.groups).toContain('Plan (dry run: nothing was run)');
    expect(result.main.stdout).toMatch(/command: +\S+\/depot build .*--tag a\/b:1 \./);
    expect(result.main.stdout).toContain('credentials: token input');
    expect(result.main.stdout).toContain('environment: DEPOT_TOKEN=***');
    expect(result.main.stdout).toMatch(/file: +\S+-secret-1 \(secret X, \d+ bytes, mode 0600\)/);
    expect(result.outputs).toEqual({});
    expect(await engine.records()).toEqual([]);
    expect(await leftInRunnerTemp(result)).toEqual([]);
    expectNoSecrets(result, [SECRETS.token, SECRETS.npm]);
  });

  // provenance and sbom take CSV attributes; a quoted one must not need a quoted list input too.
  test('quoted provenance attributes are read as CSV, and the run URL is added as one field', async () => {
    const engine = await stub();
    const result = await run(
      { token: SECRETS.token, context: '.', provenance: 'mode=max,"version=v1,beta"' },
      engine,
      { GITHUB_SERVER_URL: 'https://ci.example/a,b' },
    );
    expect(result.main.exitCode).toBe(0);
    const [call] = await engine.records();
    const value = call.argv[call.argv.indexOf('--provenance') + 1];
    expect(value).toBe(
      'mode=max,"version=v1,beta","builder-id=https://ci.example/a,b/depot-test/example/actions/runs/1234567890"',
    );
  });

  test('post removes the step directory when main was killed mid-build', async () => {
    const engine = await stub({ sleepMs: 3000 });
    const result = await runAction('build-push', {
      inputs: { token: SECRETS.token, context: '.', secrets: `A=${SECRETS.npm}` },
      ...engine.runnerOptions(),
      timeoutMs: 1500,
    });
    cleanups.push(() => result.cleanup());
    expect(result.main.signal).toBe('SIGKILL');
    expect(result.state.tempDir).toMatch(/depot-build-/);
    expect(result.post?.exitCode).toBe(0);
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });
});

describe('build-push step files', () => {
  test('a RUNNER_TEMP anyone may write to gets a private directory for them', async () => {
    const engine = await stub();
    const shared = await mkdtemp(join(tmpdir(), 'bp-shared-temp-'));
    cleanups.push(() => rm(shared, { recursive: true, force: true }));
    await chmod(shared, 0o777);
    const runner = engine.runnerOptions();
    const result = await runAction('build-push', {
      inputs: { token: SECRETS.token, context: '.', secrets: `A=${SECRETS.npm}` },
      env: { ...runner.env, RUNNER_TEMP: shared },
      prependPath: runner.prependPath,
    });
    cleanups.push(() => result.cleanup());
    expect(result.main.exitCode).toBe(0);
    expect(result.state.tempDir).toMatch(new RegExp(`^${shared}/depot-build-\\w+/$`));
    const [call] = await engine.records();
    expect(call.argv).toContain(`${result.state.tempDir}metadata.json`);
    expect(await readdir(shared)).toEqual([]);
  });
});

describe('build-push forwards cancellation to the engine', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)('%s reaches the engine, which stops', async (signal) => {
    const engine = await stub({ sleepMs: 20_000 });
    const temp = await mkdtemp(join(tmpdir(), 'bp-signal-'));
    cleanups.push(() => rm(temp, { recursive: true, force: true }));
    for (const f of ['OUTPUT', 'STATE', 'SUMMARY']) await writeFile(join(temp, f), '');
    const runner = engine.runnerOptions();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'build-push', 'index.js')], {
      env: {
        ...runner.env,
        PATH: [...runner.prependPath, '/usr/bin', '/bin'].join(':'),
        RUNNER_TEMP: temp,
        GITHUB_OUTPUT: join(temp, 'OUTPUT'),
        GITHUB_STATE: join(temp, 'STATE'),
        GITHUB_STEP_SUMMARY: join(temp, 'SUMMARY'),
        INPUT_TOKEN: SECRETS.token,
        INPUT_CONTEXT: '.',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitForStubRecords(engine.recordFile, (records) => records.some((r) => r.ready));
    child.kill(signal);
    expect(await exited).toBe(1);
    const records = await engine.records();
    expect(records.flatMap((r) => r.signals)).toContain(signal);
    // A cancel, not a failure of the build: said as such, with no outputs.
    expect(stdout).toContain(
      `::error title=Depot build cancelled::depot build: The step was cancelled (${signal}); the engine was stopped.`,
    );
    expect(await readFile(join(temp, 'SUMMARY'), 'utf8')).toContain('Depot build cancelled');
    expect(await readFile(join(temp, 'OUTPUT'), 'utf8').catch(() => '')).toBe('');
  });
});
