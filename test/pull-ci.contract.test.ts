// The pull command of the CircleCI orb and of the Buildkite depot plugin, as their CIs run them:
// the orb's run.sh with PARAM_* variables and $BASH_ENV, the plugin's hooks with the agent's
// configuration; against the recording depot stub (argv, token by environment, outputs, the
// build-id an earlier orb step left, errors), and with the REAL depot CLI against the Depot API
// double (the pull request carries the CI's OIDC token and the build ID; the refusal is reported).
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { readStubRecords } from './harness/engine-stub';
import { exportedVariable, runOrbStep, type OrbRun } from './ci-entry/circleci-job';
import { runPluginJob, type Json, type PluginJob } from './ci-entry/buildkite-job';
import {
  CI_STUB_DIR,
  DEPOT_STUB_DIR,
  expectNoSecrets,
  filesIn,
  pathWith,
  REAL_CLI_DIR,
  realCliEnv,
  sha256,
  tempDir,
  type AgentCall,
} from './ci-entry/helpers';

let issuer: OidcIssuer;
let jwt: string;
const cleanups: (() => void | Promise<void>)[] = [];
const API_ERROR = { code: 'not_found', message: 'build not found' } as const;
const SAVE_HINT = 'Hint: Depot can pull only a build whose image it kept';

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

async function runOrb(...args: Parameters<typeof runOrbStep>): Promise<OrbRun> {
  const r = await runOrbStep(...args);
  cleanups.push(r.cleanup);
  return r;
}

async function runPlugin(
  config: Record<string, Json>,
  extra: Record<string, string | undefined> = {},
  path = pathWith(CI_STUB_DIR, DEPOT_STUB_DIR),
): Promise<PluginJob> {
  const job = await runPluginJob({
    kind: 'command',
    config,
    env: { ...issuer.buildkiteEnv, ...extra },
    path,
  });
  cleanups.push(job.cleanup);
  return job;
}

/** depot pull's argv for a build with every option set: flags as --flag=value, the build last. */
const fullArgv = (project: string, platform: string): string[] => [
  'pull',
  '--progress=plain',
  `--project=${project}`,
  `--platform=${platform}`,
  '--tag=app:test',
  '--tag=registry.example/app:ci',
  '--target=web',
  '--target=worker',
  'bld_9',
];

const annotations = (calls: AgentCall[]): AgentCall[] => calls.filter((c) => c.argv[0] === 'annotate');

async function startApi(): Promise<DepotApi> {
  const api = await startDepotApi({ error: API_ERROR });
  cleanups.push(() => api.close());
  return api;
}

/** The CLI's first request of a pull: GetPullInfo {1: build_id}, with the CI's token. */
function expectPullRequest(api: DepotApi, buildId: string, token: string, log: string): void {
  const [request] = api.requests;
  if (!request) throw new Error(`the CLI sent nothing:\n${log}`);
  expect(request.method).toBe('GetPullInfo');
  expect(fieldStrings(request.body as ProtoMessage, [1])).toEqual([buildId]);
  for (const r of api.requests) expect(r.headers.authorization).toBe(`Bearer ${token}`);
}

describe('CircleCI orb: pull', () => {
  test('depot pull gets every parameter as a --flag=value; outputs, summary, OIDC', async () => {
    const r = await runOrb(
      'pull',
      {
        BUILD_ID: 'bld_9',
        PROJECT: 'prj_orb',
        PLATFORM: 'linux/arm64',
        TAGS: 'app:test,registry.example/app:ci',
        TARGETS: 'web\nworker',
        TOKEN: 'DEPOT_TOKEN',
      },
      { CIRCLE_OIDC_TOKEN_V2: jwt },
    );
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(fullArgv('prj_orb', 'linux/arm64'));
    expect(call.hasToken).toBe(true);
    expect(r.stdout).toContain('Depot credentials: CircleCI OIDC');
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_BUILD_ID')).toBe('bld_9');
    expect(await exportedVariable(r, 'DEPOT_OUTPUT_TAGS')).toBe('app:test\nregistry.example/app:ci');
    const summary = readFileSync(join(r.outputDir, 'depot-pull-summary.md'), 'utf8');
    expect(summary).toContain('### ✅ Depot pull');
    expect(summary).toContain('| Build | `bld_9` |');
    expect(summary).toContain('| Credentials | CircleCI OIDC |');
    expect(JSON.parse(readFileSync(join(r.outputDir, 'depot-pull-outputs.json'), 'utf8'))).toEqual({
      'build-id': 'bld_9',
      tags: 'app:test\nregistry.example/app:ci',
    });
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt], { stdout: r.stdout, summary, BASH_ENV: readFileSync(r.bashEnv, 'utf8') });
  });

  test('without build_id, pull takes the build the earlier depot/build step of the job exported', async () => {
    const build = await runOrb('build', { PROJECT: 'prj_orb', SAVE: 'true' }, { CIRCLE_OIDC_TOKEN_V2: jwt });
    expect(build.exitCode).toBe(0);
    // The next step of the same job: CircleCI's bash sources the same $BASH_ENV first.
    const pull = await runOrb(
      'pull',
      { TAGS: 'app:test' },
      { CIRCLE_OIDC_TOKEN_V2: jwt, BASH_ENV: build.bashEnv },
    );
    expect(pull.exitCode).toBe(0);
    const [call] = await readStubRecords(pull.records);
    expect(call.argv).toEqual(['pull', '--progress=plain', '--tag=app:test', 'bld_orb1']);
  });

  test('without build_id and no earlier build: one line that says what to set, nothing run', async () => {
    const r = await runOrb('pull', {}, { CIRCLE_OIDC_TOKEN_V2: jwt, DEPOT_ACTIONS_BUILD_ID: 'bld_github' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'Error: No build to pull: the build_id parameter is empty, and no earlier depot/build or depot/bake step of this job exported DEPOT_OUTPUT_BUILD_ID.',
    );
    expect(r.stderr).toContain('Run depot/pull after depot/build (save: true)');
    expect(await readStubRecords(r.records)).toEqual([]);
    expect(readFileSync(join(r.outputDir, 'depot-pull-summary.md'), 'utf8')).toContain('No build to pull');
  });

  test('a bad value: one line naming the input and what is accepted, nothing run', async () => {
    const r = await runOrb(
      'pull',
      { BUILD_ID: 'bld_9', PLATFORM: 'linux//arm64' },
      { DEPOT_TOKEN: 'depot_env_1a2b' },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'Invalid value for input "platform": "linux//arm64". Expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.',
    );
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('with the real depot CLI: GetPullInfo carries the OIDC token; the refusal and hint are in the summary', async () => {
    const api = await startApi();
    const { dir: home, cleanup } = tempDir('circleci-home-');
    cleanups.push(cleanup);
    const r = await runOrb(
      'pull',
      { BUILD_ID: 'bld_missing', PLATFORM: 'linux/amd64' },
      // HOME is the CLI's throwaway one, so the step runs in the project directory itself.
      { ...realCliEnv(home, api.url), CIRCLE_OIDC_TOKEN_V2: jwt, CIRCLE_WORKING_DIRECTORY: undefined },
      pathWith(REAL_CLI_DIR),
    );
    expect(r.exitCode).toBe(1);
    expectPullRequest(api, 'bld_missing', jwt, `${r.stdout}${r.stderr}`);
    const summary = readFileSync(join(r.outputDir, 'depot-pull-summary.md'), 'utf8');
    expect(summary).toContain('Depot pull failed');
    expect(summary).toContain('build not found');
    expect(r.stderr).toContain(SAVE_HINT);
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt], { stdout: r.stdout, stderr: r.stderr, summary });
  });
});

