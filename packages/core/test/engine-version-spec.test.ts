// The `version` input read without node-semver (the warm path must not load it), and ranges matched
// with it (through @actions/tool-cache) on the download path.
import { describe, expect, test } from '@jest/globals';
import { exactVersion, highestInRange, parseVersionSpec } from '../src/engine/version-spec';

describe('parseVersionSpec', () => {
  test.each([
    ['', { kind: 'latest' }],
    ['latest', { kind: 'latest' }],
    [' 2.102.12 ', { kind: 'exact', version: '2.102.12' }],
    ['v2.102.12', { kind: 'exact', version: '2.102.12' }],
    ['2.x', { kind: 'range', text: '2.x' }],
    // depot/setup-action's README writes ranges this way.
    ['2.x.x', { kind: 'range', text: '2.x.x' }],
    ['2.*.*', { kind: 'range', text: '2.*.*' }],
    ['x.x.x', { kind: 'range', text: 'x.x.x' }],
    ['~2.101.0', { kind: 'range', text: '~2.101.0' }],
    ['^2.0.0 || >=3.1', { kind: 'range', text: '^2.0.0 || >=3.1' }],
    ['>= 2.100.0 < 3', { kind: 'range', text: '>= 2.100.0 < 3' }],
    ['2.100.0 - 2.102.0', { kind: 'range', text: '2.100.0 - 2.102.0' }],
    ['*', { kind: 'range', text: '*' }],
  ])('%j → %j', (text, expected) => {
    expect(parseVersionSpec(text)).toEqual(expected);
  });

  test.each(['Latest', 'banana', '2.102.12.1', '2.x.1', '2.x.x.x', 'x.1', 'v', '^', '2.01.0', '2.0.0 ||| 3'])(
    'rejects %j',
    (text) => {
      expect(parseVersionSpec(text)).toBeUndefined();
    },
  );

  test('exactVersion reads X.Y.Z only', () => {
    expect(exactVersion('2.102.12')).toBe('2.102.12');
    expect(exactVersion('2.102')).toBeUndefined();
  });
});

describe('highestInRange (node-semver)', () => {
  const versions = ['2.9.0', '2.10.0', '2.100.0', '2.101.5', '3.0.1'];
  test.each([
    ['2.x', '2.101.5'],
    ['2.x.x', '2.101.5'],
    ['~2.100.0', '2.100.0'],
    ['^2.10.0', '2.101.5'],
    ['>=3', '3.0.1'],
    ['<2.10.0', '2.9.0'],
    ['4.x', undefined],
    ['*', '3.0.1'],
  ])('%s → %s', async (range, expected) => {
    expect(await highestInRange({ GITHUB_ACTIONS: 'true' }, versions, range)).toBe(expected);
  });
});
