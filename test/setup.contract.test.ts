/**
 * The setup action as shipped (dist/setup/index.js), run as a process by the runner-contract harness
 * against local doubles of Depot's release channel and of an npm registry. The binary installed is
 * the real depot CLI (from node_modules/@depot/cli-linux-x64), packed at test time the way goreleaser
 * and npm pack it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { startDepotAuth } from './doubles/depot-auth';
import { startNpmRegistry, type NpmRegistryDouble } from './doubles/npm-registry';
import { startOidcIssuer } from './doubles/oidc-issuer';
import { REAL_DEPOT_VERSION, startReleaseServer, type ReleaseServer } from './doubles/release-server';
import { runAction, type ActionResult } from './harness/runner';

const VERSIONS = ['2.100.0', '2.101.0', '2.101.5', '2.102.12', '3.0.1'];
const PINNED = REAL_DEPOT_VERSION;
const ARCH = process.arch;

let release: ReleaseServer;
let registry: NpmRegistryDouble;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  release = await startReleaseServer({ versions: VERSIONS });
  registry = await startNpmRegistry({ versions: ['2.101.5', '2.102.12'] });
  cleanups.push(
    () => release.close(),
    () => registry.close(),
  );
});
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

/** A tool cache directory that outlives one action run. */
function sharedToolCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'setup-tool-cache-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function runSetup(
  inputs: Record<string, string>,
  options: { toolCache?: string; env?: Record<string, string | undefined> } = {},
): Promise<ActionResult> {
  const result = await runAction('setup', {
    inputs,
    env: {
      DEPOT_RELEASE_URL: release.url,
      npm_config_registry: registry.url,
      DEPOT_INSTALL_RETRY_DELAY_MS: '10',
      ...(options.toolCache ? { RUNNER_TOOL_CACHE: options.toolCache } : {}),
      ...options.env,
    },
  });
  cleanups.push(result.cleanup);
  return result;
}

const log = (r: ActionResult): string => r.main.stdout + r.main.stderr;
const errors = (r: ActionResult): string[] =>
  r.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const toolCacheOf = (r: ActionResult): string => r.processEnv.RUNNER_TOOL_CACHE;
/** Whatever is left in RUNNER_TEMP (files or directories). */
const tempLeftovers = (r: ActionResult): string[] => readdirSync(r.processEnv.RUNNER_TEMP);
const versionDir = (r: ActionResult, version: string): string => join(toolCacheOf(r), 'depot', version);

function expectInstalled(result: ActionResult, version: string): string {
  expect(errors(result)).toEqual([]);
  expect(result.main.exitCode).toBe(0);
  const path = join(toolCacheOf(result), 'depot', version, ARCH, 'depot');
  expect(result.outputs.version).toBe(version);
  expect(result.outputs.path).toBe(path);
  expect(result.path).toEqual([dirname(path)]);
  expect(existsSync(`${dirname(path)}.complete`)).toBe(true);
  expect(tempLeftovers(result)).toEqual([]);
  return path;
}

