/**
 * The install path against hostile and broken servers, and against being killed: dist/setup run as
 * a process against the release and npm doubles. Each case is a fault that was seen before the
 * install moved onto the toolkit's libraries: no size limits, a stalled download that took twenty
 * minutes to fail, concurrent installs that failed with ENOTEMPTY, leftovers of killed or cancelled
 * installs, an HTML page cached as `depot`, and a workspace .npmrc that steered the npm fallback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { startNpmRegistry } from './doubles/npm-registry';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const PINNED = REAL_DEPOT_VERSION;
const OTHER = '2.101.5';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function release(versions = [PINNED, OTHER]): Promise<ReleaseServer> {
  const server = await startReleaseServer({ versions });
  cleanups.push(() => server.close());
  return server;
}

async function runSetup(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<ActionResult> {
  const result = await runAction('setup', {
    inputs,
    env: {
      DEPOT_INSTALL_RETRY_DELAY_MS: '10',
      npm_config_registry: 'http://127.0.0.1:9',
      ...env,
    },
    ...(cwd ? { cwd } : {}),
  });
  cleanups.push(result.cleanup);
  return result;
}

const errors = (r: ActionResult): string =>
  r.annotations
    .filter((a) => a.level === 'error')
    .map((a) => a.message)
    .join('\n');
const cacheOf = (r: ActionResult): string => r.processEnv.RUNNER_TOOL_CACHE;
const expectNothingLeft = (r: ActionResult): void => {
  expect(readdirSync(r.processEnv.RUNNER_TEMP)).toEqual([]);
  expect(existsSync(join(cacheOf(r), 'depot'))).toBe(false);
};

/** A pid that surely belongs to no running process (a child that has exited). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid ?? 999_999;

describe('limits', () => {
  test('an archive whose depot unpacks past the ceiling is refused while it downloads', async () => {
    const server = await release();
    // About 600 kB on the wire, 600 MB unpacked; checksums.txt vouches for it.
    server.hostile({ kind: 'bomb', bytes: 600 * 1024 * 1024 });
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    // One line naming the archive, as for a .zip: a hostile mirror is the user's fact, not a bug here.
    expect(errors(result)).toMatch(
      /^depot_\S+_linux_amd64\.tar\.gz unpacks to more than the 400 MB limit; nothing was installed\./,
    );
    expectNothingLeft(result);
  });

  test('a download that does not stop is cut off at the size ceiling', async () => {
    const server = await release();
    server.hostile({ kind: 'endless' });
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toContain('larger than the 200 MB limit');
    expectNothingLeft(result);
  });

  test('a download that stalls after its headers is retried after the stall limit, then fails', async () => {
    const server = await release();
    server.hostile({ kind: 'stall' });
    const started = Date.now();
    const result = await runSetup(
      { version: PINNED, 'download-url': server.downloadUrl },
      { DEPOT_INSTALL_STALL_TIMEOUT_MS: '500' },
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toMatch(/failed after 4 attempts in [\d.]+ s \(last: no data for 500 ms\)/);
    expect(server.requests.filter((p) => p.endsWith('.tar.gz'))).toHaveLength(4);
    // Every stalled connection was closed by the client (the double sees the close shortly after).
    for (let i = 0; i < 40 && server.openDownloads() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.openDownloads()).toBe(0);
    expectNothingLeft(result);
  });
});

describe('broken transfers', () => {
  test('a transfer that breaks off halfway is retried from scratch and installs the real CLI, leaving nothing behind', async () => {
    const server = await release();
    // The archive is inflated while it arrives: the broken attempt's half must not leak into the next.
    server.hostile({ kind: 'break-off', count: 2 });
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    expect([result.main.exitCode, errors(result)]).toEqual([0, '']);
    expect(server.requests.filter((p) => p.endsWith('.tar.gz'))).toHaveLength(3);
    expect(result.main.stdout).toMatch(/retry/i);
    const answer = spawnSync(result.outputs.path, ['--version'], { encoding: 'utf8' });
    expect(answer.stdout).toContain(`depot version ${PINNED}`);
    expect(readdirSync(result.processEnv.RUNNER_TEMP)).toEqual([]);
  });
});

/** Setup as a process of its own, to signal or to watch while it runs. */
function startSetup(
  downloadUrl: string,
  runnerTemp: string,
  toolCache: string,
): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'setup', 'index.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tempDir('faults-spawn-home-'),
      RUNNER_TEMP: runnerTemp,
      RUNNER_TOOL_CACHE: toolCache,
      INPUT_VERSION: PINNED,
      'INPUT_DOWNLOAD-URL': downloadUrl,
      DEPOT_INSTALL_RETRY_DELAY_MS: '10',
      npm_config_registry: 'http://127.0.0.1:9',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, exited };
}

/** The files in the install's private work dir under `runnerTemp` (none when it is not there). */
const workFiles = (runnerTemp: string): string[] =>
  readdirSync(runnerTemp)
    .filter((name) => name.startsWith('depot-install-'))
    .flatMap((dir) => {
      try {
        return readdirSync(join(runnerTemp, dir));
      } catch {
        return [];
      }
    });

