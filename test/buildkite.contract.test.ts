// The Buildkite front-end as the agent runs it: the plugin's hooks → node dist/index.js (the
// plugin's own copy of the bundle) → the recording depot stub, or the real depot CLI against the
// Depot API double, with a recording `buildkite-agent` on PATH and OIDC from the agent API double.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { readStubRecords } from './harness/engine-stub';
import { INSTALL_PLUGIN_DIR, runPluginJob, type Json, type PluginJob } from './ci-entry/buildkite-job';
import {
  CI_STUB_DIR,
  DEPOT_STUB_DIR,
  expectNoSecrets,
  filesIn,
  pathWith,
  PLUGIN_DIR,
  REAL_CLI_DIR,
  realCliEnv,
  sha256,
  tempDir,
  type AgentCall,
} from './ci-entry/helpers';

let issuer: OidcIssuer;
let JOB_ID = '';
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  JOB_ID = issuer.buildkiteEnv.BUILDKITE_JOB_ID;
});
afterAll(() => issuer.close());
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Runs a job with the plugin configured as `config`, as the agent would (see runPluginJob). */
async function runHook(
  kind: 'command' | 'install',
  config: Record<string, Json> | null,
  extra: Record<string, string | undefined> = {},
  path = pathWith(CI_STUB_DIR, DEPOT_STUB_DIR),
): Promise<PluginJob> {
  const job = await runPluginJob({ kind, config, env: { ...issuer.buildkiteEnv, ...extra }, path });
  cleanups.push(job.cleanup);
  return job;
}

const metadataOf = (calls: AgentCall[]): Record<string, string> =>
  Object.fromEntries(calls.filter((c) => c.argv[0] === 'meta-data').map((c) => [c.argv[2], c.stdin ?? '']));
const annotations = (calls: AgentCall[]): AgentCall[] => calls.filter((c) => c.argv[0] === 'annotate');

/** Everything the step wrote or handed the agent, except what went to the redactor. */
const visible = (r: PluginJob): Record<string, string> => ({
  stdout: r.stdout,
  stderr: r.stderr,
  'agent calls': JSON.stringify(r.calls.filter((c) => c.argv[0] !== 'redactor')),
});

const INJECTION = [
  'A=$(touch MARKER)',
  'B=`touch MARKER`',
  'C=x; touch MARKER',
  `D="quoted" 'single'`,
  'E=two words',
];