describe('setup: install', () => {
  test('a fresh install downloads, verifies and caches a pinned version that then runs', async () => {
    const result = await runSetup({ version: PINNED, 'download-url': release.downloadUrl });
    const path = expectInstalled(result, PINNED);
    expect(result.outputs['cache-hit']).toBe('false');
    const host = new URL(release.url).host;
    expect(log(result)).toMatch(new RegExp(`depot ${PINNED} \\(downloaded from ${host}\\) in \\d+ ms`));
    expect(result.summary).toContain(`depot CLI ${PINNED} installed (downloaded from ${host})`);
    // An exact version needs no resolution: the checksums and the archive, fetched together.
    expect([...release.requests].sort()).toEqual([
      `/download/v${PINNED}/checksums.txt`,
      `/download/v${PINNED}/depot_${PINNED}_linux_amd64.tar.gz`,
    ]);
    expect(registry.requests).toEqual([]);

    const version = spawnSync(path, ['--version'], {
      encoding: 'utf8',
      env: { HOME: result.processEnv.HOME },
    });
    expect(version.status).toBe(0);
    expect(version.stdout).toContain(`depot version ${PINNED}`);
  });

  test('the same pinned version again makes zero requests', async () => {
    const toolCache = sharedToolCache();
    const first = await runSetup({ version: PINNED, 'download-url': release.downloadUrl }, { toolCache });
    expectInstalled(first, PINNED);
    release.requests.length = 0;

    const again = await runSetup({ version: PINNED, 'download-url': release.downloadUrl }, { toolCache });
    expectInstalled(again, PINNED);
    expect(again.outputs['cache-hit']).toBe('true');
    expect(log(again)).toMatch(new RegExp(`depot ${PINNED} \\(cached\\) in \\d+ ms`));
    expect(release.requests).toEqual([]);
    expect(registry.requests).toEqual([]);
  });

  test.each([
    ['~2.101.0', '2.101.5'],
    ['2.x', '2.102.12'],
    ['latest', '3.0.1'],
  ])('version %s resolves to the newest match, %s, through the release endpoint', async (spec, expected) => {
    const result = await runSetup({ version: spec });
    expectInstalled(result, expected);
    expect(release.requests[0]).toBe(`/cli/release/linux/x64/${spec}`);
    expect(release.requests).toContain(`/download/v${expected}/depot_${expected}_linux_amd64.tar.gz`);
  });

  test('a version resolved by the endpoint that is already cached is not downloaded again', async () => {
    const toolCache = sharedToolCache();
    expectInstalled(await runSetup({ version: '2.x' }, { toolCache }), '2.102.12');
    release.requests.length = 0;
    const again = await runSetup({ version: '2.x' }, { toolCache });
    expectInstalled(again, '2.102.12');
    expect(again.outputs['cache-hit']).toBe('true');
    expect(release.requests).toEqual(['/cli/release/linux/x64/2.x']);
  });

  test('two 500s, then success: the download is retried', async () => {
    release.failNext(2, 500, /\.tar\.gz$/);
    const result = await runSetup({ version: PINNED, 'download-url': release.downloadUrl });
    expectInstalled(result, PINNED);
    expect(release.requests.filter((p) => p.endsWith('.tar.gz'))).toHaveLength(3);
    expect(log(result)).toContain('HTTP 500');
    expect(log(result)).toContain('retrying in');
  });

  test('a checksum input that matches is accepted', async () => {
    const result = await runSetup({
      version: PINNED,
      'download-url': release.downloadUrl,
      checksum: release.archiveSha256,
    });
    expectInstalled(result, PINNED);
  });
});

