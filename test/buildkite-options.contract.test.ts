// The depot plugin's options as the agent hands them over, each rule through a whole job (hooks →
// dist → the recording depot stub): list items kept whole, a null option failing with one line,
// typed values (numbers, booleans, maps), annotation contexts per job, and cleanup after a cancel.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { readStubRecords } from './harness/engine-stub';
import { cancelWhenDepotRuns, type CancelSignals } from './ci-entry/cancel';
import { agentPluginEnv } from './ci-entry/buildkite-agent';
import {
  DEPOT_PLUGIN,
  runPluginJob,
  type Json,
  type PluginJob,
  type PluginJobOptions,
} from './ci-entry/buildkite-job';
import { CI_STUB_DIR, DEPOT_STUB_DIR, filesIn, pathWith } from './ci-entry/helpers';

let issuer: OidcIssuer;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

const TOKEN = { DEPOT_TOKEN: 'depot_env_5e6f7a8b' };

async function job(
  config: Record<string, Json> | null,
  env: Record<string, string | undefined> = TOKEN,
  more: Partial<PluginJobOptions> = {},
): Promise<PluginJob> {
  const r = await runPluginJob({
    kind: 'command',
    config,
    env: { ...issuer.buildkiteEnv, ...env },
    path: pathWith(CI_STUB_DIR, DEPOT_STUB_DIR),
    ...more,
  });
  cleanups.push(r.cleanup);
  return r;
}

const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nAT8wggE7AgEAAkEAq7BFUpkGp3+Z\n-----END PRIVATE KEY-----';

describe('list options are read item by item', () => {
  for (const source of ['BUILDKITE_PLUGIN_CONFIGURATION', 'the _N variables'] as const) {
    test(`a multi-line secret or build-arg stays one item (${source})`, async () => {
      const config = {
        secrets: [`TLS_KEY=${PEM}`, 'NPM=token-1,with-comma'],
        'build-args': ['MULTI=line one\nline two', 'PLAIN=1'],
        tags: ['registry.example/app:1'],
      };
      const r = await job(config, {
        ...TOKEN,
        ...(source === 'the _N variables' ? { BUILDKITE_PLUGIN_CONFIGURATION: undefined } : {}),
      });
      expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
      expect(r.exitCode).toBe(0);
      const [call] = await readStubRecords(r.records);
      expect(call.argv.filter((a) => a === '--secret')).toHaveLength(2);
      expect(call.secretFiles.TLS_KEY).toBe(PEM);
      expect(call.secretFiles.NPM).toBe('token-1,with-comma');
      expect(call.argv).toEqual(
        expect.arrayContaining(['--build-arg', 'MULTI=line one\nline two', '--build-arg', 'PLAIN=1']),
      );
    });
  }
});

