// End-to-end: the bundled actions building for real on the local Docker engine (Debian's dockerd
// with its embedded BuildKit) and pushing to a real registry on loopback, started by
// test/e2e/docker-env.sh. Where no engine is reachable these tests report themselves skipped,
// unless DEPOT_E2E_REQUIRE_DOCKER=1 (set by CI), which turns that into a failure.
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from '../doubles/depot-api';
import { filesUnder, REPO_ROOT, runAction, type ActionResult } from '../harness/runner';

const DOCKER_HOST = process.env.DOCKER_HOST || 'unix:///tmp/depot-actions-e2e/docker.sock';
const REGISTRY = process.env.DEPOT_E2E_REGISTRY || '127.0.0.1:5000';
const BASE = process.env.DEPOT_E2E_BASE_IMAGE || 'depot-actions-e2e/busybox:latest';
const CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');

const reachable =
  spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: { ...process.env, DOCKER_HOST },
  }).status === 0 &&
  spawnSync('docker', ['image', 'inspect', BASE], { env: { ...process.env, DOCKER_HOST } }).status === 0;
const required = process.env.DEPOT_E2E_REQUIRE_DOCKER === '1';

if (!reachable && required) {
  test('a Docker engine is reachable (required by DEPOT_E2E_REQUIRE_DOCKER=1)', () => {
    throw new Error(`No Docker engine with ${BASE} at ${DOCKER_HOST}: run test/e2e/docker-env.sh start`);
  });
}

const run = `${process.pid}-${Date.now()}`;
const results: ActionResult[] = [];
afterAll(async () => {
  for (const r of results) await r.cleanup();
});

/** The digest the registry serves for a tag, through its HTTP API. */
async function registryDigest(repository: string, tag: string): Promise<string | null> {
  const response = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ].join(', '),
    },
  });
  return response.ok ? response.headers.get('docker-content-digest') : null;
}

async function action(
  name: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  prependPath: string[] = [],
) {
  const result = await runAction(name, {
    inputs,
    env: { DOCKER_HOST, ...env },
    prependPath,
    timeoutMs: 120_000,
  });
  results.push(result);
  return result;
}

/** Fails with the step's own log, so a CI failure says what went wrong. */
function expectExit(result: ActionResult, code: number): void {
  if (result.main.exitCode !== code) {
    const log = (result.main.stdout + result.main.stderr).split('\n').slice(-40).join('\n');
    throw new Error(`build step exited ${result.main.exitCode}, expected ${code}:\n${log}`);
  }
}

const hello = (tag: string): Record<string, string> => ({
  context: join(REPO_ROOT, 'examples', 'hello'),
  'build-args': `BASE=${BASE}`,
  network: 'host',
  tags: `${REGISTRY}/hello:${tag}`,
  push: 'true',
});

