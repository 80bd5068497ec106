// What an install asks for, validated once: shared by the setup step's option check and ensureEngine.
import { InputError, UserError } from '../errors';
import type { HttpDeps } from '../http/request';
import type { RetryPolicy } from '../http/policy';
import type { Target } from './platform';
import { parseVersionSpec, type VersionSpec } from './version-spec';
import { normalizeChecksum } from './verify';

type Env = Readonly<Record<string, string | undefined>>;

/** Where install progress goes (the step's log). */
export interface InstallLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** A validated install request. */
export interface EngineRequest {
  spec: VersionSpec;
  /** Mirror base for release archives (`<base>/v<version>/<asset>`), when one is set. */
  downloadUrl?: string;
  /** Expected sha256 of the release archive (lower-case hex), when pinned. */
  checksum?: string;
}

/** Everything the download path needs; built by ensureEngine. */
export interface AcquireRequest extends EngineRequest {
  target: Target;
  toolCache: string;
  tempDir: string;
  /** Base of Depot's release endpoint. */
  releaseUrl: string;
  env: Env;
  log: InstallLog;
  /** The HTTP seams (a test transport, a fake clock); policies come from `policies`. */
  http: HttpDeps;
  /** Retry policies for small metadata requests and for archives. */
  policies: { metadata: Partial<RetryPolicy>; archive: Partial<RetryPolicy> };
}

export const VERSION_ACCEPTED =
  'latest, an exact version such as 2.102.12, or a range such as 2.x, 2.101.x, ~2.101.0, ^2.0.0 or >=2.100.0';

/** True for an absolute http(s) URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validates the install inputs; each bad value is an InputError naming the input. An empty
 * `download-url` falls back to DEPOT_DOWNLOAD_URL from env.
 */
export function parseEngineRequest(
  raw: { version: string; downloadUrl?: string; checksum?: string },
  env: Env = {},
  mask: (secret: string) => void = () => {},
): EngineRequest {
  // A mirror's password is masked before anything can print it, a malformed URL included.
  maskUrlCredentials(raw.downloadUrl ?? '', mask);
  maskUrlCredentials(env.DEPOT_DOWNLOAD_URL ?? '', mask);
  maskUrlCredentials(env.DEPOT_RELEASE_URL ?? '', mask);
  // The npm fallback's registry and proxies may carry credentials too (npm_config_registry,
  // npm_config_@depot:registry, npm_config_proxy, npm_config_https_proxy, in any case).
  for (const [name, value] of Object.entries(env))
    if (value && /^npm_config_(@depot:)?(registry|https_proxy|proxy)$/i.test(name))
      maskUrlCredentials(value, mask);
  const spec = parseVersionSpec(raw.version);
  if (!spec) throw new InputError('version', raw.version, VERSION_ACCEPTED);
  const request: EngineRequest = { spec };

  const downloadUrl = raw.downloadUrl?.trim();
  if (downloadUrl) {
    if (!isHttpUrl(downloadUrl) || hasQuery(downloadUrl)) {
      throw new InputError(
        'download-url',
        shownUrl(downloadUrl),
        'an http:// or https:// URL of a mirror of the release downloads, without a query or fragment (/v{version}/{asset} is added to its path)',
      );
    }
    request.downloadUrl = downloadUrl;
  } else if (env.DEPOT_DOWNLOAD_URL) {
    if (!isHttpUrl(env.DEPOT_DOWNLOAD_URL) || hasQuery(env.DEPOT_DOWNLOAD_URL)) {
      throw new UserError(
        `DEPOT_DOWNLOAD_URL is not an http:// or https:// URL without a query or fragment: ${JSON.stringify(shownUrl(env.DEPOT_DOWNLOAD_URL))}.`,
      );
    }
    request.downloadUrl = env.DEPOT_DOWNLOAD_URL;
  }

  const checksumText = raw.checksum?.trim();
  if (checksumText) {
    const checksum = normalizeChecksum(checksumText);
    if (!checksum)
      throw new InputError(
        'checksum',
        checksumText,
        'a sha256 digest: 64 hexadecimal digits, optionally prefixed sha256:',
      );
    if (spec.kind !== 'exact') {
      throw new InputError(
        'checksum',
        checksumText,
        `only together with an exact version (version is ${raw.version || 'latest'})`,
      );
    }
    request.checksum = checksum;
  }
  return request;
}

/** A query or fragment would end up before the /v{version}/{asset} added to the URL. */
const hasQuery = (url: string): boolean => /[?#]/.test(url);

/** A mirror URL for a message: no credentials, and no query (a signed URL's token lives there). */
const shownUrl = (url: string): string => withoutCredentials(url).replace(/([?#]).*$/s, '$1…');

/**
 * A mirror URL as it may be shown: everything between the scheme and the last `@` of the authority
 * replaced by `***`, however the URL is spelled (`http//user:pw@host`, an unencoded `@` in the
 * password, no scheme at all). Text without `@` is returned as is.
 */
export function withoutCredentials(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^\s*[a-z][a-z0-9+.-]*:?\/\//i.exec(url)?.[0] ?? '';
  return `${scheme}***${url.slice(at)}`;
}

/** Passes the user-info part of a URL-like text (`user:pw` before the last `@`) and its password to `mask`. */
export function maskUrlCredentials(url: string, mask: (secret: string) => void): void {
  const at = url.lastIndexOf('@');
  if (at < 0) return;
  const scheme = /^\s*[a-z][a-z0-9+.-]*:?\/\//i.exec(url)?.[0] ?? '';
  const userInfo = url.slice(scheme.length, at);
  const colon = userInfo.indexOf(':');
  const password = colon >= 0 ? userInfo.slice(colon + 1) : '';
  for (const secret of [userInfo, password, safeDecode(password)]) if (secret.length >= 3) mask(secret);
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};
