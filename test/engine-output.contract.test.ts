// How the bundled build-push action relays its engine's output (dist/build-push/index.js run as a
// process, with a shell script as the depot CLI): both streams in the order the engine wrote
// them, as the engine writes them, all of it however much, and no file left in RUNNER_TEMP,
// also when the step is killed.
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathWith, runProcess } from './ci-entry/helpers';
import { filesUnder, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function dir(prefix: string): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(path, { recursive: true, force: true }));
  return path;
}

/** A directory with a `depot` that runs `script` (sh) whatever it is asked. */
async function engine(script: string): Promise<string> {
  const bin = await dir('engine-output-bin-');
  await writeFile(join(bin, 'depot'), `#!/bin/sh\n${script}\n`);
  await chmod(join(bin, 'depot'), 0o755);
  return bin;
}

async function build(script: string, options: { timeoutMs?: number } = {}) {
  const result = await runAction('build-push', {
    inputs: { token: 'depot_project_token_relay', context: '.' },
    prependPath: [await engine(script)],
    ...options,
  });
  cleanups.push(() => result.cleanup());
  return result;
}

/** Files the step left in RUNNER_TEMP (the harness keeps its own elsewhere). */
const leftInRunnerTemp = (result: ActionResult) => filesUnder(join(result.tempDir, 'runner-temp'));

/**
 * Starts the bundled build-push main step in `work` with the engine in `bin`, for a test that
 * watches its output as it comes or signals it (runAction only returns when it is over).
 */
