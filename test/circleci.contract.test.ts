// The CircleCI front-end as the orb runs it: the orb's run.sh (with the packed entry point in
// DEPOT_ORB_ENTRY, as the packed orb passes it) → node → the recording depot stub, or the real
// depot CLI against the Depot API double, in a CircleCI-like environment (CIRCLECI, CIRCLE_*,
// BASH_ENV, CIRCLE_OIDC_TOKEN_V2 signed by the local issuer).
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { readStubRecords } from './harness/engine-stub';
import { exportedVariable, runOrbStep, type OrbRun } from './ci-entry/circleci-job';
import {
  expectNoSecrets,
  filesIn,
  ORB_SRC,
  pathWith,
  REAL_CLI_DIR,
  realCliEnv,
  runProcess,
  tempDir,
} from './ci-entry/helpers';

let issuer: OidcIssuer;
let jwt: string;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  jwt = await issuer.sign({
    aud: 'a1b2c3d4-org',
    sub: 'org/a1b2c3d4-org/project/p9-project/user/u1/vcs-origin/github.com/acme/app/vcs-ref/refs/heads/main',
  });
});
afterAll(() => issuer.close());
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Runs one orb command as a CircleCI step would (see runOrbStep); removed after the test. */
async function runOrb(...args: Parameters<typeof runOrbStep>): Promise<OrbRun> {
  const r = await runOrbStep(...args);
  cleanups.push(r.cleanup);
  return r;
}

const INJECTION = [
  'A=$(touch MARKER)',
  'B=`touch MARKER`',
  'C=x; touch MARKER',
  `D="quoted" 'single'`,
  'E=two words',
];

