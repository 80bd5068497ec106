import { beforeAll, describe, expect, test } from '@jest/globals';
import { loadListParser, parseList, type ListStyle } from '@depot-actions/core';

const comma: ListStyle = { comma: true };
const lines: ListStyle = { comma: false };
const verbatim: ListStyle = { comma: false, quote: false };
const secrets: ListStyle = { comma: false, trim: false };

beforeAll(loadListParser);

// The behaviour of docker/actions-toolkit's Util.getInputList, case by case.
// prettier-ignore
const rows: [string, string, ListStyle, string[]][] = [
  ['empty input', '', comma, []],
  ['blank input', '  \n \n', comma, []],
  ['newlines separate', 'a\nb\nc', lines, ['a', 'b', 'c']],
  ['CRLF separates', 'a\r\nb\r\n', lines, ['a', 'b']],
  ['commas separate comma lists', 'a,b , c', comma, ['a', 'b', 'c']],
  ['commas and newlines together', 'a,b\nc\n\nd,', comma, ['a', 'b', 'c', 'd']],
  ['trailing comma gives no empty item', 'linux/amd64,', comma, ['linux/amd64']],
  ['blank lines are dropped', 'A=1\n\n   \nB=2', lines, ['A=1', 'B=2']],
  ['items are trimmed', '  A=1  \n\tB=2 ', lines, ['A=1', 'B=2']],
  ['commas stay in newline lists', 'A=1,2,3\nB=x,y', lines, ['A=1,2,3', 'B=x,y']],
  ['a quoted field keeps its comma in a comma list? no: docker splits it', '"linux/arm64,linux/arm/v7"', comma, ['linux/arm64', 'linux/arm/v7']],
  ['a quoted field spans lines', '"KEY=line1\nline2"\nB=2', lines, ['KEY=line1\nline2', 'B=2']],
  ['a quoted multi-line secret with CRLF', '"GPG=-----BEGIN-----\r\nabc\r\n-----END-----"\r\nX=1', lines, ['GPG=-----BEGIN-----\r\nabc\r\n-----END-----', 'X=1']],
  ['doubled quotes are a literal quote', '"A=say ""hi"""', lines, ['A=say "hi"']],
  ['quoted build-arg with a comma', '"A=1,2",B=3', lines, ['A=1,2,B=3']],
  ['an unquoted quote mid-field is literal', 'A=x"y', lines, ['A=x"y']],
  ['verbatim lists keep quotes', 'type=image,"name=a,b",push=true', verbatim, ['type=image,"name=a,b",push=true']],
  ['verbatim lists still split lines', 'type=local,dest=a\ntype=tar,dest=b.tar', verbatim, ['type=local,dest=a', 'type=tar,dest=b.tar']],
  ['secrets keep trailing whitespace', 'KEY=value  \nB=x', secrets, ['KEY=value  ', 'B=x']],
  ['secrets still drop blank lines', 'A=1\n\n  \nB=2', secrets, ['A=1', 'B=2']],
];

describe('parseList', () => {
  test.each(rows)('%s', (_title, raw, style, expected) => {
    expect(parseList(raw, style)).toEqual(expected);
  });

  test('unquoted input parses the same with and without csv-parse', () => {
    // The fast path must agree with csv-parse, which only quoted input loads.
    for (const [, raw, style] of rows.filter(([, raw]) => !raw.includes('"'))) {
      const viaCsv = parseList(`${raw}\n"z"`, style).slice(0, -1);
      expect(viaCsv).toEqual(parseList(raw, style));
    }
  });
});
