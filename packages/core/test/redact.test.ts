// The Redactor that hides secrets in what the CircleCI, Buildkite and GitLab front-ends print:
// those CIs mask only the variables they know themselves.
import { describe, expect, test } from '@jest/globals';
import { Redactor } from '@depot-actions/core';

const redactor = (...secrets: string[]): Redactor => {
  const r = new Redactor();
  for (const secret of secrets) r.add(secret);
  return r;
};

describe('Redactor', () => {
  test('overlapping secrets leave no part of either', () => {
    expect(redactor('abcd1234', '1234wxyz').scrub('x abcd1234wxyz y')).toBe('x *** y');
    expect(redactor('secret-token').scrub('secret-token secret-token')).toBe('*** ***');
  });

  test('a secret is also hidden as JSON writes it', () => {
    const pem = '-----BEGIN KEY-----\nabc"def\\ghi\n-----END KEY-----';
    const r = redactor(pem);
    expect(r.scrub(JSON.stringify({ key: pem }))).toBe('{"key":"***"}');
    expect(r.scrub(pem)).toBe('***');
  });

  test("a secret is hidden as Go's JSON writes it (the depot CLI's)", () => {
    const r = redactor('s3cr&t<"x>');
    expect(r.scrub('"s3cr\\u0026t\\u003c\\"x\\u003e"')).toBe('"***"');
  });

  test('a secret too short to hide is refused, and says so', () => {
    const r = new Redactor();
    expect(r.add('abc')).toBe(false);
    expect(r.add('abcd')).toBe(true);
    expect(r.scrub('abc abcd')).toBe('abc ***');
  });

  test('a stream finds a secret split across chunks, and ends an unfinished line on demand', () => {
    const written: string[] = [];
    const stream = redactor('split-secret').stream((text) => written.push(text));
    stream.write(Buffer.from('one split-'));
    stream.write(Buffer.from('secret two\nunfinished'));
    stream.endLine();
    stream.flush();
    expect(written).toEqual(['one *** two\n', 'unfinished\n']);
  });

  // Joined once, at its end: held pieces were joined again for every chunk, which took 40 s here.
  test('a 64 MB line without a newline, in 64 KiB chunks, takes time in proportion to its length', () => {
    const written: string[] = [];
    const stream = redactor('never-there').stream((text) => written.push(text));
    const piece = Buffer.alloc(64 * 1024, 0x79);
    const started = Date.now();
    for (let i = 0; i < 1024; i++) stream.write(Buffer.from(piece));
    stream.write(Buffer.from('\n'));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(written).toHaveLength(1);
    expect(written[0].length).toBe(64 * 1024 * 1024 + 1);
  });
});
