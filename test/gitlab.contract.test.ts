// The GitLab front-end as a pipeline runs it: a template of packages/gitlab-component included with
// inputs (resolved and interpolated as GitLab does), the job's variables over GitLab's predefined
// variables, DEPOT_OIDC_TOKEN from `id_tokens` as a JWT of the local RS256 issuer, the job's script
// in `sh` (the template's own text, which unpacks and runs the bundle it carries) and then its
// after_script; against the recording depot stub, or the real depot CLI and the Depot API double.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { startOidcIssuer, type OidcIssuer } from './doubles/oidc-issuer';
import { fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { readStubRecords, stubEnv } from './harness/engine-stub';
import { REPO_ROOT } from './harness/runner';
import {
  DEPOT_STUB_DIR,
  expectNoSecrets,
  filesIn,
  INJECTION,
  pathWith,
  REAL_CLI_DIR,
  realCliEnv,
  runProcess,
  tempDir,
  type ProcessResult,
} from './ci-entry/helpers';
import {
  includeComponent,
  jobEnvironment,
  predefinedVariables,
  runJob,
  type InputValue,
} from './ci-entry/gitlab-job';
import { cancelWhenDepotRuns } from './ci-entry/cancel';
import { DEPOT_AUDIENCE } from '../scripts/generate-gitlab';

let issuer: OidcIssuer;
let jwt: string;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  jwt = await issuer.sign({
    aud: DEPOT_AUDIENCE,
    sub: 'project_path:acme/app:ref_type:branch:ref:main',
    project_path: 'acme/app',
    namespace_path: 'acme',
    ref: 'main',
    ref_type: 'branch',
  });
});
afterAll(() => issuer.close());
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface GitLabRun {
  job: Record<string, unknown>;
  env: Record<string, string | undefined>;
  script: ProcessResult;
  afterScript?: ProcessResult;
  log: string;
  work: string;
  project: string;
  tmp: string;
  records: string;
  out: string;
}

interface RunOptions {
  /** Project or group CI/CD variables (they outrank the job's YAML variables). */
  variables?: Record<string, string | undefined>;
  path?: string;
  /** The shell and its leading arguments (default `sh`). */
  shell?: string[];
  jobId?: string;
  tmp?: string;
  /** false: leave after_script to the test. */
  afterScript?: boolean;
  onStart?: (pid: number, paths: { tmp: string; records: string }) => void;
}

/** Includes the component with `inputs` and runs its job like a GitLab runner with a shell executor. */
async function runComponent(
  command: string,
  inputs: Record<string, InputValue>,
  options: RunOptions = {},
): Promise<GitLabRun> {
  const { dir: work, cleanup } = tempDir('gitlab-');
  cleanups.push(cleanup);
  const project = join(work, 'project');
  const tmp = options.tmp ?? join(work, 'tmp');
  mkdirSync(project);
  mkdirSync(tmp, { recursive: true });
  const records = join(work, 'records.jsonl');
  const { job } = includeComponent(command, inputs);
  const base = {
    PATH: options.path ?? pathWith(DEPOT_STUB_DIR),
    HOME: work,
    TMPDIR: tmp,
    ...predefinedVariables(project, options.jobId),
    ...stubEnv(records, {
      metadata: {
        'containerimage.digest': 'sha256:0123abcd',
        'depot.build': { buildID: 'bld_gl1', projectID: 'prj_gl' },
        note: "it's $(touch x) `y`",
      },
      buildUrl: 'https://depot.dev/orgs/acme/projects/prj_gl/builds/bld_gl1',
    }),
    ...options.variables,
  };
  const env = jobEnvironment(job, base, (aud) => {
    if (aud !== DEPOT_AUDIENCE) throw new Error(`unexpected ID token audience ${String(aud)}`);
    return jwt;
  });
  const r = await runJob(job, env, project, {
    shell: options.shell,
    afterScript: options.afterScript,
    onStart: options.onStart && ((pid) => options.onStart?.(pid, { tmp, records })),
  });
  const log = `${r.script.stdout}${r.script.stderr}${r.afterScript?.stdout ?? ''}${r.afterScript?.stderr ?? ''}`;
  return { ...r, job, env, log, work, project, tmp, records, out: join(project, '.depot') };
}

const artifact = (r: GitLabRun, name: string): string => readFileSync(join(r.out, name), 'utf8');