(reachable ? describe : describe.skip)('local engine, end to end', () => {
  test('build-push with engine: local pushes, and the digest output is the registry manifest', async () => {
    const tag = `local-${run}`;
    const result = await action('build-push', { ...hello(tag), engine: 'local' });
    expectExit(result, 0);
    const digest = await registryDigest('hello', tag);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.outputs.digest).toBe(digest);
    expect(result.outputs.imageid).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(result.outputs.metadata)).toEqual({
      'containerimage.config.digest': result.outputs.imageid,
      'containerimage.digest': digest,
      'image.name': `${REGISTRY}/hello:${tag}`,
    });
    expect(result.annotations).toContainEqual({
      level: 'notice',
      message: expect.stringMatching(/^Building with the local Docker .*: engine: local\.$/),
    });
    expect(result.summary).toMatch(
      /\| Engine \| local Docker \(docker (buildx|build with BuildKit)\): engine: local \|/,
    );
    expect(result.main.stdout + result.main.stderr).toContain('hello from depot-actions');
  });

  // A build prints what it likes; only the depot CLI's own line is a Depot build link.
  test('a Dockerfile that echoes a Depot build line cannot set build-url', async () => {
    const context = mkdtempSync(join(tmpdir(), 'e2e-spoof-'));
    try {
      writeFileSync(
        join(context, 'Dockerfile'),
        'ARG BASE\nFROM ${BASE}\nRUN echo "[depot] build: https://evil.example/login"\n',
      );
      const result = await action('build-push', {
        context,
        'build-args': `BASE=${BASE}`,
        network: 'host',
        'no-cache': 'true',
        engine: 'local',
      });
      expectExit(result, 0);
      expect(result.main.stdout + result.main.stderr).toContain('[depot] build: https://evil.example/login');
      expect(result.outputs['build-url']).toBeUndefined();
      // The step's name may show in the slowest-steps table; it never becomes the build link.
      expect(result.summary).not.toContain('](https://evil.example');
      expect(result.summary).not.toMatch(/^\| Build \|/m);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });

  // buildx and docker read --secret as CSV: paths with a comma must arrive quoted, as one field.
  test('secrets reach the build from paths with a comma (RUNNER_TEMP and secret-files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-secret-comma-'));
    try {
      const context = join(dir, 'context');
      const keys = join(dir, 'keys,1');
      const runnerTemp = join(dir, 'temp,2');
      for (const d of [context, keys, runnerTemp]) mkdirSync(d);
      writeFileSync(join(keys, 'key'), 'file-value');
      writeFileSync(
        join(context, 'Dockerfile'),
        'ARG BASE\nFROM ${BASE}\n' +
          'RUN --mount=type=secret,id=INLINE --mount=type=secret,id=FILE ' +
          'test "$(cat /run/secrets/INLINE)" = inline-value && test "$(cat /run/secrets/FILE)" = file-value && echo secrets-arrived\n',
      );
      const result = await action(
        'build-push',
        {
          context,
          'build-args': `BASE=${BASE}`,
          network: 'host',
          'no-cache': 'true',
          engine: 'local',
          secrets: 'INLINE=inline-value',
          'secret-files': `FILE=${join(keys, 'key')}`,
        },
        { RUNNER_TEMP: runnerTemp },
      );
      expectExit(result, 0);
      expect(result.main.stdout + result.main.stderr).toContain('secrets-arrived');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('engine: auto without credentials builds locally and says why', async () => {
    const tag = `auto-${run}`;
    const result = await action('build-push', hello(tag));
    expectExit(result, 0);
    expect(result.outputs.digest).toBe(await registryDigest('hello', tag));
    expect(result.summary).toContain('no Depot credentials were found (engine: auto)');
  });

  describe('with Depot refusing', () => {
    let api: DepotApi | undefined;
    // Each test starts its own double; close it after that test so none is left listening.
    afterEach(async () => {
      await api?.close();
      api = undefined;
    });

    test('buildx-fallback builds locally after an infrastructure failure, with a warning and a summary that say so', async () => {
      api = await startDepotApi({ error: { code: 'unauthenticated', message: 'invalid token' } });
      const tag = `fallback-${run}`;
      const result = await action(
        'build-push',
        { ...hello(tag), token: 'depot_e2e_refused_token', project: 'prj_e2e', 'buildx-fallback': 'true' },
        {
          DEPOT_API_URL: api.url,
          DEPOT_NO_UPDATE_NOTIFIER: '1',
          DEPOT_ERROR_TELEMETRY: '0',
          DEPOT_DISABLE_OTEL: '1',
        },
        [CLI_DIR],
      );
      expect(api?.requestsTo('CreateBuild')).toHaveLength(1);
      expectExit(result, 0);
      const warning = result.annotations.find(
        (a) => a.level === 'warning' && a.message.includes('falling back'),
      );
      expect(warning?.message).toMatch(
        /^Depot failed \(unauthenticated: invalid token\); falling back to the local Docker/,
      );
      // The Depot project cannot follow the build to Docker: the fallback says it left it out.
      expect(warning?.message).toMatch(/, leaving out project \(Depot only\)\.$/);
      expect(result.summary).toContain('The local build left out: project (Depot only).');
      expect(result.summary).toContain('### ✅ Depot build (local fallback)');
      expect(result.summary).toContain('fallback after Depot failed');
      expect(result.outputs.digest).toBe(await registryDigest('hello', tag));
      // Both runs' result files, and the output relay's, are gone from RUNNER_TEMP.
      expect(await filesUnder(join(result.tempDir, 'runner-temp'))).toEqual([]);
    });

    test('a build error on Depot does not fall back', async () => {
      api = await startDepotApi({
        error: {
          code: 'unknown',
          message: 'failed to solve: process "/bin/sh -c false" did not complete successfully',
        },
      });
      const result = await action(
        'build-push',
        {
          ...hello(`nofallback-${run}`),
          token: 'depot_e2e_token',
          project: 'prj_e2e',
          'buildx-fallback': 'true',
        },
        {
          DEPOT_API_URL: api.url,
          DEPOT_NO_UPDATE_NOTIFIER: '1',
          DEPOT_ERROR_TELEMETRY: '0',
          DEPOT_DISABLE_OTEL: '1',
        },
        [CLI_DIR],
      );
      expectExit(result, 1);
      expect(result.annotations.some((a) => a.message.includes('falling back'))).toBe(false);
      expect(await registryDigest('hello', `nofallback-${run}`)).toBeNull();
    });
  });

  test('bake pushes two targets that share a base, and each digest matches the registry', async () => {
    const result = await action(
      'bake',
      {
        engine: 'local',
        workdir: join(REPO_ROOT, 'test', 'fixtures', 'bake', 'e2e'),
        push: 'true',
        vars: `TAG=${run}\nBASE=${BASE}\nREGISTRY=${REGISTRY}`,
        set: '*.network=host',
      },
      {},
      [CLI_DIR],
    );
    expectExit(result, 0);
    const targets = JSON.parse(result.outputs.targets) as Record<
      string,
      { digest?: string; imageName?: string }
    >;
    expect(targets.app.digest).toBe(await registryDigest('bake-app', run));
    expect(targets.worker.digest).toBe(await registryDigest('bake-worker', run));
    expect(targets.app.digest).not.toBe(targets.worker.digest);
    expect(targets.app.imageName).toBe(`${REGISTRY}/bake-app:${run}`);
    expect(result.summary).toContain('| `app` |');
    expect(result.summary).toContain('| `worker` |');
    // The shared base was aliased only for the bake.
    const alias = spawnSync('docker', ['image', 'inspect', 'base'], { env: { ...process.env, DOCKER_HOST } });
    expect(alias.status).not.toBe(0);
    // The per-target image ID files went with the step's other files.
    expect(await filesUnder(join(result.tempDir, 'runner-temp'))).toEqual([]);
  });
});
