// The npm source: Depot publishes each CLI release as `@depot/cli-<platform>-<arch>` at version
// `0.0.1-cli.<X.Y.Z>` (esbuild-style per-platform packages, reference: ci-orb-plugin §2.6). Used when
// the release hosts are unreachable, through whatever registry the machine is configured with.
import { join } from 'node:path';
import { UserError } from '../errors';
import { downloadWithRetry, DownloadRefused } from '../http/download';
import { fetchJson, HttpError } from './http';
import { npmRegistry, type NpmRegistry } from './npmrc';
import { cliVersionOfNpm, npmPackageName, npmVersionOf } from './platform';
import { isHttpUrl, withoutCredentials, type AcquireRequest } from './request';
import { redactUrl } from '../http/policy';
import { ArchiveDownload } from './archive-observer';
import { MAX_ARCHIVE_BYTES, type VerifiedArchive } from './unpack';
import { highestInRange } from './version-spec';
import { checkIntegrity, strongestIntegrity, type SriHash } from './verify';

/** One package version to install, with the integrity the registry vouches for. */
export interface NpmRelease {
  version: string;
  packageName: string;
  tarball: string;
  integrity: SriHash;
  registry: NpmRegistry;
}

interface Packument {
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, { dist?: { tarball?: string; integrity?: string; shasum?: string } }>;
}

// The abbreviated ("corgi") packument is a fraction of the full document; registries without it send the full one.
const ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

const authHeaders = (registry: NpmRegistry, url: string): Record<string, string> => {
  // A token goes only to the registry's own origin, as npm sends it (tarballs may live elsewhere).
  const sameOrigin = new URL(url).origin === new URL(registry.url).origin;
  return registry.authToken && sameOrigin ? { authorization: `Bearer ${registry.authToken}` } : {};
};

/** Picks the package version for the spec from the registry's packument. */
export async function resolveNpm(req: AcquireRequest): Promise<NpmRelease> {
  const { spec, target } = req;
  const registry = npmRegistry(req.env);
  if (!isHttpUrl(registry.url)) {
    throw new UserError(
      `The npm registry set by ${registry.from} is not an http(s) URL: ${JSON.stringify(withoutCredentials(registry.url))}.`,
    );
  }
  const packageName = npmPackageName(target);
  const url = `${registry.url}/${packageName.replace('/', '%2f')}`;
  const headers = { accept: ACCEPT, ...authHeaders(registry, url) };
  const doc = (await fetchJson(url, {
    deps: { ...req.http, policy: req.policies.metadata },
    what: `the npm registry (${packageName})`,
    headers,
    ...(registry.proxy ? { proxy: registry.proxy } : {}),
  })) as Packument;
  const maxSatisfying = (range: string): Promise<string | undefined> =>
    highestInRange(req.env, versions, range);
  const versions = Object.keys(doc.versions ?? {})
    .map(cliVersionOfNpm)
    .filter((v): v is string => v !== undefined);

  let version: string | undefined;
  if (spec.kind === 'exact') version = versions.includes(spec.version) ? spec.version : undefined;
  else if (spec.kind === 'range') version = await maxSatisfying(spec.text);
  else version = cliVersionOfNpm(doc['dist-tags']?.latest ?? '') ?? (await maxSatisfying('*'));
  const asked = spec.kind === 'exact' ? spec.version : spec.kind === 'range' ? spec.text : 'latest';
  if (!version) {
    throw new UserError(
      `${packageName} on ${redactUrl(registry.url)} has no version for depot CLI "${asked}".`,
      'Check the version input, or that the registry mirrors @depot packages.',
    );
  }

  const dist = doc.versions?.[npmVersionOf(version)]?.dist;
  const integrity =
    strongestIntegrity(dist?.integrity ?? '') ??
    (dist?.shasum && /^[0-9a-f]{40}$/i.test(dist.shasum)
      ? { algorithm: 'sha1' as const, digest: Buffer.from(dist.shasum, 'hex').toString('base64') }
      : undefined);
  if (!dist?.tarball || !integrity) {
    throw new UserError(
      `${packageName}@${npmVersionOf(version)} on ${redactUrl(registry.url)} has no tarball or integrity; refusing to install it unverified.`,
    );
  }
  return { version, packageName, tarball: dist.tarball, integrity, registry };
}

/** Downloads the package tarball (inflating it as it arrives) and checks dist.integrity. */
export async function downloadNpm(
  req: AcquireRequest,
  release: NpmRelease,
  workDir: string,
): Promise<VerifiedArchive> {
  const download = new ArchiveDownload(join(workDir, 'package.tgz'), [release.integrity.algorithm], 'tar.gz');
  const name = `${release.packageName}@${npmVersionOf(release.version)}`;
  let downloaded;
  try {
    downloaded = await downloadWithRetry(
      {
        url: release.tarball,
        dest: download.archive,
        what: `the download of ${name}`,
        headers: authHeaders(release.registry, release.tarball),
        ...(release.registry.proxy ? { proxy: release.registry.proxy } : {}),
        maxBytes: MAX_ARCHIVE_BYTES,
        observe: download.observe,
      },
      { ...req.http, policy: req.policies.archive },
    );
  } catch (error) {
    if (error instanceof DownloadRefused)
      throw new HttpError(release.tarball, error.status, `HTTP ${error.status}`);
    throw error;
  }
  return download.verified(downloaded.observer, name, (digests) =>
    checkIntegrity(name, release.integrity, digests),
  );
}