/** The run installed a CLI that answers --version as the pinned one, and left RUNNER_TEMP empty. */
const installs = (result: ActionResult): void => {
  expect([result.main.exitCode, errors(result)]).toEqual([0, '']);
  const answer = spawnSync(result.outputs.path, ['--version'], { encoding: 'utf8' });
  expect(answer.stdout).toContain(`depot version ${PINNED}`);
  expect(readdirSync(result.processEnv.RUNNER_TEMP)).toEqual([]);
};

describe('retries of an archive inflated while it downloads', () => {
  test('server errors, then the archive: installs, nothing left', async () => {
    const server = await release();
    server.failNext(2, 503, /\.tar\.gz$/);
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    installs(result);
    expect(server.requests.filter((p) => p.endsWith('.tar.gz'))).toHaveLength(3);
  });

  test('a stalled transfer, then the archive: installs, nothing left', async () => {
    const server = await release();
    server.hostile({ kind: 'stall', count: 1 });
    const result = await runSetup(
      { version: PINNED, 'download-url': server.downloadUrl },
      { DEPOT_INSTALL_STALL_TIMEOUT_MS: '500' },
    );
    installs(result);
    expect(server.requests.filter((p) => p.endsWith('.tar.gz'))).toHaveLength(2);
  });

  test("a broken-off attempt's inflated tar is removed when the attempt fails, not kept on disk while the retry runs", async () => {
    // The retry is spread over 3 s, so the work dir can be watched while it downloads.
    const server = await startReleaseServer({ versions: [PINNED], assetSeconds: 3 });
    cleanups.push(() => server.close());
    server.hostile({ kind: 'break-off', count: 2 });
    const runnerTemp = tempDir('faults-retry-temp-');
    const { exited } = startSetup(server.downloadUrl, runnerTemp, tempDir('faults-retry-cache-'));
    const tarsSeen = new Set<string>();
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      if (server.requests.filter((p) => p.endsWith('.tar.gz')).length === 3)
        for (const name of workFiles(runnerTemp)) if (name.endsWith('.tar')) tarsSeen.add(name);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await exited).toBe(0);
    expect([...tarsSeen].filter((name) => !name.endsWith('.3.tar'))).toEqual([]);
    expect(readdirSync(runnerTemp)).toEqual([]);
  });
});

