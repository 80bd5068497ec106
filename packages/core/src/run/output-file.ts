import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** How often the file is read while the engine runs: well below what a CI log view refreshes at. */
export const RELAY_INTERVAL_MS = 50;
/** The most one read pass relays before giving the event loop back (a signal to forward, a timer). */
const PASS_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const OPEN_ATTEMPTS = 5;

/**
 * Where an engine writes its stdout and stderr: one file, both descriptors of the child pointing at
 * it, read back by this process as it grows. Compared with two pipes, the lines of both streams
 * stay in the order the engine wrote them, the engine never waits for this process to read, and no
 * stream objects are set up (about 1.5 ms of a step whose engine returns at once).
 *
 * The file is created exclusively (a name planted in the temp directory makes the open fail, and
 * the next name is tried) with mode 0600, and unlinked as soon as it is open, so nothing is left
 * behind whatever ends the step; where the platform refuses that (Windows may), it is removed on
 * close.
 */
export class EngineOutputFile {
  private offset = 0;
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
        fd = openSync(path, 'ax+', 0o600);
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
   * at the pass limit with more to read (`all` reads to the end regardless: the engine has exited).
   */
  read(onChunk: (chunk: Buffer) => void, all = false): boolean {
    let passed = 0;
    for (;;) {
      const count = readSync(this.fd, this.buffer, 0, CHUNK_BYTES, this.offset);
      if (count === 0) return true;
      this.offset += count;
      passed += count;
      // A copy: the buffer is reused by the next read, the receiver may keep what it is given.
      onChunk(Buffer.from(this.buffer.subarray(0, count)));
      if (!all && passed >= PASS_BYTES) return false;
    }
  }

  close(): void {
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
