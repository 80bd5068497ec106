import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeEngineSource, ensureEngine, type EnsureEngineOptions } from '../src/engine/install';
import { InputError, UserError } from '../src/errors';
import { startNpmRegistry, type NpmRegistryDouble } from '../../../test/doubles/npm-registry';
import {
  declaringSize,
  releaseArchive,
  startReleaseServer,
  zipArchive,
  type ReleaseServer,
} from '../../../test/doubles/release-server';
import { zipDeclaredSize } from '../src/engine/unpack';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  for (const fn of cleanups.splice(0)) await fn();
});
// Packing the 50 MB binary once up front keeps each test's timing about the install itself.
beforeAll(() => void releaseArchive());

interface Fixture {
  root: string;
  toolCache: string;
  tempDir: string;
  home: string;
  warnings: string[];
  options(extra: Partial<EnsureEngineOptions> & { env?: Record<string, string> }): EnsureEngineOptions;
}

function fixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'engine-install-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const [toolCache, tempDir, home] = ['tool-cache', 'temp', 'home'].map((d) => join(root, d));
  for (const dir of [toolCache, tempDir, home]) mkdirSync(dir);
  const warnings: string[] = [];
  return {
    root,
    toolCache,
    tempDir,
    home,
    warnings,
    options: (extra) => ({
      version: 'latest',
      tempDir,
      toolCache,
      platform: 'linux',
      arch: 'x64',
      log: { warn: (m) => warnings.push(m) },
      ...extra,
      env: { HOME: home, DEPOT_INSTALL_RETRY_DELAY_MS: '1', ...extra.env },
    }),
  };
}