describe('Buildkite depot plugin: command: pull', () => {
  test('depot pull gets the options; build-id as meta-data; a success annotation; OIDC redacted', async () => {
    const before = issuer.issued.length;
    const r = await runPlugin({
      command: 'pull',
      'build-id': 'bld_9',
      project: 'prj_bk',
      platform: 'linux/amd64',
      tags: ['app:test', 'registry.example/app:ci'],
      targets: 'web,worker',
    });
    expect(r.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('--- depot pull');
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(fullArgv('prj_bk', 'linux/amd64'));
    expect(call.hasToken).toBe(true);
    const token = issuer.issued[before];
    const metadata = r.calls.filter((c) => c.argv[0] === 'meta-data');
    expect(metadata.map((c) => [c.argv[2], c.stdin])).toEqual([
      ['depot-build-id', 'bld_9'],
      ['depot-tags', 'app:test\nregistry.example/app:ci'],
    ]);
    const [annotation] = annotations(r.calls);
    expect(annotation.argv).toEqual([
      'annotate',
      '--style',
      'success',
      '--context',
      `depot-pull-image-${issuer.buildkiteEnv.BUILDKITE_JOB_ID}`,
    ]);
    expect(annotation.stdin).toContain('| Credentials | Buildkite OIDC |');
    const redacted = r.calls.filter((c) => c.argv[0] === 'redactor').map((c) => c.stdinSha256);
    expect(redacted).toContain(sha256(token));
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([token], {
      stdout: r.stdout,
      stderr: r.stderr,
      calls: JSON.stringify(r.calls.filter((c) => c.argv[0] !== 'redactor')),
    });
  });

  test('build-id is required: one line and how to pull a saved tag; an error annotation', async () => {
    const r = await runPlugin({ command: 'pull', tags: 'app:test' }, { DEPOT_TOKEN: 'depot_env_5e6f7a8b' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      "Error: No build to pull: the depot plugin's pull command needs the build-id option.",
    );
    expect(r.stderr).toContain('save-tag: ci-${BUILDKITE_BUILD_NUMBER}');
    expect(annotations(r.calls)[0].argv[2]).toBe('error');
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('an option of build is refused for pull, with the options pull has', async () => {
    const r = await runPlugin(
      { command: 'pull', 'build-id': 'bld_9', push: true },
      { DEPOT_TOKEN: 'x_token_1' },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`The depot plugin's pull command has no option "push".`);
    expect(r.stderr).toContain(
      'Options of pull: command, build-id, project, platform, tags, targets, token.',
    );
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('with the real depot CLI: GetPullInfo carries the agent-issued token; the refusal is annotated', async () => {
    const api = await startApi();
    const { dir: home, cleanup } = tempDir('buildkite-home-');
    cleanups.push(cleanup);
    const before = issuer.issued.length;
    const r = await runPlugin(
      { command: 'pull', 'build-id': 'bld_missing' },
      realCliEnv(home, api.url),
      pathWith(CI_STUB_DIR, REAL_CLI_DIR),
    );
    expect(r.exitCode).toBe(1);
    const token = issuer.issued[before];
    expectPullRequest(api, 'bld_missing', token, `${r.stdout}${r.stderr}`);
    const [annotation] = annotations(r.calls);
    expect(annotation.argv[2]).toBe('error');
    expect(annotation.stdin).toContain('Depot pull failed');
    expect(annotation.stdin).toContain('build not found');
    expect(r.stderr).toContain(SAVE_HINT);
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([token], { stdout: r.stdout, stderr: r.stderr, annotation: annotation.stdin ?? '' });
  });
});
