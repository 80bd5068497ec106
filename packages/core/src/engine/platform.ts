import { UserError } from '../errors';

/** Depot's version-resolution endpoint (reference: depot-actions §4, ci-orb-plugin §2.6). */
export const DEFAULT_RELEASE_URL = 'https://dl.depot.dev';
/** Where goreleaser publishes the CLI's archives: `<base>/v<version>/<asset>`. */
export const DEFAULT_DOWNLOAD_URL = 'https://github.com/depot/cli/releases/download';

/** The machine the CLI is installed for, in each naming scheme that the sources use. */
export interface Target {
  /** Node's names, used by the release endpoint, the npm packages and the tool cache. */
  platform: NodeJS.Platform;
  arch: string;
  /** goreleaser's names, used in archive names. */
  os: 'linux' | 'darwin' | 'windows';
  goArch: string;
  archive: 'tar.gz' | 'zip';
  /** File name of the executable. */
  binary: string;
}

const OS: Partial<Record<NodeJS.Platform, Target['os']>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
};
// goreleaser builds amd64/arm64 everywhere, and 386/arm on Linux (reference: ci-orb-plugin §2.6).
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };

/** Names the CLI's release assets for a Node platform/arch; unsupported machines are a UserError. */
export function releaseTarget(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Target {
  const os = OS[platform];
  const goArch = GO_ARCH[arch];
  if (!os || !goArch) {
    throw new UserError(
      `The depot CLI is not published for ${platform}/${arch}.`,
      'Depot publishes the CLI for Linux, macOS and Windows on x64 and arm64.',
    );
  }
  const windows = os === 'windows';
  return {
    platform,
    arch,
    os,
    goArch,
    archive: windows ? 'zip' : 'tar.gz',
    binary: windows ? 'depot.exe' : 'depot',
  };
}

/** The goreleaser archive name, e.g. `depot_2.102.12_linux_amd64.tar.gz` or `depot_2.102.12_windows_arm64.zip`. */
export function assetName(version: string, target: Target): string {
  return `depot_${version}_${target.os}_${target.goArch}.${target.archive}`;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** `<base>/v<version>/<asset>`: the download base is GitHub Releases or a mirror with the same layout. */
export function assetUrl(base: string, version: string, target: Target): string {
  return `${trimSlash(base)}/v${version}/${assetName(version, target)}`;
}

/**
 * Checksum files to try for an asset, next to it: `checksums.txt`, then goreleaser's default name
 * `depot_<version>_checksums.txt`.
 */
export function checksumUrls(assetHref: string, version: string): string[] {
  const dir = assetHref.slice(0, assetHref.lastIndexOf('/'));
  return [`${dir}/checksums.txt`, `${dir}/depot_${version}_checksums.txt`];
}

/** The release endpoint for a version spec: `<base>/cli/release/<node platform>/<node arch>/<spec>`. */
export function releaseEndpoint(base: string, spec: string, target: Target): string {
  return `${trimSlash(base)}/cli/release/${target.platform}/${target.arch}/${encodeURIComponent(spec)}`;
}

/** The per-platform npm package holding the binary, esbuild-style: `@depot/cli-linux-x64`. */
export const npmPackageName = (target: Target): string => `@depot/cli-${target.platform}-${target.arch}`;

const NPM_PREFIX = '0.0.1-cli.';

/** The npm version of a CLI version: `0.0.1-cli.2.102.12`. */
export const npmVersionOf = (version: string): string => `${NPM_PREFIX}${version}`;

/** The CLI version an npm version stands for, or undefined for npm versions of something else. */
export function cliVersionOfNpm(npmVersion: string): string | undefined {
  if (!npmVersion.startsWith(NPM_PREFIX)) return undefined;
  const version = npmVersion.slice(NPM_PREFIX.length);
  return /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
}

/** Path of the binary inside the npm tarball. */
export const npmBinaryEntry = (target: Target): string => `package/bin/${target.binary}`;