describe('what is cached', () => {
  test('an HTML page with a matching checksum is never cached', async () => {
    const server = await release();
    server.hostile({ kind: 'html' });
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toMatch(
      /^depot_\S+_linux_amd64\.tar\.gz could not be unpacked as a \.tar\.gz archive \(.*tar.* failed with exit code \d+\); nothing was installed\./,
    );
    expectNothingLeft(result);
  });

  test.each([['damaged-gzip'], ['truncated-gzip']] as const)(
    'a %s stream that matches checksums.txt is refused in one line, nothing cached or left',
    async (kind) => {
      const server = await release();
      server.hostile({ kind });
      const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
      expect(result.main.exitCode).toBe(1);
      expect(errors(result)).toMatch(
        /^depot_\S+_linux_amd64\.tar\.gz could not be unpacked as a \.tar\.gz archive \([^\n]*\); nothing was installed\./,
      );
      expectNothingLeft(result);
    },
  );

  test('an archive whose bin/depot is not a depot CLI is run once and refused', async () => {
    const server = await release();
    server.hostile({ kind: 'html-as-depot' });
    const result = await runSetup({ version: PINNED, 'download-url': server.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toContain(`The downloaded depot CLI ${PINNED} does not run as one`);
    expectNothingLeft(result);
  });

  test('a real CLI of another version than the one asked for is refused', async () => {
    const server = await release();
    server.hostile({ kind: 'real-cli-for-every-version' });
    const result = await runSetup({ version: OTHER, 'download-url': server.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toContain(
      `The downloaded depot CLI ${OTHER} does not run as one: \`depot --version\` answered "depot version ${PINNED}`,
    );
    expectNothingLeft(result);
  });
});

describe('shared tool cache', () => {
  test('two installs of one version at once both succeed and leave one complete entry', async () => {
    const server = await release();
    const toolCache = tempDir('faults-shared-cache-');
    for (let round = 0; round < 2; round++) {
      rmSync(join(toolCache, 'depot'), { recursive: true, force: true });
      const [a, b] = await Promise.all(
        [0, 1].map(() =>
          runSetup({ version: PINNED, 'download-url': server.downloadUrl }, { RUNNER_TOOL_CACHE: toolCache }),
        ),
      );
      expect([a.main.exitCode, b.main.exitCode, errors(a), errors(b)]).toEqual([0, 0, '', '']);
      expect(a.outputs.path).toBe(b.outputs.path);
      expect(readdirSync(join(toolCache, 'depot', PINNED)).sort()).toEqual([
        process.arch,
        `${process.arch}.complete`,
        `${process.arch}.sha256`,
      ]);
    }
  });

  test('leftovers of a killed install (unfinished entry, lock, temp dir) are removed by the next run', async () => {
    const server = await release();
    const toolCache = tempDir('faults-killed-cache-');
    const runnerTemp = tempDir('faults-killed-temp-');
    const pid = deadPid();
    // What a SIGKILL during the cache store leaves: the entry without its marker, its lock, and the
    // install's own temp dir holding the download.
    const entry = join(toolCache, 'depot', OTHER, process.arch);
    mkdirSync(entry, { recursive: true });
    writeFileSync(join(entry, 'depot'), Buffer.alloc(1024 * 1024));
    mkdirSync(`${entry}.lock`);
    writeFileSync(join(`${entry}.lock`, 'pid'), String(pid));
    const work = join(runnerTemp, `depot-install-${pid}-AbCdEf`);
    mkdirSync(work);
    writeFileSync(join(work, `depot_${OTHER}_linux_amd64.tar.gz`), Buffer.alloc(1024 * 1024));

    const result = await runSetup(
      { version: PINNED, 'download-url': server.downloadUrl },
      { RUNNER_TOOL_CACHE: toolCache, RUNNER_TEMP: runnerTemp },
    );
    expect(result.main.exitCode).toBe(0);
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(readdirSync(join(toolCache, 'depot', OTHER))).toEqual([]);
  });

  test('a cancelled install (SIGTERM while downloading) leaves nothing in RUNNER_TEMP or the cache', async () => {
    const server = await release();
    server.hostile({ kind: 'stall' });
    const runnerTemp = tempDir('faults-cancel-temp-');
    const toolCache = tempDir('faults-cancel-cache-');
    const { child, exited } = startSetup(server.downloadUrl, runnerTemp, toolCache);
    for (let i = 0; i < 200 && server.openDownloads() === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.openDownloads()).toBe(1);
    expect(readdirSync(runnerTemp).some((name) => name.startsWith('depot-install-'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(existsSync(join(toolCache, 'depot', PINNED, process.arch))).toBe(false);
  });
});

describe('npm fallback, inflated the same way', () => {
  const npmSetup = async (corrupt: boolean): Promise<ActionResult> => {
    const registry = await startNpmRegistry({ versions: [PINNED] });
    cleanups.push(() => registry.close());
    registry.corrupt(corrupt);
    return runSetup(
      { version: PINNED, 'download-url': 'http://127.0.0.1:9/download' },
      { npm_config_registry: registry.url },
    );
  };

  test('installs the real CLI from the package tarball, nothing left', async () => {
    installs(await npmSetup(false));
  });

  test('a tarball that does not match dist.integrity is refused, nothing cached or left', async () => {
    const result = await npmSetup(true);
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toContain("(the registry's dist.integrity)");
    expectNothingLeft(result);
  });
});

describe('cancelled while the archive is inflated', () => {
  test.each([300, 1200, 2400])(
    'SIGTERM %i ms into a 3 s download leaves nothing in RUNNER_TEMP or the cache, even a moment later',
    async (delayMs) => {
      const server = await startReleaseServer({ versions: [PINNED], assetSeconds: 3 });
      cleanups.push(() => server.close());
      const runnerTemp = tempDir('faults-cancel-inflate-temp-');
      const toolCache = tempDir('faults-cancel-inflate-cache-');
      const { child, exited } = startSetup(server.downloadUrl, runnerTemp, toolCache);
      for (let i = 0; i < 400 && !server.requests.some((p) => p.endsWith('.tar.gz')); i++)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, delayMs));
      expect(workFiles(runnerTemp).some((name) => name.endsWith('.1.tar'))).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
      // Nothing the killed process had under way (a write, an open) may bring a file back.
      await new Promise((r) => setTimeout(r, 300));
      expect(readdirSync(runnerTemp)).toEqual([]);
      expect(existsSync(join(toolCache, 'depot', PINNED, process.arch))).toBe(false);
    },
  );
});

describe('untrusted configuration', () => {
  test("the workspace's .npmrc never steers the npm fallback nor receives a runner token", async () => {
    const good = await startNpmRegistry({ versions: [PINNED] });
    const evil = await startNpmRegistry({ versions: [PINNED] });
    cleanups.push(
      () => good.close(),
      () => evil.close(),
    );
    const workspace = tempDir('faults-workspace-');
    const evilHost = new URL(evil.url).host;
    writeFileSync(
      join(workspace, '.npmrc'),
      `registry=${evil.url}/\n//${evilHost}/:_authToken=\${ACTIONS_ID_TOKEN_REQUEST_TOKEN}\n`,
    );
    const home = tempDir('faults-home-');
    writeFileSync(join(home, '.npmrc'), `registry=${good.url}/\n`);

    const result = await runSetup(
      { version: PINNED, 'download-url': 'http://127.0.0.1:9/download' },
      {
        HOME: home,
        npm_config_registry: undefined,
        npm_config_globalconfig: join(home, 'no-global-npmrc'),
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      },
      workspace,
    );
    expect(errors(result)).toBe('');
    expect(result.main.exitCode).toBe(0);
    expect(evil.requests).toEqual([]);
    expect(good.requests).toHaveLength(2);
    expect(good.authorizations).toEqual([undefined, undefined]);
  });
});
