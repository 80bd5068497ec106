import { describe, expect, test } from '@jest/globals';
import {
  assetName,
  assetUrl,
  checksumUrls,
  cliVersionOfNpm,
  npmBinaryEntry,
  npmPackageName,
  npmVersionOf,
  releaseEndpoint,
  releaseTarget,
} from '../src/engine/platform';
import { cacheEntry } from '../src/engine/cache';
import { UserError } from '../src/errors';

const GITHUB = 'https://github.com/depot/cli/releases/download';

describe('release asset names and URLs', () => {
  // [node platform, node arch, asset, npm package, binary]
  test.each([
    ['linux', 'x64', 'depot_2.102.12_linux_amd64.tar.gz', '@depot/cli-linux-x64', 'depot'],
    ['linux', 'arm64', 'depot_2.102.12_linux_arm64.tar.gz', '@depot/cli-linux-arm64', 'depot'],
    ['darwin', 'x64', 'depot_2.102.12_darwin_amd64.tar.gz', '@depot/cli-darwin-x64', 'depot'],
    ['darwin', 'arm64', 'depot_2.102.12_darwin_arm64.tar.gz', '@depot/cli-darwin-arm64', 'depot'],
    ['win32', 'x64', 'depot_2.102.12_windows_amd64.zip', '@depot/cli-win32-x64', 'depot.exe'],
    ['win32', 'arm64', 'depot_2.102.12_windows_arm64.zip', '@depot/cli-win32-arm64', 'depot.exe'],
    ['linux', 'ia32', 'depot_2.102.12_linux_386.tar.gz', '@depot/cli-linux-ia32', 'depot'],
  ] as const)('%s/%s → %s', (platform, arch, asset, pkg, binary) => {
    const target = releaseTarget(platform, arch);
    expect(assetName('2.102.12', target)).toBe(asset);
    expect(assetUrl(GITHUB, '2.102.12', target)).toBe(`${GITHUB}/v2.102.12/${asset}`);
    expect(npmPackageName(target)).toBe(pkg);
    expect(target.binary).toBe(binary);
    expect(npmBinaryEntry(target)).toBe(`package/bin/${binary}`);
  });

  test('a mirror base with a trailing slash gives the same layout', () => {
    const target = releaseTarget('linux', 'x64');
    expect(assetUrl('https://mirror.example/depot/', '2.102.12', target)).toBe(
      'https://mirror.example/depot/v2.102.12/depot_2.102.12_linux_amd64.tar.gz',
    );
  });

  test('checksum files live next to the asset', () => {
    expect(checksumUrls(`${GITHUB}/v2.102.12/depot_2.102.12_linux_amd64.tar.gz`, '2.102.12')).toEqual([
      `${GITHUB}/v2.102.12/checksums.txt`,
      `${GITHUB}/v2.102.12/depot_2.102.12_checksums.txt`,
    ]);
  });

  test('the release endpoint uses Node names and encodes the spec', () => {
    expect(releaseEndpoint('https://dl.depot.dev/', 'latest', releaseTarget('darwin', 'arm64'))).toBe(
      'https://dl.depot.dev/cli/release/darwin/arm64/latest',
    );
    expect(releaseEndpoint('https://dl.depot.dev', '>=2.1.0 <3', releaseTarget('win32', 'x64'))).toBe(
      'https://dl.depot.dev/cli/release/win32/x64/%3E%3D2.1.0%20%3C3',
    );
  });

  test('unsupported machines are a UserError', () => {
    expect(() => releaseTarget('freebsd', 'x64')).toThrow(UserError);
    expect(() => releaseTarget('linux', 'mips')).toThrow('not published for linux/mips');
  });
});

describe('npm versions', () => {
  test('map 0.0.1-cli.X.Y.Z to the CLI version and back', () => {
    expect(npmVersionOf('2.102.12')).toBe('0.0.1-cli.2.102.12');
    expect(cliVersionOfNpm('0.0.1-cli.2.102.12')).toBe('2.102.12');
    expect(cliVersionOfNpm('1.0.0')).toBeUndefined();
    expect(cliVersionOfNpm('0.0.1-cli.2.x')).toBeUndefined();
  });
});

describe('tool cache layout', () => {
  test('matches @actions/tool-cache: <root>/depot/<version>/<arch>/depot + <arch>.complete', () => {
    expect(cacheEntry('/opt/hostedtoolcache', '2.102.12', 'x64', 'depot')).toEqual({
      dir: '/opt/hostedtoolcache/depot/2.102.12/x64',
      path: '/opt/hostedtoolcache/depot/2.102.12/x64/depot',
      marker: '/opt/hostedtoolcache/depot/2.102.12/x64.complete',
      sha256: '/opt/hostedtoolcache/depot/2.102.12/x64.sha256',
    });
  });
});
