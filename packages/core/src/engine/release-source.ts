// Depot's own release channel: the version-resolution endpoint and goreleaser's archives on GitHub
// Releases (or a mirror with the same layout, via `download-url`), checked against checksums.txt.
import { join } from 'node:path';
import { UserError } from '../errors';
import { downloadWithRetry, DownloadRefused } from '../http/download';
import { redactUrl } from '../http/policy';
import { fetchJson, fetchText, HttpError, type InstallHttp } from './http';
import { assetName, assetUrl, checksumUrls, DEFAULT_DOWNLOAD_URL, releaseEndpoint } from './platform';
import type { AcquireRequest } from './request';
import { ArchiveDownload } from './archive-observer';
import { MAX_ARCHIVE_BYTES, type VerifiedArchive } from './unpack';
import { exactVersion, highestInRange } from './version-spec';
import { checkSha256, parseChecksums } from './verify';

/** One release archive to install. */
export interface ReleaseAsset {
  version: string;
  name: string;
  url: string;
}

const metadata = (req: AcquireRequest, what: string): InstallHttp => ({
  deps: { ...req.http, policy: req.policies.metadata },
  what,
});

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
  const answer = (await fetchJson(endpoint, metadata(req, "Depot's release lookup"))) as ReleaseAnswer | null;
  if (!answer || answer.ok !== true || typeof answer.url !== 'string') {
    const reason = answer?.error ?? 'no download for this platform';
    throw new UserError(
      `Depot's release service has no depot CLI matching version "${asked}" for ${target.platform}/${target.arch}: ${reason}.`,
      'Check the version input; releases are listed at https://github.com/depot/cli/releases.',
    );
  }
  // The endpoint answers {ok, url} (older) or {ok, version, url}; the URL names the version either way.
  const found = answer.version ?? /\/v?(\d+\.\d+\.\d+)\/[^/]*$/.exec(answer.url)?.[1] ?? '';
  const version = exactVersion(found);
  if (!version) throw new HttpError(endpoint, 200, `the answer names no version: ${JSON.stringify(answer)}`);
  if (spec.kind === 'range' && (await highestInRange(req.env, [version], spec.text)) !== version) {
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
    let text: string | undefined;
    try {
      text = await fetchText(url, metadata(req, `the checksum file ${redactUrl(url)}`));
    } catch (error) {
      // Object stores (S3, GCS) answer 403 for an object that does not exist. With a checksum
      // input to verify the archive, a mirror without checksums.txt is no reason to fail.
      if (req.checksum && error instanceof HttpError && error.status === 403) continue;
      throw error;
    }
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
 * Downloads one release archive into `workDir` and verifies it against the published checksums and
 * the `checksum` input. The checksum file is fetched while the archive downloads (and a .tar.gz is
 * inflated), and nothing is unpacked before both agree.
 */
export async function downloadRelease(
  req: AcquireRequest,
  asset: ReleaseAsset,
  workDir: string,
): Promise<VerifiedArchive> {
  const download = new ArchiveDownload(join(workDir, asset.name), ['sha256'], req.target.archive);
  const [published, downloaded] = await Promise.allSettled([
    publishedChecksum(req, asset),
    downloadWithRetry(
      {
        url: asset.url,
        dest: download.archive,
        what: `the download of ${asset.name}`,
        maxBytes: MAX_ARCHIVE_BYTES,
        observe: download.observe,
      },
      { ...req.http, policy: req.policies.archive },
    ),
  ]);
  if (downloaded.status === 'rejected') {
    if (published.status === 'rejected') throw published.reason;
    const error: unknown = downloaded.reason;
    if (error instanceof DownloadRefused)
      throw new HttpError(
        asset.url,
        error.status,
        `HTTP ${error.status} (is ${asset.version} published there?)`,
      );
    throw error;
  }
  const { bytes, observer } = downloaded.value;
  return download.verified(observer, asset.name, (digests) => {
    if (published.status === 'rejected') throw published.reason;
    const expected = [
      ...(published.value ? [published.value] : []),
      ...(req.checksum ? [{ sha256: req.checksum, source: 'the checksum input' }] : []),
    ];
    if (expected.length === 0) {
      // Nothing unverified is ever cached or run.
      throw new UserError(
        `Cannot verify ${asset.name}: no checksums.txt is published next to it at ${redactUrl(asset.url)} and no checksum input is set.`,
        'Set the checksum input to the sha256 of the archive (or DEPOT_DOWNLOAD_URL/download-url to a mirror that publishes checksums.txt).',
      );
    }
    req.log.debug(`Downloaded ${bytes} bytes, sha256 ${digests.sha256}`);
    for (const { sha256, source } of expected) checkSha256(asset.name, sha256, digests, source);
  });
}
