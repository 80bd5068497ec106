import { describe, expect, test } from '@jest/globals';
import {
  buildSchema,
  describePlan,
  displayArg,
  planBuild,
  readOptions,
  type CiContext,
  type Credentials,
} from '@depot-actions/core';

const STEP = '/tmp/step';
const RUN_URL = 'https://github.com/acme/app/actions/runs/42';

/** A CI with no repository (so the context defaults to "."), and no default attestations. */
function ci(overrides: Partial<CiContext> = {}): CiContext {
  return {
    provider: 'github',
    workspace: '/work',
    tempDir: '/tmp',
    env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' },
    ...overrides,
  };
}
const github = (overrides: Partial<CiContext> = {}): CiContext =>
  ci({
    repository: 'acme/app',
    serverUrl: 'https://github.com',
    sha: 'abc123',
    ref: 'refs/heads/main',
    runUrl: RUN_URL,
    ...overrides,
  });

async function plan(inputs: Record<string, string>, context: CiContext = ci(), credentials?: Credentials) {
  const options = await readOptions(buildSchema, (name) => inputs[name] ?? '');
  return planBuild({
    options,
    ci: context,
    credentials: credentials ?? { source: 'token input', token: 'tok' },
    engine: { kind: 'depot', path: '/bin/depot' },
    stepDir: STEP,
  });
}

/** The argv without `build` and the two result files every build writes, so rows read as the inputs. */
function flags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--metadata-file' || argv[i] === '--iidfile') i++;
    else out.push(argv[i]);
  }
  return out;
}

