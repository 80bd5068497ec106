import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, extractFromTarGz, readTar, safeEntryName, type TarEntry } from '../src/engine/tar';
import { gzip, tarArchive, type TarFile } from '../../../test/doubles/release-server';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'engine-tar-'));
  dirs.push(dir);
  return dir;
}

/** Writes a .tar.gz of the files and returns its path. */
function archive(files: TarFile[]): string {
  const path = join(workDir(), 'a.tar.gz');
  writeFileSync(path, gzip(tarArchive(files)));
  return path;
}

/** Entries readTar reports for an archive fed in small, uneven chunks. */
async function entries(tar: Buffer, chunk = 333): Promise<{ entry: TarEntry; data: string }[]> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < tar.length; at += chunk) chunks.push(tar.subarray(at, at + chunk));
  const seen: { entry: TarEntry; data: string }[] = [];
  await readTar(chunks, (entry) => {
    const record = { entry, data: '' };
    seen.push(record);
    return { write: (c) => (record.data += c.toString('utf8')), end: () => {} };
  });
  return seen;
}

describe('readTar', () => {
  test('reports names, types and contents, across chunk boundaries', async () => {
    const big = 'x'.repeat(1500);
    const seen = await entries(
      tarArchive([
        { name: 'bin/', type: '5' },
        { name: './bin/depot', content: Buffer.from(big), mode: 0o755 },
        { name: 'LICENSE', content: Buffer.from('MIT\n') },
        { name: 'empty', content: Buffer.alloc(0) },
      ]),
    );
    expect(seen.map((s) => [s.entry.name, s.entry.type, s.entry.size])).toEqual([
      ['bin', '5', 0],
      ['bin/depot', '0', 1500],
      ['LICENSE', '0', 4],
      ['empty', '0', 0],
    ]);
    expect(seen[1].data).toBe(big);
    expect(seen[1].entry.mode).toBe(0o755);
    expect(seen[2].data).toBe('MIT\n');
  });

  test('joins the ustar prefix for long names', async () => {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/bin/depot`;
    const seen = await entries(tarArchive([{ name: long, content: Buffer.from('x') }]));
    expect(seen[0].entry.name).toBe(long);
  });

  test('takes the name from a pax path record or a GNU long-name record', async () => {
    const record = (key: string, value: string): string => {
      const body = ` ${key}=${value}\n`;
      // The length counts its own digits.
      let length = body.length;
      while (String(length).length + body.length !== length) length = String(length).length + body.length;
      return `${length}${body}`;
    };
    const paxName = `package/${'p'.repeat(120)}/depot`;
    const seen = await entries(
      tarArchive([
        { name: 'PaxHeader', type: 'x', content: Buffer.from(record('path', paxName)) },
        { name: 'truncated-name', content: Buffer.from('a') },
        { name: '././@LongLink', type: 'L', content: Buffer.from('gnu/long/name\0') },
        { name: 'short', content: Buffer.from('b') },
        { name: 'plain', content: Buffer.from('c') },
      ]),
    );
    expect(seen.map((s) => s.entry.name)).toEqual([paxName, 'gnu/long/name', 'plain']);
  });

  test.each([
    ['../evil', 'outside its root'],
    ['bin/../../evil', 'outside its root'],
    ['/etc/passwd', 'absolute path'],
    ['C:/Windows/evil.exe', 'absolute path'],
    ['..\\evil', 'outside its root'],
  ])('rejects the whole archive for %j', async (name, message) => {
    const tar = tarArchive([
      { name: 'bin/depot', content: Buffer.from('ok') },
      { name, content: Buffer.from('pwned') },
    ]);
    await expect(entries(tar)).rejects.toThrow(message);
    await expect(entries(tar)).rejects.toBeInstanceOf(ArchiveError);
  });

  test('rejects a truncated archive and a damaged header', async () => {
    const tar = tarArchive([{ name: 'bin/depot', content: Buffer.alloc(2000, 1) }]);
    await expect(entries(tar.subarray(0, 1024))).rejects.toThrow('truncated');
    const damaged = Buffer.from(tar);
    damaged[10] ^= 0xff;
    await expect(entries(damaged)).rejects.toThrow('bad checksum');
  });

  test('safeEntryName strips ./ and empty segments', () => {
    expect(safeEntryName('./bin//depot')).toBe('bin/depot');
    expect(() => safeEntryName('a/../../b')).toThrow(ArchiveError);
  });
});

describe('extractFromTarGz', () => {
  test('pulls out bin/depot as an executable file', async () => {
    const path = archive([
      { name: 'README.md', content: Buffer.from('# depot') },
      { name: 'bin/depot', content: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o644 },
    ]);
    const dest = join(workDir(), 'depot');
    await expect(extractFromTarGz(path, ['bin/depot', 'depot'], dest)).resolves.toBe('bin/depot');
    expect(readFileSync(dest, 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(dest).mode & 0o777).toBe(0o755);
  });

  test('skips links and directories with the wanted name', async () => {
    const path = archive([
      { name: 'bin/depot', type: '2', linkname: '/bin/sh' },
      { name: 'depot', content: Buffer.from('real') },
    ]);
    const dest = join(workDir(), 'depot');
    await expect(extractFromTarGz(path, ['bin/depot', 'depot'], dest)).resolves.toBe('depot');
    expect(readFileSync(dest, 'utf8')).toBe('real');
  });

  test('fails, leaving nothing, when the file is missing, the path unsafe or the gzip damaged', async () => {
    const dir = workDir();
    const dest = join(dir, 'depot');
    await expect(
      extractFromTarGz(archive([{ name: 'other', content: Buffer.from('x') }]), ['bin/depot'], dest),
    ).rejects.toThrow('holds no bin/depot');
    const hostile = archive([
      { name: 'bin/depot', content: Buffer.from('x') },
      { name: '../../escape', content: Buffer.from('x') },
    ]);
    await expect(extractFromTarGz(hostile, ['bin/depot'], dest)).rejects.toThrow(ArchiveError);
    const notGzip = join(dir, 'not.tar.gz');
    writeFileSync(notGzip, 'plain text');
    await expect(extractFromTarGz(notGzip, ['bin/depot'], dest)).rejects.toThrow('could not be read');
    expect(readdirSync(dir).filter((n) => n === 'depot')).toEqual([]);
  });
});
