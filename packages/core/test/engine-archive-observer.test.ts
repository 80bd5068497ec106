import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { ArchiveObserver, INFLATE_BACKLOG_BYTES } from '../src/engine/archive-observer';

// The inflated tar goes to a named pipe that nobody reads yet: a disk slower than the network, at
// its most extreme. Random data, so inflating is quick and only the writing is slow.
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

let archive: Buffer;
beforeAll(() => {
  archive = gzipSync(randomBytes(24 * 1024 * 1024), { level: 1 });
});

function stalledTar(): { path: string; reader: ReadStream } {
  const dir = mkdtempSync(join(tmpdir(), 'archive-observer-'));
  const path = join(dir, 'attempt.1.tar');
  execFileSync('mkfifo', [path]);
  const reader = createReadStream(path);
  reader.pause();
  cleanups.push(() => {
    reader.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, reader };
}

/** Feeds the archive in network-sized chunks, counting what the observer has accepted. */
function feed(observer: ArchiveObserver): { accepted: () => number; done: Promise<void> } {
  let accepted = 0;
  const done = (async () => {
    for (let i = 0; i < archive.length; i += 64 * 1024) {
      const chunk = archive.subarray(i, i + 64 * 1024);
      await observer.update(chunk);
      accepted += chunk.length;
    }
  })();
  return { accepted: () => accepted, done };
}

test('while the tar cannot be written, the download is held back after a bounded backlog, then completes', async () => {
  const { path, reader } = stalledTar();
  const observer = new ArchiveObserver(['sha256'], path);
  const feeding = feed(observer);
  await sleep(500);
  // Without the hold, all 24 MB would sit in memory waiting for the inflater.
  expect(feeding.accepted()).toBeLessThan(2 * INFLATE_BACKLOG_BYTES);
  reader.on('data', () => {});
  reader.resume();
  await feeding.done;
  expect(feeding.accepted()).toBe(archive.length);
  expect(await observer.inflatedTar('attempt.tar.gz')).toBe(path);
  expect(observer.digests().sha256).toBe(createHash('sha256').update(archive).digest('hex'));
});

test('discarding an attempt that is held back releases the download and removes its tar', async () => {
  const { path, reader } = stalledTar();
  const observer = new ArchiveObserver(['sha256'], path);
  const feeding = feed(observer);
  await sleep(300);
  const held = feeding.accepted();
  expect(held).toBeLessThan(archive.length);
  observer.discard();
  // Released at once: the rest is hashed but no longer inflated.
  await feeding.done;
  // The tar goes once its last write has finished (a pipe's write waits for its reader).
  reader.on('data', () => {});
  reader.resume();
  for (let i = 0; i < 40 && existsSync(path); i++) await sleep(25);
  expect(existsSync(path)).toBe(false);
});
