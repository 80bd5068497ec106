import { describe, expect, test } from '@jest/globals';
import {
  buildSchema,
  planBuild,
  planBuildxBake,
  planClassicBake,
  planLocalBuild,
  readOptions,
  bakeSchema,
  type BakeDefinition,
  type CiContext,
  type LocalEngine,
  type Plan,
} from '@depot-actions/core';

const buildx: LocalEngine = { kind: 'local', docker: '/usr/bin/docker', mode: 'buildx' };
const classic: LocalEngine = { kind: 'local', docker: '/usr/bin/docker', mode: 'buildkit' };
const ci: CiContext = { provider: 'github', workspace: '/work', tempDir: '/tmp', env: {} };

async function local(inputs: Record<string, string>, engine: LocalEngine) {
  const options = await readOptions(buildSchema, (n) => inputs[n] ?? '');
  const depot = planBuild({
    options,
    ci,
    credentials: { source: 'none' },
    engine: { kind: 'depot', path: engine.docker },
    stepDir: '/tmp/s',
  });
  return planLocalBuild(depot, options, engine);
}
const flags = (plan: Plan) =>
  plan.args.filter(
    (a, i, all) =>
      !/^\/tmp\/s\//.test(a) && !['--iidfile', '--metadata-file'].includes(a) && all[i] !== undefined,
  );

// prettier-ignore
const rows: [string, Record<string, string>, LocalEngine, string[]][] = [
  ['buildx keeps every buildx flag', { tags: 'a:1', push: 'true', platforms: 'linux/amd64,linux/arm64', provenance: 'false' }, buildx, ['buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '--provenance', 'false', '--push', '--tag', 'a:1', '.']],
  ['buildx drops Depot-only flags, keeps the default provenance', { project: 'p', lint: 'true', save: 'true', 'sbom-dir': 'd', 'build-platform': 'linux/amd64' }, buildx, ['buildx', 'build', '--provenance', 'mode=min,inline-only=true', '.']],
  ['classic: plain progress, push after the build', { tags: 'a:1', push: 'true' }, classic, ['build', '--progress', 'plain', '--tag', 'a:1', '.']],
  ['classic: flags it knows pass through', { 'build-args': 'A=1', labels: 'l=1', network: 'host', target: 't', file: 'F', 'no-cache': 'true', pull: 'true', platforms: 'linux/amd64' }, classic, ['build', '--progress', 'plain', '--build-arg', 'A=1', '--file', 'F', '--label', 'l=1', '--network', 'host', '--no-cache', '--platform', 'linux/amd64', '--pull', '--target', 't', '.']],
  ['classic: flags it lacks are dropped', { annotations: 'a=1', attests: 'type=sbom', sbom: 'true', 'build-contexts': 'b=./b', 'cache-to': 'type=inline', allow: 'network.host' }, classic, ['build', '--progress', 'plain', '.']],
  ['classic: load is implicit', { load: 'true' }, classic, ['build', '--progress', 'plain', '.']],
  ['classic: a local output passes', { outputs: 'type=local,dest=out' }, classic, ['build', '--progress', 'plain', '--output', 'type=local,dest=out', '.']],
];

describe('planLocalBuild', () => {
  test.each(rows)('%s', async (_title, inputs, engine, expected) => {
    expect(flags(await local(inputs, engine))).toEqual(expected);
  });

  test('no Depot token reaches the local engine; the classic builder gets BuildKit', async () => {
    const plan = await local({ secrets: 'A=1' }, classic);
    expect(plan.env).toEqual({ DOCKER_BUILDKIT: '1' });
    expect(plan.files.map((f) => f.purpose)).toEqual(['secret A']);
  });

  test('each classic gap is a warning naming the input', async () => {
    const plan = await local({ annotations: 'a=1', sbom: 'true' }, classic);
    expect(plan.warnings).toEqual([
      'Input "annotations" is not supported by docker build without buildx and is ignored in this local build.',
      'Input "sbom" is not supported by docker build without buildx and is ignored in this local build.',
    ]);
  });

  test('Depot-only inputs are reported as dropped', async () => {
    expect((await local({ project: 'p', 'save-tags': 'x', save: 'true' }, buildx)).dropped).toEqual([
      'project',
      'save',
      'save-tag/save-tags',
    ]);
  });

  test('classic: several platforms are refused', async () => {
    await expect(local({ platforms: 'linux/amd64,linux/arm64' }, classic)).rejects.toThrow(
      'The local engine without buildx builds one platform at a time',
    );
  });

  test('classic: push without tags is refused', async () => {
    await expect(local({ push: 'true' }, classic)).rejects.toThrow('push: true needs at least one tag');
  });

  test('classic: pushes the tags after building', async () => {
    expect((await local({ push: 'true', tags: 'a:1,a:2' }, classic)).pushTags).toEqual(['a:1', 'a:2']);
  });
});

describe('local bake', () => {
  test('buildx bake keeps bake flags and drops Depot-only ones', () => {
    const depot: Plan = {
      command: 'depot',
      args: ['bake', '--file', 'f.hcl', '--metadata-file', '/m', '--push', '--project', 'p', '--save', 'app'],
      cwd: '/w',
      env: { DEPOT_TOKEN: 't', TAG: 'v1' },
      secretEnv: ['DEPOT_TOKEN'],
      files: [],
      outputs: { metadataFile: '/m' },
      tempDir: '/s',
      warnings: [],
    };
    const { plan, dropped } = planBuildxBake(depot, buildx);
    expect(plan.args).toEqual([
      'buildx',
      'bake',
      '--file',
      'f.hcl',
      '--metadata-file',
      '/m',
      '--push',
      'app',
    ]);
    expect(plan.env).toEqual({ TAG: 'v1' });
    expect(dropped).toEqual(['project', 'save']);
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
    const options = await readOptions(bakeSchema, (n) => ({ push: 'true', workdir: '.' })[n] ?? '');
    const { builds, warnings } = planClassicBake(definition, options, classic, '/w', '/s', { TAG: 'x' });
    expect(builds.map((b) => b.target)).toEqual(['base', 'app', 'worker']);
    expect(builds[0].aliases).toEqual(['base', 'base']);
    expect(builds[0].push).toEqual([]);
    expect(builds[1].push).toEqual(['r/app:1']);
    expect(builds[2].plan.args).toEqual([
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
    expect(builds[2].plan.env).toEqual({ TAG: 'x', DOCKER_BUILDKIT: '1' });
    expect(warnings).toEqual([]);
  });

  test('classic bake refuses several platforms and warns about attestations', async () => {
    const options = await readOptions(bakeSchema, () => '');
    expect(() =>
      planClassicBake(
        { target: { a: { platforms: ['linux/amd64', 'linux/arm64'] } } },
        options,
        classic,
        '/w',
        '/s',
        {},
      ),
    ).toThrow('lists 2 platforms');
    const { warnings } = planClassicBake(
      { target: { a: { attest: [{ type: 'sbom' }] } } },
      options,
      classic,
      '/w',
      '/s',
      {},
    );
    expect(warnings).toEqual(['Target "a": attestations need buildx and are not produced.']);
  });
});
