// The orb's private files: the output directory (private, no write through a planted symlink)
// and the step's temp directory after a cancel (the when: always cleanup step removes it).
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cancelWhenDepotRuns, type CancelSignals } from './ci-entry/cancel';
import { runOrbStep, type OrbRun } from './ci-entry/circleci-job';
import {
  DEPOT_STUB_DIR,
  filesIn,
  ORB_SRC,
  pathWith,
  runProcess,
  tempDir,
  type ProcessResult,
} from './ci-entry/helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

async function runOrb(...args: Parameters<typeof runOrbStep>): Promise<OrbRun> {
  const r = await runOrbStep(...args);
  cleanups.push(r.cleanup);
  return r;
}

describe('CircleCI orb: private files', () => {
  test('a symlink planted at the output directory is refused, its target untouched', async () => {
    const { dir, cleanup } = tempDir('circleci-planted-');
    cleanups.push(cleanup);
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'depot-build-outputs.json'), 'precious');
    const planted = join(dir, 'depot');
    symlinkSync(victim, planted);
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb', TOKEN: 'DEPOT_TOKEN' },
      { DEPOT_TOKEN: 'depot_env_1a2b3c4d', DEPOT_OUTPUT_DIR: planted },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`Warning: could not write to ${planted}`);
    expect(readFileSync(join(victim, 'depot-build-outputs.json'), 'utf8')).toBe('precious');
    expect(readdirSync(victim)).toEqual(['depot-build-outputs.json']);
  });

  test('a symlink planted inside the output directory is not written through', async () => {
    const { dir, cleanup } = tempDir('circleci-planted-');
    cleanups.push(cleanup);
    const out = join(dir, 'out');
    mkdirSync(out, { mode: 0o700 });
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(out, 'depot-build-outputs.json'));
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb' },
      { DEPOT_TOKEN: 'depot_env_1a2b3c4d', DEPOT_OUTPUT_DIR: out },
    );
    expect(r.stderr).toContain('could not write');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  test('the output directory is created private (0700)', async () => {
    const r = await runOrb('build', { PROJECT: 'prj_orb' }, { DEPOT_TOKEN: 'depot_env_1a2b3c4d' });
    expect(r.exitCode).toBe(0);
    expect(statSync(r.outputDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(r.outputDir, 'depot-build-outputs.json')).mode & 0o777).toBe(0o600);
  });
});

describe('CircleCI orb: cancel', () => {
  /** Cancels a running build like CircleCI: SIGTERM to the step's process group, SIGKILL 2 s later. */
  async function cancelledBuild(signals: CancelSignals): Promise<{ r: OrbRun; during: string[] }> {
    let cancelled: Promise<string[]> = Promise.resolve([]);
    const r = await runOrb(
      'build',
      { PROJECT: 'prj_orb', SECRETS: 'TLS_KEY=s3cr3t-tls-key-value' },
      { DEPOT_TOKEN: 'depot_env_1a2b3c4d', DEPOT_STUB_SLEEP_MS: '30000' },
      pathWith(DEPOT_STUB_DIR),
      (pid, paths) => {
        cancelled = cancelWhenDepotRuns(pid, paths, signals);
      },
    );
    return { r, during: await cancelled };
  }

  const cleanupStep = (tmp: string, work: string): Promise<ProcessResult> =>
    runProcess('bash', [join(ORB_SRC, 'scripts', 'cleanup.sh')], { PATH: pathWith(), TMPDIR: tmp }, work);

  for (const signals of ['TERM then KILL', 'KILL'] as const) {
    test(`${signals}, then the when: always cleanup step: no secret file is left`, async () => {
      const { r, during } = await cancelledBuild(signals);
      expect(r.exitCode).not.toBe(0);
      expect(during.filter((f) => /secret/.test(f))).not.toEqual([]);
      // Killed at once, nothing in the step could clean up: the file is there until the cleanup step.
      if (signals === 'KILL') expect(filesIn(r.tmp).filter((f) => /secret/.test(f))).not.toEqual([]);
      const cleaned = await cleanupStep(r.tmp, r.work);
      expect(cleaned.exitCode).toBe(0);
      expect(filesIn(r.tmp)).toEqual([]);
    });
  }
});
