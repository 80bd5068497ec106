// The bundled bake action run as the runner runs it, with the recording stub as the engine
// (its `bake --print` is the real CLI's, so definitions are read for real).
import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { createEngineStub, type EngineStub } from './harness/engine-stub';
import { allText, filesUnder, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const HCL = join(REPO_ROOT, 'test', 'fixtures', 'bake', 'hcl');
const COMPOSE = join(REPO_ROOT, 'test', 'fixtures', 'bake', 'compose');
const TOKEN = 'depot_bake_token_77aa88bb';
const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;
const METADATA = {
  app: { 'containerimage.digest': DIGEST(1), 'image.name': 'registry.example/app:dev' },
  worker: { 'containerimage.digest': DIGEST(2), 'image.name': 'registry.example/worker:dev' },
  'depot.build': { buildID: 'bld_bake', projectID: 'prj_app', targets: ['app', 'worker'] },
};
const BUILD_URL = 'https://depot.dev/orgs/o/projects/prj_app/builds/bld_bake';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function bake(
  inputs: Record<string, string>,
  behaviour = {},
): Promise<{ result: ActionResult; engine: EngineStub }> {
  const engine = await createEngineStub({
    metadata: METADATA,
    buildUrl: BUILD_URL,
    envKeys: ['TAG'],
    ...behaviour,
  });
  cleanups.push(() => engine.cleanup());
  const result = await runAction('bake', { inputs: { token: TOKEN, ...inputs }, ...engine.runnerOptions() });
  cleanups.push(() => result.cleanup());
  return { result, engine };
}

const builds = async (engine: EngineStub) =>
  (await engine.records()).filter((r) => !r.argv.includes('--print'));
const visible = (r: ActionResult) =>
  allText(r)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe('bake against the recording engine', () => {
  test('HCL in workdir: argv, per-target outputs and summary', async () => {
    const { result, engine } = await bake({ workdir: HCL, push: 'true', vars: 'TAG=v7' });
    expect(result.main.exitCode).toBe(0);
    const [build] = await builds(engine);
    expect(build.cwd).toBe(HCL);
    expect(build.env.TAG).toBe('v7');
    expect(build.argv).toEqual([
      'bake',
      '--metadata-file',
      expect.stringMatching(/depot-bake-\w+-metadata\.json$/),
      '--push',
      // Default provenance for the targets without their own (worker sets mode=max itself); the
      // harness's payload has no repository.private, which the peers read as public: mode=max.
      '--set',
      expect.stringMatching(/^app\.attest=type=provenance,mode=max,builder-id=https:\/\/github\.com\//),
      '--set',
      expect.stringMatching(/^base\.attest=type=provenance,mode=max,builder-id=/),
    ]);
    // The definition was read once, offline, with the vars, and shown in the log.
    const prints = (await engine.records()).filter((r) => r.argv.includes('--print'));
    expect(prints).toHaveLength(1);
    expect(result.main.stdout).toContain('Bake targets: app, base, worker');
    // The resolved definition (vars substituted) is logged at debug level only.
    const shown = result.main.stdout.split('\n').filter((line) => !line.startsWith('::debug::'));
    expect(shown.join('\n')).not.toContain('registry.example/app:v7');
    expect(result.debug.join('\n')).toContain('registry.example/app:v7');

    expect(JSON.parse(result.outputs.targets)).toEqual({
      app: { digest: DIGEST(1), imageName: 'registry.example/app:dev', buildID: 'bld_bake' },
      worker: { digest: DIGEST(2), imageName: 'registry.example/worker:dev', buildID: 'bld_bake' },
    });
    expect(JSON.parse(result.outputs.metadata)).toEqual(METADATA);
    expect(result.outputs['build-id']).toBe('bld_bake');
    expect(result.outputs['project-id']).toBe('prj_app');
    expect(result.outputs['build-url']).toBe(BUILD_URL);
    expect(result.summary).toContain('### ✅ Depot bake');
    expect(result.summary).toContain('| Target | Image | Digest | Build |');
    expect(result.summary).toContain(
      `| \`app\` | \`registry.example/app:dev\` | \`${DIGEST(1)}\` | [bld_bake](${BUILD_URL}) |`,
    );
    expect(result.summary).toContain(`| \`worker\` | \`registry.example/worker:dev\` | \`${DIGEST(2)}\` |`);
    expect(visible(result)).not.toContain(TOKEN);
    expect(await filesUnder(join(result.tempDir, 'runner-temp'))).toEqual([]);
  });

  test('requested targets and files are passed once each', async () => {
    const { result, engine } = await bake({
      workdir: HCL,
      files: 'docker-bake.hcl',
      targets: 'worker',
      set: '*.platform=linux/arm64',
      provenance: 'false',
    });
    expect(result.main.exitCode).toBe(0);
    const [build] = await builds(engine);
    expect(build.argv).toEqual([
      'bake',
      '--file',
      'docker-bake.hcl',
      '--metadata-file',
      expect.stringMatching(/metadata\.json$/),
      '--provenance',
      'false',
      '--set',
      '*.platform=linux/arm64',
      'worker',
    ]);
  });

  test('an unknown target fails before building, listing the defined ones', async () => {
    const { result, engine } = await bake({ workdir: HCL, targets: 'app,nope' });
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'Unknown bake target "nope".\nHint: Targets and groups defined here: app, base, default, worker.',
    ]);
    expect(await builds(engine)).toEqual([]);
    expect(await filesUnder(join(result.tempDir, 'runner-temp'))).toEqual([]);
  });

  // The CLI would read these as its own flags and environment: push despite push: false, a token
  // sent to another API. Refused before the definition is even read.
  test('a target that looks like a flag, or a var the engine reads, is refused and nothing runs', async () => {
    const cases: Record<string, string>[] = [
      { targets: '--push', push: 'false' },
      { targets: 'app', vars: 'DEPOT_API_URL=https://evil.example' },
    ];
    for (const inputs of cases) {
      const { result, engine } = await bake({ workdir: HCL, ...inputs });
      expect(result.main.exitCode).toBe(1);
      const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Invalid value for input "(targets|vars)"/);
      expect(await engine.records()).toEqual([]);
      expect(await filesUnder(join(result.tempDir, 'runner-temp'))).toEqual([]);
    }
  });

  test('a local source is the working directory (Compose with per-target project)', async () => {
    const { result, engine } = await bake({ source: COMPOSE, targets: 'web' });
    expect(result.main.exitCode).toBe(0);
    const [build] = await builds(engine);
    expect(build.cwd).toBe(COMPOSE);
    expect(build.argv.at(-1)).toBe('web');
    expect(result.debug.join('\n')).toContain('"project_id":"prj_compose"');
  });

  test('a remote source comes first and is not printed', async () => {
    const { result, engine } = await bake({ source: '{{defaultContext}}', targets: 'app' });
    expect(result.main.exitCode).toBe(0);
    const records = await engine.records();
    expect(records.filter((r) => r.argv.includes('--print'))).toEqual([]);
    const [build] = records;
    expect(build.argv[1]).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+\.git#[0-9a-f]{40}$/);
    expect(build.argv).toContain('--set');
    expect(build.argv.find((a) => a.startsWith('*.attest='))).toMatch(/^\*\.attest=type=provenance,/);
  });

  test('workdir and a different local source conflict', async () => {
    const { result } = await bake({ source: HCL, workdir: COMPOSE });
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations[0].message).toMatch(
      /^Invalid value for input "workdir": .*Expected to be left at "\." when source names a local directory/,
    );
  });

  test('a missing workdir is one clear error', async () => {
    const { result } = await bake({ workdir: 'does/not/exist' });
    expect(result.main.exitCode).toBe(1);
    expect(result.annotations[0].message).toBe(
      'Invalid value for input "workdir": "does/not/exist". Expected an existing directory (relative to the workspace) or a Git URL.',
    );
  });

  test('a failed bake reports the meaningful lines and the hint', async () => {
    const { result } = await bake(
      { workdir: HCL },
      {
        exitCode: 1,
        metadata: undefined,
        stderr:
          '#7 [app 2/2] COPY app.Dockerfile /app\nERROR: failed to compute cache key: "/app.Dockerfile": not found\n',
      },
    );
    expect(result.main.exitCode).toBe(1);
    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.title).toBe('Depot bake failed');
    expect(error.message).toContain('Hint: A file the Dockerfile copies is not in the build context');
    expect(result.summary).toContain('### ❌ Depot bake failed');
  });
});
