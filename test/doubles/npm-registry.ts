/**
 * A local double of an npm registry serving `@depot/cli-linux-x64`: the (abbreviated) packument with
 * versions `0.0.1-cli.<X.Y.Z>` and a real `.tgz` (package/package.json + package/bin/depot, the real
 * CLI binary) whose `dist.integrity` is its real sha512. Every request is counted; the tarball can be
 * served damaged, and the registry can demand a token.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzip, REAL_DEPOT_BINARY, tarArchive } from './release-server';

export const PACKAGE_NAME = '@depot/cli-linux-x64';

export interface NpmRegistryOptions {
  /** CLI versions published (as 0.0.1-cli.<v>); the `latest` dist-tag is `latest` or the last one. */
  versions: readonly string[];
  latest?: string;
  /** Answer 401 unless `authorization: Bearer <token>` is sent. */
  token?: string;
}

export interface NpmRegistryDouble {
  url: string;
  /** Paths of every request received (as sent, still URL-encoded), in order. */
  requests: string[];
  /** `sha512-<base64>` of the tarball served. */
  integrity: string;
  /** Serves a damaged tarball (integrity no longer matches) while on. */
  corrupt(on: boolean): void;
  close(): Promise<void>;
}

let tarball: Buffer | undefined;
/** The package tarball, as `npm pack` lays it out. Built once per process. */
export function packageTarball(): Buffer {
  tarball ??= gzip(
    tarArchive([
      {
        name: 'package/package.json',
        content: Buffer.from(
          JSON.stringify({ name: PACKAGE_NAME, version: '0.0.1-cli.2.102.12', os: ['linux'] }),
        ),
      },
      { name: 'package/bin/depot', content: readFileSync(REAL_DEPOT_BINARY), mode: 0o755 },
    ]),
  );
  return tarball;
}

/** Starts the registry double on 127.0.0.1 with a random port. */
export async function startNpmRegistry(options: NpmRegistryOptions): Promise<NpmRegistryDouble> {
  const body = packageTarball();
  const integrity = `sha512-${createHash('sha512').update(body).digest('base64')}`;
  const shasum = createHash('sha1').update(body).digest('hex');
  const requests: string[] = [];
  let corrupted = false;
  let url = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const raw = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(raw);
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
          dist: { tarball: `${url}/${PACKAGE_NAME}/-/cli-linux-x64-${npmVersion}.tgz`, integrity, shasum },
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
      let data = body;
      if (corrupted) {
        data = Buffer.from(body);
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
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
