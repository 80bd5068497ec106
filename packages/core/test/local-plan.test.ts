import { describe, expect, test } from '@jest/globals';
import {
  bakeSchema,
  buildSchema,
  builderPlatforms,
  canBuildPlatform,
  localGapsOf,
  planBake,
  planBuild,
  planClassicBake,
  readOptions,
  renderLocal,
  type BakeDefinition,
  type CiContext,
} from '@depot-actions/core';
import { buildxEngine, CLASSIC } from './local-engines';

const buildx = buildxEngine(['linux/amd64']);
const classic = CLASSIC;
const ci: CiContext = { provider: 'github', workspace: '/work', tempDir: '/tmp', env: {} };

async function build(inputs: Record<string, string>) {
  const options = await readOptions(buildSchema, (n) => inputs[n] ?? '');
  return planBuild({ options, ci, stepFiles: '/tmp/s/' });
}

async function bake(inputs: Record<string, string>, definition?: BakeDefinition) {
  const options = await readOptions(bakeSchema, (n) => ({ workdir: '.', ...inputs })[n] ?? '');
  return planBake({ options, ci, source: { kind: 'local', cwd: '/w' }, definition, stepFiles: '/s/' });
}

describe('local engines: what they render and what they refuse', () => {
  test('no Depot token reaches the local engine; the built-in builder gets BuildKit', async () => {
    const invocation = await build({ secrets: 'A=1' });
    expect(renderLocal(invocation, buildx).env).toEqual({});
    expect(renderLocal(invocation, classic).env).toEqual({ DOCKER_BUILDKIT: '1' });
    expect(invocation.files.map((f) => f.purpose)).toEqual(['secret A']);
  });

  test('the built-in builder pushes the tags after building', async () => {
    const invocation = await build({ push: 'true', tags: 'a:1,a:2' });
    expect(renderLocal(invocation, classic).args).not.toContain('--push');
    expect(invocation.pushTags).toEqual(['a:1', 'a:2']);
    expect(localGapsOf(invocation, classic)).toEqual([]);
  });

  test('a platform the engine cannot build blocks even a fallback', async () => {
    const gaps = localGapsOf(await build({ platforms: 'linux/arm64' }), buildx);
    expect(gaps).toEqual([
      { what: 'platforms linux/arm64', why: 'this Docker engine builds linux/amd64', blocking: true },
    ]);
  });

  test('Depot-only inputs are gaps a fallback can leave out', async () => {
    const gaps = localGapsOf(await build({ project: 'p', 'save-tags': 'x', save: 'true' }), buildx);
    expect(gaps).toEqual([
      { what: 'project', why: 'Depot only', blocking: false },
      { what: 'save', why: 'Depot only', blocking: false },
      { what: 'save-tag/save-tags', why: 'Depot only', blocking: false },
    ]);
  });

  test('anything else the engine lacks blocks a fallback: the image would be another one', async () => {
    const gaps = localGapsOf(
      await build({ 'build-contexts': 'base=docker-image://busybox', outputs: 'type=oci,dest=o.tar' }),
      CLASSIC,
    );
    expect(gaps).toEqual([
      { what: 'build-contexts', why: 'needs docker buildx', blocking: true },
      { what: 'outputs', why: 'needs docker buildx', blocking: true },
    ]);
  });

  test('the built-in builder refuses push with file outputs: there would be no image to push', async () => {
    const gaps = localGapsOf(
      await build({ push: 'true', tags: 'r/a:1', outputs: 'type=local,dest=out' }),
      CLASSIC,
    );
    expect(gaps.map((g) => [g.what, g.blocking])).toEqual([['push', true]]);
  });

  test('a Depot project named outside the inputs is a gap a fallback can leave out', async () => {
    const invocation = await build({});
    invocation.depotProject = ['DEPOT_PROJECT_ID'];
    expect(localGapsOf(invocation, buildx)).toEqual([{ what: 'DEPOT_PROJECT_ID', why: 'Depot only' }]);
  });

  test.each([
    ['linux/amd64', true],
    ['linux/AMD64', true],
    ['linux/arm64/v8', false],
    ['windows/amd64', false],
  ])('canBuildPlatform(%s) is %s on an amd64 daemon', (platform, expected) => {
    expect(canBuildPlatform(classic, platform)).toBe(expected);
  });

  test('builder platforms come from docker buildx inspect, emulation marks removed', () => {
    const inspect = 'Name: default\nDriver: docker\nPlatforms: linux/amd64, linux/amd64/v2, linux/arm64*\n';
    expect(builderPlatforms(inspect)).toEqual(['linux/amd64', 'linux/amd64/v2', 'linux/arm64']);
    expect(builderPlatforms(undefined)).toEqual([]);
  });
});

