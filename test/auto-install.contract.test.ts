// build-push and bake with no depot on PATH: the step installs the engine through the same
// verified install as the setup action (from the local release double), then runs it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { startNpmRegistry, type NpmRegistryDouble } from './doubles/npm-registry';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { REPO_ROOT, runAction } from './harness/runner';

const TOKEN = 'depot_autoinstall_token_3e4f5a';
let release: ReleaseServer;
let registry: NpmRegistryDouble;
let api: DepotApi;

beforeAll(async () => {
  release = await startReleaseServer({ versions: [REAL_DEPOT_VERSION] });
  registry = await startNpmRegistry({ versions: [REAL_DEPOT_VERSION] });
  api = await startDepotApi({ error: { code: 'permission_denied', message: 'project not found' } });
});
afterAll(async () => {
  await Promise.all([release.close(), registry.close(), api.close()]);
});

const env = () => ({
  DEPOT_RELEASE_URL: release.url,
  DEPOT_DOWNLOAD_URL: release.downloadUrl,
  npm_config_registry: registry.url,
  DEPOT_INSTALL_RETRY_DELAY_MS: '10',
  DEPOT_API_URL: api.url,
  DEPOT_NO_UPDATE_NOTIFIER: '1',
  DEPOT_ERROR_TELEMETRY: '0',
  DEPOT_DISABLE_OTEL: '1',
});

describe('auto-install when setup was forgotten', () => {
  test.each(['build-push', 'bake'])(
    '%s installs the tested CLI version, verified, and runs it',
    async (action) => {
      const before = release.requests.length;
      const inputs: Record<string, string> =
        action === 'bake'
          ? {
              token: TOKEN,
              project: 'prj_auto',
              workdir: join(REPO_ROOT, 'test', 'fixtures', 'bake', 'compose'),
              targets: 'api',
            }
          : { token: TOKEN, project: 'prj_auto', context: join(REPO_ROOT, 'examples', 'hello') };
      const result = await runAction(action, { inputs, env: env() });
      try {
        expect(result.main.stdout).toContain(
          `The depot CLI is not on PATH; installing depot ${REAL_DEPOT_VERSION}`,
        );
        expect(result.main.stdout).toMatch(
          new RegExp(`depot ${REAL_DEPOT_VERSION} \\(downloaded from 127\\.0\\.0\\.1:\\d+\\) in \\d+ ms`),
        );
        // The archive and its checksums came from the double; the binary landed in the tool cache.
        const paths = release.requests.slice(before);
        expect(paths).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/checksums\.txt$/),
            expect.stringMatching(/\.tar\.gz$/),
          ]),
        );
        expect(
          existsSync(join(result.tempDir, 'tool-cache', 'depot', REAL_DEPOT_VERSION, 'x64', 'depot')),
        ).toBe(true);
        // The installed real CLI ran and reached the API with the action's token and project.
        const create = api.requestsTo('CreateBuild').at(-1);
        expect(create?.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(fieldStrings(create?.body as ProtoMessage, [1])).toEqual(['prj_auto']);
        expect(result.main.exitCode).toBe(1);
        expect(result.annotations.find((a) => a.level === 'error')?.message).toContain(
          'permission_denied: project not found',
        );
      } finally {
        await result.cleanup();
      }
    },
  );

  test('a DEPOT_CLI_VERSION that is no version is named as such (this step has no version input)', async () => {
    const result = await runAction('build-push', {
      inputs: { token: TOKEN, context: '.' },
      env: { ...env(), DEPOT_CLI_VERSION: '2.x.1' },
    });
    try {
      expect(result.main.exitCode).toBe(1);
      const [error] = result.annotations.filter((a) => a.level === 'error');
      expect(error.message).toMatch(/^Invalid value for DEPOT_CLI_VERSION: "2\.x\.1"\. Expected latest, /);
    } finally {
      await result.cleanup();
    }
  });

  test('when nothing can be installed, the error names the setup action', async () => {
    const result = await runAction('build-push', {
      inputs: { token: TOKEN, context: '.' },
      env: {
        ...env(),
        DEPOT_RELEASE_URL: 'http://127.0.0.1:9',
        DEPOT_DOWNLOAD_URL: 'http://127.0.0.1:9',
        npm_config_registry: 'http://127.0.0.1:9',
      },
    });
    try {
      expect(result.main.exitCode).toBe(1);
      const [error] = result.annotations.filter((a) => a.level === 'error');
      expect(error.message).toMatch(/^Installing the depot CLI failed: /);
      expect(error.message).toMatch(/Hint: Add `- uses: .*actions\/setup@v1`/);
      expect(existsSync(join(result.tempDir, 'tool-cache', 'depot', REAL_DEPOT_VERSION))).toBe(false);
    } finally {
      await result.cleanup();
    }
  });
});