describe('the agent endpoint', () => {
  test('a BUILDKITE_AGENT_ENDPOINT that is no URL is one line naming it, not an unexpected failure', async () => {
    const r = await job(
      { tags: ['registry.example/app:1'] },
      { BUILDKITE_AGENT_ENDPOINT: 'agent.buildkite.com/v3' },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('BUILDKITE_AGENT_ENDPOINT is not an http(s) URL: "agent.buildkite.com/v3".');
    expect(r.stderr).not.toContain('Unexpected failure');
    expect(await readStubRecords(r.records)).toEqual([]);
  });
});

describe('list items with quotes', () => {
  // A quoted CSV field inside one item: checking it needs the CSV parser, as a quoted text does.
  test('an item with a quoted field is checked as CSV and passed on as written', async () => {
    const r = await job({ 'cache-to': ['type=local,"dest=/tmp/cache,1"'], tags: ['registry.example/app:1'] });
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(expect.arrayContaining(['--cache-to', 'type=local,"dest=/tmp/cache,1"']));
  });
});

describe('secrets in the log', () => {
  // A secret that contains one already known is a secret of its own, for our scrubbing and the agent's.
  test('a secret containing an earlier one is hidden whole; a short one is warned of', async () => {
    const r = await job(
      { secrets: ['A=abc', 'B=pass-word', 'C=pass-word-rest-secret'], tags: ['registry.example/app:1'] },
      { ...TOKEN, DEPOT_STUB_STDOUT: 'values: pass-word-rest-secret\n' },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('values: ***');
    expect(r.stdout + r.stderr).not.toContain('rest-secret');
    expect(r.stderr).toContain('A secret value of 3 character(s) is too short to hide in the log');
    const told = r.calls.filter((c) => c.argv[0] === 'redactor').length;
    expect(told).toBeGreaterThanOrEqual(2);
  });
});

describe('an empty (null) option', () => {
  test('the agent drops the configuration; the step fails with one line naming the option', async () => {
    const r = await job({ tags: null, push: true });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('The depot plugin\'s option "tags" is empty (tags: null)');
    expect(await readStubRecords(r.records)).toEqual([]);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('a null inside a list is named by its position', async () => {
    const r = await job({ tags: ['registry.example/app:1', null] });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('option "tags" is empty (tags[1]: null)');
  });

  test('BUILDKITE_PLUGINS names the plugin but no variable arrived: one line, nothing built', async () => {
    const r = await job(
      { push: true },
      {
        ...TOKEN,
        BUILDKITE_PLUGIN_CONFIGURATION: undefined,
        BUILDKITE_PLUGIN_DEPOT_PUSH: undefined,
        BUILDKITE_PLUGIN_NAME: undefined,
      },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('The agent passed no configuration for the depot plugin');
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('a plugin written without configuration builds with the defaults', async () => {
    const r = await job(null, { ...TOKEN });
    expect(r.exitCode).toBe(0);
    expect(await readStubRecords(r.records)).toHaveLength(1);
  });
});

describe('typed values, as plugin.yml states them', () => {
  test('provenance and sbom take an unquoted true or false; a quoted number passes as written', async () => {
    const r = await job({ provenance: false, sbom: true, target: '2', tags: ['registry.example/app:1'] });
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(
      expect.arrayContaining(['--provenance', 'false', '--sbom', 'true', '--target', '2']),
    );
  });

  test('fallback-timeout: 60 (a number) and "60" (a string) are accepted', async () => {
    for (const value of [60, '60']) {
      const r = await job({ 'fallback-timeout': value, 'buildx-fallback': true });
      expect(r.stderr).not.toMatch(/^Error:/m);
      expect(r.exitCode).toBe(0);
    }
  });

  test.each([
    [
      { 'fallback-timeout': 0 },
      'Invalid value for input "fallback-timeout": "0". Expected a whole number greater than 0',
    ],
    [{ push: 'true' }, 'Invalid value for input "push": "true". Expected true or false (unquoted)'],
    [
      { 'build-args': { id: 'x' } },
      'Invalid value for input "build-args": "{\\"id\\":\\"x\\"}". Expected a string or a list of strings',
    ],
    [{ engine: 'depto' }, 'Invalid value for input "engine": "depto". Expected one of auto, depot, local'],
    // A map where a list of ID=VALUE belongs: refused without printing the value it carries.
    [{ secrets: { NPM_TOKEN: 'npm_SuperSecret123' } }, 'Invalid value for input "secrets": (hidden, '],
    [{ tags: [1] }, 'Invalid value for input "tags": "[1]". Expected a string or a list of strings'],
    // YAML reads `save-tag: 1.10` as the number 1.1: refused rather than passed on changed.
    [{ 'save-tag': 1.1 }, 'Invalid value for input "save-tag": "1.1". Expected a string (quote a number'],
    // As the agent hands over a number YAML could not hold exactly (12345678901234567890).
    [{ project: 2 ** 64 }, 'Invalid value for input "project": "18446744073709552000".'],
    [{ target: true }, 'Invalid value for input "target": "true". Expected a string (quote'],
    // save-tag: 010 is 8 in YAML 1.1 and 10 in YAML 1.2: neither is what was written.
    [{ 'save-tag': 8 }, 'Invalid value for input "save-tag": "8". Expected a string (quote a number'],
  ] as [Record<string, Json>, string][])(
    '%j is refused with one error naming it',
    async (config, message) => {
      const r = await job(config);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr + r.stdout + JSON.stringify(r.calls)).not.toContain('npm_SuperSecret123');
      expect(await readStubRecords(r.records)).toEqual([]);
    },
  );
});

describe('annotations', () => {
  const contextOf = (r: PluginJob): string => {
    const call = r.calls.find((c) => c.argv[0] === 'annotate');
    if (!call) throw new Error('no annotation');
    return call.argv[call.argv.indexOf('--context') + 1];
  };

  test('the jobs of one parallel step get contexts of their own', async () => {
    const one = await job(
      {},
      { ...TOKEN, BUILDKITE_PARALLEL_JOB: '0', BUILDKITE_JOB_ID: '0190a1b2-0000-7000-8000-000000000001' },
    );
    const two = await job(
      {},
      { ...TOKEN, BUILDKITE_PARALLEL_JOB: '1', BUILDKITE_JOB_ID: '0190a1b2-0000-7000-8000-000000000002' },
    );
    expect(contextOf(one)).not.toBe(contextOf(two));
    expect(contextOf(one)).toBe('depot-build-image-0190a1b2-0000-7000-8000-000000000001');
  });

  test('a long step key keeps the context within 100 characters, job ID included', async () => {
    const r = await job(
      {},
      {
        ...TOKEN,
        BUILDKITE_STEP_KEY: 'k'.repeat(200),
        BUILDKITE_JOB_ID: '0190a1b2-0000-7000-8000-000000000003',
      },
    );
    const context = contextOf(r);
    expect(context.length).toBeLessThanOrEqual(100);
    expect(context.endsWith('-0190a1b2-0000-7000-8000-000000000003')).toBe(true);
  });

  test('secrets go to the redactor raw: redactor add --format none', async () => {
    const r = await job({ tags: 'registry.example/app:1' }, {});
    const redactor = r.calls.filter((c) => c.argv[0] === 'redactor');
    expect(redactor.length).toBeGreaterThan(0);
    for (const call of redactor) expect(call.argv).toEqual(['redactor', 'add', '--format', 'none']);
  });
});

describe('cancel', () => {
  /**
   * A build whose depot is still running (a secret file on disk) is cancelled as the agent does
   * it: SIGTERM to the hook's process group and SIGKILL two seconds later (or SIGKILL at once);
   * then the remaining hooks run. Returns the files seen in TMPDIR while depot ran.
   */
  async function cancelled(
    signals: CancelSignals,
    hooks?: PluginJobOptions['hooks'],
  ): Promise<{ r: PluginJob; during: string[] }> {
    let cancelled: Promise<string[]> = Promise.resolve([]);
    const r = await job({ secrets: [`TLS_KEY=${PEM}`], tags: 'registry.example/app:1' }, TOKEN, {
      hooks,
      stub: { DEPOT_STUB_SLEEP_MS: '30000' },
      onHookStart: (hook, pid, paths) => {
        if (hook === 'command') cancelled = cancelWhenDepotRuns(pid, paths, signals);
      },
    });
    return { r, during: await cancelled };
  }

  const secretFiles = (files: string[]): string[] => files.filter((f) => /secret/.test(f));

  // A cancelled Depot build is not a Depot failure: falling back would build and push during the
  // cancel, which is the opposite of what was asked.
  test('a cancel with buildx-fallback on stops: no local build, no push, no outputs', async () => {
    const dockerLog = join(mkdtempSync(join(tmpdir(), 'docker-log-')), 'calls');
    writeFileSync(dockerLog, '');
    cleanups.push(() => rmSync(dirname(dockerLog), { recursive: true, force: true }));
    let signalled: Promise<string[]> = Promise.resolve([]);
    const config = { 'buildx-fallback': true, push: true, tags: 'registry.example/app:1' };
    const r = await job(
      config,
      { ...TOKEN, DOCKER_STUB_LOG: dockerLog },
      {
        stub: { DEPOT_STUB_SLEEP_MS: '30000' },
        onHookStart: (hook, pid, paths) => {
          if (hook === 'command') signalled = cancelWhenDepotRuns(pid, paths, 'TERM then KILL');
        },
      },
    );
    await signalled;
    expect(readFileSync(dockerLog, 'utf8')).not.toMatch(/^(build|push|buildx)\b/m);
    expect(r.stderr).toContain('The step was cancelled (SIGTERM); the engine was stopped.');
    expect(r.stderr).not.toContain('falling back');
    expect(r.stdout).not.toContain('DEPOT_OUTPUT_');
    expect(r.results[1].exitCode).not.toBe(0);
  });

  test('SIGTERM, SIGKILL 2 s later, then pre-exit: no secret file is left', async () => {
    const { r, during } = await cancelled('TERM then KILL');
    expect(secretFiles(during)).not.toEqual([]);
    expect(r.results.map((h) => h.hook.split('/').at(-1))).toEqual(['environment', 'command', 'pre-exit']);
    expect(r.results[1].exitCode).not.toBe(0);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('SIGKILL at once: the secret file survives the kill and pre-exit removes it', async () => {
    const without = await cancelled('KILL', ['environment', 'command']);
    expect(secretFiles(filesIn(without.r.tmp))).not.toEqual([]);
    const { r, during } = await cancelled('KILL');
    expect(secretFiles(during)).not.toEqual([]);
    expect(filesIn(r.tmp)).toEqual([]);
  });
});

describe("the agent's variables, as its source makes them", () => {
  test('lists _N, maps _KEY, booleans, numbers as written, collapsed underscores; null drops all', () => {
    const env = agentPluginEnv(DEPOT_PLUGIN, {
      tags: ['a', 'b'],
      secrets: { 'my-id': 'v' },
      push: true,
      'fallback-timeout': 60,
      build__args: 'x',
    });
    expect(env).toMatchObject({
      BUILDKITE_PLUGIN_NAME: 'DEPOT',
      BUILDKITE_PLUGIN_DEPOT_TAGS_0: 'a',
      BUILDKITE_PLUGIN_DEPOT_TAGS_1: 'b',
      BUILDKITE_PLUGIN_DEPOT_SECRETS_MY_ID: 'v',
      BUILDKITE_PLUGIN_DEPOT_PUSH: 'true',
      BUILDKITE_PLUGIN_DEPOT_FALLBACK_TIMEOUT: '60',
      BUILDKITE_PLUGIN_DEPOT_BUILD__ARGS: 'x',
      BUILDKITE_PLUGIN_DEPOT_BUILD_ARGS: 'x',
    });
    expect(JSON.parse(env.BUILDKITE_PLUGIN_CONFIGURATION ?? '')).toMatchObject({ push: true });
    const dropped = agentPluginEnv(DEPOT_PLUGIN, { tags: null, push: true });
    expect(Object.keys(dropped)).toEqual(['BUILDKITE_PLUGINS']);
  });

  test('a map option read from the variables alone is refused, not ignored', async () => {
    const r = await job({ secrets: { id: 'x' } }, { ...TOKEN, BUILDKITE_PLUGIN_CONFIGURATION: undefined });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Invalid value for input "secrets"');
    expect(await readStubRecords(r.records)).toEqual([]);
  });
});
