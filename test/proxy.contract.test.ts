/**
 * The actions behind a corporate proxy: dist/setup/index.js run as a process by the runner-contract
 * harness, with every double (release channel, npm registry, GitHub's ID-token service, Depot's
 * exchange) reachable only through a real proxy, Debian's tinyproxy, started here on loopback. The
 * doubles have names that do not resolve (`release.depot.test`) and refuse any request that did not
 * arrive through the proxy's tunnel, so a request that ignores HTTPS_PROXY / HTTP_PROXY fails.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { startTinyproxy, type Tinyproxy } from './doubles/behind-proxy';
import { startDepotAuth } from './doubles/depot-auth';
import { startNpmRegistry } from './doubles/npm-registry';
import { startOidcIssuer } from './doubles/oidc-issuer';
import { REAL_DEPOT_VERSION, startReleaseServer } from './doubles/release-server';
import { runAction, type ActionResult } from './harness/runner';

const PINNED = REAL_DEPOT_VERSION;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Every proxy variable cleared, so the test's own environment cannot decide the route. */
const NO_PROXY_ENV = {
  HTTPS_PROXY: undefined,
  HTTP_PROXY: undefined,
  NO_PROXY: undefined,
  https_proxy: undefined,
  http_proxy: undefined,
  no_proxy: undefined,
};

async function runSetup(
  inputs: Record<string, string>,
  env: Record<string, string | undefined>,
): Promise<ActionResult> {
  const result = await runAction('setup', {
    inputs,
    env: {
      ...NO_PROXY_ENV,
      DEPOT_INSTALL_RETRY_DELAY_MS: '10',
      // The npm fallback must never leave this machine when a test does not set a registry.
      npm_config_registry: 'http://npm-unset.depot.test',
      ...env,
    },
  });
  cleanups.push(result.cleanup);
  return result;
}

const errors = (r: ActionResult): string[] =>
  r.annotations.filter((a) => a.level === 'error').map((a) => a.message);

function expectInstalled(result: ActionResult, version: string): void {
  expect(errors(result)).toEqual([]);
  expect(result.main.exitCode).toBe(0);
  expect(result.outputs.version).toBe(version);
  expect(
    existsSync(`${join(result.processEnv.RUNNER_TOOL_CACHE, 'depot', version, process.arch)}.complete`),
  ).toBe(true);
  expect(readdirSync(result.processEnv.RUNNER_TEMP)).toEqual([]);
}

