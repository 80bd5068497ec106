// The bench's own guarantees, run as `npm run bench` runs it: a result for a step that works, and
// a loud failure (exit 2, the reason on stderr) for a step that fails or that skipped the phase it
// is meant to measure, because a figure for the wrong thing is worse than none.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runProcess, tempDir } from './ci-entry/helpers';
import { REPO_ROOT } from './harness/runner';

const ECHO_ACTION = join(REPO_ROOT, 'test', 'fixtures', 'echo-action');
const work = tempDir('bench-test-');
afterAll(work.cleanup);

/** `node scripts/bench.mjs --runs 1 ...args` with this process's environment. */
const bench = (args: string[]) =>
  runProcess(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'bench.mjs'), '--runs', '1', ...args],
    process.env,
    REPO_ROOT,
  );

describe('scripts/bench.mjs', () => {
  it('measures a working step against its floor and writes the figures', async () => {
    const json = join(work.dir, 'result.json');
    const run = await bench([
      '--step',
      'build-push',
      '--action-dir',
      ECHO_ACTION,
      '--input',
      'call-depot=true',
      '--json',
      json,
    ]);
    expect(run.stderr).not.toContain('bench:');
    expect(run.exitCode).toBe(0);
    const [result] = (
      JSON.parse(await readFile(json, 'utf8')) as {
        results: { name: string; wallRatio: number; samples: { stepWall: number[] } }[];
      }
    ).results;
    expect(result?.name).toBe('build-push');
    expect(result?.samples.stepWall).toHaveLength(1);
    expect(result?.wallRatio).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/build-push\s+wall \(median\)/);
  });

  it('fails loudly when the step fails', async () => {
    const run = await bench(['--step', 'build-push', '--action-dir', ECHO_ACTION, '--input', 'fail=true']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('bench: build-push exited with 1');
    expect(run.stderr).toContain('main failed on purpose');
  });

  it('fails loudly when a cold step skips a phase it is meant to measure', async () => {
    // Given a token, build-push needs no OIDC exchange: the run succeeds but measures the wrong thing.
    const run = await bench(['--step', 'build-push-cold', '--input', 'token=depot_bench_token']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      'bench: build-push-cold: expected 1 GitHub ID-token request(s) in one run, saw 0',
    );
  });
});
