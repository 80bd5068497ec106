// The bundled build-push action driving the REAL depot CLI (npm package @depot/cli-linux-x64)
// against a local h2c double of the Depot API: proves the CLI accepts the argv the action
// builds, receives the action's token, and that the action reports the API's answer clearly.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { fieldMessages, fieldStrings, fieldVarints, type ProtoMessage } from './doubles/protobuf';
import { allText, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');
const TOKEN = 'depot_contract_token_0f9e8d7c6b';
const PROJECT = 'prj_contract7';
const TAGS = ['registry.example/hello:1', 'registry.example/hello:latest'];

let api: DepotApi | undefined;
let result: ActionResult | undefined;
afterEach(async () => {
  await api?.close();
  await result?.cleanup();
  api = undefined;
  result = undefined;
});

/** Runs the bundled action with the real CLI first on PATH, pointed at the double. */
async function runWithRealCli(
  apiUrl: string,
  extra: { inputs?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<ActionResult> {
  return runAction('build-push', {
    inputs: {
      project: PROJECT,
      token: TOKEN,
      tags: TAGS.join(','),
      platforms: 'linux/amd64,linux/arm64',
      push: 'true',
      context: join(REPO_ROOT, 'examples', 'hello'),
      ...extra.inputs,
    },
    prependPath: [CLI_DIR],
    env: {
      ...extra.env,
      DEPOT_API_URL: apiUrl,
      // Keep the CLI on loopback and quiet: no update check, error telemetry or tracing.
      DEPOT_NO_UPDATE_NOTIFIER: '1',
      DEPOT_ERROR_TELEMETRY: '0',
      DEPOT_DISABLE_OTEL: '1',
      NO_COLOR: '1',
    },
  });
}

const visibleText = (r: ActionResult): string =>
  allText(r)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');

describe('build-push with the real depot CLI', () => {
  test('the CLI sends the action argv and token to CreateBuild, and the API error is reported', async () => {
    const message = `project ${PROJECT} not found`;
    api = await startDepotApi({ error: { code: 'permission_denied', message } });
    result = await runWithRealCli(api.url);

    expect(result.main.exitCode).toBe(1);
    expect(api.requests.map((r) => r.method)).toEqual(['CreateBuild']);
    const [create] = api.requests;
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = create.body as ProtoMessage;
    // CreateBuildRequest: 1 project_id, 2 BuildOptions {1 command, 2 tags, 3 outputs, 4 push}.
    expect(fieldStrings(body, [1])).toEqual([PROJECT]);
    expect(fieldStrings(body, [2, 2])).toEqual(TAGS);
    expect(fieldVarints(body, [2, 4])).toEqual([1n]);
    expect(fieldMessages(body, [2, 3]).map((o) => fieldStrings(o, [1])[0])).toEqual(['image']);

    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.message).toContain(`depot build failed with exit code 1: permission_denied: ${message}`);
    expect(error.message).toContain('Hint: Depot needs a project ID');
    expect(result.summary).toContain(`permission_denied: ${message}`);
    expect(result.summary).toMatch(/\| Engine \| depot \d+\.\d+\.\d+ \|/);
    expect(visibleText(result)).not.toContain(TOKEN);
  });

  test('with a build created, the CLI asks for one builder per platform and the link becomes an output', async () => {
    const buildUrl = 'https://depot.dev/orgs/acme/projects/prj_contract7/builds/bld_double';
    api = await startDepotApi({
      error: { code: 'resource_exhausted', message: 'Unable to acquire machine, please retry' },
      handlers: {
        // CreateBuildResponse: 1 build_id, 2 build_token, 5 build_url, 6 project_id.
        CreateBuild: () => ({
          message: [
            { field: 1, value: 'bld_double' },
            { field: 2, value: 'build-token-double' },
            { field: 5, value: buildUrl },
            { field: 6, value: PROJECT },
          ],
        }),
      },
    });
    result = await runWithRealCli(api.url);

    expect(result.main.exitCode).toBe(1);
    // GetBuildKitConnectionRequest: 2 BuilderPlatform (1 = amd64, 2 = arm64).
    const platforms = api
      .requestsTo('GetBuildKitConnection')
      .map((r) => fieldVarints(r.body as ProtoMessage, [2])[0]);
    expect([...new Set(platforms)].sort()).toEqual([1n, 2n]);
    expect(result.outputs['build-url']).toBe(buildUrl);
    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.message).toContain('Unable to acquire machine, please retry');
    expect(error.message).toContain('Hint: No builder was available');
    expect(result.summary).toContain('**Failure** (infrastructure)');
    expect(visibleText(result)).not.toContain(TOKEN);
  });

  test('secret paths with a comma reach the CLI as one field each (the CLI refuses them bare)', async () => {
    // A runner temp directory and a secret file whose paths hold a comma: buildx reads --secret
    // as CSV, so each path must arrive quoted or the CLI stops before it asks for a build.
    const dir = mkdtempSync(join(tmpdir(), 'secret-comma-'));
    const runnerTemp = join(dir, 'temp,1');
    const keyDir = join(dir, 'keys,2');
    mkdirSync(runnerTemp);
    mkdirSync(keyDir);
    writeFileSync(join(keyDir, 'key'), 'file-secret-value');
    try {
      api = await startDepotApi({ error: { code: 'permission_denied', message: 'stop here' } });
      result = await runWithRealCli(api.url, {
        inputs: { secrets: 'NPM=inline-secret-value', 'secret-files': `KEY=${join(keyDir, 'key')}` },
        env: { RUNNER_TEMP: runnerTemp },
      });
      expect(visibleText(result)).not.toContain('must be a key=value pair');
      expect(api.requests.map((r) => r.method)).toEqual(['CreateBuild']);
      expect(visibleText(result)).toContain(`"src=${join(keyDir, 'key')}"`);
      expect(visibleText(result)).not.toContain('inline-secret-value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
