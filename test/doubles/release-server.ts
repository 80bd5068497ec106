/**
 * A local double of the depot CLI's release channel: Depot's version-resolution endpoint
 * (`GET /cli/release/<platform>/<arch>/<version>` → `{ok, version, url}`) and goreleaser-shaped
 * downloads under `/download/v<version>/` (`depot_<v>_linux_amd64.tar.gz` holding `bin/depot`, plus
 * `checksums.txt`). The archive is built at test time from the real CLI binary in
 * node_modules/@depot/cli-linux-x64, with the small tar writer below. Every request is counted, and
 * failures can be switched on: N error answers, a corrupted archive, or the whole host down.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { maxSatisfying } from '../../packages/core/src/engine/semver';
import { REPO_ROOT } from '../harness/runner';

/** The real depot CLI the tests install (linux/x64). */
export const REAL_DEPOT_BINARY = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin', 'depot');
/** The version that binary prints with `--version`. */
export const REAL_DEPOT_VERSION = '2.102.12';

/** One tar entry to write. `type` is the ustar type flag ('0' file, '5' directory, '2' symlink). */
export interface TarFile {
  name: string;
  content?: Buffer;
  mode?: number;
  type?: string;
  linkname?: string;
}

const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;

function tarHeader(file: TarFile, size: number): Buffer {
  const block = Buffer.alloc(512);
  let name = file.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  block.write(name, 0, 100, 'utf8');
  block.write(octal(file.mode ?? 0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(1_700_000_000, 12), 136, 'latin1');
  block.fill(0x20, 148, 156);
  block.write(file.type ?? '0', 156, 'latin1');
  block.write(file.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/**
 * Writes an uncompressed ustar archive. Names are written as given (no clean-up), so tests can
 * build hostile archives too.
 */
export function tarArchive(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    // Directories and links carry no data; files and pax/GNU metadata records do.
    const content = ['1', '2', '5'].includes(file.type ?? '0')
      ? Buffer.alloc(0)
      : (file.content ?? Buffer.alloc(0));
    parts.push(tarHeader(file, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** gzip, fast: the binary is 50 MB and only the format matters. */
export const gzip = (data: Buffer): Buffer => gzipSync(data, { level: 1 });

export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let realArchive: Buffer | undefined;
/** The goreleaser-shaped archive of the real binary: README.md, LICENSE, bin/depot. Built once per process. */
export function releaseArchive(): Buffer {
  realArchive ??= gzip(
    tarArchive([
      { name: 'LICENSE', content: Buffer.from('MIT License\n') },
      { name: 'README.md', content: Buffer.from('# depot\n') },
      { name: 'bin/', type: '5', mode: 0o755 },
      { name: 'bin/depot', content: readFileSync(REAL_DEPOT_BINARY), mode: 0o755 },
    ]),
  );
  return realArchive;
}

export interface ReleaseServerOptions {
  /** Versions the channel has; `latest` is the newest. */
  versions: readonly string[];
  /** Serve checksums.txt (default true). */
  checksums?: boolean;
  /** Spread each archive download over this many seconds, as a slow network would (default: at once). */
  assetSeconds?: number;
}

export interface ReleaseServer {
  /** Base URL: use as DEPOT_RELEASE_URL. */
  url: string;
  /** Base of the release downloads: use as `download-url`. */
  downloadUrl: string;
  /** Paths of every request received, in order. */
  requests: string[];
  /** sha256 of the (uncorrupted) archive. */
  archiveSha256: string;
  /** Answers the next `count` requests whose path matches with `status` (default 500, any path). */
  failNext(count: number, status?: number, match?: RegExp): void;
  /** Serves a damaged archive (same length, bytes flipped in the middle) while on. */
  corrupt(on: boolean): void;
  /** Stops listening: later connections are refused. */
  down(): Promise<void>;
  close(): Promise<void>;
}

const ASSET = /^\/download\/v(\d+\.\d+\.\d+)\/depot_(\d+\.\d+\.\d+)_linux_amd64\.tar\.gz$/;
const CHECKSUMS = /^\/download\/v(\d+\.\d+\.\d+)\/checksums\.txt$/;
const RELEASE = /^\/cli\/release\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** Writes `body` in 20 slices spread evenly over `ms`. */
function throttled(res: ServerResponse, body: Buffer, ms: number): void {
  const slices = 20;
  const size = Math.ceil(body.length / slices);
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    res.write(body.subarray(sent, sent + size));
    sent += size;
    if (sent >= body.length) res.end();
    else setTimeout(next, ms / slices);
  };
  next();
}

/** Starts the double on 127.0.0.1 with a random port. */
export async function startReleaseServer(options: ReleaseServerOptions): Promise<ReleaseServer> {
  const archive = releaseArchive();
  const archiveSha256 = sha256Hex(archive);
  const requests: string[] = [];
  const failures: { count: number; status: number; match?: RegExp }[] = [];
  let corrupted = false;
  const has = (v: string): boolean => options.versions.includes(v);

  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const failure = failures.find((f) => f.count > 0 && (!f.match || f.match.test(path)));
    if (failure) {
      failure.count--;
      res.writeHead(failure.status).end('injected failure');
      return;
    }
    let match = RELEASE.exec(path);
    if (match) {
      const [, platform, arch, spec] = match;
      const version =
        spec === 'latest' ? maxSatisfying(options.versions, '*') : maxSatisfying(options.versions, spec);
      if (platform !== 'linux' || arch !== 'x64' || !version) {
        json(res, { ok: false, error: `No release matching ${spec} for ${platform}/${arch}` });
        return;
      }
      json(res, {
        ok: true,
        version,
        url: `${server.url}/download/v${version}/depot_${version}_linux_amd64.tar.gz`,
        publishedAt: '2026-09-22T00:00:00Z',
      });
      return;
    }
    match = ASSET.exec(path);
    if (match && match[1] === match[2] && has(match[1])) {
      let body = archive;
      if (corrupted) {
        body = Buffer.from(archive);
        for (let i = body.length >> 1; i < (body.length >> 1) + 64; i++) body[i] ^= 0xff;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      if (!options.assetSeconds) res.end(body);
      else throttled(res, body, options.assetSeconds * 1000);
      return;
    }
    match = CHECKSUMS.exec(path);
    if (match && has(match[1]) && options.checksums !== false) {
      const v = match[1];
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(
          [
            `${sha256Hex(Buffer.from(`darwin-${v}`))}  depot_${v}_darwin_amd64.tar.gz`,
            `${sha256Hex(Buffer.from(`darwin-arm-${v}`))}  depot_${v}_darwin_arm64.tar.gz`,
            `${archiveSha256}  depot_${v}_linux_amd64.tar.gz`,
            `${sha256Hex(Buffer.from(`windows-${v}`))}  depot_${v}_windows_amd64.zip`,
            '',
          ].join('\n'),
        );
      return;
    }
    res.writeHead(404).end('not found');
  };

  const http: Server = createServer(handle);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let listening = true;
  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  const server: ReleaseServer = {
    url,
    downloadUrl: `${url}/download`,
    requests,
    archiveSha256,
    failNext: (count, status = 500, match) => failures.push({ count, status, ...(match ? { match } : {}) }),
    corrupt: (on) => {
      corrupted = on;
    },
    down: stop,
    close: stop,
  };
  return server;
}
