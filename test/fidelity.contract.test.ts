// Behaviours migrating users rely on, checked on the bundled actions as the runner runs them,
// against the recording engine: each case is what depot/ or docker/ actions (or the depot CLI)
// do with the same workflow, and invalid values fail in one line before the engine starts.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngineStub, type EngineStub, type StubBehaviour } from './harness/engine-stub';
import { REPO_ROOT, runAction, type ActionResult, type RunActionOptions } from './harness/runner';

const TOKEN = 'depot_fidelity_token_1f2e3d';
const HCL = join(REPO_ROOT, 'test', 'fixtures', 'bake', 'hcl');
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REPO_CONTEXT = `https://github.com/depot-test/example.git#${SHA}`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function run(
  action: 'build-push' | 'bake',
  inputs: Record<string, string>,
  behaviour: StubBehaviour = {},
  options: Omit<RunActionOptions, 'inputs'> = {},
): Promise<{ result: ActionResult; engine: EngineStub }> {
  const engine = await createEngineStub(behaviour);
  cleanups.push(() => engine.cleanup());
  const runner = engine.runnerOptions();
  const result = await runAction(action, {
    ...options,
    inputs: { token: TOKEN, ...inputs },
    env: { ...runner.env, ...options.env },
    prependPath: runner.prependPath,
  });
  cleanups.push(() => result.cleanup());
  return { result, engine };
}

/** The engine's build invocations (not bake's offline `--print`). */
const builds = async (engine: EngineStub) =>
  (await engine.records()).filter((r) => !r.argv.includes('--print'));

describe('build-push behaves as the peers', () => {
  test('build-args without "=" pass through; the engine takes the value from the environment', async () => {
    const { result, engine } = await run(
      'build-push',
      { 'build-args': 'NPM_TOKEN\nVERSION=1' },
      { envKeys: ['NPM_TOKEN'] },
      { env: { NPM_TOKEN: 'from-the-job-env' } },
    );
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv).toEqual(
      expect.arrayContaining(['--build-arg', 'NPM_TOKEN', '--build-arg', 'VERSION=1']),
    );
    expect(call.env.NPM_TOKEN).toBe('from-the-job-env');
  });

  test('lint-fail-on takes what the CLI takes: warning, in any case', async () => {
    const { result, engine } = await run('build-push', { lint: 'true', 'lint-fail-on': 'Warning' });
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv).toEqual(expect.arrayContaining(['--lint', '--lint-fail-on', 'warning']));
  });

  test('save-tag and save-tags without save: passed on, with a warning; the step passes', async () => {
    const { result, engine } = await run('build-push', { 'save-tag': 'v1', 'save-tags': 'v2' });
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv).toEqual(expect.arrayContaining(['--save-tag', 'v1', '--save-tag', 'v2']));
    expect(call.argv).not.toContain('--save');
    expect(result.annotations).toContainEqual({
      level: 'warning',
      message:
        'Input "save-tag" has no effect without save: true: the image is not saved to the Depot Registry, so it gets no tags there.',
    });
  });

  test('a list input is trimmed as a whole: a leading space before a quoted item', async () => {
    const { engine } = await run('build-push', { tags: ' "acme/app:1,acme/app:2"' });
    const [call] = await builds(engine);
    expect(call.argv).toEqual(expect.arrayContaining(['--tag', 'acme/app:1', '--tag', 'acme/app:2']));
  });

  test('provenance: a payload without repository.private is public (mode=max); a private one gets mode=min', async () => {
    const open = await run('build-push', {});
    expect((await builds(open.engine))[0].argv).toEqual(
      expect.arrayContaining(['--provenance', expect.stringMatching(/^mode=max,builder-id=/)]),
    );
    const closed = await run(
      'build-push',
      {},
      {},
      {
        githubContext: { event: { repository: { full_name: 'depot-test/example', private: true } } },
      },
    );
    expect((await builds(closed.engine))[0].argv).toEqual(
      expect.arrayContaining([
        '--provenance',
        expect.stringMatching(/^mode=min,inline-only=true,builder-id=/),
      ]),
    );
  });

  test.each([
    ['false', true],
    ['0', true],
    ['true', false],
    ['T', false],
  ])('BUILDX_NO_DEFAULT_ATTESTATIONS=%s is a boolean (default provenance: %s)', async (value, expected) => {
    const { engine } = await run('build-push', {}, {}, { env: { BUILDX_NO_DEFAULT_ATTESTATIONS: value } });
    expect((await builds(engine))[0].argv.includes('--provenance')).toBe(expected);
  });

  test('outputs read as CSV: a quoted tar export gets no --iidfile and no default provenance', async () => {
    const { result, engine } = await run('build-push', { outputs: '"type=tar", dest=out.tar' });
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv).not.toContain('--iidfile');
    expect(call.argv).toEqual(expect.arrayContaining(['--output', '"type=tar", dest=out.tar']));
  });

  test('DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=true builds the pull request head commit', async () => {
    const head = 'fedcba9876543210fedcba9876543210fedcba98';
    const event = { pull_request: { number: 5, head: { sha: head } }, repository: { private: false } };
    const githubContext = { ref: 'refs/pull/5/merge', eventName: 'pull_request', event };
    const merged = await run('build-push', {}, {}, { githubContext });
    expect((await builds(merged.engine))[0].argv.at(-1)).toBe(
      'https://github.com/depot-test/example.git#refs/pull/5/merge',
    );
    const pr = await run(
      'build-push',
      {},
      {},
      {
        githubContext,
        env: { DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' },
      },
    );
    expect((await builds(pr.engine))[0].argv.at(-1)).toBe(
      `https://github.com/depot-test/example.git#${head}`,
    );
  });

  test('the metadata output is the CLI file byte for byte (Go escapes and indentation kept)', async () => {
    const written =
      '{\n    "containerimage.digest": "sha256:' +
      'b'.repeat(64) +
      '",\n    "image.name": "registry.example/a\\u0026b:1",\n    "depot.build": {"buildID": "bld_1", "projectID": "prj_1"}\n}';
    const { result } = await run('build-push', {}, { metadata: written });
    expect(result.outputs.metadata).toBe(written);
    expect(result.outputs.digest).toBe(`sha256:${'b'.repeat(64)}`);
    expect(result.outputs['build-id']).toBe('bld_1');
  });
});

