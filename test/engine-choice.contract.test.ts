// Which engine the bundled actions choose, run as shipped (dist/), against a docker client that
// records every call and the REAL depot CLI talking to a local Depot API double:
// - engine: auto without Depot credentials builds locally only when the local engine can honour
//   the whole request; otherwise it fails, naming what it cannot honour, and docker builds nothing;
// - the depot CLI's own credentials (DEPOT_JIT_TOKEN, `depot login`'s config file) count, so the
//   step runs depot as the peers do, and the CLI authenticates with them itself.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { allText, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const STUBS = join(REPO_ROOT, 'test', 'stubs');
const CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');
const CONTEXT = join(REPO_ROOT, 'examples', 'hello');
const QUIET_CLI = {
  DEPOT_NO_UPDATE_NOTIFIER: '1',
  DEPOT_ERROR_TELEMETRY: '0',
  DEPOT_DISABLE_OTEL: '1',
  NO_COLOR: '1',
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'engine-choice-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** build-push or bake with only the recording docker client (and no depot) on PATH. */
async function runWithDockerStub(
  action: 'build-push' | 'bake',
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<{ result: ActionResult; dockerCalls: string[] }> {
  const log = join(scratchDir(), 'docker-calls');
  writeFileSync(log, '');
  const result = await runAction(action, {
    inputs: { context: CONTEXT, ...inputs },
    prependPath: [STUBS],
    env: { DOCKER_STUB_LOG: log, ...env },
  });
  cleanups.push(result.cleanup);
  return { result, dockerCalls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const errors = (r: ActionResult): string[] =>
  r.annotations.filter((a) => a.level === 'error').map((a) => a.message);
/** The calls that detect the engine: the client version, buildx, and the daemon's platform. */
const DETECTION = /^(--version|buildx version|version --format .*)$/;

describe('engine: auto without Depot credentials', () => {
  test.each([
    [{ save: 'true', tags: 'registry.example/app:1' }, 'save (Depot only)'],
    [{ project: 'prj_123' }, 'project (Depot only)'],
    [{ 'save-tags': 'v1', save: 'true' }, 'save-tag/save-tags (Depot only)'],
    [{ platforms: 'linux/arm64' }, 'platforms linux/arm64 (this Docker engine builds linux/amd64)'],
    [{ lint: 'true' }, 'lint (Depot only)'],
  ])('%j fails naming what the local engine cannot honour; docker builds nothing', async (inputs, gap) => {
    const { result, dockerCalls } = await runWithDockerStub('build-push', { push: 'true', ...inputs });
    expect(result.main.exitCode).toBe(1);
    const [error] = errors(result);
    expect(error).toContain('No Depot credentials were found, and the local Docker');
    expect(error).toContain(gap);
    expect(error).toContain('Nothing was built.');
    expect(error).toContain('id-token: write');
    expect(dockerCalls.length).toBeGreaterThan(0);
    expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
    expect(result.outputs).toEqual({});
  });

  test('a request the local engine can honour is built locally, with a notice saying why', async () => {
    const { result, dockerCalls } = await runWithDockerStub('build-push', { tags: 'registry.example/app:1' });
    expect(errors(result)).toEqual([]);
    expect(result.main.exitCode).toBe(0);
    expect(result.annotations).toContainEqual({
      level: 'notice',
      message:
        'Building with the local Docker (docker build with BuildKit) engine: no Depot credentials were found (engine: auto).',
    });
    const builds = dockerCalls.filter((c) => c.startsWith('build '));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain('--tag registry.example/app:1');
  });

  test.each([[{ DEPOT_PROJECT_ID: 'prj_from_env' }, 'DEPOT_PROJECT_ID (Depot only)']])(
    'a Depot project named by %j refuses the local build too',
    async (env, gap) => {
      const { result, dockerCalls } = await runWithDockerStub('build-push', {}, env);
      expect(result.main.exitCode).toBe(1);
      expect(errors(result)[0]).toContain(gap);
      expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
    },
  );

  test('a depot.json in the context refuses the local build', async () => {
    const context = scratchDir();
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(context, 'depot.json'), '{"id":"prj_from_json"}\n');
    const { result, dockerCalls } = await runWithDockerStub('build-push', { context });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toMatch(/depot\.json \(.*depot\.json\) \(Depot only\)/);
    expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
  });

  test('engine: local with a Depot-only input fails with the list, before building', async () => {
    const { result, dockerCalls } = await runWithDockerStub('build-push', {
      engine: 'local',
      project: 'prj_1',
      'build-platform': 'linux/arm64',
    });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toContain(
      'engine: local, but the local Docker (docker build with BuildKit) engine cannot honour: project (Depot only), build-platform (Depot only).',
    );
    expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
  });

  test('bake: a Depot project in the inputs refuses the local build', async () => {
    const { result, dockerCalls } = await runWithDockerStub('bake', {
      project: 'prj_1',
      workdir: join(REPO_ROOT, 'test', 'fixtures', 'bake', 'hcl'),
    });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toContain('project (Depot only)');
    expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
  });
});

describe('dry run', () => {
  test('prints the command of each engine: depot, then the fallback and what it would leave out', async () => {
    const { result, dockerCalls } = await runWithDockerStub('build-push', {
      'dry-run': 'true',
      'buildx-fallback': 'true',
      token: 'depot_dry_run_token',
      project: 'prj_dry',
      tags: 'registry.example/app:1',
    });
    expect(result.main.exitCode).toBe(0);
    const lines = result.main.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('command:'))).toMatch(
      /^command: {5}\S+\/test\/stubs\/depot build .*--tag registry\.example\/app:1 --project prj_dry /,
    );
    const fallback = lines.filter((l) => l.startsWith('fallback:'));
    expect(fallback[0]).toMatch(
      /^fallback: {4}\S+\/test\/stubs\/docker build --progress plain .*--tag registry\.example\/app:1 /,
    );
    expect(fallback[0]).not.toContain('prj_dry');
    expect(fallback[1]).toBe('fallback:    (leaves out project (Depot only))');
    expect(dockerCalls.filter((c) => !DETECTION.test(c))).toEqual([]);
    expect(result.outputs).toEqual({});
  });
});

describe("the depot CLI's own credentials", () => {
  async function runRealCli(env: Record<string, string>): Promise<{ result: ActionResult; api: DepotApi }> {
    const api = await startDepotApi();
    cleanups.push(() => api.close());
    const log = join(scratchDir(), 'docker-calls');
    const result = await runAction('build-push', {
      inputs: { project: 'prj_cli_login', tags: 'registry.example/app:1', context: CONTEXT },
      prependPath: [CLI_DIR, STUBS],
      env: { DEPOT_API_URL: api.url, DOCKER_STUB_LOG: log, ...QUIET_CLI, ...env },
    });
    cleanups.push(result.cleanup);
    return { result, api };
  }

  const visible = (r: ActionResult): string =>
    allText(r)
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');

  test('with only DEPOT_JIT_TOKEN, depot runs and the CLI sends that token', async () => {
    const jit = 'depot_jit_token_a1b2c3d4e5f6';
    const { result, api } = await runRealCli({ DEPOT_JIT_TOKEN: jit });
    expect(result.main.stdout).toContain('Depot credentials: depot CLI login');
    const [create] = api.requestsTo('CreateBuild');
    expect(create.headers.authorization).toBe(`Bearer ${jit}`);
    expect(fieldStrings(create.body as ProtoMessage, [1])).toEqual(['prj_cli_login']);
    expect(result.masks).toContain(jit);
    expect(visible(result)).not.toContain(jit);
    expect(result.summary).toContain('| Credentials | depot CLI login |');
  });

  test('an expired DEPOT_TOKEN is passed over for the login, and the CLI does not see it either', async () => {
    const expired = 'eyJhbGciOiJub25lIn0.eyJleHAiOjF9.x';
    const login = 'depot_api_token_from_env_4d5e6f';
    const { result, api } = await runRealCli({ DEPOT_TOKEN: expired, DEPOT_API_TOKEN: login });
    expect(result.main.stdout).toContain('Depot credentials: depot CLI login');
    const [create] = api.requestsTo('CreateBuild');
    expect(create.headers.authorization).toBe(`Bearer ${login}`);
  });

  test("with only depot login's config file, depot runs and the CLI sends its api_token", async () => {
    const config = scratchDir();
    const token = 'depot_user_token_from_login_9z8y7x';
    mkdirSync(join(config, 'depot'));
    writeFileSync(join(config, 'depot', 'depot.yaml'), `api_token: ${token}\n`);
    const { result, api } = await runRealCli({ XDG_CONFIG_HOME: config });
    expect(result.main.stdout).toContain('Depot credentials: depot CLI login');
    const [create] = api.requestsTo('CreateBuild');
    expect(create.headers.authorization).toBe(`Bearer ${token}`);
    expect(result.masks).toContain(token);
    expect(visible(result)).not.toContain(token);
  });
});
