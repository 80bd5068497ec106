import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** How often the file is read while the engine runs: well below what a CI log view refreshes at. */
export const RELAY_INTERVAL_MS = 50;
/** The most one read pass relays before giving the event loop back (a signal to forward, a timer). */
const PASS_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const OPEN_ATTEMPTS = 5;
// Windows keeps a read-only file from being written through any handle, and has no /dev/stderr.
const MODE = process.platform === 'win32' ? 0o600 : 0o400;

/**
 * Where an engine writes its stdout and stderr: one file, both descriptors of the child pointing at
 * it, read back by this process as it grows. Compared with two pipes, the lines of both streams
 * stay in the order the engine wrote them, the engine never waits for this process to read, and no
 * stream objects are set up (about 1.5 ms of a step whose engine returns at once).
 *
 * The file is created exclusively (a name planted in the temp directory makes the open fail, and
 * the next name is tried) and unlinked as soon as it is open, so nothing is left behind whatever
 * ends the step; where the platform refuses that (Windows may), it is removed on close.
 *
 * Unlike a pipe, a file can be opened anew and truncated: a script's `echo ... > /dev/stderr`
 * does that through /proc/self/fd, then writes at its start. So the file's mode is 0400 (the
 * descriptors opened here keep writing; a new open for writing is refused, except to root), and a
 * file that got shorter than what was read is read again from its start.
 */
export class EngineOutputFile {
  private offset = 0;
  /** Closed: its descriptor number may already name another file of this process. */
  private closed = false;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private constructor(
    /** The descriptor to hand the engine as its stdout and stderr. */
    readonly fd: number,
    private path: string | undefined,
  ) {}

  static open(dir: string): EngineOutputFile {
    for (let attempt = 1; ; attempt++) {
      const path = join(dir, `depot-output-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
      let fd: number;
      try {
        fd = openSync(path, 'ax+', MODE);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < OPEN_ATTEMPTS) continue;
        throw error;
      }
      try {
        unlinkSync(path);
        return new EngineOutputFile(fd, undefined);
      } catch {
        return new EngineOutputFile(fd, path);
      }
    }
  }

  /**
   * Passes on what the engine added since the last read, in chunks. Returns false when it stopped
   * at the pass limit with more to read. Reads nothing once the file is closed.
   */
  read(onChunk: (chunk: Buffer) => void): boolean {
    return this.closed || this.readUntil(onChunk, this.size(), PASS_BYTES);
  }

  /**
   * Passes on the rest, once the engine has exited: what the file holds at this moment. A process
   * the engine left running may go on writing to it, faster than it can be read: reading to the
   * end of that would never end.
   */
  readRest(onChunk: (chunk: Buffer) => void): void {
    if (!this.closed) this.readUntil(onChunk, this.size(), Infinity);
  }

  /**
   * Gives up all but the last `keep` bytes not read yet, and says how many it gave up: after a
   * cancel, the step stops soon rather than relay a backlog the engine built up.
   */
  skipAllBut(keep: number): number {
    if (this.closed) return 0;
    const skipped = Math.max(0, this.size() - this.offset - keep);
    this.offset += skipped;
    return skipped;
  }

  /** The file's size now; after a truncation, the next read starts at the file's start. */
  private size(): number {
    const { size } = fstatSync(this.fd);
    if (size < this.offset) this.offset = 0;
    return size;
  }

  private readUntil(onChunk: (chunk: Buffer) => void, end: number, limit: number): boolean {
    let passed = 0;
    while (this.offset < end) {
      const count = readSync(this.fd, this.buffer, 0, Math.min(CHUNK_BYTES, end - this.offset), this.offset);
      if (count === 0) return true;
      this.offset += count;
      passed += count;
      // A copy: the buffer is reused by the next read, the receiver may keep what it is given.
      onChunk(Buffer.from(this.buffer.subarray(0, count)));
      if (passed >= limit) return false;
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.path === undefined) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
    this.path = undefined;
  }
}