/** The dotenv report as GitLab reads it: one KEY=VALUE per line. */
function dotenv(r: GitLabRun, command: string): Record<string, string> {
  return Object.fromEntries(
    artifact(r, `depot-${command}.env`)
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('GitLab component: template → sh → entry point → depot', () => {
  test('user values reach depot verbatim, and nothing they contain runs', async () => {
    const r = await runComponent('build', {
      project: 'prj_gl',
      // A tag cannot carry shell text (it must be an image reference); the other inputs do.
      tags: 'registry.example/app:1,registry.example/app:2',
      'build-args': INJECTION.join('\n'),
      labels: 'org.example.note=a;b `c` $(d) "e"\nsecond=line two',
      target: '$(touch MARKER)',
      push: true,
    });
    expect(r.script.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.script.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.hasToken).toBe(true);
    for (const value of INJECTION) expect(call.argv).toContain(value);
    expect(call.argv).toContain('registry.example/app:2');
    expect(call.argv).toContain('org.example.note=a;b `c` $(d) "e"');
    expect(call.argv).toContain('second=line two');
    const at = call.argv.indexOf('--target');
    expect(call.argv.slice(at, at + 2)).toEqual(['--target', '$(touch MARKER)']);
    expect(call.argv).toContain('--push');
    expect(existsSync(join(r.project, 'MARKER'))).toBe(false);
    expect(r.script.stdout).toContain('Depot credentials: GitLab OIDC');
    // The bundle stays out of the engine's environment.
    expect(Object.keys(call.env)).not.toContain('DEPOT_COMPONENT_ENTRY');
  });

  test('CI/CD variables expand in inputs, as GitLab expands job variables; $$ is a literal $', async () => {
    const r = await runComponent(
      'build',
      { project: 'prj_gl', tags: '$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA', 'build-args': 'PRICE=$$5' },
      {
        variables: { CI_REGISTRY_IMAGE: 'registry.gitlab.example/acme/app', CI_COMMIT_SHORT_SHA: 'abc123de' },
      },
    );
    expect(r.script.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toContain('registry.gitlab.example/acme/app:abc123de');
    expect(call.argv).toContain('PRICE=$5');
  });

  test('outputs: a dotenv report of DEPOT_OUTPUT_*, a JSON file and a summary; nothing left behind', async () => {
    const r = await runComponent('build', { project: 'prj_gl', tags: 'registry.example/app:1' });
    expect(r.script.exitCode).toBe(0);
    const report = dotenv(r, 'build');
    expect(report.DEPOT_OUTPUT_BUILD_ID).toBe('bld_gl1');
    expect(report.DEPOT_OUTPUT_DIGEST).toBe('sha256:0123abcd');
    expect(report.DEPOT_OUTPUT_BUILD_URL).toBe('https://depot.dev/orgs/acme/projects/prj_gl/builds/bld_gl1');
    // Multi-line metadata JSON comes back on one line, equal as JSON.
    expect((JSON.parse(report.DEPOT_OUTPUT_METADATA) as Record<string, unknown>).note).toBe(
      "it's $(touch x) `y`",
    );
    // Names the depot CLI reads are never published.
    for (const name of ['DEPOT_BUILD_ID', 'DEPOT_PROJECT_ID', 'DEPOT_TOKEN'])
      expect(report[name]).toBeUndefined();
    const outputs = JSON.parse(artifact(r, 'depot-build-outputs.json')) as Record<string, string>;
    expect(outputs['project-id']).toBe('prj_gl');
    const summary = artifact(r, 'depot-build-summary.md');
    expect(summary).toContain('| Credentials | GitLab OIDC |');
    expect(summary).toContain('bld_gl1');
    expect(filesIn(r.tmp)).toEqual([]);
    expect(r.afterScript?.stdout).toContain('depot cleanup: removed 0 private directories.');
    expectNoSecrets([jwt], {
      log: r.log,
      summary,
      dotenv: artifact(r, 'depot-build.env'),
      outputs: JSON.stringify(outputs),
    });
  });

  test('the log: collapsible GitLab sections, no :: workflow commands, provenance from the job URL', async () => {
    const r = await runComponent('build', { project: 'prj_gl', 'dry-run': true }, { path: pathWith() });
    expect(r.script.exitCode).toBe(0);
    // GitLab's section lines: ESC[0K section_start|section_end :<time>:<name> CR ESC[0K.
    const esc = String.fromCharCode(27);
    const names = (kind: string): string[] =>
      [
        ...r.script.stdout.matchAll(
          new RegExp(`${esc}\\[0K${kind}:\\d+:([A-Za-z0-9_.-]+)\r${esc}\\[0K`, 'g'),
        ),
      ].map((m) => m[1]);
    const starts = names('section_start');
    const ends = names('section_end');
    expect(starts.length).toBeGreaterThan(0);
    expect(ends.sort()).toEqual([...starts].sort());
    expect(r.log).not.toMatch(/^::/m);
    // A private project: the minimal provenance, with this job as the builder.
    expect(r.script.stdout).toContain('builder-id=https://gitlab.example/acme/app/-/jobs/4242');
    expect(r.script.stdout).toContain('mode=min');
  });

  test('a public project gets full provenance', async () => {
    const r = await runComponent(
      'build',
      { project: 'prj_gl', 'dry-run': true },
      { path: pathWith(), variables: { CI_PROJECT_VISIBILITY: 'public' } },
    );
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain('mode=max');
  });

  test('DEPOT_TOKEN (a masked CI/CD variable) wins over the ID token and is never printed', async () => {
    const token = 'depot_gitlab_masked_9f8e7d6c';
    const r = await runComponent('build', { project: 'prj_gl' }, { variables: { DEPOT_TOKEN: token } });
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain('Depot credentials: DEPOT_TOKEN');
    expectNoSecrets([token, jwt], { log: r.log, summary: artifact(r, 'depot-build-summary.md') });
  });

  test('token names a variable: the named variable is read', async () => {
    const r = await runComponent(
      'build',
      { project: 'prj_gl', token: 'MY_DEPOT_TOKEN' },
      { variables: { MY_DEPOT_TOKEN: 'depot_named_7d6c5b4a' } },
    );
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain('Depot credentials: token input');
    expect(r.log).not.toContain('depot_named_7d6c5b4a');
  });

  test('bad input that passed GitLab (a project variable overriding the job variable): one line naming the input', async () => {
    const r = await runComponent(
      'build',
      { project: 'prj_gl' },
      { variables: { DEPOT_INPUT_PLATFORMS: 'linux/amd64,$(touch MARKER)', DEPOT_INPUT_PUSH: 'yes' } },
    );
    expect(r.script.exitCode).toBe(1);
    expect(r.script.stderr).toContain('Invalid value for input "push": "yes"');
    expect(await readStubRecords(r.records)).toEqual([]);
    expect(artifact(r, 'depot-build-summary.md')).toContain('Invalid value for input "push"');
    expect(existsSync(join(r.project, 'MARKER'))).toBe(false);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('bake reaches depot bake with its inputs (dry run)', async () => {
    const r = await runComponent(
      'bake',
      { files: 'docker-bake.hcl', targets: 'app', set: '*.args.NOTE=$(touch MARKER)', 'dry-run': true },
      { path: pathWith(), variables: { DEPOT_TOKEN: 'depot_env_1a2b3c4d' } },
    );
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain('Plan (dry run: nothing was run)');
    expect(r.script.stdout).toContain("'*.args.NOTE=$(touch MARKER)'");
    expect(existsSync(join(r.project, 'MARKER'))).toBe(false);
  });

  test('runs in busybox sh, as in the default node:*-alpine image', async () => {
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
    if (!busybox) throw new Error('busybox is needed for this test (Debian: busybox-static)');
    const r = await runComponent(
      'build',
      { project: 'prj_gl', target: '$(touch MARKER)' },
      { shell: [busybox, 'sh'] },
    );
    expect(r.log).not.toMatch(/^(Error|Warning):/m);
    expect(r.script.exitCode).toBe(0);
    expect(existsSync(join(r.project, 'MARKER'))).toBe(false);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('without node: one line saying what to fix', async () => {
    // The tools the script needs, but no node.
    const { dir: bin, cleanup } = tempDir('gitlab-bin-');
    cleanups.push(cleanup);
    for (const tool of ['mktemp', 'chmod', 'rm', 'find', 'id', 'wc'])
      symlinkSync(
        execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
        join(bin, tool),
      );
    const r = await runComponent('build', { project: 'prj_gl' }, { path: bin, shell: ['/bin/sh'] });
    expect(r.script.exitCode).toBe(1);
    expect(r.script.stderr).toContain(
      'depot component: Node.js 20 or later is required but node is not on PATH',
    );
    expect(filesIn(r.tmp)).toEqual([]);
  });
});

describe('GitLab component: install', () => {
  let release: ReleaseServer;
  beforeAll(async () => {
    release = await startReleaseServer({ versions: [REAL_DEPOT_VERSION] });
  });
  afterAll(() => release.close());

  test('installs the CLI and puts it on PATH for the job’s own script', async () => {
    const r = await runComponent(
      'install',
      {
        version: REAL_DEPOT_VERSION,
        'download-url': release.downloadUrl,
        script: ['depot --version', 'echo "token:${DEPOT_TOKEN:-unset}"'],
      },
      { path: pathWith(), variables: { DEPOT_RELEASE_URL: release.url, DEPOT_INSTALL_RETRY_DELAY_MS: '10' } },
    );
    expect(r.script.stderr).toBe('');
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain(`depot version ${REAL_DEPOT_VERSION}`);
    expect(r.script.stdout).toContain('token:unset');
    expect(dotenv(r, 'install').DEPOT_OUTPUT_VERSION).toBe(REAL_DEPOT_VERSION);
    expect(filesIn(r.tmp)).toEqual([]);
  });

  test('oidc: true checks the ID token and exports nothing: the depot CLI reads DEPOT_OIDC_TOKEN itself', async () => {
    const r = await runComponent(
      'install',
      {
        version: REAL_DEPOT_VERSION,
        oidc: true,
        'download-url': release.downloadUrl,
        script: ['echo "token:${DEPOT_TOKEN:-unset}"', '[ -n "$DEPOT_OIDC_TOKEN" ] && echo identity'],
      },
      { path: pathWith(), variables: { DEPOT_RELEASE_URL: release.url } },
    );
    expect(r.script.exitCode).toBe(0);
    expect(r.script.stdout).toContain('Depot credentials: GitLab OIDC (not exported');
    expect(r.script.stdout).toContain('token:unset\nidentity\n');
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt], { log: r.log, summary: artifact(r, 'depot-install-summary.md') });
  });
});

describe('GitLab component: cancel', () => {
  for (const signals of ['TERM then KILL', 'KILL'] as const) {
    test(`${signals}, then after_script: no secret file is left, another job’s directory stays`, async () => {
      const { dir: shared, cleanup } = tempDir('gitlab-shared-tmp-');
      cleanups.push(cleanup);
      // A job running beside this one on the same shell executor.
      const other = join(shared, 'depot-gitlab-job9999.AbCdEf');
      mkdirSync(other, { mode: 0o700 });
      let during: string[] = [];
      let signalled: Promise<void> = Promise.resolve();
      const r = await runComponent(
        'build',
        { project: 'prj_gl', secrets: 'TLS_KEY=s3cr3t-tls-key-value' },
        {
          tmp: shared,
          afterScript: false,
          variables: { DEPOT_TOKEN: 'depot_env_1a2b3c4d', DEPOT_STUB_SLEEP_MS: '30000' },
          onStart: (pid, paths) => {
            // GitLab's runner stops a cancelled job's processes with SIGTERM, then SIGKILL.
            signalled = cancelWhenDepotRuns(pid, paths, signals).then((files) => {
              during = files;
            });
          },
        },
      );
      await signalled;
      expect(r.script.exitCode).not.toBe(0);
      const mine = (): string[] => filesIn(shared).filter((f) => f.startsWith('depot-gitlab-job4242'));
      expect(during.filter((f) => f.startsWith('depot-gitlab-job4242') && /secret/.test(f))).not.toEqual([]);
      // Killed at once, nothing in the step could clean up: the files are there until after_script.
      if (signals === 'KILL') expect(mine().filter((f) => /secret/.test(f))).not.toEqual([]);
      const after = await runProcess(
        'sh',
        ['-c', (r.job.after_script as string[]).join('\n')],
        r.env,
        r.project,
      );
      expect(after.exitCode).toBe(0);
      expect(after.stdout).toMatch(/^depot cleanup: removed [01] private director(y|ies)\.$/m);
      expect(mine()).toEqual([]);
      expect(existsSync(other)).toBe(true);
      expect(`${r.log}${after.stdout}`).not.toContain('s3cr3t-tls-key-value');
    });
  }
});

describe('GitLab component with the real depot CLI', () => {
  let api: DepotApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('CreateBuild gets the GitLab ID token, project and tags; the API error is in the summary', async () => {
    const message = 'project prj_gitlab not found';
    api = await startDepotApi({ error: { code: 'permission_denied', message } });
    const tags = ['registry.example/hello:1', 'registry.example/hello:latest'];
    const { dir: home, cleanup } = tempDir('gitlab-home-');
    cleanups.push(cleanup);
    const r = await runComponent(
      'build',
      {
        project: 'prj_gitlab',
        tags: tags.join(','),
        push: true,
        context: join(REPO_ROOT, 'examples', 'hello'),
      },
      { path: pathWith(REAL_CLI_DIR), variables: realCliEnv(home, api.url) },
    );
    expect(r.script.exitCode).toBe(1);
    const [create] = api.requestsTo('CreateBuild');
    if (!create) throw new Error(`CreateBuild was not sent:\n${r.log}`);
    expect(create.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(fieldStrings(create.body as ProtoMessage, [1])).toEqual(['prj_gitlab']);
    expect(fieldStrings(create.body as ProtoMessage, [2, 2])).toEqual(tags);
    expect(r.script.stderr).toContain(`permission_denied: ${message}`);
    const summary = artifact(r, 'depot-build-summary.md');
    expect(summary).toContain('Depot build failed');
    expect(summary).toContain(`permission_denied: ${message}`);
    expectNoSecrets([jwt], { log: r.log, summary });
    expect(filesIn(r.tmp)).toEqual([]);
  });
});

describe('GitLab component: pull', () => {
  test('takes the build job’s DEPOT_OUTPUT_BUILD_ID from its dotenv report, then runs the job’s script', async () => {
    const build = await runComponent('build', { project: 'prj_gl', save: true });
    expect(build.script.exitCode).toBe(0);
    // GitLab hands the dotenv variables of earlier jobs to the jobs of later stages.
    const r = await runComponent(
      'pull',
      { tags: 'app:test', script: ['echo "script ran after pulling $DEPOT_OUTPUT_BUILD_ID"'] },
      { variables: dotenv(build, 'build') },
    );
    expect(r.script.stderr).not.toMatch(/^(Error|Warning):/m);
    expect(r.script.exitCode).toBe(0);
    const [call] = await readStubRecords(r.records);
    expect(call.argv).toEqual(['pull', '--progress=plain', '--tag=app:test', 'bld_gl1']);
    expect(call.hasToken).toBe(true);
    expect(r.log).toContain('Depot credentials: GitLab OIDC');
    expect(r.script.stdout).toContain('script ran after pulling bld_gl1');
    expect(dotenv(r, 'pull')).toEqual({ DEPOT_OUTPUT_BUILD_ID: 'bld_gl1', DEPOT_OUTPUT_TAGS: 'app:test' });
    const summary = artifact(r, 'depot-pull-summary.md');
    expect(summary).toContain('| Credentials | GitLab OIDC |');
    expect(filesIn(r.tmp)).toEqual([]);
    expectNoSecrets([jwt], { log: r.log, summary });
  });

  test('without build-id and no earlier job’s report: one line, neither depot nor the script runs', async () => {
    const r = await runComponent('pull', { script: ['echo SCRIPT-RAN'] });
    expect(r.script.exitCode).toBe(1);
    expect(r.script.stderr).toContain(
      'Error: No build to pull: the build-id input is empty, and no earlier depot build or bake job passed DEPOT_OUTPUT_BUILD_ID to this one.',
    );
    expect(r.script.stderr).toContain('needs: [<that job>]');
    expect(r.log).not.toContain('SCRIPT-RAN');
    expect(await readStubRecords(r.records)).toEqual([]);
  });

  test('with the real depot CLI: GetPullInfo carries the GitLab ID token; the refusal is in the summary', async () => {
    const api = await startDepotApi({ error: { code: 'not_found', message: 'build not found' } });
    cleanups.push(() => api.close());
    const { dir: home, cleanup } = tempDir('gitlab-home-');
    cleanups.push(cleanup);
    const r = await runComponent(
      'pull',
      { 'build-id': 'bld_missing', script: ['echo SCRIPT-RAN'] },
      { path: pathWith(REAL_CLI_DIR), variables: realCliEnv(home, api.url) },
    );
    expect(r.script.exitCode).toBe(1);
    const [request] = api.requests;
    if (!request) throw new Error(`the CLI sent nothing:\n${r.log}`);
    expect(request.method).toBe('GetPullInfo');
    expect(request.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(fieldStrings(request.body as ProtoMessage, [1])).toEqual(['bld_missing']);
    expect(r.script.stderr).toContain('Hint: Depot can pull only a build whose image it kept');
    expect(artifact(r, 'depot-pull-summary.md')).toContain('build not found');
    expect(r.log).not.toContain('SCRIPT-RAN');
    expectNoSecrets([jwt], { log: r.log });
    expect(filesIn(r.tmp)).toEqual([]);
  });
});