/** A URL on which nothing listens (a port just closed), so connections are refused. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function releaseServer(options: Parameters<typeof startReleaseServer>[0]): Promise<ReleaseServer> {
  const server = await startReleaseServer(options);
  cleanups.push(() => server.close());
  return server;
}
async function npmDouble(options: Parameters<typeof startNpmRegistry>[0]): Promise<NpmRegistryDouble> {
  const registry = await startNpmRegistry(options);
  cleanups.push(() => registry.close());
  return registry;
}

describe('ensureEngine', () => {
  test('a cached exact version is returned without loading the download path or calling fetch', async () => {
    const f = fixture();
    const dir = join(f.toolCache, 'depot', '2.102.12', 'x64');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'depot'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(`${dir}.complete`, '');
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const engine = await ensureEngine(
      f.options({ version: '2.102.12', env: { DEPOT_RELEASE_URL: await deadUrl() } }),
    );
    expect(engine).toMatchObject({
      kind: 'depot',
      path: join(dir, 'depot'),
      version: '2.102.12',
      source: { kind: 'cached' },
    });
    expect(describeEngineSource(engine.source)).toBe('cached');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  test('an entry without its .complete marker is replaced by a fresh install', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    const dir = join(f.toolCache, 'depot', '2.102.12', 'x64');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'depot'), 'half-written');
    const engine = await ensureEngine(f.options({ version: '2.102.12', downloadUrl: server.downloadUrl }));
    expect(engine.source).toEqual({ kind: 'downloaded', host: new URL(server.url).host });
    expect(readFileSync(engine.path).length).toBeGreaterThan(1_000_000);
    expect(existsSync(`${dir}.complete`)).toBe(true);
    // No staging directories are left next to the entry.
    expect(readdirSync(join(f.toolCache, 'depot', '2.102.12')).sort()).toEqual([
      'x64',
      'x64.complete',
      'x64.sha256',
    ]);
  });

  test('DEPOT_DOWNLOAD_URL stands in for the download-url option', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    const engine = await ensureEngine(
      f.options({ version: '2.102.12', env: { DEPOT_DOWNLOAD_URL: server.downloadUrl } }),
    );
    expect(engine.version).toBe('2.102.12');
    expect(server.requests).toHaveLength(2);
  });

  test('a release without checksums.txt is refused, caching nothing', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'], checksums: false });
    await expect(
      ensureEngine(f.options({ version: '2.102.12', downloadUrl: server.downloadUrl })),
    ).rejects.toThrow(
      /^Cannot verify depot_2\.102\.12_linux_amd64\.tar\.gz: no checksums\.txt is published next to it at http:\/\/127\.0\.0\.1:\d+\/download\/v2\.102\.12\/depot_2\.102\.12_linux_amd64\.tar\.gz and no checksum input is set\.$/,
    );
    // checksums.txt, then goreleaser's default name, while the archive downloads (concurrently).
    expect([...server.requests].sort()).toEqual([
      '/download/v2.102.12/checksums.txt',
      '/download/v2.102.12/depot_2.102.12_checksums.txt',
      '/download/v2.102.12/depot_2.102.12_linux_amd64.tar.gz',
    ]);
    expect(readdirSync(f.toolCache)).toEqual([]);
    expect(readdirSync(f.tempDir)).toEqual([]);
  });

  test('the checksum input is checked against a cached version: ours records the archive digest', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    const options = f.options({ version: '2.102.12', downloadUrl: server.downloadUrl });
    await ensureEngine(options);
    const cached = await ensureEngine({ ...options, checksum: server.archiveSha256 });
    expect(cached.source).toEqual({ kind: 'cached' });
    await expect(ensureEngine({ ...options, checksum: 'a'.repeat(64) })).rejects.toThrow(
      `was installed from an archive with sha256 ${server.archiveSha256}, not the checksum input's ${'a'.repeat(64)}.`,
    );
    // Stored by another installer (no digest recorded): used, with a warning that says so.
    rmSync(join(f.toolCache, 'depot', '2.102.12', 'x64.sha256'));
    await ensureEngine({ ...options, checksum: 'a'.repeat(64) });
    expect(f.warnings.at(-1)).toContain('was stored by another installer');
  });

  test('a mirror that answers 403 for a missing checksums.txt (S3, GCS) installs with the checksum input', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    server.failNext(2, 403, /checksums\.txt$/);
    const engine = await ensureEngine(
      f.options({ version: '2.102.12', downloadUrl: server.downloadUrl, checksum: server.archiveSha256 }),
    );
    expect(engine.version).toBe('2.102.12');
  });

  test('without checksums.txt, the checksum input makes the release installable', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'], checksums: false });
    const engine = await ensureEngine(
      f.options({ version: '2.102.12', downloadUrl: server.downloadUrl, checksum: server.archiveSha256 }),
    );
    expect(engine.version).toBe('2.102.12');
    expect(f.warnings).toEqual([]);
  });

  test('a version that does not exist is a UserError naming the URL, not an npm fallback', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    const registry = await npmDouble({ versions: ['2.102.12'] });
    const attempt = ensureEngine(
      f.options({
        version: '9.9.9',
        downloadUrl: server.downloadUrl,
        env: { npm_config_registry: registry.url },
      }),
    );
    await expect(attempt).rejects.toThrow(UserError);
    await expect(attempt).rejects.toThrow(
      /could not be installed: GET .*\/v9\.9\.9\/checksums\.txt|HTTP 404|or version 9\.9\.9 does not exist at http/,
    );
    expect(registry.requests).toEqual([]);
    expect(readdirSync(f.tempDir)).toEqual([]);
  });

  test('a range the release service cannot satisfy is a UserError', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    await expect(
      ensureEngine(f.options({ version: '5.x', env: { DEPOT_RELEASE_URL: server.url } })),
    ).rejects.toThrow('has no depot CLI matching version "5.x" for linux/x64');
  });

  test('the npm fallback uses the registry from ~/.npmrc with its token', async () => {
    const f = fixture();
    const registry = await npmDouble({ versions: ['2.102.12'], token: 'npm-secret' });
    writeFileSync(
      join(f.home, '.npmrc'),
      `registry=${registry.url}/\n//${new URL(registry.url).host}/:_authToken=\${MY_NPM_TOKEN}\n`,
    );
    const engine = await ensureEngine(
      f.options({ version: '2.102.12', downloadUrl: await deadUrl(), env: { MY_NPM_TOKEN: 'npm-secret' } }),
    );
    expect(engine.source).toEqual({ kind: 'npm', registry: registry.url });
    expect(describeEngineSource(engine.source)).toBe('from npm');
    expect(f.warnings).toEqual([expect.stringContaining('ECONNREFUSED')]);
  });

  test('an npm tarball that fails dist.integrity is not cached', async () => {
    const f = fixture();
    const registry = await npmDouble({ versions: ['2.102.12'] });
    registry.corrupt(true);
    const attempt = ensureEngine(
      f.options({
        version: '2.102.12',
        downloadUrl: await deadUrl(),
        env: { npm_config_registry: registry.url },
      }),
    );
    await expect(attempt).rejects.toThrow(
      /@depot\/cli-linux-x64@0\.0\.1-cli\.2\.102\.12 failed verification: expected sha512-/,
    );
    expect(existsSync(join(f.toolCache, 'depot'))).toBe(false);
    expect(readdirSync(f.tempDir)).toEqual([]);
  });

  test('an archive that fails the checksum input stops being inflated: no file under the temp dir stays open', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.102.12'] });
    const attempt = ensureEngine(
      f.options({ version: '2.102.12', downloadUrl: server.downloadUrl, checksum: '0'.repeat(64) }),
    );
    await expect(attempt).rejects.toThrow('failed verification');
    await new Promise((r) => setTimeout(r, 200));
    const held = readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(join('/proc/self/fd', fd))];
      } catch {
        return [];
      }
    });
    expect(held.filter((path) => path.startsWith(f.tempDir))).toEqual([]);
    expect(readdirSync(f.tempDir)).toEqual([]);
  });

  test('when every source is unreachable the error names both', async () => {
    const f = fixture();
    const dead = await deadUrl();
    const attempt = ensureEngine(
      f.options({ version: 'latest', env: { DEPOT_RELEASE_URL: dead, npm_config_registry: dead } }),
    );
    await expect(attempt).rejects.toThrow(
      /^The depot CLI could not be downloaded: Depot's release lookup failed after 4 attempts in [\d.]+ s \(last: connect ECONNREFUSED 127\.0\.0\.1:\d+\)\. npm registry: The npm registry \(@depot\/cli-linux-x64\) failed after 4 attempts/,
    );
  });

  test('bad options are InputErrors naming the input', async () => {
    const f = fixture();
    await expect(ensureEngine(f.options({ version: '2.x.1' }))).rejects.toThrow(InputError);
    await expect(ensureEngine(f.options({ version: '2.102.12', checksum: 'nope' }))).rejects.toThrow(
      'input "checksum"',
    );
    await expect(
      ensureEngine(f.options({ version: '2.102.12', downloadUrl: 'file:///tmp' })),
    ).rejects.toThrow('input "download-url"');
    // A query would come before the /v{version}/{asset} added to the URL; a signed URL's token,
    // which lives there, is not shown.
    await expect(
      ensureEngine(
        f.options({ version: '2.102.12', downloadUrl: 'https://mirror.example/dl?token=s3cr3tq' }),
      ),
    ).rejects.toThrow('Invalid value for input "download-url": "https://mirror.example/dl?\u2026". Expected');
  });

  // Found before the download, not after it: a wasted download, then an "Unexpected failure".
  test('a tool cache or temp directory that cannot take files is one error naming it', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.101.5'] });
    const notADir = join(f.root, 'a-file');
    writeFileSync(notADir, '');
    for (const [extra, what] of [
      [{ toolCache: notADir }, `The tool cache (RUNNER_TOOL_CACHE) ${notADir} cannot take files`],
      [{ tempDir: notADir }, `The temp directory (RUNNER_TEMP, or TMPDIR) ${notADir} cannot take files`],
    ] as const) {
      const error = await ensureEngine(
        f.options({ version: '2.101.5', downloadUrl: server.downloadUrl, ...extra }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain(what);
    }
    expect(server.requests.filter((r) => r.endsWith('.tar.gz'))).toEqual([]);
  });

  test('npm registry credentials never appear in an error', async () => {
    const f = fixture();
    const registry = await startNpmRegistry({ versions: ['2.101.5'] });
    try {
      const options = f.options({ version: '9.9.9', downloadUrl: 'http://127.0.0.1:9/down' });
      const url = new URL(registry.url);
      options.env = {
        ...options.env,
        npm_config_registry: `http://npmuser:npmS3cretTok@${url.host}${url.pathname}`,
      };
      const error = (await ensureEngine(options).catch((e: unknown) => e)) as Error;
      expect(error.message).toContain(`on http://${url.host}`);
      expect(error.message).not.toContain('npmS3cretTok');
    } finally {
      await registry.close();
    }
  });

  // Windows assets are .zip (a real zip, made by Debian's zip at test time) and macOS assets are
  // darwin tar.gz; both unpack here with @actions/tool-cache (unzip on Linux and macOS, PowerShell
  // on Windows). The binary is for another machine, so it is not run.
  test.each([
    ['win32', 'arm64', 'depot_2.101.5_windows_arm64.zip', 'depot.exe'],
    ['win32', 'x64', 'depot_2.101.5_windows_amd64.zip', 'depot.exe'],
    ['darwin', 'arm64', 'depot_2.101.5_darwin_arm64.tar.gz', 'depot'],
  ] as const)('%s/%s installs from %s', async (platform, arch, asset, binary) => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.101.5'] });
    const engine = await ensureEngine(
      f.options({ version: '2.101.5', downloadUrl: server.downloadUrl, platform, arch }),
    );
    expect(engine.path).toBe(join(f.toolCache, 'depot', '2.101.5', arch, binary));
    expect(readFileSync(engine.path, 'utf8')).toContain('depot version 2.101.5');
    expect(existsSync(join(f.toolCache, 'depot', '2.101.5', `${arch}.complete`))).toBe(true);
    expect([...server.requests].sort()).toEqual([
      '/download/v2.101.5/checksums.txt',
      `/download/v2.101.5/${asset}`,
    ]);
    expect(readdirSync(f.tempDir)).toEqual([]);
  });

  test('a Windows .zip that declares more than the unpacked limit is refused before unzip runs', async () => {
    const f = fixture();
    const server = await releaseServer({ versions: ['2.101.5'] });
    server.hostile({ kind: 'zip-declaring', bytes: 500 * 1024 * 1024 });
    await expect(
      ensureEngine(
        f.options({ version: '2.101.5', downloadUrl: server.downloadUrl, platform: 'win32', arch: 'x64' }),
      ),
    ).rejects.toThrow(
      'depot_2.101.5_windows_amd64.zip unpacks to more than the 400 MB limit; nothing was installed.',
    );
    expect(readdirSync(f.tempDir)).toEqual([]);
    expect(existsSync(join(f.toolCache, 'depot'))).toBe(false);
  });
});

describe('zipDeclaredSize', () => {
  test('sums the sizes in the central directory of a real zip', () => {
    const zip = zipArchive({ a: Buffer.alloc(1000), b: Buffer.alloc(234) });
    expect(zipDeclaredSize(zip)).toBe(1234);
    expect(zipDeclaredSize(declaringSize(zip, 7))).toBe(14);
    expect(zipDeclaredSize(declaringSize(zip, 0xffffffff))).toBe(Number.POSITIVE_INFINITY);
    expect(zipDeclaredSize(Buffer.from('<html>not a zip</html>'))).toBeUndefined();
  });
});