describe('CircleCI orb: run.sh → entry point → depot', () => {
  test('user values reach depot verbatim, and nothing they contain runs', async () => {
    const marker = (run: string): string => join(run, 'project', 'MARKER');
    const r = await runOrb(
      'build',
      {
        PROJECT: 'prj_orb',
        // A tag cannot carry shell text (it must be an image reference); the other inputs do.
        TAGS: 'registry.example/app:1,registry.example/app:2',
        BUILD_ARGS: INJECTION.join('\n'),
        LABELS: 'org.example.note=a;b `c` $(d) "e"\nsecond=line two',
        TARGET: '$(touch MARKER)',
        PUSH: '1',
        TOKEN: 'DEPOT_TOKEN',
      },
      { CIRCLE_OIDC_TOKEN_V2: jwt },
    );
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.hasToken).toBe(true);
    for (const value of INJECTION) expect(call.argv).toContain(value);
    expect(call.argv).toContain('registry.example/app:2');
    expect(call.argv).toContain('org.example.note=a;b `c` $(d) "e"');
    expect(call.argv).toContain('second=line two');
    expect(call.argv.slice(call.argv.indexOf('--target'), call.argv.indexOf('--target') + 2)).toEqual([
      '--target',
      '$(touch MARKER)',
    ]);
    expect(call.argv).toContain('--push');
    expect(existsSync(marker(r.work))).toBe(false);
    expect(r.stdout).toContain('Depot credentials: CircleCI OIDC');
  });

  test('outputs: shell-quoted DEPOT_OUTPUT_* exports, a JSON file and a summary; nothing left behind', async () => {
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb', TAGS: 'registry.example/app:1' },
      { CIRCLE_OIDC_TOKEN_V2: jwt },
    );
    expect(r.exitCode).toBe(0);
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_BUILD_ID')).toBe('bld_orb1');
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_DIGEST')).toBe('sha256:0123abcd');
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_BUILD_URL')).toBe(
      'https://depot.dev/orgs/acme/projects/prj_orb/builds/bld_orb1',
    );
    // Multi-line JSON with quotes, `$(...)` and backticks comes back exactly, and runs nothing.
    const metadata = JSON.parse(await exportedVariable(r, 'DEPOT_OUTPUT_METADATA')) as Record<
      string,
      unknown
    >;
    expect(metadata.note).toBe("it's $(touch x) `y`");
    expect(existsSync(join(r.work, 'x'))).toBe(false);
    // DEPOT_BUILD_ID would make the next depot build attach to this one: never exported.
    expect(await exportedVariable(r, 'DEPOT_BUILD_ID')).toBe('<unset>');
    const outputs = JSON.parse(readFileSync(join(r.outputDir, 'depot-build-outputs.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(outputs['build-id']).toBe('bld_orb1');
    expect(outputs['project-id']).toBe('prj_orb');
    const summary = readFileSync(join(r.outputDir, 'depot-build-summary.md'), 'utf8');
    expect(summary).toContain('| Credentials | CircleCI OIDC |');
    expect(summary).toContain('bld_orb1');
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt], {
      stdout: r.stdout,
      stderr: r.stderr,
      BASH_ENV: readFileSync(r.bashEnv, 'utf8'),
      summary,
      outputs: JSON.stringify(outputs),
    });
  });

  test('a BASH_ENV it cannot write to is a warning: the build stands and the summary is written', async () => {
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb', TAGS: 'registry.example/app:1' },
      { CIRCLE_OIDC_TOKEN_V2: jwt, BASH_ENV: '/nonexistent/dir/bash_env' },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('Warning: cannot write to BASH_ENV (/nonexistent/dir/bash_env)');
    expect(r.stderr).not.toMatch(/Unexpected| {4}at /);
    expect(readFileSync(join(r.outputDir, 'depot-build-summary.md'), 'utf8')).toContain('bld_orb1');
  });

  test("the engine's unfinished last line ends before the step's own lines; a short secret is warned of", async () => {
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb', TAGS: 'registry.example/app:1', SECRETS: 'PIN=abc' },
      { CIRCLE_OIDC_TOKEN_V2: jwt, DEPOT_STUB_STDOUT: 'last words, no newline' },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^last words, no newline\n/m);
    expect(r.stderr).toContain('A secret value of 3 character(s) is too short to hide in the log');
  });

  test('token is an env_var_name: the named variable is read, a bad name is refused', async () => {
    const named = await runOrb(
      'build',
      { PROJECT: 'p', TOKEN: 'MY_DEPOT_TOKEN' },
      { MY_DEPOT_TOKEN: 'depot_named_7d6c5b4a' },
    );
    expect(named.exitCode).toBe(0);
    expect(named.stdout).toContain('Depot credentials: token input');
    expect(named.stdout).not.toContain('depot_named_7d6c5b4a');
    const bad = await runOrb(
      'build',
      { PROJECT: 'p', TOKEN: 'X; touch MARKER' },
      { DEPOT_TOKEN: 'depot_env_1a2b3c4d' },
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('Invalid value for input "token": "X; touch MARKER"');
    expect(readFileSync(join(bad.outputDir, 'depot-build-summary.md'), 'utf8')).toContain(
      'Invalid value for input "token"',
    );
    expect(existsSync(join(bad.work, 'project', 'MARKER'))).toBe(false);
  });

  test('bad input: one line naming the input, no engine run, no :: workflow commands', async () => {
    const r = await runOrb('build', { PUSH: 'yes' }, { DEPOT_TOKEN: 'depot_env_1a2b3c4d' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Invalid value for input "push": "yes"');
    expect(await readStubRecords(r.records)).toEqual([]);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^::/m);
  });

  test('bake reaches depot bake with its inputs', async () => {
    const r = await runOrb(
      'bake',
      { FILES: 'docker-bake.hcl', TARGETS: 'app', SET: '*.args.NOTE=$(touch MARKER)', DRY_RUN: 'true' },
      { DEPOT_TOKEN: 'depot_env_1a2b3c4d' },
      pathWith(), // no depot on PATH: a dry run plans without reading the definition
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Plan (dry run: nothing was run)');
    expect(r.stdout).toContain("'*.args.NOTE=$(touch MARKER)'");
    expect(existsSync(join(r.work, 'project', 'MARKER'))).toBe(false);
  });
});

describe('CircleCI orb: install', () => {
  let release: ReleaseServer;
  beforeAll(async () => {
    release = await startReleaseServer({ versions: [REAL_DEPOT_VERSION] });
  });
  afterAll(() => release.close());

  test('installs the CLI and puts it on PATH for later steps through BASH_ENV', async () => {
    const r = await runOrb(
      'install',
      {
        VERSION: REAL_DEPOT_VERSION,
        OIDC: 'false',
        CONFIGURE_DOCKER: 'false',
        DOWNLOAD_URL: release.downloadUrl,
        CHECKSUM: '',
      },
      { DEPOT_RELEASE_URL: release.url, DEPOT_INSTALL_RETRY_DELAY_MS: '10' },
      pathWith(),
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const version = await runProcess(
      'bash',
      ['-c', '. "$BASH_ENV"; depot --version'],
      {
        PATH: pathWith(),
        BASH_ENV: r.bashEnv,
      },
      r.work,
    );
    expect(version.stdout).toContain(`depot version ${REAL_DEPOT_VERSION}`);
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_VERSION')).toBe(REAL_DEPOT_VERSION);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('oidc: true checks the identity and never exports the token', async () => {
    const r = await runOrb(
      'install',
      { VERSION: REAL_DEPOT_VERSION, OIDC: 'true', DOWNLOAD_URL: release.downloadUrl },
      { DEPOT_RELEASE_URL: release.url, CIRCLE_OIDC_TOKEN_V2: jwt },
      pathWith(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Depot credentials: CircleCI OIDC (not exported');
    expect(readFileSync(r.bashEnv, 'utf8')).not.toContain('DEPOT_TOKEN');
    expectNoSecrets([jwt], { stdout: r.stdout, stderr: r.stderr, BASH_ENV: readFileSync(r.bashEnv, 'utf8') });
  });

  // Best-effort, as depot/setup-action: the CLI is installed, and the warning says what to set up.
  test('oidc: true without an identity warns with what to set up, and installs', async () => {
    const r = await runOrb(
      'install',
      { VERSION: REAL_DEPOT_VERSION, OIDC: 'true', DOWNLOAD_URL: release.downloadUrl },
      { DEPOT_RELEASE_URL: release.url },
      pathWith(),
    );
    expect(r.exitCode).toBe(0);
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_VERSION')).toBe(REAL_DEPOT_VERSION);
    expect(r.stderr).toContain('oidc: this job has no OIDC identity to exchange for a Depot token.');
    expect(r.stderr).toContain('CircleCI trust relationship (organization ID and project ID)');
  });
});

describe('CircleCI orb with the real depot CLI', () => {
  let api: DepotApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('CreateBuild gets the CircleCI OIDC token, project and tags; the API error is in the summary', async () => {
    const message = 'project prj_circle not found';
    api = await startDepotApi({ error: { code: 'permission_denied', message } });
    const tags = ['registry.example/hello:1', 'registry.example/hello:latest'];
    const { dir: home, cleanup } = tempDir('circleci-home-');
    cleanups.push(cleanup);
    const r = await runOrb(
      'build',
      {
        PROJECT: 'prj_circle',
        TAGS: tags.join(','),
        PUSH: 'true',
        CONTEXT: join(ORB_SRC, '..', '..', '..', 'examples', 'hello'),
      },
      { ...realCliEnv(home, api.url), CIRCLE_OIDC_TOKEN_V2: jwt, CIRCLE_WORKING_DIRECTORY: undefined },
      pathWith(REAL_CLI_DIR),
    );
    expect(r.exitCode).toBe(1);
    const [create] = api.requestsTo('CreateBuild');
    if (!create) throw new Error(`CreateBuild was not sent:\n${r.stdout}\n${r.stderr}`);
    expect(create.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(fieldStrings(create.body as ProtoMessage, [1])).toEqual(['prj_circle']);
    expect(fieldStrings(create.body as ProtoMessage, [2, 2])).toEqual(tags);
    expect(r.stderr).toContain(`permission_denied: ${message}`);
    const summary = readFileSync(join(r.outputDir, 'depot-build-summary.md'), 'utf8');
    expect(summary).toContain('Depot build failed');
    expect(summary).toContain(`permission_denied: ${message}`);
    expectNoSecrets([jwt], {
      stdout: r.stdout,
      stderr: r.stderr,
      BASH_ENV: readFileSync(r.bashEnv, 'utf8'),
      summary,
    });
    expect(filesIn(r.tmp)).toEqual([]);
  });
});