// prettier-ignore
const rows: [string, Record<string, string>, CiContext, string[]][] = [
  ['no inputs builds the current directory', {}, ci(), ['.']],
  ['context path', { context: './app' }, ci(), ['./app']],
  ['file', { file: './app/Dockerfile.prod' }, ci(), ['--file', './app/Dockerfile.prod', '.']],
  ['target', { target: 'runtime' }, ci(), ['--target', 'runtime', '.']],
  ['tags split on commas and newlines', { tags: 'a/b:1,a/b:2\na/b:3' }, ci(), ['--tag', 'a/b:1', '--tag', 'a/b:2', '--tag', 'a/b:3', '.']],
  ['platforms joined into one flag', { platforms: 'linux/amd64,\nlinux/arm64' }, ci(), ['--platform', 'linux/amd64,linux/arm64', '.']],
  ['push', { push: 'true' }, ci(), ['--push', '.']],
  ['push False is off', { push: 'False' }, ci(), ['.']],
  ['load', { load: 'TRUE' }, ci(), ['--load', '.']],
  ['pull', { pull: 'true' }, ci(), ['--pull', '.']],
  ['no-cache', { 'no-cache': 'true' }, ci(), ['--no-cache', '.']],
  ['no-cache-filters', { 'no-cache-filters': 'deps,build' }, ci(), ['--no-cache-filter', 'deps', '--no-cache-filter', 'build', '.']],
  ['build-args keep commas', { 'build-args': 'A=1,2\nB=x' }, ci(), ['--build-arg', 'A=1,2', '--build-arg', 'B=x', '.']],
  ['build-args quoted multi-line value', { 'build-args': '"KEY=line1\nline2"\nB=2' }, ci(), ['--build-arg', 'KEY=line1\nline2', '--build-arg', 'B=2', '.']],
  ['labels', { labels: 'org.opencontainers.image.title=app\nteam=core' }, ci(), ['--label', 'org.opencontainers.image.title=app', '--label', 'team=core', '.']],
  ['annotations', { annotations: 'index:org.opencontainers.image.description=x' }, ci(), ['--annotation', 'index:org.opencontainers.image.description=x', '.']],
  ['add-hosts', { 'add-hosts': 'docker:10.180.0.1,db:10.0.0.2' }, ci(), ['--add-host', 'docker:10.180.0.1', '--add-host', 'db:10.0.0.2', '.']],
  ['allow', { allow: 'network.host,security.insecure' }, ci(), ['--allow', 'network.host', '--allow', 'security.insecure', '.']],
  ['attests', { attests: 'type=sbom,generator=image' }, ci(), ['--attest', 'type=sbom,generator=image', '.']],
  ['build-contexts', { 'build-contexts': 'base=docker-image://alpine:3\nsrc=./src' }, ci(), ['--build-context', 'base=docker-image://alpine:3', '--build-context', 'src=./src', '.']],
  ['cache-from and cache-to pass through', { 'cache-from': 'type=registry,ref=a/b:cache', 'cache-to': 'type=registry,ref=a/b:cache,mode=max' }, ci(), ['--cache-from', 'type=registry,ref=a/b:cache', '--cache-to', 'type=registry,ref=a/b:cache,mode=max', '.']],
  ['gha cache entries are removed', { 'cache-from': 'type=gha\ntype=registry,ref=a/b:c', 'cache-to': 'type=gha,mode=max' }, ci(), ['--cache-from', 'type=registry,ref=a/b:c', '.']],
  ['cgroup-parent', { 'cgroup-parent': 'ci.slice' }, ci(), ['--cgroup-parent', 'ci.slice', '.']],
  ['network', { network: 'host' }, ci(), ['--network', 'host', '.']],
  ['outputs keep quotes verbatim', { outputs: 'type=image,"name=a,b",push=true' }, ci(), ['--output', 'type=image,"name=a,b",push=true', '.']],
  ['shm-size', { 'shm-size': '2g' }, ci(), ['--shm-size', '2g', '.']],
  ['ssh, one entry per line', { ssh: 'default\nkeys=/a,/b' }, ci(), ['--ssh', 'default', '--ssh', 'keys=/a,/b', '.']],
  ['ulimit', { ulimit: 'nofile=1024:1024' }, ci(), ['--ulimit', 'nofile=1024:1024', '.']],
  ['sbom', { sbom: 'true' }, ci(), ['--sbom', 'true', '.']],
  ['sbom input wins over an sbom attest', { sbom: 'generator=x', attests: 'type=sbom\ntype=other' }, ci(), ['--attest', 'type=other', '--sbom', 'generator=x', '.']],
  ['secret-envs', { 'secret-envs': 'NPM=NPM_TOKEN,GH=GH_TOKEN' }, ci(), ['--secret', 'id=NPM,env=NPM_TOKEN', '--secret', 'id=GH,env=GH_TOKEN', '.']],
  ['secrets become 0600 files', { secrets: 'NPM=abc' }, ci(), ['--secret', `id=NPM,src=${STEP}/secret-1`, '.']],
  ['secret-files by path', { 'secret-files': 'KEY=/etc/hostname' }, ci(), ['--secret', 'id=KEY,src=/etc/hostname', '.']],
  ['buildx-fallback leaves the depot argv alone', { 'buildx-fallback': 'true' }, ci(), ['.']],
  ['engine and fallback-timeout leave the depot argv alone', { engine: 'depot', 'fallback-timeout': '30' }, ci(), ['.']],
  ['project', { project: 'abc123' }, ci(), ['--project', 'abc123', '.']],
  ['build-platform', { 'build-platform': 'linux/arm64' }, ci(), ['--build-platform', 'linux/arm64', '.']],
  ['lint and lint-fail-on', { lint: 'true', 'lint-fail-on': 'warn' }, ci(), ['--lint', '--lint-fail-on', 'warn', '.']],
  ['save with save-tag and save-tags, each tag once', { save: 'true', 'save-tag': 'v1', 'save-tags': 'v1,latest' }, ci(), ['--save', '--save-tag', 'v1', '--save-tag', 'latest', '.']],
  ['sbom-dir is a Depot flag', { 'sbom-dir': './sboms' }, ci(), ['--sbom-dir', './sboms', '.']],
  ['builder is ignored', { builder: 'mybuilder' }, ci(), ['.']],
  ['call build adds nothing', { call: 'build' }, ci(), ['.']],
  ['provenance true becomes the builder-id', { provenance: 'true' }, github(), ['--provenance', `builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`]],
  ['provenance false', { provenance: 'false' }, github(), ['--provenance', 'false', `https://github.com/acme/app.git#abc123`]],
  ['provenance attributes get the builder-id', { provenance: 'mode=max' }, github(), ['--provenance', `mode=max,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`]],
  ['default provenance, private repository', {}, github({ env: {}, repositoryPrivate: true }), ['--provenance', `mode=min,inline-only=true,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`]],
  ['default provenance, public repository', {}, github({ env: {}, repositoryPrivate: false }), ['--provenance', `mode=max,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`]],
  ['no default provenance with load', { load: 'true' }, github({ env: {}, repositoryPrivate: false }), ['--load', `https://github.com/acme/app.git#abc123`]],
  ['no default provenance with a docker output', { outputs: 'type=docker,dest=img.tar' }, github({ env: {} }), ['--output', 'type=docker,dest=img.tar', `https://github.com/acme/app.git#abc123`]],
  ['no default provenance when attests has one', { attests: 'type=provenance,mode=max' }, github({ env: {} }), ['--attest', 'type=provenance,mode=max', `https://github.com/acme/app.git#abc123`]],
  ['default Git context of a pull request uses its ref', {}, github({ ref: 'refs/pull/7/merge' }), ['https://github.com/acme/app.git#refs/pull/7/merge']],
  ['DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=true builds the pull request head commit', {}, github({ ref: 'refs/pull/7/merge', pullRequestHeadSha: 'def456', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' } }), ['https://github.com/acme/app.git#def456']],
  ['PR head without a head commit in the payload uses the head ref', {}, github({ ref: 'refs/pull/7/merge', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: '1' } }), ['https://github.com/acme/app.git#refs/pull/7/head']],
  ['DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=false keeps the merge ref', {}, github({ ref: 'refs/pull/7/merge', pullRequestHeadSha: 'def456', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'false' } }), ['https://github.com/acme/app.git#refs/pull/7/merge']],
  ['{{defaultContext}} with a subdirectory', { context: '{{defaultContext}}:docker' }, github(), ['https://github.com/acme/app.git#abc123:docker']],
  ['GIT_AUTH_TOKEN for the default Git context', { 'github-token': 'ghs_x' }, github(), ['--secret', `id=GIT_AUTH_TOKEN,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123']],
  ['no GIT_AUTH_TOKEN for a path context', { 'github-token': 'ghs_x', context: '.' }, github(), ['.']],
  ['a user GIT_AUTH_TOKEN secret wins', { 'github-token': 'ghs_x', secrets: 'GIT_AUTH_TOKEN=mine' }, github(), ['--secret', `id=GIT_AUTH_TOKEN,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123']],
  ['GitHub Enterprise server URL', {}, github({ serverUrl: 'https://ghe.example.com/' }), ['https://ghe.example.com/acme/app.git#abc123']],
  ['build-args without = pass through: the CLI takes the value from the environment', { 'build-args': 'NPM_TOKEN\nA=1' }, ci(), ['--build-arg', 'NPM_TOKEN', '--build-arg', 'A=1', '.']],
  ['lint-fail-on warning in any case, lower-cased as the CLI reads it', { lint: 'true', 'lint-fail-on': 'WARNING' }, ci(), ['--lint', '--lint-fail-on', 'warning', '.']],
  ['save-tag and save-tags without save are passed, as depot/build-push-action does', { 'save-tag': 'v1', 'save-tags': 'v2' }, ci(), ['--save-tag', 'v1', '--save-tag', 'v2', '.']],
  ['a list is trimmed as a whole before parsing: two tags', { tags: ' "a/b:1,a/b:2"' }, ci(), ['--tag', 'a/b:1', '--tag', 'a/b:2', '.']],
  ['a quoted docker output is still the docker exporter: no default provenance', { outputs: '"type=docker","dest=a b.tar"' }, github({ env: {}, repositoryPrivate: false }), ['--output', '"type=docker","dest=a b.tar"', `https://github.com/acme/app.git#abc123`]],
  ['an output with spaces around its type is the docker exporter', { outputs: 'dest=img.tar, type = docker' }, github({ env: {}, repositoryPrivate: false }), ['--output', 'dest=img.tar, type = docker', `https://github.com/acme/app.git#abc123`]],
  ['Depot flags come after the buildx flags, context last', { project: 'p', tags: 't', push: 'true', lint: 'true' }, ci(), ['--push', '--tag', 't', '--project', 'p', '--lint', '.']],
];

describe('planBuild: options → depot build argv', () => {
  test.each(rows)('%s', async (_title, inputs, context, expected) => {
    const result = await plan(inputs, context);
    expect(flags(result.args)).toEqual(expected);
    // No flag/value pair is ever passed twice.
    const pairs = result.args.slice(1).map((a, i, all) => (a.startsWith('--') ? `${a} ${all[i + 1]}` : ''));
    const repeated = pairs.filter((p, i) => p && !p.endsWith('undefined') && pairs.indexOf(p) !== i);
    expect(repeated).toEqual([]);
  });

  test('the table touches every input of the schema', () => {
    const used = new Set(rows.flatMap(([, inputs]) => Object.keys(inputs)));
    // token and dry-run do not change argv; they are covered by the step tests.
    const missing = Object.keys(buildSchema).filter(
      (name) => !used.has(name) && !['token', 'dry-run'].includes(name),
    );
    expect(missing).toEqual([]);
  });
});

describe('planBuild: files, environment and outputs', () => {
  test('result files: iidfile and metadata file live in the step directory', async () => {
    const result = await plan({});
    expect(result.args.slice(0, 5)).toEqual([
      'build',
      '--iidfile',
      `${STEP}/iidfile`,
      '--metadata-file',
      `${STEP}/metadata.json`,
    ]);
    expect(result.outputs).toEqual({ metadataFile: `${STEP}/metadata.json`, iidFile: `${STEP}/iidfile` });
  });

  test.each([
    'type=local,dest=out',
    'type=tar,dest=out.tar',
    './out',
    '-',
    '"type=local","dest=my dir"',
    'dest=out.tar, type=tar',
  ])('no iidfile with output %s', async (output) => {
    const result = await plan({ outputs: output });
    expect(result.args).not.toContain('--iidfile');
    expect(result.outputs.iidFile).toBeUndefined();
  });

  test.each([
    'type=image,name=a/b,push=true',
    '"type=registry","name=a/b:1,a/b:2"',
    'type=oci,dest=local.tar',
  ])('an iidfile with output %s (the name of a file is not its type)', async (output) => {
    expect((await plan({ outputs: output })).args).toContain('--iidfile');
  });

  test('secret values go to files and the token to the environment, never to argv', async () => {
    const result = await plan({ secrets: 'A=first\n"B=multi\nline"', 'github-token': 'ghs_tok' }, github(), {
      source: 'DEPOT_TOKEN',
      token: 'depot-secret-token',
    });
    expect(result.files).toEqual([
      { path: `${STEP}/secret-1`, purpose: 'secret A', content: 'first', secret: true },
      { path: `${STEP}/secret-2`, purpose: 'secret B', content: 'multi\nline', secret: true },
      { path: `${STEP}/secret-3`, purpose: 'secret GIT_AUTH_TOKEN', content: 'ghs_tok', secret: true },
    ]);
    expect(result.env).toEqual({ DEPOT_TOKEN: 'depot-secret-token' });
    expect(result.secretEnv).toEqual(['DEPOT_TOKEN']);
    const argv = result.args.join(' ');
    for (const secret of ['first', 'multi', 'ghs_tok', 'depot-secret-token'])
      expect(argv).not.toContain(secret);
  });

  test('secret-files are passed by path, not copied', async () => {
    const result = await plan({ 'secret-files': 'KEY=/etc/hostname' });
    expect(flags(result.args)).toEqual(['--secret', 'id=KEY,src=/etc/hostname', '.']);
    expect(result.files).toEqual([]);
  });

  test('gha cache removal is explained in a warning', async () => {
    const result = await plan({ 'cache-to': 'type=gha,mode=max' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/Removed cache-to entry "type=gha,mode=max": Depot keeps/);
  });

  test('without credentials the engine gets no token variable', async () => {
    const result = await plan({}, ci(), { source: 'none' });
    expect(result.env).toEqual({});
    expect(result.secretEnv).toEqual([]);
  });
});

describe('the printed plan', () => {
  test('keeps every value on its own line: newlines are escaped, never printed', async () => {
    const evil = 'x\n::warning::INJECTED\r::add-mask::y';
    const result = await plan({
      labels: `"a=${evil}"`,
      target: 'ok',
      'cache-to': `"type=gha,scope=${evil}"`,
    });
    const lines = describePlan(result, 'token input', { metadata: `${STEP}/metadata.json` });
    for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
    expect(lines[0]).toContain(`--label $'a=x\\n::warning::INJECTED\\r::add-mask::y'`);
    expect(lines.find((l) => l.startsWith('warning:'))).toContain('scope=x\\n::warning::INJECTED');
  });

  test.each([
    ['plain', 'plain'],
    ['with space', `'with space'`],
    [`it's`, `'it'\\''s'`],
    ['tab\there', `$'tab\\there'`],
    [`quote ' and \\ and \u0001`, `$'quote \\' and \\\\ and \\x01'`],
  ])('displayArg(%j) is %s', (arg, shown) => {
    expect(displayArg(arg)).toBe(shown);
  });
});
