import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  checkIntegrity,
  checkSha256,
  normalizeChecksum,
  parseChecksums,
  strongestIntegrity,
  VerificationError,
} from '../src/engine/verify';

const A = 'a'.repeat(64);
const B = 'B'.repeat(64);

describe('parseChecksums', () => {
  test('reads goreleaser and sha256sum lines, ignoring anything else', () => {
    const sums = parseChecksums(
      [
        `${A}  depot_2.102.12_linux_amd64.tar.gz`,
        `${B} *depot_2.102.12_windows_amd64.zip`,
        '',
        '# comment',
        'abc  too-short.tar.gz',
        `${A}`,
        `  ${A}  depot_2.102.12_darwin_arm64.tar.gz  \r`,
      ].join('\n'),
    );
    expect(Object.fromEntries(sums)).toEqual({
      'depot_2.102.12_linux_amd64.tar.gz': A,
      'depot_2.102.12_windows_amd64.zip': B.toLowerCase(),
      'depot_2.102.12_darwin_arm64.tar.gz': A,
    });
  });
});

describe('normalizeChecksum', () => {
  test.each([
    [A, A],
    [` ${B} `, B.toLowerCase()],
    [`sha256:${A}`, A],
    [`SHA256:${A}`, A],
    ['a'.repeat(63), undefined],
    ['g'.repeat(64), undefined],
    [`sha512:${A}`, undefined],
    ['', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizeChecksum(input)).toBe(expected);
  });
});

describe('integrity', () => {
  const data = Buffer.from('package bytes');
  const b64 = (alg: string): string => createHash(alg).update(data).digest('base64');
  const hex = (alg: string): string => createHash(alg).update(data).digest('hex');

  test('picks the strongest supported hash of an SRI string', () => {
    expect(strongestIntegrity(`sha1-${b64('sha1')} sha512-${b64('sha512')}`)).toEqual({
      algorithm: 'sha512',
      digest: b64('sha512'),
    });
    expect(strongestIntegrity(`md5-xyz sha256-${b64('sha256')}?opt`)?.algorithm).toBe('sha256');
    expect(strongestIntegrity('md5-abc')).toBeUndefined();
    expect(strongestIntegrity('')).toBeUndefined();
  });

  test('checkIntegrity passes a match and names both sides on a mismatch', () => {
    const expected = strongestIntegrity(`sha512-${b64('sha512')}`)!;
    expect(() => checkIntegrity('pkg@1', expected, { sha512: hex('sha512') })).not.toThrow();
    const other = createHash('sha512').update('other').digest('hex');
    expect(() => checkIntegrity('pkg@1', expected, { sha512: other })).toThrow(VerificationError);
    expect(() => checkIntegrity('pkg@1', expected, { sha512: other })).toThrow(
      /pkg@1 failed verification: expected sha512-/,
    );
  });

  test('checkSha256 says which source disagreed', () => {
    expect(() => checkSha256('x.tar.gz', A, { sha256: A }, 'checksums.txt')).not.toThrow();
    expect(() => checkSha256('x.tar.gz', A, { sha256: B }, 'the checksum input')).toThrow(
      `x.tar.gz failed verification: expected sha256 ${A} (the checksum input), got ${B}.`,
    );
  });
});
