// Unpacking between a verified download and the tool cache: archives are unpacked by
// @actions/tool-cache (tar, or the platform's unzip on Windows; a .tar.gz arrives already inflated
// to a .tar, see archive-observer.ts), and the staged binary must run and name the version asked for
// before it is cached: a checksum only proves the file is the one the mirror vouches for, not that it
// is a depot CLI for this machine.
import { execFile } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf, UserError } from '../errors';
import { MAX_UNPACKED_BYTES, unpacksTooLarge } from './archive-observer';
import { withToolCache } from './toolkit';

/** Largest archive downloaded: the CLI's archives are 20-30 MB, so this is several times that. */
export const MAX_ARCHIVE_BYTES = 200 * 1024 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The unpacked size a .zip declares in its central directory (the sum of its entries' sizes), or
 * undefined when the file has no readable central directory. ZIP64 sizes count as over any limit:
 * the CLI's archives are far below 4 GiB. Inflating a zip while it downloads is not possible (its
 * index is at the end), so this is what bounds a zip before it is unpacked.
 */
export function zipDeclaredSize(zip: Buffer): number | undefined {
  const END = 0x06054b50;
  const ENTRY = 0x02014b50;
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== ENTRY) return undefined;
    const size = zip.readUInt32LE(at + 24);
    if (size === 0xffffffff) return Number.POSITIVE_INFINITY;
    total += size;
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return total;
}

/** What `unpack` takes: a release archive, or a .tar.gz already inflated while it downloaded. */
export type ArchiveFormat = 'tar.gz' | 'tar' | 'zip';

/** A verified download, ready to unpack. */
export interface VerifiedArchive {
  /** The file to unpack: the archive, or the tar it was inflated to. */
  path: string;
  format: ArchiveFormat;
  /** Everything the download wrote, to remove once unpacked. */
  files: string[];
  /** The archive's sha256, when it was computed (release archives): recorded with the cache entry. */
  sha256?: string;
}

/**
 * Unpacks a verified archive into `dest` and returns the executable: the first of `candidates`
 * (paths inside the archive) that is a regular file. A link or a missing file is refused.
 */
export async function unpack(
  archive: string,
  format: ArchiveFormat,
  dest: string,
  candidates: readonly string[],
  context: { env: Env; toolCache: string; name: string },
): Promise<string> {
  if (format === 'zip') {
    const declared = zipDeclaredSize(await readFile(archive));
    if (declared === undefined)
      throw new UserError(`${context.name} is not a readable .zip archive; nothing was installed.`);
    if (declared > MAX_UNPACKED_BYTES) throw unpacksTooLarge(context.name);
  }
  try {
    await withToolCache(context.env, context.toolCache, async (tc) => {
      if (format === 'zip') await tc.extractZip(archive, dest);
      else await tc.extractTar(archive, dest, format === 'tar' ? 'x' : 'xz');
    });
  } catch (error) {
    // It matched its checksum, so the mirror vouches for something that is not an archive.
    throw new UserError(
      `${context.name} could not be unpacked as a .${format === 'zip' ? 'zip' : 'tar.gz'} archive (${messageOf(error)}); nothing was installed.`,
      'The mirror serves something else under this name (an error page?). Check download-url or DEPOT_RELEASE_URL.',
    );
  }
  for (const candidate of candidates) {
    const path = join(dest, candidate);
    try {
      if (lstatSync(path).isFile()) return path;
    } catch {
      // not in this archive; try the next name
    }
  }
  throw new UserError(
    `${context.name} holds no ${candidates.join(' or ')} (as a regular file); nothing was installed.`,
  );
}

/**
 * Runs `<binary> --version` once and checks it names `version` (`depot version 2.102.12 (...)`).
 * Skipped when installing for another machine, where the binary cannot run.
 */
export async function checkRuns(binary: string, version: string, foreign: boolean): Promise<void> {
  if (foreign) return;
  const output = await new Promise<string>((resolve) => {
    execFile(binary, ['--version'], { timeout: 20_000, maxBuffer: 64 * 1024 }, (error, stdout, stderr) => {
      resolve(error ? `(${describeRun(error)}) ${String(stderr).slice(0, 200)}` : String(stdout));
    });
  });
  const found = /\bversion v?(\d+\.\d+\.\d+)\b/.exec(output)?.[1];
  if (found === version) return;
  const shown = output.replace(/\s+/g, ' ').trim().slice(0, 120);
  throw new UserError(
    `The downloaded depot CLI ${version} does not run as one: \`depot --version\` answered ${JSON.stringify(shown)}; nothing was installed.`,
    'The mirror or registry serves something else under this name. Check download-url, DEPOT_RELEASE_URL or the npm registry setting.',
  );
}

const describeRun = (error: Error & { code?: unknown; signal?: unknown }): string =>
  typeof error.code === 'string'
    ? error.code
    : error.signal
      ? `killed by ${String(error.signal)}`
      : `exit ${String(error.code)}`;
