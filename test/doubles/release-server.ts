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
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync as writeFile, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { evaluateVersions } from '@actions/tool-cache';
import { REPO_ROOT } from '../harness/runner';
import { listen, refused } from './behind-proxy';

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
  realArchive ??= gzip(goreleaserTar(readFileSync(REAL_DEPOT_BINARY)));
  return realArchive;
}

const goreleaserTar = (binary: Buffer, name = 'depot'): Buffer =>
  tarArchive([
    { name: 'LICENSE', content: Buffer.from('MIT License\n') },
    { name: 'README.md', content: Buffer.from('# depot\n') },
    { name: 'bin/', type: '5', mode: 0o755 },
    { name: `bin/${name}`, content: binary, mode: 0o755 },
  ]);

/**
 * A stand-in CLI for versions other than the real binary's: a script that answers `--version` as
 * the real CLI does, so the installer's test run accepts it for exactly that version.
 */
export const versionScript = (version: string): Buffer =>
  Buffer.from(`#!/bin/sh\necho "depot version ${version} (2026-01-01)"\n`);

const archives = new Map<string, Buffer>();
/** The archive for a version and goreleaser OS: tar.gz (linux, darwin) or a real zip (windows). */
export function archiveFor(version: string, os = 'linux'): Buffer {
  const key = `${version}/${os}`;
  let archive = archives.get(key);
  if (!archive) {
    if (os === 'linux' && version === REAL_DEPOT_VERSION) archive = releaseArchive();
    else if (os === 'windows')
      archive = zipArchive({ 'depot.exe': versionScript(version), 'README.md': Buffer.from('# depot\n') });
    else archive = gzip(goreleaserTar(versionScript(version)));
    archives.set(key, archive);
  }
  return archive;
}

