import { describe, expect, test } from '@jest/globals';
import {
  buildSchema,
  describeInvocation,
  displayArg,
  planBuild,
  readOptions,
  renderDepot,
  renderLocal,
  type CiContext,
  type Credentials,
  type Invocation,
  type LocalEngine,
} from '@depot-actions/core';
import { buildxEngine, CLASSIC, no, verdict, type Refused } from './local-engines';

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

async function plan(inputs: Record<string, string>, context: CiContext = ci()): Promise<Invocation> {
  const options = await readOptions(buildSchema, (name) => inputs[name] ?? '');
  return planBuild({ options, ci: context, stepFiles: `${STEP}/` });
}

const TOKEN: Credentials = { source: 'token input', token: 'tok' };
const depotArgv = (invocation: Invocation, credentials = TOKEN) =>
  renderDepot(invocation, { kind: 'depot', path: '/bin/depot' }, credentials);

/** docker buildx on a builder for two platforms, and the 20.10 client's built-in builder on amd64. */
const BUILDX = buildxEngine(['linux/amd64', 'linux/arm64']);

function localArgv(invocation: Invocation, engine: LocalEngine): string[] | Refused {
  return verdict(invocation, engine, () => {
    const args = renderLocal(invocation, engine).args;
    return flags(['build', ...args.slice(engine.mode === 'buildx' ? 2 : 3)]);
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
// Each row: inputs → the depot CLI's flags, then what docker buildx and docker's built-in builder
// render, or the inputs they cannot honour (which refuse the step rather than build something else).
const rows: [string, Record<string, string>, CiContext, string[], string[] | Refused, string[] | Refused][] = [
  ['no inputs builds the current directory', {}, ci(), ['.'], ["."], ["."]],
  ['context path', { context: './app' }, ci(), ['./app'], ["./app"], ["./app"]],
  ['file', { file: './app/Dockerfile.prod' }, ci(), ['--file', './app/Dockerfile.prod', '.'], ["--file", "./app/Dockerfile.prod", "."], ["--file", "./app/Dockerfile.prod", "."]],
  ['target', { target: 'runtime' }, ci(), ['--target', 'runtime', '.'], ["--target", "runtime", "."], ["--target", "runtime", "."]],
  ['tags split on commas and newlines', { tags: 'a/b:1,a/b:2\na/b:3' }, ci(), ['--tag', 'a/b:1', '--tag', 'a/b:2', '--tag', 'a/b:3', '.'], ["--tag", "a/b:1", "--tag", "a/b:2", "--tag", "a/b:3", "."], ["--tag", "a/b:1", "--tag", "a/b:2", "--tag", "a/b:3", "."]],
  ['platforms joined into one flag', { platforms: 'linux/amd64,\nlinux/arm64' }, ci(), ['--platform', 'linux/amd64,linux/arm64', '.'], ["--platform", "linux/amd64,linux/arm64", "."], no('platforms linux/arm64 (this Docker engine builds linux/amd64), platforms (docker build without buildx builds one at a time)')],
  ['push', { push: 'true' }, ci(), ['--push', '.'], ["--push", "."], no('push (without tags there is nothing to push; set tags)')],
  ['push False is off', { push: 'False' }, ci(), ['.'], ["."], ["."]],
  ['load', { load: 'TRUE' }, ci(), ['--load', '.'], ["--load", "."], ["."]],
  ['pull', { pull: 'true' }, ci(), ['--pull', '.'], ["--pull", "."], ["--pull", "."]],
  ['no-cache', { 'no-cache': 'true' }, ci(), ['--no-cache', '.'], ["--no-cache", "."], ["--no-cache", "."]],
  ['no-cache-filters', { 'no-cache-filters': 'deps,build' }, ci(), ['--no-cache-filter', 'deps', '--no-cache-filter', 'build', '.'], ["--no-cache-filter", "deps", "--no-cache-filter", "build", "."], no('no-cache-filters (needs docker buildx)')],
  ['build-args keep commas', { 'build-args': 'A=1,2\nB=x' }, ci(), ['--build-arg', 'A=1,2', '--build-arg', 'B=x', '.'], ["--build-arg", "A=1,2", "--build-arg", "B=x", "."], ["--build-arg", "A=1,2", "--build-arg", "B=x", "."]],
  ['build-args quoted multi-line value', { 'build-args': '"KEY=line1\nline2"\nB=2' }, ci(), ['--build-arg', 'KEY=line1\nline2', '--build-arg', 'B=2', '.'], ["--build-arg", "KEY=line1\nline2", "--build-arg", "B=2", "."], ["--build-arg", "KEY=line1\nline2", "--build-arg", "B=2", "."]],
  ['labels', { labels: 'org.opencontainers.image.title=app\nteam=core' }, ci(), ['--label', 'org.opencontainers.image.title=app', '--label', 'team=core', '.'], ["--label", "org.opencontainers.image.title=app", "--label", "team=core", "."], ["--label", "org.opencontainers.image.title=app", "--label", "team=core", "."]],
  ['annotations', { annotations: 'index:org.opencontainers.image.description=x' }, ci(), ['--annotation', 'index:org.opencontainers.image.description=x', '.'], ["--annotation", "index:org.opencontainers.image.description=x", "."], no('annotations (needs docker buildx)')],
  ['add-hosts', { 'add-hosts': 'docker:10.180.0.1,db:10.0.0.2' }, ci(), ['--add-host', 'docker:10.180.0.1', '--add-host', 'db:10.0.0.2', '.'], ["--add-host", "docker:10.180.0.1", "--add-host", "db:10.0.0.2", "."], ["--add-host", "docker:10.180.0.1", "--add-host", "db:10.0.0.2", "."]],
  ['allow', { allow: 'network.host,security.insecure' }, ci(), ['--allow', 'network.host', '--allow', 'security.insecure', '.'], ["--allow", "network.host", "--allow", "security.insecure", "."], no('allow (needs docker buildx)')],
  ['attests', { attests: 'type=sbom,generator=image' }, ci(), ['--attest', 'type=sbom,generator=image', '.'], ["--attest", "type=sbom,generator=image", "."], no('attests (needs docker buildx)')],
  ['build-contexts', { 'build-contexts': 'base=docker-image://alpine:3\nsrc=./src' }, ci(), ['--build-context', 'base=docker-image://alpine:3', '--build-context', 'src=./src', '.'], ["--build-context", "base=docker-image://alpine:3", "--build-context", "src=./src", "."], no('build-contexts (needs docker buildx)')],
  ['cache-from and cache-to pass through', { 'cache-from': 'type=registry,ref=a/b:cache', 'cache-to': 'type=registry,ref=a/b:cache,mode=max' }, ci(), ['--cache-from', 'type=registry,ref=a/b:cache', '--cache-to', 'type=registry,ref=a/b:cache,mode=max', '.'], ["--cache-from", "type=registry,ref=a/b:cache", "--cache-to", "type=registry,ref=a/b:cache,mode=max", "."], no('cache-to (needs docker buildx)')],
  ['gha cache entries are removed', { 'cache-from': 'type=gha\ntype=registry,ref=a/b:c', 'cache-to': 'type=gha,mode=max' }, ci(), ['--cache-from', 'type=registry,ref=a/b:c', '.'], ["--cache-from", "type=registry,ref=a/b:c", "."], ["--cache-from", "type=registry,ref=a/b:c", "."]],
  ['cgroup-parent', { 'cgroup-parent': 'ci.slice' }, ci(), ['--cgroup-parent', 'ci.slice', '.'], ["--cgroup-parent", "ci.slice", "."], ["--cgroup-parent", "ci.slice", "."]],
  ['network', { network: 'host' }, ci(), ['--network', 'host', '.'], ["--network", "host", "."], ["--network", "host", "."]],
  ['outputs keep quotes verbatim', { outputs: 'type=image,"name=a,b",push=true' }, ci(), ['--output', 'type=image,"name=a,b",push=true', '.'], ["--output", "type=image,\"name=a,b\",push=true", "."], no('outputs (needs docker buildx)')],
  ['shm-size', { 'shm-size': '2g' }, ci(), ['--shm-size', '2g', '.'], ["--shm-size", "2g", "."], ["--shm-size", "2g", "."]],
  ['ssh, one entry per line', { ssh: 'default\nkeys=/a,/b' }, ci(), ['--ssh', 'default', '--ssh', 'keys=/a,/b', '.'], ["--ssh", "default", "--ssh", "keys=/a,/b", "."], ["--ssh", "default", "--ssh", "keys=/a,/b", "."]],
  ['ulimit', { ulimit: 'nofile=1024:1024' }, ci(), ['--ulimit', 'nofile=1024:1024', '.'], ["--ulimit", "nofile=1024:1024", "."], ["--ulimit", "nofile=1024:1024", "."]],
  ['sbom', { sbom: 'true' }, ci(), ['--sbom', 'true', '.'], ["--sbom", "true", "."], no('sbom (needs docker buildx)')],
  ['sbom input wins over an sbom attest', { sbom: 'generator=x', attests: 'type=sbom\ntype=other' }, ci(), ['--attest', 'type=other', '--sbom', 'generator=x', '.'], ["--attest", "type=other", "--sbom", "generator=x", "."], no('attests (needs docker buildx), sbom (needs docker buildx)')],
  ['secret-envs', { 'secret-envs': 'NPM=NPM_TOKEN,GH=GH_TOKEN' }, ci(), ['--secret', 'id=NPM,env=NPM_TOKEN', '--secret', 'id=GH,env=GH_TOKEN', '.'], ["--secret", "id=NPM,env=NPM_TOKEN", "--secret", "id=GH,env=GH_TOKEN", "."], ["--secret", "id=NPM,env=NPM_TOKEN", "--secret", "id=GH,env=GH_TOKEN", "."]],
  ['secrets become 0600 files', { secrets: 'NPM=abc' }, ci(), ['--secret', `id=NPM,src=${STEP}/secret-1`, '.'], ["--secret", "id=NPM,src=/tmp/step/secret-1", "."], ["--secret", "id=NPM,src=/tmp/step/secret-1", "."]],
  ['secret-files by path', { 'secret-files': 'KEY=/etc/hostname' }, ci(), ['--secret', 'id=KEY,src=/etc/hostname', '.'], ["--secret", "id=KEY,src=/etc/hostname", "."], ["--secret", "id=KEY,src=/etc/hostname", "."]],
  ['a secret path with a comma stays one CSV field', { 'secret-files': 'KEY=/data/a,b/key' }, ci(), ['--secret', 'id=KEY,"src=/data/a,b/key"', '.'], ["--secret", "id=KEY,\"src=/data/a,b/key\"", "."], ["--secret", "id=KEY,\"src=/data/a,b/key\"", "."]],
  ['buildx-fallback leaves the depot argv alone', { 'buildx-fallback': 'true' }, ci(), ['.'], ["."], ["."]],
  ['engine and fallback-timeout leave the depot argv alone', { engine: 'depot', 'fallback-timeout': '30' }, ci(), ['.'], ["."], ["."]],
  ['project', { project: 'abc123' }, ci(), ['--project', 'abc123', '.'], no('project (Depot only)'), no('project (Depot only)')],
  ['build-platform', { 'build-platform': 'linux/arm64' }, ci(), ['--build-platform', 'linux/arm64', '.'], no('build-platform (Depot only)'), no('build-platform (Depot only)')],
  ['lint and lint-fail-on', { lint: 'true', 'lint-fail-on': 'warn' }, ci(), ['--lint', '--lint-fail-on', 'warn', '.'], no('lint (Depot only), lint-fail-on (Depot only)'), no('lint (Depot only), lint-fail-on (Depot only)')],
  ['save with save-tag and save-tags, each tag once', { save: 'true', 'save-tag': 'v1', 'save-tags': 'v1,latest' }, ci(), ['--save', '--save-tag', 'v1', '--save-tag', 'latest', '.'], no('save (Depot only), save-tag/save-tags (Depot only)'), no('save (Depot only), save-tag/save-tags (Depot only)')],
  ['sbom-dir is a Depot flag', { 'sbom-dir': './sboms' }, ci(), ['--sbom-dir', './sboms', '.'], no('sbom-dir (Depot only)'), no('sbom-dir (Depot only)')],
  ['builder is ignored', { builder: 'mybuilder' }, ci(), ['.'], ["."], ["."]],
  ['call build adds nothing', { call: 'build' }, ci(), ['.'], ["."], ["."]],
  ['provenance true becomes the builder-id', { provenance: 'true' }, github(), ['--provenance', `builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`], ["--provenance", "builder-id=https://github.com/acme/app/actions/runs/42", "https://github.com/acme/app.git#abc123"], no('provenance (needs docker buildx)')],
  ['provenance false', { provenance: 'false' }, github(), ['--provenance', 'false', `https://github.com/acme/app.git#abc123`], ["--provenance", "false", "https://github.com/acme/app.git#abc123"], ["https://github.com/acme/app.git#abc123"]],
  ['provenance attributes get the builder-id', { provenance: 'mode=max' }, github(), ['--provenance', `mode=max,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`], ["--provenance", "mode=max,builder-id=https://github.com/acme/app/actions/runs/42", "https://github.com/acme/app.git#abc123"], no('provenance (needs docker buildx)')],
  ['a builder-id of the user\'s own is kept, spaced or quoted', { provenance: 'mode=max, builder-id=https://ci.example/b' }, github(), ['--provenance', 'mode=max, builder-id=https://ci.example/b', `https://github.com/acme/app.git#abc123`], ["--provenance", "mode=max, builder-id=https://ci.example/b", "https://github.com/acme/app.git#abc123"], no('provenance (needs docker buildx)')],
  ['default provenance, private repository', {}, github({ env: {}, repositoryPrivate: true }), ['--provenance', `mode=min,inline-only=true,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`], ["--provenance", "mode=min,inline-only=true,builder-id=https://github.com/acme/app/actions/runs/42", "https://github.com/acme/app.git#abc123"], ["https://github.com/acme/app.git#abc123"]],
  ['default provenance, public repository', {}, github({ env: {}, repositoryPrivate: false }), ['--provenance', `mode=max,builder-id=${RUN_URL}`, `https://github.com/acme/app.git#abc123`], ["--provenance", "mode=max,builder-id=https://github.com/acme/app/actions/runs/42", "https://github.com/acme/app.git#abc123"], ["https://github.com/acme/app.git#abc123"]],
  ['no default provenance with load', { load: 'true' }, github({ env: {}, repositoryPrivate: false }), ['--load', `https://github.com/acme/app.git#abc123`], ["--load", "https://github.com/acme/app.git#abc123"], ["https://github.com/acme/app.git#abc123"]],
  ['no default provenance with a docker output', { outputs: 'type=docker,dest=img.tar' }, github({ env: {} }), ['--output', 'type=docker,dest=img.tar', `https://github.com/acme/app.git#abc123`], ["--output", "type=docker,dest=img.tar", "https://github.com/acme/app.git#abc123"], no('outputs (needs docker buildx)')],
  ['no default provenance when attests has one', { attests: 'type=provenance,mode=max' }, github({ env: {} }), ['--attest', 'type=provenance,mode=max', `https://github.com/acme/app.git#abc123`], ["--attest", "type=provenance,mode=max", "https://github.com/acme/app.git#abc123"], no('attests (needs docker buildx)')],
  ['default Git context of a pull request uses its ref', {}, github({ ref: 'refs/pull/7/merge' }), ['https://github.com/acme/app.git#refs/pull/7/merge'], ["https://github.com/acme/app.git#refs/pull/7/merge"], ["https://github.com/acme/app.git#refs/pull/7/merge"]],
  ['{{defaultContext}} with a subdirectory', { context: '{{defaultContext}}:docker' }, github(), ['https://github.com/acme/app.git#abc123:docker'], ["https://github.com/acme/app.git#abc123:docker"], ["https://github.com/acme/app.git#abc123:docker"]],
  ['GIT_AUTH_TOKEN for the default Git context', { 'github-token': 'ghs_x' }, github(), ['--secret', `id=GIT_AUTH_TOKEN.github.com,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123'], ["--secret", "id=GIT_AUTH_TOKEN.github.com,src=/tmp/step/secret-1", "https://github.com/acme/app.git#abc123"], ["--secret", "id=GIT_AUTH_TOKEN.github.com,src=/tmp/step/secret-1", "https://github.com/acme/app.git#abc123"]],
  ['GIT_AUTH_TOKEN is scoped to the GitHub Enterprise host', { 'github-token': 'ghs_x' }, github({ serverUrl: 'https://GHE.example.com:8443' }), ['--secret', `id=GIT_AUTH_TOKEN.ghe.example.com:8443,src=${STEP}/secret-1`, 'https://GHE.example.com:8443/acme/app.git#abc123'], ['--secret', `id=GIT_AUTH_TOKEN.ghe.example.com:8443,src=${STEP}/secret-1`, 'https://GHE.example.com:8443/acme/app.git#abc123'], ['--secret', `id=GIT_AUTH_TOKEN.ghe.example.com:8443,src=${STEP}/secret-1`, 'https://GHE.example.com:8443/acme/app.git#abc123']],
  ['a user host-scoped GIT_AUTH_TOKEN secret wins', { 'github-token': 'ghs_x', secrets: 'GIT_AUTH_TOKEN.github.com=mine' }, github(), ['--secret', `id=GIT_AUTH_TOKEN.github.com,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123'], ['--secret', `id=GIT_AUTH_TOKEN.github.com,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123'], ['--secret', `id=GIT_AUTH_TOKEN.github.com,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123']],
  ['no GIT_AUTH_TOKEN for a path context', { 'github-token': 'ghs_x', context: '.' }, github(), ['.'], ["."], ["."]],
  ['a user GIT_AUTH_TOKEN secret wins', { 'github-token': 'ghs_x', secrets: 'GIT_AUTH_TOKEN=mine' }, github(), ['--secret', `id=GIT_AUTH_TOKEN,src=${STEP}/secret-1`, 'https://github.com/acme/app.git#abc123'], ["--secret", "id=GIT_AUTH_TOKEN,src=/tmp/step/secret-1", "https://github.com/acme/app.git#abc123"], ["--secret", "id=GIT_AUTH_TOKEN,src=/tmp/step/secret-1", "https://github.com/acme/app.git#abc123"]],
  ['GitHub Enterprise server URL', {}, github({ serverUrl: 'https://ghe.example.com/' }), ['https://ghe.example.com/acme/app.git#abc123'], ["https://ghe.example.com/acme/app.git#abc123"], ["https://ghe.example.com/acme/app.git#abc123"]],
  ['build-args without = pass through: the CLI takes the value from the environment', { 'build-args': 'NPM_TOKEN\nA=1' }, ci(), ['--build-arg', 'NPM_TOKEN', '--build-arg', 'A=1', '.'], ['--build-arg', 'NPM_TOKEN', '--build-arg', 'A=1', '.'], ['--build-arg', 'NPM_TOKEN', '--build-arg', 'A=1', '.']],
  ['lint-fail-on warning in any case, lower-cased as the CLI reads it', { lint: 'true', 'lint-fail-on': 'WARNING' }, ci(), ['--lint', '--lint-fail-on', 'warning', '.'], no('lint (Depot only), lint-fail-on (Depot only)'), no('lint (Depot only), lint-fail-on (Depot only)')],
  ['save-tag and save-tags without save are passed, as depot/build-push-action does', { 'save-tag': 'v1', 'save-tags': 'v2' }, ci(), ['--save-tag', 'v1', '--save-tag', 'v2', '.'], no('save-tag/save-tags (Depot only)'), no('save-tag/save-tags (Depot only)')],
  ['a list is trimmed as a whole before parsing: two tags', { tags: ' "a/b:1,a/b:2"' }, ci(), ['--tag', 'a/b:1', '--tag', 'a/b:2', '.'], ['--tag', 'a/b:1', '--tag', 'a/b:2', '.'], ['--tag', 'a/b:1', '--tag', 'a/b:2', '.']],
  ['a quoted docker output is the docker exporter: no default provenance', { outputs: '"type=docker","dest=a b.tar"' }, github({ env: {}, repositoryPrivate: false }), ['--output', '"type=docker","dest=a b.tar"', 'https://github.com/acme/app.git#abc123'], ['--output', '"type=docker","dest=a b.tar"', 'https://github.com/acme/app.git#abc123'], no('outputs (needs docker buildx)')],
  ['an output with spaces around its type is the docker exporter', { outputs: 'dest=img.tar, type = docker' }, github({ env: {}, repositoryPrivate: false }), ['--output', 'dest=img.tar, type = docker', 'https://github.com/acme/app.git#abc123'], ['--output', 'dest=img.tar, type = docker', 'https://github.com/acme/app.git#abc123'], no('outputs (needs docker buildx)')],
  ['BUILDX_NO_DEFAULT_ATTESTATIONS=false keeps the default provenance', {}, github({ env: { BUILDX_NO_DEFAULT_ATTESTATIONS: 'false' }, repositoryPrivate: false }), ['--provenance', `mode=max,builder-id=${RUN_URL}`, 'https://github.com/acme/app.git#abc123'], ['--provenance', `mode=max,builder-id=${RUN_URL}`, 'https://github.com/acme/app.git#abc123'], ['https://github.com/acme/app.git#abc123']],
  ['BUILDX_NO_DEFAULT_ATTESTATIONS=T (Go boolean) turns it off', {}, github({ env: { BUILDX_NO_DEFAULT_ATTESTATIONS: 'T' }, repositoryPrivate: false }), ['https://github.com/acme/app.git#abc123'], ['https://github.com/acme/app.git#abc123'], ['https://github.com/acme/app.git#abc123']],
  ['DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=true builds the pull request head commit', {}, github({ ref: 'refs/pull/7/merge', pullRequestHeadSha: 'def456', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' } }), ['https://github.com/acme/app.git#def456'], ['https://github.com/acme/app.git#def456'], ['https://github.com/acme/app.git#def456']],
  ['PR head without a head commit in the payload uses the head ref', {}, github({ ref: 'refs/pull/7/merge', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: '1' } }), ['https://github.com/acme/app.git#refs/pull/7/head'], ['https://github.com/acme/app.git#refs/pull/7/head'], ['https://github.com/acme/app.git#refs/pull/7/head']],
  ['DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=false keeps the merge ref', {}, github({ ref: 'refs/pull/7/merge', pullRequestHeadSha: 'def456', env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'false' } }), ['https://github.com/acme/app.git#refs/pull/7/merge'], ['https://github.com/acme/app.git#refs/pull/7/merge'], ['https://github.com/acme/app.git#refs/pull/7/merge']],
  ['Depot flags come after the buildx flags, context last', { project: 'p', tags: 't', push: 'true', lint: 'true' }, ci(), ['--push', '--tag', 't', '--project', 'p', '--lint', '.'], no('project (Depot only), lint (Depot only)'), no('project (Depot only), lint (Depot only)')],
];

describe('planBuild: options → invocation, as each engine renders it', () => {
  test.each(rows)('%s', async (_title, inputs, context, depot, buildx, classic) => {
    const invocation = await plan(inputs, context);
    const argv = depotArgv(invocation).args;
    expect(flags(argv)).toEqual(depot);
    expect(localArgv(invocation, BUILDX)).toEqual(buildx);
    expect(localArgv(invocation, CLASSIC)).toEqual(classic);
    // No flag/value pair is ever passed twice.
    const pairs = argv.slice(1).map((a, i, all) => (a.startsWith('--') ? `${a} ${all[i + 1]}` : ''));
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
    expect(depotArgv(result).args.slice(0, 5)).toEqual([
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
  ])('no iidfile with output %s (read as CSV, as buildx reads it)', async (output) => {
    const result = await plan({ outputs: output });
    expect(depotArgv(result).args).not.toContain('--iidfile');
    expect(result.outputs.iidFile).toBeUndefined();
  });

  test.each([
    'type=image,name=a/b,push=true',
    '"type=registry","name=a/b:1,a/b:2"',
    'type=oci,dest=local.tar',
  ])('an iidfile with output %s (the name of a file is not its type)', async (output) => {
    expect(depotArgv(await plan({ outputs: output })).args).toContain('--iidfile');
  });

  test('an invalid BUILDX_NO_DEFAULT_ATTESTATIONS is a one-line error, not "set, so true"', async () => {
    await expect(plan({}, github({ env: { BUILDX_NO_DEFAULT_ATTESTATIONS: 'yes' } }))).rejects.toThrow(
      'Invalid value for BUILDX_NO_DEFAULT_ATTESTATIONS: "yes". Expected a boolean: 1, t, true, TRUE, True, 0, f, false, FALSE or False.',
    );
  });

  test('secret values go to files and the token to the environment, never to argv', async () => {
    const result = await plan({ secrets: 'A=first\n"B=multi\nline"', 'github-token': 'ghs_tok' }, github());
    const line = depotArgv(result, { source: 'DEPOT_TOKEN', token: 'depot-secret-token' });
    expect(result.files).toEqual([
      { path: `${STEP}/secret-1`, purpose: 'secret A', content: 'first', secret: true },
      { path: `${STEP}/secret-2`, purpose: 'secret B', content: 'multi\nline', secret: true },
      {
        path: `${STEP}/secret-3`,
        purpose: 'secret GIT_AUTH_TOKEN.github.com',
        content: 'ghs_tok',
        secret: true,
      },
    ]);
    expect(result.env).toEqual({});
    expect(line.env).toEqual({ DEPOT_TOKEN: 'depot-secret-token' });
    expect(line.secretEnv).toEqual(['DEPOT_TOKEN']);
    const argv = line.args.join(' ');
    for (const secret of ['first', 'multi', 'ghs_tok', 'depot-secret-token'])
      expect(argv).not.toContain(secret);
  });

  test('secret-files are passed by path, not copied', async () => {
    const result = await plan({ 'secret-files': 'KEY=/etc/hostname' });
    expect(flags(depotArgv(result).args)).toEqual(['--secret', 'id=KEY,src=/etc/hostname', '.']);
    expect(result.files).toEqual([]);
  });

  test('gha cache removal is explained in a warning', async () => {
    const result = await plan({ 'cache-to': 'type=gha,mode=max' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/Removed cache-to entry "type=gha,mode=max": Depot keeps/);
  });

  // Empty, not absent: a DEPOT_TOKEN the credential chain passed over (an expired JWT in the job's
  // environment) must not win inside the CLI, which reads DEPOT_TOKEN before its own login.
  test.each(['none', 'depot CLI login'] as const)(
    'with credentials from %s the engine gets an empty DEPOT_TOKEN, which is no secret',
    async (source) => {
      const line = depotArgv(await plan({}, ci()), { source });
      expect(line.env).toEqual({ DEPOT_TOKEN: '' });
      expect(line.secretEnv).toEqual([]);
    },
  );
});

describe('the printed plan', () => {
  test('keeps every value on its own line: newlines are escaped, never printed', async () => {
    const evil = 'x\n::warning::INJECTED\r::add-mask::y';
    const invocation = await plan({ labels: `"a=${evil}"`, 'cache-to': `"type=gha,scope=${evil}"` });
    const lines = describeInvocation(
      invocation,
      [{ label: 'command:', line: depotArgv(invocation) }],
      'token input',
      {
        metadata: `${STEP}/metadata.json`,
      },
    );
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
