// What happens to a release archive while it downloads: its digests are computed, and a .tar.gz is
// inflated into a plain .tar next to it, counting the unpacked bytes. Nothing reads the archive
// again after the last byte, and unpacking the verified .tar is only tar copying files out: the
// decompression (the slow part of `tar xz`, done single-threaded by gzip) already ran alongside the
// network. The .tar is an intermediate file in the install's private directory; nothing from it is
// unpacked, run or cached before the digests match.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { UserError } from '../errors';
import { AttemptError } from '../http/attempt';
import type { DownloadObserver } from '../http/download';
import type { VerifiedArchive } from './unpack';
import type { Digests, SriAlgorithm } from './verify';

/** Largest unpacked size accepted: the CLI binary is about 50 MB. */
export const MAX_UNPACKED_BYTES = 400 * 1024 * 1024;

const INFLATE_CHUNK_BYTES = 1024 * 1024;
const megabytes = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
/** The refusal of an archive (named `name`) that unpacks past `limit`, .tar.gz and .zip alike. */
export const unpacksTooLarge = (name: string, limit = MAX_UNPACKED_BYTES): UserError =>
  new UserError(`${name} unpacks to more than the ${megabytes(limit)} limit; nothing was installed.`);

/** Compressed bytes that may wait for inflating before the download is held back. */
export const INFLATE_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * The attempts of one archive download, for both sources (release and npm): `observe` gives each
 * attempt its observer and, for a .tar.gz, a tar file of its own (a failed attempt's stream may
 * still be finishing a write when the next one starts); `verified` checks the finished download and
 * says what to unpack and what to remove afterwards.
 */
export class ArchiveDownload {
  private readonly tars: string[] = [];

  constructor(
    readonly archive: string,
    private readonly algorithms: readonly SriAlgorithm[],
    private readonly format: 'tar.gz' | 'zip',
  ) {}

  /** The observer of the next attempt (for downloadWithRetry's `observe`). */
  readonly observe = (): ArchiveObserver => {
    if (this.format !== 'tar.gz') return new ArchiveObserver(this.algorithms, undefined);
    const tar = `${this.archive}.${this.tars.length + 1}.tar`;
    this.tars.push(tar);
    return new ArchiveObserver(this.algorithms, tar);
  };

  /**
   * Runs `check` on the digests of the attempt that completed (named `name` in messages), then
   * waits for its tar. When `check` throws, the inflater is stopped and its tar dropped at once:
   * otherwise it goes on writing an unverified stream (up to the unpacked ceiling) into a file
   * whose directory is removed, holding the handle and the space until the process exits.
   */
  async verified(
    observer: ArchiveObserver,
    name: string,
    check: (digests: Digests) => void,
  ): Promise<VerifiedArchive> {
    const digests = observer.digests();
    try {
      check(digests);
    } catch (error) {
      observer.discard();
      throw error;
    }
    const tar = await observer.inflatedTar(name);
    const files = [this.archive, ...this.tars];
    const sha256 = digests.sha256 ? { sha256: digests.sha256 } : {};
    return tar
      ? { path: tar, format: 'tar', files, ...sha256 }
      : { path: this.archive, format: this.format, files, ...sha256 };
  }
}

/** Hashes the download and, for gzip archives, inflates it to `tarPath` as it arrives. */
export class ArchiveObserver implements DownloadObserver {
  private readonly hashes: Map<SriAlgorithm, Hash>;
  private readonly gunzip: Gunzip | undefined;
  private readonly file: WriteStream | undefined;
  private readonly inflated: Promise<boolean>;
  private unpacked = 0;
  private exceeded = false;

