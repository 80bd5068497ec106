/**
 * A local double of an npm registry serving `@depot/cli-linux-x64`: the (abbreviated) packument with
 * versions `0.0.1-cli.<X.Y.Z>` and a real `.tgz` (package/package.json + package/bin/depot, the real
 * CLI binary) whose `dist.integrity` is its real sha512. Every request is counted; the tarball can be
 * served damaged, and the registry can demand a token.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, refused } from './behind-proxy';
import { gzip, REAL_DEPOT_BINARY, REAL_DEPOT_VERSION, tarArchive, versionScript } from './release-server';

export const PACKAGE_NAME = '@depot/cli-linux-x64';

export interface NpmRegistryOptions {
  /** CLI versions published (as 0.0.1-cli.<v>); the `latest` dist-tag is `latest` or the last one. */
  versions: readonly string[];
  latest?: string;
  /** Answer 401 unless `authorization: Bearer <token>` is sent. */
  token?: string;
  /** Listen where only the proxy reaches it, as `http://<name>.depot.test`. */
  behindProxy?: string;
}

export interface NpmRegistryDouble {
  url: string;
  port: number;
  host?: string;
  /** Authorization headers received, in order (undefined when none was sent). */
  authorizations: (string | undefined)[];
  /** Paths of every request received (as sent, still URL-encoded), in order. */
  requests: string[];
  /** `sha512-<base64>` of the tarball served. */
  integrity: string;
  /** Serves a damaged tarball (integrity no longer matches) while on. */
  corrupt(on: boolean): void;
  close(): Promise<void>;
}

const tarballs = new Map<string, Buffer>();
/**
 * The package tarball of a CLI version, as `npm pack` lays it out: the real binary for the real
 * version, a script answering `--version` like it for others. Built once per process.
 */
export function packageTarball(version = REAL_DEPOT_VERSION): Buffer {
  let tarball = tarballs.get(version);
  if (!tarball) {
    const binary = version === REAL_DEPOT_VERSION ? readFileSync(REAL_DEPOT_BINARY) : versionScript(version);
    tarball = gzip(
      tarArchive([
        {
          name: 'package/package.json',
          content: Buffer.from(
            JSON.stringify({ name: PACKAGE_NAME, version: `0.0.1-cli.${version}`, os: ['linux'] }),
          ),
        },
        { name: 'package/bin/depot', content: binary, mode: 0o755 },
      ]),
    );
    tarballs.set(version, tarball);
  }
  return tarball;
}

/** Starts the registry double on 127.0.0.1 with a random port. */
export async function startNpmRegistry(options: NpmRegistryOptions): Promise<NpmRegistryDouble> {
  const integrityOf = (version: string): string =>
    `sha512-${createHash('sha512').update(packageTarball(version)).digest('base64')}`;
  const integrity = integrityOf(REAL_DEPOT_VERSION);
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  let corrupted = false;
  let url = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (refused(req)) return;
    const raw = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(raw);
    authorizations.push(req.headers.authorization);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"authentication required"}');
      return;
    }
    const path = decodeURIComponent(raw);
    if (path === `/${PACKAGE_NAME}`) {
      const versions: Record<string, unknown> = {};
      for (const v of options.versions) {
        const npmVersion = `0.0.1-cli.${v}`;
        versions[npmVersion] = {
          name: PACKAGE_NAME,
          version: npmVersion,
          dist: {
            tarball: `${url}/${PACKAGE_NAME}/-/cli-linux-x64-${npmVersion}.tgz`,
            integrity: integrityOf(v),
            shasum: createHash('sha1').update(packageTarball(v)).digest('hex'),
          },
        };
      }
      const latest = `0.0.1-cli.${options.latest ?? options.versions.at(-1)}`;
      res
        .writeHead(200, { 'content-type': 'application/vnd.npm.install-v1+json' })
        .end(JSON.stringify({ name: PACKAGE_NAME, 'dist-tags': { latest }, versions }));
      return;
    }
    const tgz = new RegExp(
      `^/${PACKAGE_NAME}/-/cli-linux-x64-0\\.0\\.1-cli\\.(\\d+\\.\\d+\\.\\d+)\\.tgz$`,
    ).exec(path);
    if (tgz && options.versions.includes(tgz[1])) {
      let data = packageTarball(tgz[1]);
      if (corrupted) {
        data = Buffer.from(data);
        data[data.length >> 1] ^= 0xff;
      }
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length })
        .end(data);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  };

  const server = createServer(handle);
  const listening = await listen(server, options.behindProxy);
  url = listening.url;
  return {
    url,
    port: listening.port,
    ...(listening.host ? { host: listening.host } : {}),
    requests,
    authorizations,
    integrity,
    corrupt: (on) => {
      corrupted = on;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
