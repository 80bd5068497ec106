// The bundled pull action (dist/pull/index.js) run as the GitHub runner runs it: against the
// recording engine stub (argv, token by environment, outputs, the build-id an earlier build-push
// left, errors and hints), and with the REAL depot CLI against the local Depot API double.
import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { realCliEnv, startDepotApi, type DepotApi } from './doubles/depot-api';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { createEngineStub, type EngineStub } from './harness/engine-stub';
import { allText, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const TOKEN = 'depot_pull_token_5f4e3d2c1b';
const CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function stub(behaviour: Parameters<typeof createEngineStub>[0] = {}): Promise<EngineStub> {
  const engine = await createEngineStub(behaviour);
  cleanups.push(() => engine.cleanup());
  return engine;
}

async function run(
  action: string,
  inputs: Record<string, string>,
  engine: EngineStub,
  env: Record<string, string> = {},
): Promise<ActionResult> {
  const runner = engine.runnerOptions();
  const result = await runAction(action, {
    inputs,
    env: { ...runner.env, ...env },
    prependPath: runner.prependPath,
  });
  cleanups.push(() => result.cleanup());
  return result;
}

const visible = (r: ActionResult): string =>
  allText(r)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');

describe('pull against the recording engine', () => {
  test('depot pull gets every input as a --flag=value, the token only by environment', async () => {
    const engine = await stub();
    const result = await run(
      'pull',
      {
        'build-id': 'bld_42',
        project: 'prj7',
        platform: 'linux/arm64',
        tags: 'app:test, Registry.Example:5000/app:ci',
        targets: 'web,worker',
        token: TOKEN,
      },
      engine,
    );
    expect(result.main.exitCode).toBe(0);
    const [call] = await engine.records();
    expect(call.argv).toEqual([
      'pull',
      '--progress=plain',
      '--project=prj7',
      '--platform=linux/arm64',
      '--tag=app:test',
      '--tag=Registry.Example:5000/app:ci',
      '--target=web',
      '--target=worker',
      'bld_42',
    ]);
    expect(call.hasToken).toBe(true);
    expect(result.outputs).toEqual({ 'build-id': 'bld_42', tags: 'app:test\nRegistry.Example:5000/app:ci' });
    expect(result.summary).toContain('### ✅ Depot pull');
    expect(result.summary).toContain('| Build | `bld_42` |');
    expect(result.summary).toContain('| Credentials | token input |');
    expect(visible(result)).not.toContain(TOKEN);
  });

  test('without build-id, pull takes the build an earlier build-push step of the job made', async () => {
    const engine = await stub({
      metadata: {
        'containerimage.digest': 'sha256:' + '1'.repeat(64),
        'depot.build': { buildID: 'bld_prev', projectID: 'prj7' },
      },
    });
    const build = await run(
      'build-push',
      { token: TOKEN, context: '.', project: 'prj7', save: 'true' },
      engine,
    );
    expect(build.main.exitCode).toBe(0);
    expect(build.env.DEPOT_ACTIONS_BUILD_ID).toBe('bld_prev');
    // The runner passes GITHUB_ENV's variables to every later step.
    const pull = await run('pull', { token: TOKEN }, engine, {
      DEPOT_ACTIONS_BUILD_ID: build.env.DEPOT_ACTIONS_BUILD_ID,
    });
    expect(pull.main.exitCode).toBe(0);
    const calls = await engine.records();
    expect(calls.at(-1)?.argv).toEqual(['pull', '--progress=plain', 'bld_prev']);
  });

  // prettier-ignore
  test.each([
    [{}, 'No build to pull: the "build-id" input is empty, and no earlier build-push or bake step of this job built on Depot.'],
    [{ 'build-id': '--all' }, 'Invalid value for input "build-id": "--all". Expected a build ID, a saved tag, or <project>:<tag>, without spaces.'],
    [{ 'build-id': 'bld_1', platform: 'linux/arm64/v8/x' }, 'Invalid value for input "platform": "linux/arm64/v8/x". Expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.'],
    [{ 'build-id': 'bld_1', tags: 'App Test' }, 'Invalid value for input "tags": "App Test". Expected image names such as app:latest or ghcr.io/acme/app:1.2.'],
    [{ 'build-id': 'bld_1', tags: 'app:-bad' }, 'Invalid value for input "tags": "app:-bad". Expected image names such as app:latest or ghcr.io/acme/app:1.2.'],
    [{ 'build-id': 'bld_1', tags: 'app@sha256:' + '0'.repeat(64) }, `Invalid value for input "tags": "app@sha256:${'0'.repeat(64)}". Expected image names such as app:latest or ghcr.io/acme/app:1.2.`],
  ])('bad input %j: one line, nothing run', async (inputs, message) => {
    const engine = await stub();
    const result = await run('pull', { token: TOKEN, ...inputs }, engine);
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message.split('\n')[0])).toEqual([message]);
    expect(await engine.records()).toEqual([]);
  });

  test('a build Depot did not keep fails with the hint to save it', async () => {
    const engine = await stub({
      exitCode: 1,
      stderr: 'failed to get pull token for project : not_found: build not found\n',
    });
    const result = await run('pull', { 'build-id': 'bld_gone', token: TOKEN }, engine);
    expect(result.main.exitCode).toBe(1);
    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.message).toContain(
      'depot pull failed with exit code 1: failed to get pull token for project : not_found: build not found',
    );
    expect(error.message).toContain(
      'Hint: Depot can pull only a build whose image it kept: build with save: true',
    );
    expect(result.summary).toContain('### ❌ Depot pull failed');
  });
});

describe('pull with the real depot CLI', () => {
  let api: DepotApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('the CLI asks the API for the build with the action token, and its refusal is reported', async () => {
    api = await startDepotApi({ error: { code: 'not_found', message: 'build not found' } });
    const result = await runAction('pull', {
      inputs: { 'build-id': 'bld_missing', token: TOKEN, platform: 'linux/amd64' },
      prependPath: [CLI_DIR],
      env: realCliEnv(api.url),
    });
    cleanups.push(() => result.cleanup());
    expect(result.main.exitCode).toBe(1);
    const methods = api.requests.map((r) => r.method);
    expect(methods[0]).toBe('GetPullInfo');
    for (const request of api.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // GetPullInfoRequest: 1 build_id.
    expect(fieldStrings(api.requests[0].body as ProtoMessage, [1])).toEqual(['bld_missing']);
    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.message).toContain('build not found');
    expect(error.message).toContain('Hint: Depot can pull only a build whose image it kept');
    expect(visible(result)).not.toContain(TOKEN);
  });
});