  /**
   * @param tarPath for a gzip archive, where the inflated tar goes (created 0600); undefined for
   *   archives that cannot be inflated as they arrive (a .zip keeps its index at the end).
   */
  constructor(
    algorithms: readonly SriAlgorithm[],
    readonly tarPath: string | undefined,
    private readonly maxUnpacked = MAX_UNPACKED_BYTES,
  ) {
    this.hashes = new Map(algorithms.map((a) => [a, createHash(a)]));
    if (!tarPath) {
      this.inflated = Promise.resolve(false);
      return;
    }
    // Large output chunks: with zlib's default 16 KiB, writing the tar costs more than inflating it.
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
    const file = createWriteStream(tarPath, { mode: 0o600 });
    this.gunzip = gunzip;
    this.file = file;
    this.inflated = new Promise<boolean>((resolve) => {
      let complete = false;
      gunzip.on('end', () => {
        complete = true;
      });
      gunzip.on('data', (chunk: Buffer) => {
        this.unpacked += chunk.length;
        if (this.unpacked > this.maxUnpacked && !this.exceeded) {
          this.exceeded = true;
          this.discard();
        }
      });
      // A damaged stream is no inflated tar; the checksum check or tar says why, with a better message.
      gunzip.on('error', () => file.destroy());
      file.on('error', () => gunzip.destroy());
      file.on('close', () => resolve(complete && !this.exceeded && !file.errored));
    });
    gunzip.pipe(file);
  }

  /**
   * Hashes a chunk and hands it to the inflater. Resolves at once, unless the inflater is more than
   * INFLATE_BACKLOG_BYTES behind: then only when it has caught up, so a network faster than the disk
   * the tar is written to holds the download back instead of piling the archive up in memory.
   */
  update(chunk: Buffer): Promise<void> | undefined {
    for (const hash of this.hashes.values()) hash.update(chunk);
    if (this.exceeded) throw this.tooLarge();
    const gunzip = this.gunzip;
    if (!gunzip || gunzip.destroyed) return undefined;
    gunzip.write(chunk);
    if (gunzip.writableLength <= INFLATE_BACKLOG_BYTES) return undefined;
    // 'close' too: a damaged stream or a discard ends the inflater without ever draining it.
    return new Promise((resolve) => {
      const done = (): void => {
        gunzip.off('drain', done);
        gunzip.off('close', done);
        resolve();
      };
      gunzip.on('drain', done);
      gunzip.on('close', done);
    });
  }

  /**
   * Stops inflating (a failed attempt, a failed check, or past the ceiling) and removes the tar once
   * its file is closed. Removing it now rather than with the work dir matters for retries: every
   * attempt writes its own tar, and a transfer that breaks off just short of the unpacked ceiling,
   * once per attempt, would otherwise keep several times that ceiling on the runner's disk.
   */
  discard(): void {
    const { file, tarPath } = this;
    this.gunzip?.unpipe();
    this.gunzip?.destroy();
    if (!file || !tarPath) return;
    const remove = (): void => void rm(tarPath, { force: true }).catch(() => {});
    if (file.closed) remove();
    else {
      file.once('close', remove);
      file.destroy();
    }
  }

  /** Digests of the whole file (hex). */
  digests(): Digests {
    const digests: Digests = {};
    for (const [algorithm, hash] of this.hashes) digests[algorithm] = hash.digest('hex');
    return digests;
  }

  /**
   * Waits for the inflated tar after the last byte. Returns its path, or undefined when the archive
   * did not inflate (not gzip, or damaged: unpacking the original then reports it). Throws a
   * UserError naming the archive (`name`) when it unpacks past the ceiling: a small bomb arrives
   * whole before the inflater gets there, so this, not the download, is where it is usually caught.
   */
  async inflatedTar(name: string): Promise<string | undefined> {
    if (this.gunzip && !this.exceeded) this.gunzip.end();
    const ok = await this.inflated;
    if (this.exceeded) throw unpacksTooLarge(name, this.maxUnpacked);
    return ok ? this.tarPath : undefined;
  }

  private tooLarge(): AttemptError {
    return new AttemptError(`it unpacks to more than the ${megabytes(this.maxUnpacked)} limit`, false);
  }
}
