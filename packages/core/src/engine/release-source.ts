// Depot's own release channel: the version-resolution endpoint and goreleaser's archives on GitHub
// Releases (or a mirror with the same layout, via `download-url`), checked against checksums.txt.
import { join } from 'node:path';
import { UserError } from '../errors';
import { downloadFile, fetchJson, fetchText, HttpError, type HttpOptions, redactUrl } from './http';
import { assetName, assetUrl, checksumUrls, DEFAULT_DOWNLOAD_URL, releaseEndpoint } from './platform';
import type { AcquireRequest } from './request';
import { formatVersion, parseVersion, satisfies } from './semver';
import { checkSha256, parseChecksums } from './verify';
import { extractFromTarGz } from './tar';

/** One release archive to install. */
export interface ReleaseAsset {
  version: string;
  name: string;
  url: string;
}

/** Request settings for small metadata files and for archives. */
export function httpOptions(
  req: AcquireRequest,
  timeoutMs: number,
  headers?: Record<string, string>,
): HttpOptions {
  return {
    attempts: req.attempts,
    retryDelayMs: req.retryDelayMs,
    timeoutMs,
    ...(headers ? { headers } : {}),
    onRetry: (message) => req.log.info(message),
  };
}
export const METADATA_TIMEOUT_MS = 30_000;
export const ARCHIVE_TIMEOUT_MS = 10 * 60_000;

interface ReleaseAnswer {
  ok?: boolean;
  url?: string;
  version?: string;
  error?: string;
}

/**
 * Finds the archive for a version spec. An exact version needs no request: its URL is built from
 * the download base. `latest` and ranges ask the release endpoint (ranges are resolved there, as
 * for depot/setup-action) and the answer is checked against the range.
 */
export async function resolveRelease(req: AcquireRequest): Promise<ReleaseAsset> {
  const { spec, target } = req;
  if (spec.kind === 'exact') {
    const url = assetUrl(req.downloadUrl ?? DEFAULT_DOWNLOAD_URL, spec.version, target);
    return { version: spec.version, name: assetName(spec.version, target), url };
  }
  const asked = spec.kind === 'latest' ? 'latest' : spec.text;
  const endpoint = releaseEndpoint(req.releaseUrl, asked, target);
  const answer = (await fetchJson(endpoint, httpOptions(req, METADATA_TIMEOUT_MS))) as ReleaseAnswer | null;
  if (!answer || answer.ok !== true || typeof answer.url !== 'string') {
    const reason = answer?.error ?? 'no download for this platform';
    throw new UserError(
      `Depot's release service has no depot CLI matching version "${asked}" for ${target.platform}/${target.arch}: ${reason}.`,
      'Check the version input; releases are listed at https://github.com/depot/cli/releases.',
    );
  }
  // The endpoint answers {ok, url} (older) or {ok, version, url}; the URL names the version either way.
  const found = answer.version ?? /\/v?(\d+\.\d+\.\d+)\/[^/]*$/.exec(answer.url)?.[1] ?? '';
  const parsed = parseVersion(found);
  if (!parsed) throw new HttpError(endpoint, 200, `the answer names no version: ${JSON.stringify(answer)}`);
  const version = formatVersion(parsed);
  if (spec.kind === 'range' && !satisfies(version, spec.range)) {
    throw new UserError(
      `Depot's release service answered version ${version}, which is outside the range "${spec.text}".`,
    );
  }
  const url = req.downloadUrl ? assetUrl(req.downloadUrl, version, target) : answer.url;
  return { version, name: assetName(version, target), url };
}

/** The sha256 published for an asset, from checksums.txt (or goreleaser's default name) next to it. */
async function publishedChecksum(
  req: AcquireRequest,
  asset: ReleaseAsset,
): Promise<{ sha256: string; source: string } | undefined> {
  for (const url of checksumUrls(asset.url, asset.version)) {
    const text = await fetchText(url, httpOptions(req, METADATA_TIMEOUT_MS));
    if (text === undefined) continue;
    const sha256 = parseChecksums(text).get(asset.name);
    if (!sha256) {
      throw new UserError(
        `${url} lists no checksum for ${asset.name}; refusing to install an archive its release does not vouch for.`,
      );
    }
    return { sha256, source: url.slice(url.lastIndexOf('/') + 1) };
  }
  return undefined;
}

/**
 * Downloads, verifies and extracts one release archive inside `workDir`; returns the extracted
 * executable. The archive is checked against the published checksums and the `checksum` input
 * before anything is extracted.
 */
export async function downloadRelease(
  req: AcquireRequest,
  asset: ReleaseAsset,
  workDir: string,
): Promise<string> {
  const { target } = req;
  if (target.archive === 'zip') {
    // Windows archives are .zip; this project has no zip reader yet (the URL and name are right).
    throw new UserError(
      `Installing ${asset.name} needs a .zip reader, which this version does not have.`,
      'On Windows, install the depot CLI before this step (e.g. `npm install -g @depot/cli`) and put it on PATH.',
    );
  }
  const published = await publishedChecksum(req, asset);
  const expected = [
    ...(published ? [published] : []),
    ...(req.checksum ? [{ sha256: req.checksum, source: 'the checksum input' }] : []),
  ];
  if (expected.length === 0) {
    // Nothing unverified is ever cached or run (DESIGN: security rules).
    throw new UserError(
      `Cannot verify ${asset.name}: no checksums.txt is published next to it and no checksum input is set (or version ${asset.version} does not exist at ${redactUrl(asset.url)}).`,
      'Set the checksum input to the sha256 of the archive (or DEPOT_DOWNLOAD_URL/download-url to a mirror that publishes checksums.txt).',
    );
  }
  const archive = join(workDir, asset.name);
  const { digests, bytes } = await downloadFile(
    asset.url,
    archive,
    ['sha256'],
    httpOptions(req, ARCHIVE_TIMEOUT_MS),
  );
  req.log.debug(`Downloaded ${bytes} bytes, sha256 ${digests.sha256}`);
  for (const { sha256, source } of expected) checkSha256(asset.name, sha256, digests, source);
  const binary = join(workDir, target.binary);
  await extractFromTarGz(archive, [`bin/${target.binary}`, target.binary], binary);
  return binary;
}