async function proxyFor(...doubles: Parameters<typeof startTinyproxy>[0]): Promise<Tinyproxy> {
  const proxy = await startTinyproxy(doubles);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe('through a proxy (tinyproxy)', () => {
  test('setup installs a pinned version: checksums and archive both through HTTP_PROXY', async () => {
    const release = await startReleaseServer({ versions: [PINNED], behindProxy: 'release' });
    cleanups.push(() => release.close());
    const proxy = await proxyFor(release);

    const result = await runSetup(
      { version: PINNED, 'download-url': release.downloadUrl },
      { HTTP_PROXY: proxy.url },
    );
    expectInstalled(result, PINNED);
    // The checksum file and the archive are fetched at the same time, in either order.
    expect([...release.requests].sort()).toEqual([
      `/download/v${PINNED}/checksums.txt`,
      `/download/v${PINNED}/depot_${PINNED}_linux_amd64.tar.gz`,
    ]);
    expect(proxy.connects().filter((c) => c === 'release.depot.test:80')).toHaveLength(2);
  });

  test('without the proxy the doubles are unreachable (the route above is the proxy, not a shortcut)', async () => {
    const release = await startReleaseServer({ versions: [PINNED], behindProxy: 'release' });
    cleanups.push(() => release.close());
    const result = await runSetup({ version: PINNED, 'download-url': release.downloadUrl }, {});
    expect(result.main.exitCode).toBe(1);
    expect(errors(result)[0]).toContain('ENOTFOUND');
    expect(release.requests).toEqual([]);
  });

  test('latest is resolved and downloaded through http_proxy (lower case)', async () => {
    const release = await startReleaseServer({ versions: ['2.101.0', PINNED], behindProxy: 'release' });
    cleanups.push(() => release.close());
    const proxy = await proxyFor(release);

    const result = await runSetup(
      { version: 'latest' },
      { http_proxy: proxy.url, DEPOT_RELEASE_URL: release.url },
    );
    expectInstalled(result, PINNED);
    expect(release.requests[0]).toBe('/cli/release/linux/x64/latest');
    expect(proxy.connects().filter((c) => c === 'release.depot.test:80').length).toBeGreaterThanOrEqual(3);
  });

  test('the npm fallback goes through the proxy when the release host cannot be reached', async () => {
    const registry = await startNpmRegistry({ versions: [PINNED], behindProxy: 'npm' });
    cleanups.push(() => registry.close());
    const proxy = await proxyFor(registry);

    const result = await runSetup(
      { version: PINNED, 'download-url': 'http://gone.depot.test/download' },
      { HTTP_PROXY: proxy.url, npm_config_registry: registry.url },
    );
    expectInstalled(result, PINNED);
    expect(result.main.stdout).toContain('trying the npm registry');
    expect(registry.requests).toHaveLength(2);
    expect(proxy.connects()).toContain('gone.depot.test:80');
    expect(proxy.connects()).toContain('npm.depot.test:80');
  });

  test("the npm fallback honours npm's own proxy setting (npm_config_proxy) when no HTTP_PROXY is set", async () => {
    const registry = await startNpmRegistry({ versions: [PINNED], behindProxy: 'npm' });
    cleanups.push(() => registry.close());
    const proxy = await proxyFor(registry);

    const result = await runSetup(
      { version: PINNED, 'download-url': 'http://gone.depot.test/download' },
      { npm_config_proxy: proxy.url, npm_config_registry: registry.url },
    );
    expectInstalled(result, PINNED);
    // The release host was tried directly (npm's proxy is for npm only), the registry through the proxy.
    expect(proxy.connects()).not.toContain('gone.depot.test:80');
    expect(proxy.connects()).toContain('npm.depot.test:80');
  });

  test("GitHub's ID-token request and Depot's exchange go through the proxy (setup oidc: true)", async () => {
    const issuer = await startOidcIssuer({ behindProxy: 'oidc' });
    const auth = await startDepotAuth(issuer, {}, 'auth');
    const release = await startReleaseServer({ versions: [PINNED], behindProxy: 'release' });
    cleanups.push(
      () => issuer.close(),
      () => auth.close(),
      () => release.close(),
    );
    const proxy = await proxyFor(issuer, auth, release);

    const result = await runSetup(
      { oidc: 'true', version: PINNED, 'download-url': release.downloadUrl },
      {
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        ...issuer.githubEnv,
        DEPOT_OIDC_EXCHANGE_URL: auth.url,
      },
    );
    expectInstalled(result, PINNED);
    const [token] = auth.issued;
    expect(token).toBeDefined();
    expect(result.env).toEqual({ DEPOT_TOKEN: token });
    expect(proxy.connects()).toEqual(expect.arrayContaining(['oidc.depot.test:80', 'auth.depot.test:80']));
  });

  test('NO_PROXY sends a listed host directly; without it the same host goes through the proxy', async () => {
    // A direct double addressed as 0.0.0.0 (which reaches this machine): the client's built-in
    // loopback exemption (localhost, 127.*) does not cover that spelling, so only NO_PROXY decides.
    const release = await startReleaseServer({ versions: [PINNED] });
    cleanups.push(() => release.close());
    const proxy = await proxyFor();
    const mapped = `0.0.0.0:${new URL(release.url).port}`;
    const downloadUrl = `http://${mapped}/download`;

    const bypassed = await runSetup(
      { version: PINNED, 'download-url': downloadUrl },
      { HTTP_PROXY: proxy.url, NO_PROXY: 'example.test,0.0.0.0' },
    );
    expectInstalled(bypassed, PINNED);
    expect(proxy.connects()).toEqual([]);

    const proxied = await runSetup(
      { version: PINNED, 'download-url': downloadUrl },
      { http_proxy: proxy.url, no_proxy: 'example.test' },
    );
    expect(proxy.connects()).toContain(mapped);
    expect(proxied.main.exitCode).toBe(0);
  });
});