describe('Buildkite plugin: hooks → entry point → depot', () => {
  test('values from the configuration (YAML lists too) reach depot verbatim, and nothing runs', async () => {
    const r = await runHook('command', {
      command: 'build',
      project: 'prj_bk',
      // A tag cannot carry shell text (it must be an image reference); the other options do.
      tags: ['registry.example/app:1', 'registry.example/app:2'],
      'build-args': INJECTION,
      labels: 'note=a;b `c` $(d) "e"\nsecond=line two',
      target: '$(touch MARKER)',
      push: true,
    });
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    for (const value of INJECTION) expect(call.argv).toContain(value);
    expect(call.argv).toEqual(expect.arrayContaining(['--tag', 'registry.example/app:2', '--push']));
    expect(call.argv).toContain('note=a;b `c` $(d) "e"');
    expect(call.argv).toContain('$(touch MARKER)');
    expect(existsSync(join(r.work, 'checkout', 'MARKER'))).toBe(false);
  });

  test('without BUILDKITE_PLUGIN_CONFIGURATION, the agent variables (lists as _0, _1) are read', async () => {
    const config = {
      command: 'build',
      project: 'prj_bk',
      'build-args': ['X=1', 'Y=$(touch MARKER)'],
      push: false,
    };
    const r = await runHook('command', config, {
      BUILDKITE_PLUGIN_CONFIGURATION: undefined,
      DEPOT_TOKEN: 'depot_env_5e6f7a8b',
    });
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(
      expect.arrayContaining(['--build-arg', 'X=1', '--build-arg', 'Y=$(touch MARKER)']),
    );
    expect(call.argv).not.toContain('--push');
  });

  test('OIDC from the agent API; outputs as meta-data; a success annotation; the JWT only in the redactor', async () => {
    const before = issuer.issued.length;
    const r = await runHook('command', {
      command: 'build',
      project: 'prj_bk',
      tags: 'registry.example/app:1',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Depot credentials: Buildkite OIDC');
    const jwt = issuer.issued[before];
    expect(jwt).toBeDefined();
    expect((await readStubRecords(r.records))[0].hasToken).toBe(true);
    const redacted = r.calls
      .filter((c) => c.argv.join(' ') === 'redactor add --format none')
      .map((c) => c.stdinSha256);
    expect(redacted).toEqual(
      expect.arrayContaining([sha256(jwt), sha256(issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN)]),
    );
    const metadata = metadataOf(r.calls);
    expect(metadata['depot-build-id']).toBe('bld_bk1');
    expect(metadata['depot-project-id']).toBe('prj_bk');
    expect(metadata['depot-digest']).toBe('sha256:feedbeef');
    expect(metadata['depot-build-url']).toBe('https://depot.dev/orgs/acme/projects/prj_bk/builds/bld_bk1');
    expect(JSON.parse(metadata['depot-metadata'])).toMatchObject({ 'depot.build': { buildID: 'bld_bk1' } });
    const [annotation] = annotations(r.calls);
    expect(annotation.argv).toEqual([
      'annotate',
      '--style',
      'success',
      '--context',
      `depot-build-image-${JOB_ID}`,
    ]);
    expect(annotation.stdin).toContain('| Credentials | Buildkite OIDC |');
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt, issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN], visible(r));
  });

  test('an option the command does not have fails with the list of options', async () => {
    const r = await runHook('command', { command: 'bake', tags: 'x' }, { DEPOT_TOKEN: 'depot_env_5e6f7a8b' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`The depot plugin's bake command has no option "tags".`);
    const [annotation] = annotations(r.calls);
    expect(annotation.argv).toEqual([
      'annotate',
      '--style',
      'error',
      '--context',
      `depot-bake-image-${JOB_ID}`,
    ]);
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('a NUL byte in an option (the JSON configuration can carry one) is a one-line error', async () => {
    const r = await runHook(
      'command',
      { command: 'build' },
      {
        DEPOT_TOKEN: 'depot_env_5e6f7a8b',
        // The agent's JSON keeps the escape; no per-option variable can hold the byte itself.
        BUILDKITE_PLUGIN_CONFIGURATION: JSON.stringify({ command: 'build', target: 'app\u0000x' }),
      },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'Invalid value for input "target": "app\\u0000x". Expected a value without NUL bytes.',
    );
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('a bad value: one error naming the option, an error annotation, no :: workflow commands', async () => {
    const r = await runHook(
      'command',
      { command: 'build', push: 'yes' },
      { DEPOT_TOKEN: 'depot_env_5e6f7a8b' },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Invalid value for input "push": "yes"');
    expect(annotations(r.calls)[0].stdin).toContain('Invalid value for input "push"');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^::/m);
  });

  test('bake: the plan carries set values verbatim', async () => {
    const r = await runHook(
      'command',
      { command: 'bake', files: ['docker-bake.hcl'], set: ['*.args.NOTE=$(touch MARKER)'], 'dry-run': true },
      { DEPOT_TOKEN: 'depot_env_5e6f7a8b' },
      pathWith(CI_STUB_DIR),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("'*.args.NOTE=$(touch MARKER)'");
    expect(existsSync(join(r.work, 'checkout', 'MARKER'))).toBe(false);
  });
});

describe('Buildkite plugin with the real depot CLI', () => {
  let api: DepotApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('CreateBuild gets the agent-issued OIDC token, project and tags; the API error is annotated', async () => {
    const message = 'project prj_bk_real not found';
    api = await startDepotApi({ error: { code: 'permission_denied', message } });
    const { dir: home, cleanup } = tempDir('buildkite-home-');
    cleanups.push(cleanup);
    const tags = ['registry.example/hello:1', 'registry.example/hello:latest'];
    const before = issuer.issued.length;
    const r = await runHook(
      'command',
      {
        command: 'build',
        project: 'prj_bk_real',
        tags,
        push: true,
        context: join(PLUGIN_DIR, '..', '..', 'examples', 'hello'),
      },
      realCliEnv(home, api.url),
      pathWith(CI_STUB_DIR, REAL_CLI_DIR),
    );
    expect(r.exitCode).toBe(1);
    const jwt = issuer.issued[before];
    const [create] = api.requestsTo('CreateBuild');
    if (!create) throw new Error(`CreateBuild was not sent:\n${r.stdout}\n${r.stderr}`);
    expect(create.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(fieldStrings(create.body as ProtoMessage, [1])).toEqual(['prj_bk_real']);
    expect(fieldStrings(create.body as ProtoMessage, [2, 2])).toEqual(tags);
    const [annotation] = annotations(r.calls);
    expect(annotation.argv).toEqual([
      'annotate',
      '--style',
      'error',
      '--context',
      `depot-build-image-${JOB_ID}`,
    ]);
    expect(annotation.stdin).toContain('Depot build failed');
    expect(annotation.stdin).toContain(`permission_denied: ${message}`);
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt, issuer.buildkiteEnv.BUILDKITE_AGENT_ACCESS_TOKEN], visible(r));
  });
});

describe('Buildkite depot-install plugin', () => {
  let release: ReleaseServer;
  beforeAll(async () => {
    release = await startReleaseServer({ versions: [REAL_DEPOT_VERSION] });
  });
  afterAll(() => release.close());
  const releaseEnv = (): Record<string, string> => ({
    DEPOT_RELEASE_URL: release.url,
    DEPOT_INSTALL_RETRY_DELAY_MS: '10',
  });

  test('has no command hook: the agent runs the step command, which finds depot on PATH', async () => {
    expect(existsSync(join(INSTALL_PLUGIN_DIR, 'hooks', 'command'))).toBe(false);
    const r = await runHook(
      'install',
      { version: REAL_DEPOT_VERSION, 'download-url': release.downloadUrl },
      { ...releaseEnv(), BUILDKITE_COMMAND: 'depot --version && echo "step command ran"' },
      pathWith(CI_STUB_DIR),
    );
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`depot version ${REAL_DEPOT_VERSION}`);
    expect(r.stdout).toContain('step command ran');
    expect(r.stdout.match(/step command ran/g)).toHaveLength(1);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  // Best-effort, as depot/setup-action: the CLI is installed, and the warning says what to set up.
  test('oidc: true without an identity warns with the trust-relationship help, and installs', async () => {
    const r = await runHook(
      'install',
      { oidc: true, version: REAL_DEPOT_VERSION, 'download-url': release.downloadUrl },
      {
        ...releaseEnv(),
        BUILDKITE_AGENT_ACCESS_TOKEN: undefined,
        BUILDKITE_JOB_ID: undefined,
        BUILDKITE_COMMAND: 'depot --version',
      },
      pathWith(CI_STUB_DIR),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('oidc: this job has no OIDC identity to exchange for a Depot token.');
    expect(r.stderr).toContain('Buildkite trust relationship (organization slug and pipeline slug)');
    expect(r.stdout).toContain(`depot version ${REAL_DEPOT_VERSION}`);
    expect(filesIn(r.tmp)).toEqual([]);
  });
});
