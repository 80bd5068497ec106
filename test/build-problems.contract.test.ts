// Build problems and progress, as shipped: the bundled build-push action runs the recording engine
// stub, which streams the engines' real output formats in small pieces; lint findings and a
// failure's Dockerfile line become file/line annotations, and the summary shows the cache share,
// the slowest steps and the problems.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { buildOutputFixture, createEngineStub } from './harness/engine-stub';
import { runAction, type ActionResult } from './harness/runner';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function run(
  fixture: string,
  inputs: Record<string, string>,
  exitCode = 0,
  env: Record<string, string> = {},
): Promise<ActionResult> {
  const engine = await createEngineStub({ stderr: buildOutputFixture(fixture), stderrChunk: 7, exitCode });
  cleanups.push(() => engine.cleanup());
  const runner = engine.runnerOptions();
  // A checkout with the Dockerfiles the fixtures name, which the context and file inputs must find.
  const workspace = await mkdtemp(join(tmpdir(), 'problems-workspace-'));
  cleanups.push(() => rm(workspace, { recursive: true, force: true }));
  await mkdir(join(workspace, 'web'));
  await writeFile(join(workspace, 'web', 'Dockerfile'), 'FROM node:latest\n');
  await writeFile(join(workspace, 'app.Dockerfile'), 'FROM busybox:1.36\n');
  const result = await runAction('build-push', {
    inputs: { token: 'depot_problems_token', ...inputs },
    env: { ...runner.env, ...env },
    prependPath: runner.prependPath,
    cwd: workspace,
  });
  cleanups.push(() => result.cleanup());
  return result;
}

/** The workflow commands the step issued, as the runner reads them off stdout. */
const commands = (r: ActionResult, name: string): string[] =>
  r.main.stdout.split('\n').filter((l) => l.startsWith(`::${name} `));

describe('build problems', () => {
  test('lint findings are annotations on the Dockerfile lines, and the summary reads the progress', async () => {
    const result = await run('depot-lint.txt', { lint: 'true', context: 'web' });
    expect(result.main.exitCode).toBe(0);
    const warnings = commands(result, 'warning');
    expect(warnings.some((w) => w.includes('file=web/Dockerfile,line=1::DL3007:'))).toBe(true);
    expect(result.summary).toContain('**Cache:** 2 of 4 Dockerfile steps cached (50%)');
    expect(result.summary).toContain('| ⚠️ warning | `web/Dockerfile:1`');
    expect(result.summary).toMatch(/\| Slowest steps \| Duration \|/);
  });

  test('a failed RUN names its Dockerfile line as an error annotation', async () => {
    const result = await run('buildx-run-error.txt', { context: '.', file: 'app.Dockerfile' }, 1);
    expect(result.main.exitCode).toBe(1);
    const errors = commands(result, 'error');
    expect(errors.some((e) => /file=app\.Dockerfile,line=3::/.test(e))).toBe(true);
  });

  test('DOCKER_BUILD_CHECKS_ANNOTATIONS=false keeps lint findings out of the annotations', async () => {
    const result = await run('depot-lint.txt', { lint: 'true', context: 'web' }, 0, {
      DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false',
    });
    expect(result.main.exitCode).toBe(0);
    expect(commands(result, 'warning').filter((w) => w.includes('DL3007'))).toEqual([]);
    expect(result.summary).toContain('`web/Dockerfile:1`');
  });
});
