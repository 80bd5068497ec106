import { describe, expect, test } from '@jest/globals';
import {
  compareVersions,
  maxSatisfying,
  parseRange,
  parseVersion,
  parseVersionSpec,
  satisfies,
} from '../src/engine/semver';

describe('satisfies', () => {
  // [range, version, expected]
  test.each([
    ['2.x', '2.0.0', true],
    ['2.x', '2.102.12', true],
    ['2.x', '3.0.0', false],
    ['2.x', '1.99.99', false],
    ['2.x.x', '2.5.1', true],
    ['2', '2.5.1', true],
    ['2.*', '2.5.1', true],
    ['*', '0.0.1', true],
    ['x', '9.9.9', true],
    ['2.101.x', '2.101.7', true],
    ['2.101.x', '2.102.0', false],
    ['2.101', '2.101.0', true],
    ['2.101', '2.100.9', false],
    ['2.102.12', '2.102.12', true],
    ['2.102.12', '2.102.11', false],
    ['=2.102.12', '2.102.12', true],
    ['v2.102.12', '2.102.12', true],
    ['^2.100.0', '2.100.0', true],
    ['^2.100.0', '2.999.0', true],
    ['^2.100.0', '2.99.9', false],
    ['^2.100.0', '3.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['^2', '2.9.9', true],
    ['^2', '3.0.0', false],
    ['~2.101.0', '2.101.5', true],
    ['~2.101.0', '2.102.0', false],
    ['~2.101.3', '2.101.2', false],
    ['~2.101', '2.101.9', true],
    ['~2', '2.9.0', true],
    ['~2', '3.0.0', false],
    ['>=2.100.0', '2.100.0', true],
    ['>=2.100.0', '3.5.0', true],
    ['>=2.100.0', '2.99.0', false],
    ['>= 2.100.0', '2.100.1', true],
    ['>2.100.0', '2.100.0', false],
    ['>2.100.0', '2.100.1', true],
    ['>2.100', '2.100.9', false],
    ['>2.100', '2.101.0', true],
    ['<3', '2.999.999', true],
    ['<3', '3.0.0', false],
    ['<=2.101.0', '2.101.0', true],
    ['<=2.101', '2.101.9', true],
    ['<=2.101', '2.102.0', false],
    ['>=2.100.0 <2.102.0', '2.101.9', true],
    ['>=2.100.0 <2.102.0', '2.102.0', false],
    ['1.x || >=2.102.0', '1.5.0', true],
    ['1.x || >=2.102.0', '2.101.0', false],
    ['1.x || >=2.102.0', '2.102.12', true],
    ['2.x', 'not-a-version', false],
    ['2.x', '2.1.0-rc.1', false],
  ])('%s matches %s: %s', (range, version, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('parseRange', () => {
  test.each(['', '2.x.3', 'abc', '2.1.2.3', '>=', '^x.1', '1.2.3 ||', '01.2.3', '~>1.2', '2.-1'])(
    'rejects %j',
    (text) => {
      expect(parseRange(text)).toBeUndefined();
    },
  );
});

describe('maxSatisfying', () => {
  const versions = ['2.100.0', '2.101.0', '2.101.5', '2.102.12', '3.0.1', 'junk', '2.102.12-rc.1'];
  test.each([
    ['2.x', '2.102.12'],
    ['~2.101.0', '2.101.5'],
    ['^2.100.0', '2.102.12'],
    ['2.101.x', '2.101.5'],
    ['>=3', '3.0.1'],
    ['*', '3.0.1'],
    ['4.x', undefined],
  ])('%s → %s', (range, expected) => {
    expect(maxSatisfying(versions, range)).toBe(expected);
  });

  test('compares numerically, not as text', () => {
    expect(maxSatisfying(['2.9.0', '2.10.0', '2.100.0'], '2.x')).toBe('2.100.0');
    expect(compareVersions([2, 10, 0], [2, 9, 0])).toBeGreaterThan(0);
  });
});

describe('parseVersionSpec', () => {
  test.each([
    ['', { kind: 'latest' }],
    ['latest', { kind: 'latest' }],
    [' 2.102.12 ', { kind: 'exact', version: '2.102.12' }],
    ['v2.102.12', { kind: 'exact', version: '2.102.12' }],
  ])('%j → %j', (text, expected) => {
    expect(parseVersionSpec(text)).toEqual(expected);
  });

  test('keeps the text of a range', () => {
    expect(parseVersionSpec('~2.101.0')).toMatchObject({ kind: 'range', text: '~2.101.0' });
  });

  test.each(['Latest', 'banana', '2.102.12.1', '2.x.1', 'v'])('rejects %j', (text) => {
    expect(parseVersionSpec(text)).toBeUndefined();
  });

  test('parseVersion reads X.Y.Z only', () => {
    expect(parseVersion('2.102.12')).toEqual([2, 102, 12]);
    expect(parseVersion('2.102')).toBeUndefined();
  });
});