describe('invalid values fail in one line, and the engine never starts', () => {
  let workspace: string;
  afterEach(() => rm(workspace, { recursive: true, force: true }));

  test.each([
    [
      'secrets',
      'NPM_TOKEN=',
      'Invalid value for input "secrets": "NPM_TOKEN=". Expected ID=VALUE items with a non-empty value.',
    ],
    ['secret-envs', 'NPM=', 'Invalid value for input "secret-envs": "NPM=".'],
    ['add-hosts', 'db', 'Invalid value for input "add-hosts": "db".'],
    ['allow', 'network.hosts', 'Invalid value for input "allow": "network.hosts".'],
    ['attests', 'generator=image', 'Invalid value for input "attests": "generator=image".'],
    ['cache-from', 'type=registy,ref=a/b', 'Invalid value for input "cache-from": "type=registy,ref=a/b".'],
    ['cache-to', 'a/b:cache', 'Invalid value for input "cache-to": "a/b:cache".'],
    ['context', './missing', 'Invalid value for input "context": "./missing".'],
    ['file', './Dockerfile.missing', 'Invalid value for input "file": "./Dockerfile.missing".'],
    [
      'network',
      'bridge',
      'Invalid value for input "network": "bridge". Expected one of default, none, host.',
    ],
    ['outputs', 'type=imgae', 'Invalid value for input "outputs": "type=imgae".'],
    ['provenance', 'mode=full', 'Invalid value for input "provenance": "mode=full".'],
    ['sbom', 'yes', 'Invalid value for input "sbom": "yes".'],
    ['shm-size', 'big', 'Invalid value for input "shm-size": "big".'],
    ['ssh', 'my key', 'Invalid value for input "ssh": "my key".'],
    ['tags', 'Acme/App:1', 'Invalid value for input "tags": "Acme/App:1".'],
  ])('build-push %s: %j', async (input, value, message) => {
    workspace = await mkdtemp(join(tmpdir(), 'fidelity-ws-'));
    await writeFile(join(workspace, 'Dockerfile'), 'FROM scratch\n');
    const inputs: Record<string, string> = { [input]: value };
    if (input === 'file') inputs.context = '.';
    const { result, engine } = await run('build-push', inputs, {}, { cwd: workspace });
    expect(result.main.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message.split('\n')[0]).toContain(message);
    expect(await engine.records()).toEqual([]);
  });

  test.each([
    ['provenance', 'mode=all'],
    ['sbom', 'on'],
  ])('bake %s: %j', async (input, value) => {
    workspace = await mkdtemp(join(tmpdir(), 'fidelity-ws-'));
    const { result, engine } = await run('bake', { workdir: HCL, [input]: value });
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error')[0].message).toContain(
      `Invalid value for input "${input}": "${value}".`,
    );
    expect(await engine.records()).toEqual([]);
  });

  test('BUILDX_NO_DEFAULT_ATTESTATIONS that is not a boolean', async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fidelity-ws-'));
    const { result, engine } = await run(
      'build-push',
      {},
      {},
      { env: { BUILDX_NO_DEFAULT_ATTESTATIONS: 'yes' } },
    );
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error')[0].message).toContain(
      'Invalid value for BUILDX_NO_DEFAULT_ATTESTATIONS: "yes".',
    );
    expect(await builds(engine)).toEqual([]);
  });
});

describe('bake behaves as the peers', () => {
  test('no source and no definition in the workspace (no checkout): the Git context, with a notice', async () => {
    const { result, engine } = await run('bake', {}, { metadata: '{}' });
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv[1]).toBe(REPO_CONTEXT);
    expect(result.annotations).toContainEqual({
      level: 'notice',
      message: expect.stringContaining(
        `so this bakes the Git context of the commit, ${REPO_CONTEXT}, as docker/bake-action does`,
      ),
    });
  });

  test('no source and a definition in the workspace: the workspace, as depot/bake-action', async () => {
    const { result, engine } = await run('bake', {}, { metadata: '{}' }, { cwd: HCL });
    expect(result.main.exitCode).toBe(0);
    const [call] = await builds(engine);
    expect(call.argv).not.toContain(REPO_CONTEXT);
    expect(call.cwd).toBe(HCL);
    expect(result.annotations.filter((a) => a.level === 'notice')).toEqual([]);
  });

  test('save-tag without save warns and is passed; metadata is the file byte for byte', async () => {
    const written = '{\n  "app": {\n    "image.name": "registry.example/a\\u0026b:dev"\n  }\n}';
    const { result, engine } = await run('bake', { workdir: HCL, 'save-tag': 'v1' }, { metadata: written });
    expect(result.main.exitCode).toBe(0);
    expect((await builds(engine))[0].argv).toEqual(expect.arrayContaining(['--save-tag', 'v1']));
    expect(result.annotations.map((a) => a.message)).toContainEqual(
      expect.stringMatching(/^Input "save-tag" has no effect without save: true/),
    );
    expect(result.outputs.metadata).toBe(written);
  });
});
