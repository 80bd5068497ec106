// ensureEngine: makes sure the depot CLI is installed and says how. The warm path (an exact version
// already in the tool cache) reads two file stats and makes no request; everything that downloads
// lives in acquire.ts and is imported only on a miss, so the HTTP client, tool-cache, semver, zlib
// and crypto never load here.
import type { HttpDeps } from '../http/request';
import { cacheEntry, findCached, recordedSha256, toolCacheRoot } from './cache';
import { DEFAULT_RELEASE_URL, releaseTarget } from './platform';
import { isHttpUrl, parseEngineRequest, withoutCredentials, type InstallLog } from './request';
import type { Engine, EngineSource } from './types';
import { UserError } from '../errors';

type Env = Readonly<Record<string, string | undefined>>;

export interface EnsureEngineOptions {
  /** `latest` (also when empty), an exact `X.Y.Z`, or a range such as `2.x` or `^2.100.0`. */
  version: string;
  /** Mirror base for release archives, laid out as `<base>/v<version>/<asset>` (default: GitHub Releases, or DEPOT_DOWNLOAD_URL). */
  downloadUrl?: string;
  /** Expected sha256 of the release archive; needs an exact version. */
  checksum?: string;
  /** The step's environment: RUNNER_TOOL_CACHE, DEPOT_RELEASE_URL, npm_config_registry, HOME, ... */
  env: Env;
  /** Where downloads are staged (RUNNER_TEMP); a private subdirectory is made and removed. */
  tempDir: string;
  /** Ignored: the workspace's .npmrc is untrusted and never read (kept for callers that pass it). */
  cwd?: string;
  /** Masks a secret in the step's log (a mirror URL's password); called before anything is printed. */
  mask?: (secret: string) => void;
  /** HTTP seams for tests (a transport, a fake clock). */
  http?: HttpDeps;
  /** Tool cache root; default RUNNER_TOOL_CACHE, else ~/.cache/depot-actions/tools. */
  toolCache?: string;
  /** Machine to install for; default this one. */
  platform?: NodeJS.Platform;
  arch?: string;
  log?: Partial<InstallLog>;
}

/** The installed CLI: where it is, which version, how it was obtained and how long that took. */
export interface InstalledEngine extends Engine {
  version: string;
  source: EngineSource;
  durationMs: number;
}

/** The installer's log, written to a step's adapter (warnings become annotations). */
export const installLogFor = (adapter: {
  info(m: string): void;
  debug(m: string): void;
  annotate(level: 'warning', m: string): void;
}): InstallLog => ({
  info: (m) => adapter.info(m),
  warn: (m) => adapter.annotate('warning', m),
  debug: (m) => adapter.debug(m),
});

/** `cached`, `downloaded from <host>` or `from npm`: the words of the install log line. */
export function describeEngineSource(source: EngineSource): string {
  switch (source.kind) {
    case 'cached':
      return 'cached';
    case 'downloaded':
      return `downloaded from ${source.host}`;
    case 'npm':
      return 'from npm';
  }
}

/**
 * The `checksum` input against a version already in the tool cache: this project records the
 * sha256 of the release archive it installed from. A different one is an error; none (another
 * installer, such as depot/setup-action, stored it) cannot be checked, which is said.
 */
function checkCachedSha256(
  checksum: string,
  toolCache: string,
  version: string,
  target: { arch: string; binary: string },
  options: EnsureEngineOptions,
): void {
  const entry = cacheEntry(toolCache, version, target.arch, target.binary);
  const recorded = recordedSha256(entry.sha256);
  if (recorded === checksum) return;
  if (recorded) {
    throw new UserError(
      `depot ${version} in the tool cache (${entry.dir}) was installed from an archive with sha256 ${recorded}, not the checksum input's ${checksum}.`,
      'Check the checksum input; if it is right, remove that tool cache entry so the release is downloaded and verified again.',
    );
  }
  options.log?.warn?.(
    `depot ${version} in the tool cache (${entry.dir}) was stored by another installer, which records no archive digest: the checksum input cannot be checked against it.`,
  );
}

/**
 * Makes sure the depot CLI is installed and returns it. An exact version already in the tool cache
 * is returned with zero network requests; otherwise the version is resolved (Depot's release
 * endpoint, or the npm registry when the release hosts are unreachable), downloaded with retries,
 * verified (checksums.txt / the `checksum` option / npm integrity), extracted and cached.
 * Throws InputError for bad options and UserError when the CLI cannot be installed.
 */
export async function ensureEngine(options: EnsureEngineOptions): Promise<InstalledEngine> {
  const started = Date.now();
  const { env } = options;
  const request = parseEngineRequest(options, env, options.mask);
  const target = releaseTarget(options.platform, options.arch);
  const toolCache = options.toolCache ?? toolCacheRoot(env, options.tempDir);
  const finish = (path: string, version: string, source: EngineSource): InstalledEngine => ({
    kind: 'depot',
    path,
    version,
    source,
    durationMs: Date.now() - started,
  });

  if (request.spec.kind === 'exact') {
    const hit = findCached(toolCache, request.spec.version, target.arch, target.binary);
    if (hit) {
      if (request.checksum)
        checkCachedSha256(request.checksum, toolCache, request.spec.version, target, options);
      return finish(hit, request.spec.version, { kind: 'cached' });
    }
    options.log?.debug?.(
      `depot ${request.spec.version} is not in the tool cache (${cacheEntry(toolCache, request.spec.version, target.arch, target.binary).dir})`,
    );
  }

  const releaseUrl = env.DEPOT_RELEASE_URL || DEFAULT_RELEASE_URL;
  if (!isHttpUrl(releaseUrl)) {
    throw new UserError(
      `DEPOT_RELEASE_URL is not an http:// or https:// URL: ${JSON.stringify(withoutCredentials(releaseUrl))}.`,
    );
  }
  const noop = (): void => {};
  const [{ acquireEngine }, { installPolicies }] = await Promise.all([import('./acquire'), import('./http')]);
  const acquired = await acquireEngine({
    ...request,
    target,
    toolCache,
    tempDir: options.tempDir,
    releaseUrl,
    env,
    log: {
      info: options.log?.info ?? noop,
      warn: options.log?.warn ?? noop,
      debug: options.log?.debug ?? noop,
    },
    http: { onRetry: options.log?.info ?? noop, ...options.http },
    policies: installPolicies(env),
  });
  return finish(acquired.path, acquired.version, acquired.source);
}
