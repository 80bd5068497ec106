import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bakeSchema,
  planBake,
  readOptions,
  resolveBakeSource,
  validateBakeOptions,
  type BakeDefinition,
  renderDepot,
  renderLocal,
  type BakeSource,
  type CiContext,
  type Invocation,
  type LocalEngine,
} from '@depot-actions/core';
import { buildxEngine, CLASSIC, no, verdict, type Refused } from './local-engines';

const STEP = '/tmp/step';
const RUN = 'https://github.com/acme/app/actions/runs/9';
const local: BakeSource = { kind: 'local', cwd: '/work' };
const remote: BakeSource = { kind: 'remote', ref: 'https://github.com/acme/app.git#abc', cwd: '/work' };
const definition: BakeDefinition = {
  target: {
    app: { tags: ['a:1'] },
    worker: { attest: [{ type: 'provenance', mode: 'max' }] },
    local: { output: [{ type: 'docker' }] },
  },
};

function ci(env: Record<string, string> = { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' }): CiContext {
  return {
    provider: 'github',
    workspace: '/work',
    tempDir: '/tmp',
    env,
    runUrl: RUN,
    repositoryPrivate: false,
  };
}

async function plan(
  inputs: Record<string, string>,
  opts: { source?: BakeSource; def?: BakeDefinition; env?: Record<string, string> } = {},
) {
  const options = await readOptions(bakeSchema, (n) => inputs[n] ?? (n === 'workdir' ? '.' : ''));
  validateBakeOptions(options);
  const invocation = planBake({
    options,
    ci: ci(opts.env),
    source: opts.source ?? local,
    // A local source always has its definition read first; one plain target stands in for it.
    definition: opts.def ?? (opts.source ? undefined : { target: { app: { tags: ['a:1'] } } }),
    stepFiles: `${STEP}/`,
  });
  const depot = renderDepot(
    invocation,
    { kind: 'depot', path: '/bin/depot' },
    { source: 'token input', token: 'tok' },
  );
  return { ...depot, invocation };
}

const BUILDX = buildxEngine(['linux/amd64']);

function localArgv(invocation: Invocation, engine: LocalEngine): string[] | Refused {
  return verdict(invocation, engine, () =>
    engine.mode === 'buildx' ? flags(renderLocal(invocation, engine).args.slice(1)) : ['target by target'],
  );
}

/** argv without `bake` and the metadata file every run writes. */
const flags = (argv: string[]) =>
  argv.slice(1).filter((a, i, all) => a !== '--metadata-file' && all[i - 1] !== '--metadata-file');

// prettier-ignore
// Each row: inputs → the depot CLI's flags, then what docker buildx renders and whether docker's
// built-in builder can build it target by target, or the inputs they cannot honour.
const rows: [string, Record<string, string>, { source?: BakeSource; def?: BakeDefinition; env?: Record<string, string> }, string[], string[] | Refused, string[] | Refused][] = [
  ['nothing: the default group', {}, {}, [], [], ["target by target"]],
  ['targets last, comma and newline separated', { targets: 'app,worker\nbase' }, {}, ['app', 'worker', 'base'], ["app", "worker", "base"], ["target by target"]],
  ['a --file per file', { files: 'docker-bake.hcl,cwd://extra.json' }, {}, ['--file', 'docker-bake.hcl', '--file', 'cwd://extra.json'], ["--file", "docker-bake.hcl", "--file", "cwd://extra.json"], ["target by target"]],
  ['each --set exactly once, verbatim', { set: '*.platform=linux/amd64,linux/arm64\napp.output=type=image,"name=a,b",push=true' }, {}, ['--set', '*.platform=linux/amd64,linux/arm64', '--set', 'app.output=type=image,"name=a,b",push=true'], ["--set", "*.platform=linux/amd64,linux/arm64", "--set", "app.output=type=image,\"name=a,b\",push=true"], ["target by target"]],
  ['push exactly once', { push: 'true' }, {}, ['--push'], ["--push"], ["target by target"]],
  ['load', { load: 'true' }, {}, ['--load'], ["--load"], ["target by target"]],
  ['no-cache and pull', { 'no-cache': 'true', pull: 'true' }, {}, ['--no-cache', '--pull'], ["--no-cache", "--pull"], ["target by target"]],
  ['sbom', { sbom: 'true' }, {}, ['--sbom', 'true'], ["--sbom", "true"], no("sbom (needs docker buildx)")],
  ['provenance input applies to all', { provenance: 'mode=max' }, {}, ['--provenance', `mode=max,builder-id=${RUN}`], ["--provenance", "mode=max,builder-id=https://github.com/acme/app/actions/runs/9"], no("provenance (needs docker buildx)")],
  ['provenance false', { provenance: 'false' }, {}, ['--provenance', 'false'], ["--provenance", "false"], ["target by target"]],
  ['project', { project: 'prj' }, {}, ['--project', 'prj'], no("project (Depot only)"), no("project (Depot only)")],
  ['build-platform', { 'build-platform': 'linux/amd64' }, {}, ['--build-platform', 'linux/amd64'], no("build-platform (Depot only)"), no("build-platform (Depot only)")],
  ['lint', { lint: 'true', 'lint-fail-on': 'info' }, {}, ['--lint', '--lint-fail-on', 'info'], no("lint (Depot only), lint-fail-on (Depot only)"), no("lint (Depot only), lint-fail-on (Depot only)")],
  ['save and save-tag', { save: 'true', 'save-tag': 'v1' }, {}, ['--save', '--save-tag', 'v1'], no("save (Depot only), save-tag (Depot only)"), no("save (Depot only), save-tag (Depot only)")],
  ['sbom-dir', { 'sbom-dir': 'sboms' }, {}, ['--sbom-dir', 'sboms'], no("sbom-dir (Depot only)"), no("sbom-dir (Depot only)")],
  ['remote source first', {}, { source: remote }, ['https://github.com/acme/app.git#abc'], ["https://github.com/acme/app.git#abc"], no("source (a remote definition needs docker buildx)")],
  ['default provenance per target, skipping own provenance and docker exports', {}, { def: definition, env: {} }, ['--set', `app.attest=type=provenance,mode=max,builder-id=${RUN}`], ["--set", "app.attest=type=provenance,mode=max,builder-id=https://github.com/acme/app/actions/runs/9"], no("target \"worker\" attest (needs docker buildx)")],
  ['no default provenance when loading', { load: 'true' }, { def: definition, env: {} }, ['--load'], ["--load"], no("target \"worker\" attest (needs docker buildx)")],
  ['remote source: one default for all targets', {}, { source: remote, env: {} }, ['https://github.com/acme/app.git#abc', '--set', `*.attest=type=provenance,mode=max,builder-id=${RUN}`], ["https://github.com/acme/app.git#abc", "--set", "*.attest=type=provenance,mode=max,builder-id=https://github.com/acme/app/actions/runs/9"], no("source (a remote definition needs docker buildx)")],
  ['user sets come before the defaults', { set: 'app.tags=x' }, { def: definition, env: {} }, ['--set', 'app.tags=x', '--set', `app.attest=type=provenance,mode=max,builder-id=${RUN}`], ["--set", "app.tags=x", "--set", "app.attest=type=provenance,mode=max,builder-id=https://github.com/acme/app/actions/runs/9"], no("target \"worker\" attest (needs docker buildx)")],
  ['engine and fallback-timeout leave the depot argv alone', { engine: 'depot', 'fallback-timeout': '30' }, {}, [], [], ["target by target"]],
  ['ignored docker inputs add nothing', { allow: 'network.host', builder: 'b', call: 'build', 'buildx-fallback': 'true', 'dry-run': 'true' }, {}, [], [], ["target by target"]],
  ['order: files, bake flags, sets, Depot flags, targets', { targets: 't', files: 'f.hcl', push: 'true', project: 'p', set: 't.x=1' }, {}, ['--file', 'f.hcl', '--push', '--set', 't.x=1', '--project', 'p', 't'], no("project (Depot only)"), no("project (Depot only)")],
];

describe('planBake: options → invocation, as each engine renders it', () => {
  test.each(rows)('%s', async (_title, inputs, opts, depot, buildx, classic) => {
    const result = await plan(inputs, opts);
    expect(flags(result.args)).toEqual(depot);
    expect(localArgv(result.invocation, BUILDX)).toEqual(buildx);
    expect(localArgv(result.invocation, CLASSIC)).toEqual(classic);
    expect(result.args.filter((a) => a === '--metadata-file')).toHaveLength(1);
  });

  test('the table touches every input that shapes argv', () => {
    const used = new Set(rows.flatMap(([, inputs]) => Object.keys(inputs)));
    // Inputs that shape the environment or working directory are covered below.
    const elsewhere = ['token', 'vars', 'github-token', 'source', 'workdir'];
    expect(Object.keys(bakeSchema).filter((n) => !used.has(n) && !elsewhere.includes(n))).toEqual([]);
  });

  test('vars become the environment; the token and Git token are secret environment', async () => {
    const result = await plan(
      { vars: 'TAG=v1\nREGISTRY=r.example', 'github-token': 'ghs_x' },
      { source: remote },
    );
    expect(result.env).toEqual({
      TAG: 'v1',
      REGISTRY: 'r.example',
      DEPOT_TOKEN: 'tok',
      BUILDX_BAKE_GIT_AUTH_TOKEN: 'ghs_x',
    });
    expect(result.secretEnv).toEqual(['DEPOT_TOKEN', 'BUILDX_BAKE_GIT_AUTH_TOKEN']);
    expect(result.args.join(' ')).not.toMatch(/tok|ghs_x|v1/);
  });

  test('the Git token goes only to the CI own Git server', async () => {
    const elsewhere: BakeSource = {
      kind: 'remote',
      ref: 'https://git.example.com/acme/app.git#abc',
      cwd: '/work',
    };
    expect((await plan({ 'github-token': 'ghs_x' }, { source: elsewhere })).env).toEqual({
      DEPOT_TOKEN: 'tok',
    });
    const ssh: BakeSource = { kind: 'remote', ref: 'git@github.com:acme/app.git', cwd: '/work' };
    expect((await plan({ 'github-token': 'ghs_x' }, { source: ssh })).env.BUILDX_BAKE_GIT_AUTH_TOKEN).toBe(
      'ghs_x',
    );
  });

  test('the Git token is only for a remote source', async () => {
    expect((await plan({ 'github-token': 'ghs_x' })).env).toEqual({ DEPOT_TOKEN: 'tok' });
  });

  test('runs in the source directory', async () => {
    expect((await plan({}, { source: { kind: 'local', cwd: '/work/sub' } })).cwd).toBe('/work/sub');
  });
});

describe('validateBakeOptions', () => {
  const validate = async (inputs: Record<string, string>) =>
    validateBakeOptions(await readOptions(bakeSchema, (n) => inputs[n] ?? ''));
  test.each([
    [
      { set: 'noequals' },
      'Invalid value for input "set": "noequals". Expected targetpattern.key=value items',
    ],
    [{ set: 'nodot=1' }, 'Invalid value for input "set": "nodot=1".'],
    [{ vars: 'TAG' }, 'Invalid value for input "vars": "TAG".'],
    [{ call: 'check' }, 'depot bake supports only "build"'],
    [
      { 'lint-fail-on': 'x' },
      'Invalid value for input "lint-fail-on": "x". Expected one of error, warn, warning, info, none.',
    ],
  ])('%o', async (inputs, message) => {
    await expect(validate(inputs)).rejects.toThrow(message);
  });
  test('allow and builder warn', async () => {
    expect((await validate({ allow: 'network.host', builder: 'b' })).warnings).toEqual([
      'Input "builder" (b) is ignored: Depot chooses the builder for each build.',
      'Input "allow" (network.host) is ignored: depot bake has no --allow flag.',
    ]);
  });
});

describe('resolveBakeSource: no source', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'bake-source-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));
  const gh = (overrides: Partial<CiContext> = {}): CiContext => ({
    provider: 'github',
    repository: 'acme/app',
    serverUrl: 'https://github.com',
    sha: 'abc123',
    ref: 'refs/heads/main',
    workspace,
    tempDir: '/tmp',
    env: {},
    ...overrides,
  });

  test('no definition in the workspace (no checkout): the Git context of the commit, with a notice', () => {
    const source = resolveBakeSource('', '.', gh());
    expect(source).toMatchObject({
      kind: 'remote',
      ref: 'https://github.com/acme/app.git#abc123',
      cwd: workspace,
    });
    expect(source.notice).toMatch(/no bake definition .*as docker\/bake-action does/);
  });

  test.each(['docker-bake.hcl', 'compose.yaml', 'docker-compose.yml', 'docker-bake.json'])(
    'a %s in the workspace: the workspace, as depot/bake-action',
    (name) => {
      writeFileSync(join(workspace, name), '');
      expect(resolveBakeSource('', '.', gh())).toEqual({ kind: 'local', cwd: workspace });
    },
  );

  test('files: the workspace when one of them is there (cwd:// included), else the Git context', () => {
    writeFileSync(join(workspace, 'ci.hcl'), '');
    expect(resolveBakeSource('', '.', gh(), ['cwd://ci.hcl'])).toEqual({ kind: 'local', cwd: workspace });
    expect(resolveBakeSource('', '.', gh(), ['other.hcl'])).toMatchObject({ kind: 'remote' });
  });

  test('the Git context of a pull request head with DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF', () => {
    const ci = gh({
      ref: 'refs/pull/3/merge',
      pullRequestHeadSha: 'head789',
      env: { DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' },
    });
    expect(resolveBakeSource('', '.', ci)).toMatchObject({ ref: 'https://github.com/acme/app.git#head789' });
  });

  test('no Git context (not GitHub), or a workdir set: the workspace, checked as before', () => {
    expect(resolveBakeSource('', '.', gh({ repository: undefined }))).toEqual({
      kind: 'local',
      cwd: workspace,
    });
    expect(() => resolveBakeSource('', './missing', gh())).toThrow('Invalid value for input "workdir"');
  });
});