async function startStep(bin: string, work: string) {
  for (const f of ['OUTPUT', 'STATE', 'SUMMARY']) await writeFile(join(work, f), '');
  return spawn(process.execPath, [join(REPO_ROOT, 'dist', 'build-push', 'index.js')], {
    env: {
      PATH: [bin, '/usr/bin', '/bin'].join(':'),
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: join(work, 'OUTPUT'),
      GITHUB_STATE: join(work, 'STATE'),
      GITHUB_STEP_SUMMARY: join(work, 'SUMMARY'),
      INPUT_TOKEN: 'depot_project_token_relay',
      INPUT_CONTEXT: '.',
    },
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The lines between the stop-commands marker and its resume token: what the engine printed. */
function engineLines(stdout: string): string[] {
  const stop = /^::stop-commands::(\w+)$/m.exec(stdout);
  if (!stop) throw new Error(`no engine output in:\n${stdout}`);
  const start = stdout.indexOf(stop[0]) + stop[0].length + 1;
  return stdout
    .slice(start, stdout.indexOf(`::${stop[1]}::`, start))
    .split('\n')
    .slice(0, -1);
}

describe("the engine's output", () => {
  test('keeps the order in which the engine wrote its stdout and stderr', async () => {
    const result = await build(
      'i=1; while [ $i -le 200 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done',
    );
    expect(result.main.exitCode).toBe(0);
    const expected = Array.from({ length: 200 }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat();
    expect(engineLines(result.main.stdout)).toEqual(expected);
  });

  test('reaches the log while the engine runs, not when it ends', async () => {
    const bin = await engine('echo "building step 1"; sleep 2; echo "building step 2"');
    const work = await dir('engine-output-step-');
    const started = Date.now();
    const child = await startStep(bin, work);
    let seenAt: number | undefined;
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('building step 1')) seenAt ??= Date.now();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const endedAt = Date.now();
    expect(code).toBe(0);
    expect(seenAt).toBeDefined();
    // The first line came within a second of the start and well before the engine's 2 s sleep ended.
    expect((seenAt ?? endedAt) - started).toBeLessThan(1500);
    expect(endedAt - (seenAt ?? endedAt)).toBeGreaterThan(1500);
    expect(stdout).toContain('building step 2');
  });

  test('is relayed whole however much the engine prints (24 MiB)', async () => {
    // 393,216 lines of 63 characters and a newline.
    const result = await build(
      "yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -n 393216; echo last line >&2",
    );
    expect(result.main.exitCode).toBe(0);
    const lines = engineLines(result.main.stdout);
    expect(lines).toHaveLength(393_217);
    expect(lines.at(-1)).toBe('last line');
    expect(new Set(lines.slice(0, -1))).toEqual(new Set(['x'.repeat(63)]));
  });

  test('is relayed whole when the engine exits with much of it still unread (64 MiB)', async () => {
    // The engine is gone before the step has read the first 16 MiB pass: the rest is read at its
    // exit, and no read of the closed file is left pending (it crashed the step after the log).
    const result = await build(
      "yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -n 1048576; echo last line",
    );
    expect(result.main.stderr.match(/^\w*Error\b.*$/m)?.[0]).toBeUndefined();
    expect(result.main.exitCode).toBe(0);
    const lines = engineLines(result.main.stdout);
    expect(lines).toHaveLength(1_048_577);
    expect(lines.at(-1)).toBe('last line');
  });

  test('does not wait for a process the engine left behind, however fast it writes', async () => {
    // A child the engine started in the background outlives it and writes without pause to the
    // same file: the step reads what the engine left when it exited and ends.
    const pids = await dir('engine-output-pid-');
    cleanups.push(async () => {
      const pid = Number(await readFile(join(pids, 'pid'), 'utf8').catch(() => ''));
      if (pid) process.kill(pid, 'SIGKILL');
    });
    const result = await build(
      `yes 'from the background' & echo $! > '${pids}/pid'; echo 'the engine is done'`,
      { timeoutMs: 10_000 },
    );
    expect(result.main.signal).toBeNull();
    expect(result.main.exitCode).toBe(0);
    const lines = engineLines(result.main.stdout);
    expect(lines).toContain('the engine is done');
  }, 20_000);

  test('keeps a character whole where a read of the output ends inside it', async () => {
    // A line with a two-byte character whose first byte is the 65,536th of the output: the output
    // is read in 64 KiB chunks, so the first chunk ends inside it. The failure quotes that line.
    const out = await dir('engine-output-text-');
    await writeFile(join(out, 'log'), `${'x'.repeat(1023)}\n`.repeat(63) + `${'x'.repeat(1019)}\ncafé\n`);
    const result = await build(`cat '${out}/log'; exit 1`);
    expect(result.main.exitCode).toBe(1);
    expect(engineLines(result.main.stdout)).toContain('café');
    const failure = result.annotations.find((a) => a.level === 'error');
    expect(failure?.message).toMatch(/^depot build failed with exit code 1: café$/m);
  });

  test.each(['circleci', 'buildkite', 'gitlab'])(
    'keeps a character whole where a read of the output ends inside it (%s)',
    async (entry) => {
      const out = await dir('engine-output-text-');
      await writeFile(join(out, 'log'), `${'x'.repeat(1023)}\n`.repeat(63) + `${'x'.repeat(1019)}\ncafé\n`);
      const bin = await engine(`cat '${out}/log'`);
      const work = await dir('engine-output-ci-');
      const { exitCode: code, stdout } = await runProcess(
        process.execPath,
        [join(REPO_ROOT, 'dist', entry, 'index.js'), 'build'],
        {
          PATH: pathWith(bin),
          HOME: work,
          TMPDIR: work,
          CIRCLECI: 'true',
          BUILDKITE: 'true',
          GITLAB_CI: 'true',
          DEPOT_TOKEN: 'depot_project_token_relay',
          DEPOT_OUTPUT_DIR: join(work, 'out'),
        },
        work,
      );
      expect(code).toBe(0);
      expect(stdout).not.toContain('\ufffd');
      expect(stdout).toContain('\ncafé\n');
    },
  );

  test('keeps what follows a write to /dev/stderr by name', async () => {
    // `> /dev/stderr` opens the engine's stderr anew, truncating it (a pipe has nothing to truncate).
    const result = await build(
      'i=1; while [ $i -le 20 ]; do echo "before $i"; i=$((i+1)); done; sleep 0.3; ' +
        'echo "a warning" > /dev/stderr; echo "after 1"; echo "after 2"',
    );
    expect(result.main.exitCode).toBe(0);
    const lines = engineLines(result.main.stdout);
    expect(lines.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `before ${i + 1}`));
    expect(lines.slice(20)).toEqual(['a warning', 'after 1', 'after 2']);
  });

  test('relays only the end of what the engine left unread when the step is cancelled', async () => {
    // 200 MB at once, then a wait: most of it is still unread when the step is cancelled. A pipe
    // held the engine back; the file does not, so the step skips all but the end of that backlog.
    const bin = await engine(
      '[ "$1" = --version ] && exit 1; ' +
        "yes 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' | head -c 200000000; exec sleep 30",
    );
    const child = await startStep(bin, await dir('engine-output-step-'));
    let bytes = 0;
    let last = '';
    let cancelledAt = 0;
    let note: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      last = (last + chunk.toString('latin1')).slice(-4096);
      note ??= /^\[\d+ bytes of output skipped: the step was cancelled\]$/m.exec(last)?.[0];
      if (!cancelledAt && last.includes('yyyy')) {
        // A log that takes the output slower than the engine writes it: reading stops until the
        // cancel, so a backlog is left however fast this machine relays.
        child.stdout.pause();
        cancelledAt = Date.now() + 300;
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => child.stdout.resume(), 100);
        }, 300);
      }
    });
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(Date.now() - cancelledAt).toBeLessThan(2000);
    expect(note).toBeDefined();
    expect(last).toContain('depot build: The step was cancelled (SIGTERM); the engine was stopped.');
    expect(bytes).toBeLessThan(200_000_000);
  });

  test('leaves no file in RUNNER_TEMP, while the engine runs or after', async () => {
    // What the engine sees in RUNNER_TEMP while it runs: only the step's own files (the file it
    // writes its output to has no name).
    const result = await build('ls -A "$RUNNER_TEMP"; echo done');
    expect(result.main.exitCode).toBe(0);
    const step = basename(result.state.tempDir);
    const seen = engineLines(result.main.stdout);
    expect(seen.at(-1)).toBe('done');
    expect(seen.slice(0, -1).filter((name) => !name.startsWith(step))).toEqual([]);
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });

  test('leaves no file in RUNNER_TEMP when the step is killed mid-build', async () => {
    const result = await build('echo started; sleep 30', { timeoutMs: 1500 });
    expect(result.main.signal).toBe('SIGKILL');
    expect(result.post?.exitCode).toBe(0);
    expect(await leftInRunnerTemp(result)).toEqual([]);
  });
});