describe('setup: verification', () => {
  test('a corrupted download fails and leaves no cache entry and no temp files', async () => {
    release.corrupt(true);
    const result = await runSetup({ version: PINNED, 'download-url': release.downloadUrl });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^depot_${PINNED}_linux_amd64\\.tar\\.gz failed verification: expected sha256 ${release.archiveSha256} \\(checksums\\.txt\\)`,
        ),
      ),
    ]);
    expect(existsSync(versionDir(result, PINNED))).toBe(false);
    expect(tempLeftovers(result)).toEqual([]);
    expect(result.outputs).toEqual({});
    // A bad download is never "fixed" by trying another source.
    expect(registry.requests).toEqual([]);
  });

  test('a checksum input that does not match fails the same way', async () => {
    const wrong = 'ab'.repeat(32);
    const result = await runSetup({
      version: PINNED,
      'download-url': release.downloadUrl,
      checksum: `sha256:${wrong}`,
    });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toContain(
      `failed verification: expected sha256 ${wrong} (the checksum input), got ${release.archiveSha256}`,
    );
    expect(existsSync(versionDir(result, PINNED))).toBe(false);
    expect(tempLeftovers(result)).toEqual([]);
  });
});

describe('setup: npm source', () => {
  test('release hosts down: installs from the npm registry, verified by dist.integrity', async () => {
    await release.down();
    const result = await runSetup({ version: 'latest' });
    const path = expectInstalled(result, '2.102.12');
    expect(log(result)).toMatch(/depot 2\.102\.12 \(from npm\) in \d+ ms/);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('trying the npm registry'),
      }),
    );
    expect(registry.requests).toEqual([
      '/@depot%2fcli-linux-x64',
      '/@depot/cli-linux-x64/-/cli-linux-x64-0.0.1-cli.2.102.12.tgz',
    ]);
    const version = spawnSync(path, ['--version'], {
      encoding: 'utf8',
      env: { HOME: result.processEnv.HOME },
    });
    expect(version.stdout).toContain('depot version 2.102.12');
  });

  test('a range resolves against the packument versions', async () => {
    await release.down();
    const result = await runSetup({ version: '~2.101.0', 'download-url': release.downloadUrl });
    expectInstalled(result, '2.101.5');
    expect(log(result)).toContain('(from npm)');
  });

  test('a pinned checksum never falls back to npm', async () => {
    await release.down();
    const result = await runSetup({
      version: PINNED,
      'download-url': release.downloadUrl,
      checksum: 'ab'.repeat(32),
    });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toContain('The depot CLI could not be downloaded');
    expect(errors(result)[0]).toContain('npm registry is not tried');
    expect(registry.requests).toEqual([]);
    expect(tempLeftovers(result)).toEqual([]);
  });
});

describe('setup: configure-docker', () => {
  test('runs depot configure-docker with the installed CLI and reports its failure', async () => {
    // Without a Depot token the real CLI installs its Docker plugin, then stops at the builder.
    const result = await runSetup(
      { version: PINNED, 'download-url': release.downloadUrl, 'configure-docker': 'true' },
      { env: { DEPOT_NO_UPDATE_NOTIFIER: '1', DEPOT_ERROR_TELEMETRY: '0', DEPOT_DISABLE_OTEL: '1' } },
    );
    expect(result.main.exitCode).toBe(1);
    expect(result.groups).toContain('depot configure-docker');
    expect(log(result)).toContain('missing API token');
    expect(errors(result)).toEqual([
      expect.stringContaining('depot configure-docker failed with exit code 1'),
    ]);
    expect(existsSync(join(result.processEnv.HOME, '.docker', 'cli-plugins', 'docker-depot'))).toBe(true);
    // The install itself stands: outputs and PATH are set.
    expect(result.outputs.version).toBe(PINNED);
    expect(result.path).toEqual([dirname(result.outputs.path)]);
  });
});

describe("setup: use (Depot as the job's buildx builder)", () => {
  test('exports project and token (masked) and configures the buildx builder with them', async () => {
    const token = 'depot_use_token_77aa88bb99';
    // No Docker daemon answers here: the real CLI writes the builder, then cannot start its
    // driver container. The builder it wrote shows what it received.
    const result = await runSetup(
      { version: PINNED, 'download-url': release.downloadUrl, use: 'true', project: 'prjuse1', token },
      {
        env: {
          DEPOT_NO_UPDATE_NOTIFIER: '1',
          DEPOT_ERROR_TELEMETRY: '0',
          DEPOT_DISABLE_OTEL: '1',
          DOCKER_HOST: 'unix:///nonexistent/docker.sock',
        },
      },
    );
    expect(result.env).toEqual(expect.objectContaining({ DEPOT_PROJECT_ID: 'prjuse1', DEPOT_TOKEN: token }));
    const lines = (result.main.stdout + result.main.stderr).split('\n');
    const maskAt = lines.indexOf(`::add-mask::${token}`);
    expect(maskAt).toBeGreaterThanOrEqual(0);
    expect(lines.filter((l, i) => l.includes(token) && i !== maskAt)).toEqual([]);
    expect(result.groups).toContain('depot configure-docker');
    const instance = join(result.processEnv.HOME, '.docker', 'buildx', 'instances', 'depot_prjuse1');
    expect(existsSync(instance)).toBe(true);
    expect(readFileSync(instance, 'utf8')).toContain('"env.DEPOT_PROJECT_ID":"prjuse1"');
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toEqual([
      expect.stringContaining('depot configure-docker failed with exit code 1'),
    ]);
  });

  test('a malformed project fails in one line before anything is installed', async () => {
    const result = await runSetup({ use: 'true', project: 'prj use' });
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)).toEqual([
      'Invalid value for input "project": "prj use". Expected a Depot project ID (letters and digits).',
    ]);
    expect(release.requests).toEqual([]);
  });
});

describe('setup: inputs', () => {
  test.each([
    [{ version: 'banana' }, 'Invalid value for input "version": "banana". Expected latest, an exact version'],
    [{ version: '2.x', checksum: 'ab'.repeat(32) }, 'Invalid value for input "checksum"'],
    [{ checksum: 'xyz' }, 'Invalid value for input "checksum": "xyz". Expected a sha256 digest'],
    [
      { 'download-url': 'ftp://mirror.example/depot' },
      'Invalid value for input "download-url": "ftp://mirror.example/depot"',
    ],
    [{ oidc: 'yes' }, 'Invalid value for input "oidc": "yes"'],
  ])('%j fails in one line before any request', async (inputs, message) => {
    const result = await runSetup(inputs);
    expect(result.main.exitCode).toBe(1);
    const [error] = errors(result);
    expect(error).toContain(message);
    expect(error.split('\n')[0]).toBe(error.split('\nHint:')[0]);
    expect(release.requests).toEqual([]);
    expect(registry.requests).toEqual([]);
  });

  // Each spelling printed the password before: no scheme, a scheme without its colon, an unencoded
  // `@` in the password, and a release URL with a scheme that is not http(s).
  test.each([
    [{ 'download-url': 'user:s3cr3tMirrorToken@mirror.example/depot' }, {}, '"***@mirror.example/depot"'],
    [
      { 'download-url': 'http//user:s3cr3tMirrorToken@mirror.example/depot' },
      {},
      '"http//***@mirror.example/depot"',
    ],
    [
      { 'download-url': 'ftp://user:s3cr3t@MirrorToken@mirror.example/depot' },
      {},
      '"ftp://***@mirror.example/depot"',
    ],
    [{}, { DEPOT_RELEASE_URL: 'ftp://user:s3cr3tMirrorToken@mirror.example' }, '"ftp://***@mirror.example"'],
  ])(
    'credentials in a malformed mirror URL are masked first and never printed: %j %j',
    async (inputs, env, shown) => {
      const result = await runSetup({ version: 'latest', ...inputs }, { env });
      expect(result.main.exitCode).toBe(1);
      expect(errors(result)[0]).toContain(shown);
      // The runner consumes ::add-mask:: lines; everything else must be free of the password.
      const printed = log(result)
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect(printed).not.toMatch(/s3cr3t|MirrorToken/);
      expect(result.masks.some((m) => m.includes('s3cr3t'))).toBe(true);
    },
  );

  test('oidc: true exchanges the job identity and exports DEPOT_TOKEN, masked', async () => {
    const issuer = await startOidcIssuer();
    const auth = await startDepotAuth(issuer);
    cleanups.push(async () => {
      await auth.close();
      await issuer.close();
    });
    const result = await runSetup(
      { oidc: 'true', version: PINNED, 'download-url': release.downloadUrl },
      { env: { ...issuer.githubEnv, DEPOT_OIDC_EXCHANGE_URL: auth.url } },
    );
    expectInstalled(result, PINNED);
    const [token] = auth.issued;
    expect(token).toBeDefined();
    expect(result.env).toEqual({ DEPOT_TOKEN: token });
    expect(result.masks).toContain(token);
    const visible = log(result)
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(visible).not.toContain(token);
    expect(visible).toContain('Exported DEPOT_TOKEN (from GitHub OIDC) for later steps.');
  });

  const warnings = (r: ActionResult): string[] =>
    r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);

  // As depot/setup-action: oidc is best-effort, and the CLI is installed whatever the exchange says.
  test('oidc: true without id-token: write warns with the fix, installs and passes', async () => {
    const result = await runSetup({ oidc: 'true', version: PINNED, 'download-url': release.downloadUrl });
    expectInstalled(result, PINNED);
    expect(warnings(result).join('\n')).toContain('id-token: write');
    expect(result.env).toEqual({});
  });

  test('oidc: true with a refused exchange warns, installs and passes', async () => {
    const issuer = await startOidcIssuer();
    const auth = await startDepotAuth(issuer, { refuseExchange: true });
    cleanups.push(async () => {
      await auth.close();
      await issuer.close();
    });
    const result = await runSetup(
      { oidc: 'true', version: PINNED, 'download-url': release.downloadUrl },
      { env: { ...issuer.githubEnv, DEPOT_OIDC_EXCHANGE_URL: auth.url } },
    );
    expectInstalled(result, PINNED);
    expect(warnings(result)).toHaveLength(1);
    expect(warnings(result)[0]).toMatch(/^oidc: no Depot token from GitHub OIDC: .*403/);
    expect(result.env).toEqual({});
    expect(auth.issued).toEqual([]);
  });

  test('oidc: true exchanges anyway when DEPOT_TOKEN is an expired JWT, as build steps pass it over', async () => {
    const issuer = await startOidcIssuer();
    const auth = await startDepotAuth(issuer);
    cleanups.push(async () => {
      await auth.close();
      await issuer.close();
    });
    const expired = 'eyJhbGciOiJub25lIn0.eyJleHAiOjF9.x';
    const result = await runSetup(
      { oidc: 'true', version: PINNED, 'download-url': release.downloadUrl },
      { env: { ...issuer.githubEnv, DEPOT_OIDC_EXCHANGE_URL: auth.url, DEPOT_TOKEN: expired } },
    );
    expectInstalled(result, PINNED);
    expect(warnings(result).join('\n')).toMatch(/DEPOT_TOKEN is a JWT that expired/);
    expect(result.env).toEqual({ DEPOT_TOKEN: auth.issued[0] });
  });

  test('oidc: true is skipped when DEPOT_TOKEN is already set', async () => {
    const withToken = await runSetup(
      { oidc: 'true', version: PINNED, 'download-url': release.downloadUrl },
      { env: { DEPOT_TOKEN: 'already-set' } },
    );
    expectInstalled(withToken, PINNED);
    expect(log(withToken)).toContain('DEPOT_TOKEN is already set');
    expect(withToken.env).toEqual({});
  });
});