/** A zip made by Debian's `zip`, as goreleaser publishes Windows archives. */
export function zipArchive(files: Record<string, Buffer>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'zip-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFile(join(dir, name), content);
      chmodSync(join(dir, name), 0o755);
    }
    execFileSync('zip', ['-q', '-X', 'out.zip', ...Object.keys(files)], { cwd: dir });
    return readFileSync(join(dir, 'out.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of a zip whose central directory claims each entry unpacks to `bytes`. */
export function declaringSize(zip: Buffer, bytes: number): Buffer {
  const copy = Buffer.from(zip);
  for (let i = 0; i + 46 <= copy.length; i++)
    if (copy.readUInt32LE(i) === 0x02014b50) copy.writeUInt32LE(bytes, i + 24);
  return copy;
}

/**
 * A small gzip archive whose bin/depot unpacks to `bytes` of zeros: one tar header, then the data as
 * many identical gzip members (a gzip stream may be several concatenated members).
 */
export function bombArchive(bytes: number): Buffer {
  const header = tarArchive([{ name: 'bin/depot', content: Buffer.alloc(0), mode: 0o755 }]).subarray(0, 512);
  header.write(`${bytes.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  let sum = 0;
  header.fill(0x20, 148, 156);
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const mb = gzip(Buffer.alloc(1024 * 1024));
  const parts = [gzip(header)];
  for (let i = 0; i < Math.ceil(bytes / (1024 * 1024)); i++) parts.push(mb);
  parts.push(gzip(Buffer.alloc(1024)));
  return Buffer.concat(parts);
}

/**
 * The newest version in a range, by node-semver as @actions/tool-cache ships it; its progress lines
 * (workflow commands on stdout) are kept out of the test log.
 */
function newest(versions: readonly string[], range: string): string | undefined {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof write;
  try {
    return evaluateVersions([...versions], range) || undefined;
  } finally {
    process.stdout.write = write;
  }
}

export interface ReleaseServerOptions {
  /** Versions the channel has; `latest` is the newest. */
  versions: readonly string[];
  /** Serve checksums.txt (default true). */
  checksums?: boolean;
  /** Spread each archive download over this many seconds, as a slow network would (default: at once). */
  assetSeconds?: number;
  /** Listen where only the proxy reaches it, as `http://<name>.depot.test`. */
  behindProxy?: string;
}

/** What the archive URLs serve instead of the real archive (with a matching checksums.txt). */
export type Hostile =
  | { kind: 'html' }
  | { kind: 'html-as-depot' }
  | { kind: 'real-cli-for-every-version' }
  | { kind: 'bomb'; bytes: number }
  | { kind: 'zip-declaring'; bytes: number }
  | { kind: 'endless' }
  /** Headers and a little data, then silence: every transfer, or the next `count` ones and then the real ones. */
  | { kind: 'stall'; count?: number }
  /** The real archive with bytes flipped in its gzip stream (and checksums.txt vouching for it). */
  | { kind: 'damaged-gzip' }
  /** The first half of the real archive (and checksums.txt vouching for it). */
  | { kind: 'truncated-gzip' }
  /** The next `count` archive transfers break off halfway (the connection is dropped); then the real ones. */
  | { kind: 'break-off'; count: number };

export interface ReleaseServer {
  /** Port it listens on; `host` is its proxy-only name, when behind the proxy. */
  port: number;
  host?: string;
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
  /** Serves a hostile answer for archives from now on (undefined: the real ones again). */
  hostile(kind: Hostile | undefined): void;
  /** Archive requests currently open (a stalled one stays open until the client gives up). */
  openDownloads(): number;
  /** Stops listening: later connections are refused. */
  down(): Promise<void>;
  close(): Promise<void>;
}

const ASSET =
  /^\/download\/v(\d+\.\d+\.\d+)\/depot_(\d+\.\d+\.\d+)_(linux|darwin|windows)_(amd64|arm64)\.(tar\.gz|zip)$/;
const HTML = Buffer.from('<!doctype html><html><body><h1>Sign in to continue</h1></body></html>\n');
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
  const archiveSha256 = sha256Hex(releaseArchive());
  let hostile: Hostile | undefined;
  let open = 0;
  const served = (version: string, os: string): Buffer => {
    if (hostile?.kind === 'html') return HTML;
    if (hostile?.kind === 'html-as-depot') return gzip(goreleaserTar(HTML));
    if (hostile?.kind === 'bomb') return bombArchive(hostile.bytes);
    if (hostile?.kind === 'zip-declaring' && os === 'windows')
      return declaringSize(archiveFor(version, os), hostile.bytes);
    if (hostile?.kind === 'real-cli-for-every-version' && os === 'linux') return releaseArchive();
    const archive = archiveFor(version, os);
    if (hostile?.kind === 'truncated-gzip' && os === 'linux') return archive.subarray(0, archive.length >> 1);
    if (hostile?.kind === 'damaged-gzip' && os === 'linux') {
      const damaged = Buffer.from(archive);
      for (let i = damaged.length >> 1; i < (damaged.length >> 1) + 64; i++) damaged[i] ^= 0xff;
      return damaged;
    }
    return archive;
  };
  const requests: string[] = [];
  const failures: { count: number; status: number; match?: RegExp }[] = [];
  let corrupted = false;
  const has = (v: string): boolean => options.versions.includes(v);

  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (refused(req)) return;
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
      const version = newest(options.versions, spec === 'latest' ? '*' : spec);
      const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[platform];
      const goArch = { x64: 'amd64', arm64: 'arm64' }[arch];
      if (!os || !goArch || !version) {
        json(res, { ok: false, error: `No release matching ${spec} for ${platform}/${arch}` });
        return;
      }
      json(res, {
        ok: true,
        version,
        url: `${server.url}/download/v${version}/depot_${version}_${os}_${goArch}.${os === 'windows' ? 'zip' : 'tar.gz'}`,
        publishedAt: '2026-09-22T00:00:00Z',
      });
      return;
    }
    match = ASSET.exec(path);
    if (
      match &&
      match[1] === match[2] &&
      has(match[1]) &&
      (match[5] === 'zip') === (match[3] === 'windows')
    ) {
      if (hostile?.kind === 'endless' || (hostile?.kind === 'stall' && hostile.count !== 0)) {
        if (hostile.kind === 'stall' && hostile.count) hostile.count--;
        open++;
        res.on('close', () => open--);
        res.writeHead(200, { 'content-type': 'application/gzip' });
        const chunk = Buffer.alloc(1024 * 1024, 7);
        if (hostile.kind === 'stall') {
          res.write(chunk.subarray(0, 4096)); // headers and a little data, then silence
          return;
        }
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      let body = served(match[1], match[3]);
      if (hostile?.kind === 'break-off' && hostile.count > 0) {
        hostile.count--;
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      if (corrupted) {
        body = Buffer.from(body);
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
      const sum = (os: string, arch: string, ext: string): string =>
        `${sha256Hex(served(v, os))}  depot_${v}_${os}_${arch}.${ext}`;
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(
          [
            sum('darwin', 'amd64', 'tar.gz'),
            sum('darwin', 'arm64', 'tar.gz'),
            hostile?.kind === 'endless' || (hostile?.kind === 'stall' && hostile.count === undefined)
              ? `${'0'.repeat(64)}  depot_${v}_linux_amd64.tar.gz`
              : sum('linux', 'amd64', 'tar.gz'),
            sum('windows', 'amd64', 'zip'),
            sum('windows', 'arm64', 'zip'),
            '',
          ].join('\n'),
        );
      return;
    }
    res.writeHead(404).end('not found');
  };

  const http: Server = createServer(handle);
  const listening0 = await listen(http, options.behindProxy);
  const url = listening0.url;
  let listening = true;
  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  const server: ReleaseServer = {
    url,
    port: listening0.port,
    ...(listening0.host ? { host: listening0.host } : {}),
    hostile: (kind) => {
      hostile = kind;
    },
    openDownloads: () => open,
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
