// A minimal streaming tar reader: enough of ustar (plus the pax `path` and GNU long-name records that
// npm and goreleaser may write) to pull one regular file out of a .tar.gz. Links, devices and the
// like are skipped, never written, and any entry whose path is absolute or climbs out with `..`
// rejects the whole archive. Windows `.zip` archives are not read here: see install.ts.
import { chmodSync, closeSync, createReadStream, openSync, rmSync, writeSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors';

const BLOCK = 512;

/** One entry's header, with the name already resolved (pax path / GNU long name / ustar prefix). */
export interface TarEntry {
  name: string;
  size: number;
  /** ustar type flag: '0' regular file, '5' directory, '2' symlink, ... */
  type: string;
  mode: number;
}

/** What a visitor does with an entry's data; undefined skips it. */
export interface EntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

/** A broken or unsafe archive. */
export class ArchiveError extends UserError {
  constructor(message: string) {
    super(message, 'The download is damaged or not a depot release archive; nothing was installed.');
    this.name = 'ArchiveError';
  }
}

/** Whether a type flag is a regular file ('0', the old '\0', and '7' contiguous). */
export const isRegularFile = (entry: TarEntry): boolean => ['0', '', '7'].includes(entry.type);

/** Normalises an entry name and rejects absolute paths and `..` segments. */
export function safeEntryName(name: string): string {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) {
    throw new ArchiveError(`The archive holds an absolute path: ${JSON.stringify(name)}.`);
  }
  const parts = unified.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new ArchiveError(`The archive holds a path outside its root: ${JSON.stringify(name)}.`);
  return parts.join('/');
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

function numeric(block: Buffer, start: number, length: number): number {
  // GNU base-256 for values too large for octal: high bit set, big-endian after it.
  if (block[start] & 0x80) {
    let value = block[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i];
    return value;
  }
  const digits = text(block, start, length).trim();
  const value = digits === '' ? 0 : Number.parseInt(digits, 8);
  if (!Number.isFinite(value)) throw new ArchiveError('The archive has a damaged header.');
  return value;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === numeric(block, 148, 8);
}

/** pax extended header records: `<len> <key>=<value>\n`. */
function paxPath(body: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = Number.parseInt(body.subarray(at, space).toString('ascii'), 10);
    if (space < 0 || !Number.isFinite(length) || length <= 0) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += length;
  }
  return path;
}

/**
 * Reads a tar stream, calling `visit` for every entry except pax/GNU metadata records. Throws an
 * ArchiveError for a damaged, truncated or unsafe archive.
 */
export async function readTar(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  visit: (entry: TarEntry) => EntrySink | undefined,
): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  let left = 0; // data bytes of the current entry still to come
  let padding = 0; // zero bytes after them, up to the next block
  let sink: EntrySink | undefined;
  let meta: Buffer[] | undefined; // body of a pax 'x' or GNU 'L' record being collected
  let metaType = '';
  let nextName: string | undefined; // name from the record before this entry
  let done = false;

  const header = (block: Buffer): void => {
    if (block.every((b) => b === 0)) {
      done = true;
      return;
    }
    if (!checksumOk(block)) throw new ArchiveError('The archive has a damaged header (bad checksum).');
    const type = text(block, 156, 1);
    const size = numeric(block, 124, 12);
    left = size;
    padding = (BLOCK - (size % BLOCK)) % BLOCK;
    sink = undefined;
    meta = undefined;
    if (type === 'x' || type === 'L' || type === 'g') {
      meta = [];
      metaType = type;
      return;
    }
    const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = ustar ? text(block, 345, 155) : '';
    const raw = nextName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    nextName = undefined;
    const entry: TarEntry = { name: safeEntryName(raw), size, type, mode: numeric(block, 100, 8) };
    sink = visit(entry);
  };

  const endOfData = (): void => {
    sink?.end();
    sink = undefined;
    if (meta) {
      const body = Buffer.concat(meta);
      if (metaType === 'x') nextName = paxPath(body) ?? nextName;
      if (metaType === 'L') nextName = text(body, 0, body.length);
      meta = undefined;
    }
  };

  for await (const chunk of chunks) {
    if (done) continue; // drain: tar writers pad the end with zero blocks
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (!done) {
      if (left > 0) {
        const take = Math.min(left, pending.length - at);
        if (take === 0) break;
        const data = pending.subarray(at, at + take);
        sink?.write(data);
        meta?.push(Buffer.from(data));
        left -= take;
        at += take;
        if (left === 0) endOfData();
      } else if (padding > 0) {
        const skip = Math.min(padding, pending.length - at);
        if (skip === 0) break;
        padding -= skip;
        at += skip;
      } else {
        if (pending.length - at < BLOCK) break;
        header(pending.subarray(at, at + BLOCK));
        at += BLOCK;
        if (!done && left === 0) endOfData();
      }
    }
    pending = pending.subarray(at);
  }
  if (!done && (left > 0 || padding > 0 || pending.length > 0)) {
    sink?.end();
    throw new ArchiveError('The archive is truncated.');
  }
}

/**
 * Extracts the first regular file named one of `wanted` from a .tar.gz into `dest` (mode 0755) and
 * returns the name it had. Throws when there is none; `dest` is removed on any failure.
 */
export async function extractFromTarGz(
  archive: string,
  wanted: readonly string[],
  dest: string,
): Promise<string> {
  let found: string | undefined;
  let fd: number | undefined;
  try {
    await readTar(createReadStream(archive).pipe(createGunzip()), (entry) => {
      if (found !== undefined || !isRegularFile(entry) || !wanted.includes(entry.name)) return undefined;
      found = entry.name;
      const out = openSync(dest, 'wx', 0o755);
      fd = out;
      return {
        write: (chunk) => {
          for (let at = 0; at < chunk.length;) at += writeSync(out, chunk, at);
        },
        end: () => {
          closeSync(out);
          fd = undefined;
        },
      };
    });
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(dest, { force: true });
    if (error instanceof UserError) throw error;
    // zlib's errors ("incorrect header check", "unexpected end of file") mean a damaged download.
    throw new ArchiveError(
      `The archive could not be read: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  if (found === undefined) throw new ArchiveError(`The archive holds no ${wanted.join(' or ')}.`);
  chmodSync(dest, 0o755);
  return found;
}