describe('local bake', () => {
  test('buildx bake keeps bake flags; Depot-only ones are gaps', async () => {
    const invocation = await bake({
      files: 'f.hcl',
      push: 'true',
      project: 'p',
      save: 'true',
      targets: 'app',
      vars: 'TAG=v1',
    });
    expect(renderLocal(invocation, buildx).args).toEqual([
      'buildx',
      'bake',
      '--file',
      'f.hcl',
      '--metadata-file',
      '/s/metadata.json',
      '--push',
      // No definition to look into: the default provenance applies to every target.
      '--set',
      '*.attest=type=provenance,mode=min,inline-only=true',
      'app',
    ]);
    expect(renderLocal(invocation, buildx).env).toEqual({ TAG: 'v1' });
    expect(localGapsOf(invocation, buildx).map((g) => g.what)).toEqual(['project', 'save']);
  });

  test('classic bake builds dependencies first and aliases them under their context names', async () => {
    const definition: BakeDefinition = {
      target: {
        app: {
          context: '.',
          dockerfile: 'app.Dockerfile',
          contexts: { base: 'target:base' },
          tags: ['r/app:1'],
        },
        base: { context: '.', dockerfile: 'base.Dockerfile' },
        worker: {
          context: 'w',
          dockerfile: 'Dockerfile',
          contexts: { base: 'target:base' },
          tags: ['r/w:1'],
          args: { A: '1' },
        },
      },
    };
    const invocation = await bake({ push: 'true', vars: 'TAG=x' }, definition);
    const { builds, gaps } = planClassicBake(invocation, classic);
    expect(builds.map((b) => b.target)).toEqual(['base', 'app', 'worker']);
    expect(builds[0].aliases).toEqual(['base', 'base']);
    expect(builds[0].push).toEqual([]);
    expect(builds[1].push).toEqual(['r/app:1']);
    expect(builds[2].command.args).toEqual([
      'build',
      '--progress',
      'plain',
      '--file',
      'w/Dockerfile',
      '--iidfile',
      '/s/3.iid',
      '--build-arg',
      'A=1',
      '--tag',
      'r/w:1',
      'w',
    ]);
    expect(builds[2].command.env).toEqual({ TAG: 'x', DOCKER_BUILDKIT: '1' });
    expect(gaps).toEqual([]);
  });

  test('classic bake: a field it does not render is a gap, never silently dropped', async () => {
    const invocation = await bake(
      {},
      {
        target: {
          app: {
            secret: ['id=npm,env=NPM_TOKEN'],
            output: [{ type: 'local', dest: 'out' }],
            'shm-size': '2g',
            pull: false,
            'cache-to': [],
          },
        },
      },
    );
    expect(localGapsOf(invocation, classic).map((g) => [g.what, g.blocking])).toEqual([
      ['target "app" secret', true],
      ['target "app" shm-size', true],
      ['target "app" output', true],
    ]);
  });

  test('classic bake: several platforms, attestations and named contexts refuse, and block a fallback', async () => {
    const invocation = await bake(
      {},
      {
        target: {
          a: { platforms: ['linux/amd64', 'linux/arm64'] },
          b: { attest: [{ type: 'sbom' }], contexts: { src: './src' } },
        },
      },
    );
    expect(localGapsOf(invocation, classic)).toEqual([
      { what: 'target "a" platforms linux/amd64,linux/arm64', why: 'needs docker buildx', blocking: true },
      { what: 'target "b" context "src" (./src)', why: 'needs docker buildx', blocking: true },
      { what: 'target "b" attest', why: 'needs docker buildx', blocking: true },
      { what: 'platforms linux/arm64', why: 'this Docker engine builds linux/amd64', blocking: true },
    ]);
  });

  test('classic bake cannot build a remote definition', async () => {
    const options = await readOptions(bakeSchema, (n) => ({ workdir: '.' })[n] ?? '');
    const invocation = planBake({
      options,
      ci,
      source: { kind: 'remote', ref: 'https://github.com/a/b.git', cwd: '/w' },
      stepFiles: '/s/',
    });
    expect(localGapsOf(invocation, classic)).toEqual([
      { what: 'source', why: 'a remote definition needs docker buildx', blocking: true },
    ]);
  });
});
